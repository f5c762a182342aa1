//! The CLI creates users and clients in the database the server reads.

use crate::helpers::{spawn_app, TestApp};
use tollgate::oauth::secrets;
use tollgate::storage::{self, Database};

fn database(app: &TestApp) -> Database {
    Database::open(&app.db.url, 1).unwrap()
}

#[tokio::test]
async fn a_user_created_with_the_cli_is_stored_with_an_argon2id_hash() {
    let app = spawn_app().await;
    let out = app.cli(
        &["user", "create", "--username", "alice", "--password-stdin"],
        Some("correct horse\n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let user = database(&app)
        .run_sync(|c| storage::users::by_username(c, "alice"))
        .unwrap()
        .unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert!(!user.is_admin);
    assert!(tollgate::oauth::accounts::verify_password(
        &"correct horse".to_string().into(),
        &user.password_hash
    ));
}

#[tokio::test]
async fn an_admin_flag_makes_an_administrator() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "user",
            "create",
            "--username",
            "root",
            "--password-stdin",
            "--admin",
        ],
        Some("s3cret-pass\n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let user = database(&app)
        .run_sync(|c| storage::users::by_username(c, "root"))
        .unwrap()
        .unwrap();
    assert!(user.is_admin);
}

#[tokio::test]
async fn a_taken_username_is_refused() {
    let app = spawn_app().await;
    let args = ["user", "create", "--username", "bob", "--password-stdin"];
    assert_eq!(app.cli(&args, Some("password-one\n")).code, 0);
    let again = app.cli(&args, Some("password-two\n"));
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already taken"), "{}", again.stderr);
}

#[tokio::test]
async fn a_short_password_is_refused() {
    let app = spawn_app().await;
    let out = app.cli(
        &["user", "create", "--username", "carol", "--password-stdin"],
        Some("short\n"),
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("8 to 1024"), "{}", out.stderr);
}

#[tokio::test]
async fn a_confidential_client_gets_a_secret_stored_only_as_a_hash() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "client",
            "create",
            "--name",
            "Billing",
            "--grant-type",
            "client_credentials",
            "--scope",
            "invoices:read",
            "--json",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let created: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let id = created["client_id"].as_str().unwrap().to_string();
    let secret = created["client_secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 43);
    let row = database(&app)
        .run_sync(move |c| storage::clients::by_id(c, &id))
        .unwrap()
        .unwrap();
    let stored = row.secret_hash.unwrap();
    assert_ne!(stored, secret);
    assert!(secrets::matches_hash(&secret, &stored));
    assert_eq!(row.grant_types, "client_credentials");
    assert_eq!(row.scopes, "invoices:read");
}

#[tokio::test]
async fn a_public_client_has_no_secret() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "client",
            "create",
            "--name",
            "SPA",
            "--public",
            "--redirect-uri",
            "http://127.0.0.1:3000/cb",
            "--json",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let created: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert!(created["client_id"].is_string());
    assert!(created.get("client_secret").is_none());
}

#[tokio::test]
async fn created_clients_are_listed_and_deleted_clients_are_not() {
    let app = spawn_app().await;
    let create = |name: &str| {
        let out = app.cli(
            &[
                "client",
                "create",
                "--name",
                name,
                "--grant-type",
                "client_credentials",
                "--json",
            ],
            None,
        );
        serde_json::from_str::<serde_json::Value>(out.stdout.trim()).unwrap()["client_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let keep = create("Keep");
    let gone = create("Gone");
    assert_eq!(app.cli(&["client", "delete", "--", &gone], None).code, 0);
    let list: serde_json::Value =
        serde_json::from_str(app.cli(&["client", "list", "--json"], None).stdout.trim()).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["client_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![keep.as_str()]);
}

#[tokio::test]
async fn an_insecure_redirect_uri_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "client",
            "create",
            "--name",
            "Bad",
            "--redirect-uri",
            "http://evil.example/cb",
        ],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("https"), "{}", out.stderr);
    assert!(database(&app).run_sync(storage::clients::all).unwrap().is_empty());
}

#[tokio::test]
async fn a_public_client_cannot_be_given_client_credentials() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "client",
            "create",
            "--name",
            "Bad",
            "--public",
            "--grant-type",
            "client_credentials",
        ],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("public client"), "{}", out.stderr);
}

#[test]
fn wrong_arguments_get_the_usage_message() {
    let out = crate::helpers::run_cli("sqlite://unused.db", &["client", "create", "--nmae", "x"], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Usage:"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"));
}

#[tokio::test]
async fn user_create_without_password_stdin_refuses_a_stdin_that_is_not_a_terminal() {
    let app = spawn_app().await;
    let out = app.cli(&["user", "create", "--username", "dave"], Some("a-password\n"));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--password-stdin"), "{}", out.stderr);
    assert!(database(&app)
        .run_sync(|c| storage::users::by_username(c, "dave"))
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn user_list_shows_every_user_with_role_and_state() {
    let app = spawn_app().await;
    app.create_user("alice", "correct horse battery");
    let admin = app.cli(
        &[
            "user",
            "create",
            "--username",
            "root",
            "--password-stdin",
            "--admin",
        ],
        Some("s3cret-pass\n"),
    );
    assert_eq!(admin.code, 0, "{}", admin.stderr);
    assert_eq!(app.cli(&["user", "suspend", "--username", "alice"], None).code, 0);
    let out = app.cli(&["user", "list", "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let users: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let summary: Vec<(&str, bool, bool)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["username"].as_str().unwrap(),
                u["admin"].as_bool().unwrap(),
                u["suspended"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, vec![("alice", false, true), ("root", true, false)]);
}

#[tokio::test]
async fn user_passwd_sets_the_password_and_revokes_the_users_refresh_tokens() {
    let app = spawn_app().await;
    let client = app.first_party_client();
    let refresh = app.alice_refresh_token(&client).await;
    let out = app.cli(
        &["user", "passwd", "--username", "alice", "--password-stdin"],
        Some("a brand new password\n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let refreshed = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some(&client),
        )
        .await;
    assert_eq!(refreshed.error(), "invalid_grant", "{}", refreshed.body);
    let sign_in = |password: &'static str| {
        let form = [
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", password),
        ];
        let app = &app;
        let client = &client;
        async move { app.post_form("/oauth2/token", &form, Some(client)).await.status }
    };
    assert_eq!(sign_in("correct horse battery").await, 400);
    assert_eq!(sign_in("a brand new password").await, 200);
}

#[tokio::test]
async fn user_passwd_for_an_unknown_user_fails_and_says_so() {
    let app = spawn_app().await;
    let out = app.cli(
        &["user", "passwd", "--username", "nobody", "--password-stdin"],
        Some("a brand new password\n"),
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no user named \"nobody\""), "{}", out.stderr);
}

#[tokio::test]
async fn user_delete_removes_the_user_and_their_tokens_and_keeps_their_apps() {
    let app = spawn_app().await;
    let client = app.first_party_client();
    let refresh = app.alice_refresh_token(&client).await;
    let alice = database(&app)
        .run_sync(|c| storage::users::by_username(c, "alice"))
        .unwrap()
        .unwrap()
        .id;
    let owned = app.service_client();
    let (owned_id, owner) = (owned.id.clone(), alice.clone());
    database(&app)
        .run_sync(move |c| {
            use diesel::prelude::*;
            use tollgate::storage::schema::clients::dsl as cl;
            diesel::update(cl::clients.find(owned_id))
                .set(cl::owner_id.eq(Some(owner)))
                .execute(c)
        })
        .unwrap();
    let out = app.cli(&["user", "delete", "--username", "alice"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("1 application(s)"), "{}", out.stdout);
    assert!(database(&app)
        .run_sync(|c| storage::users::by_username(c, "alice"))
        .unwrap()
        .is_none());
    let refreshed = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some(&client),
        )
        .await;
    assert_eq!(refreshed.error(), "invalid_grant", "{}", refreshed.body);
    let kept = database(&app)
        .run_sync(move |c| storage::clients::by_id(c, &owned.id))
        .unwrap()
        .expect("the app she registered stays");
    assert_eq!(kept.owner_id, None);
}

#[tokio::test]
async fn a_reader_that_closes_standard_output_early_ends_the_command_quietly() {
    use std::process::{Command, Stdio};
    let app = spawn_app().await;
    for _ in 0..3 {
        app.service_client();
    }
    let mut child = Command::new(crate::helpers::tollgate_binary())
        .args(["client", "list", "--json"])
        .env("TOLLGATE_DATABASE_URL", &app.db.url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `| head -c 0`: the reader goes away before the listing is written.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn an_error_cause_is_printed_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let out = std::process::Command::new(crate::helpers::tollgate_binary())
        .arg("serve")
        .env("TOLLGATE_DATABASE_URL", &url)
        .env("TOLLGATE_BIND", &addr)
        .env("TOLLGATE_ISSUER", format!("http://{addr}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("Address already in use").count(), 1, "{stderr}");
    drop(taken);
}

#[tokio::test]
async fn keys_list_shows_a_rotated_in_key_as_pending_beside_the_active_one() {
    let app = crate::helpers::spawn_app_on(crate::helpers::TestDb::new(), |s| {
        s.signing_alg = crate::helpers::default_signing_alg()
    })
    .await;
    assert_eq!(app.cli(&["keys", "rotate", "--alg", "ES256"], None).code, 0);
    let listed: serde_json::Value =
        serde_json::from_str(app.cli(&["keys", "list", "--json"], None).stdout.trim()).unwrap();
    let mut states: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["alg"].as_str().unwrap(), k["state"].as_str().unwrap()))
        .collect();
    states.sort();
    assert_eq!(states, vec![("ES256", "pending"), ("RS256", "active")]);
    let text = app.cli(&["keys", "list"], None).stdout;
    assert!(text.contains("pending, signs from 20"), "{text}");
}

#[tokio::test]
async fn the_rotation_message_tells_when_the_new_key_starts_signing() {
    let app = spawn_app().await;
    let before = tollgate::domain::Clock::system().now();
    let out = app.cli(&["keys", "rotate"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The default activation delay is 60 seconds.
    let expected: Vec<String> = (before..=before + 2)
        .map(|t| format!("signing from {}", utc_like(t + 60)))
        .collect();
    assert!(expected.iter().any(|e| out.stdout.contains(e)), "{}", out.stdout);
}

/// `YYYY-MM-DD HH:MM:SS UTC`, computed independently of the CLI through `date`.
fn utc_like(ts: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{ts}"), "+%Y-%m-%d %H:%M:%S UTC"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The stored row of `username`.
fn stored_user(app: &TestApp, username: &str) -> Option<storage::users::UserRow> {
    let name = username.to_string();
    database(app)
        .run_sync(move |c| storage::users::by_username(c, &name))
        .unwrap()
}

/// `tollgate user create --username U --password-stdin EXTRA…`
fn create_with(app: &TestApp, username: &str, extra: &[&str]) -> crate::helpers::CliOutput {
    let mut args = vec!["user", "create", "--username", username, "--password-stdin"];
    args.extend_from_slice(extra);
    app.cli(&args, Some("correct horse\n"))
}

/// `tollgate user update --username U EXTRA…`
fn update_with(app: &TestApp, username: &str, extra: &[&str]) -> crate::helpers::CliOutput {
    let mut args = vec!["user", "update", "--username", username];
    args.extend_from_slice(extra);
    app.cli(&args, None)
}

#[tokio::test]
async fn user_create_stores_the_profile_it_is_given_unverified() {
    let app = spawn_app().await;
    let extra = [
        "--email",
        "Alice@Example.com",
        "--name",
        "Alice Liddell",
        "--given-name",
        "Alice",
        "--family-name",
        "Liddell",
    ];
    let out = create_with(&app, "alice", &extra);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let alice = stored_user(&app, "alice").unwrap();
    assert_eq!(alice.email.as_deref(), Some("Alice@example.com"));
    assert!(!alice.email_verified);
    assert_eq!(alice.name.as_deref(), Some("Alice Liddell"));
    assert_eq!(alice.given_name.as_deref(), Some("Alice"));
    assert_eq!(alice.family_name.as_deref(), Some("Liddell"));
}

#[tokio::test]
async fn user_create_with_email_verified_marks_the_address_verified() {
    let app = spawn_app().await;
    let out = create_with(
        &app,
        "alice",
        &["--email", "alice@example.com", "--email-verified"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(stored_user(&app, "alice").unwrap().email_verified);
}

#[tokio::test]
async fn user_create_with_a_malformed_email_exits_2_naming_the_option_and_creates_nobody() {
    let app = spawn_app().await;
    let out = create_with(&app, "alice", &["--email", "alice@example"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--email:"), "{}", out.stderr);
    assert!(stored_user(&app, "alice").is_none());
}

#[tokio::test]
async fn user_create_names_every_refused_option_at_once() {
    let app = spawn_app().await;
    let long = "n".repeat(101);
    let out = create_with(
        &app,
        "alice",
        &["--name", &long, "--family-name", "Lid\u{1b}[31mdell"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--name: a name is at most 100"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--family-name:"), "{}", out.stderr);
    assert!(stored_user(&app, "alice").is_none());
}

#[tokio::test]
async fn user_create_with_an_address_another_user_has_in_any_case_is_refused() {
    let app = spawn_app().await;
    assert_eq!(
        create_with(&app, "alice", &["--email", "alice@example.com"]).code,
        0
    );
    let out = create_with(&app, "mallory", &["--email", "ALICE@EXAMPLE.COM"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--email: that email address is already in use"),
        "{}",
        out.stderr
    );
    assert!(stored_user(&app, "mallory").is_none());
}

#[tokio::test]
async fn user_update_changes_only_the_options_given() {
    let app = spawn_app().await;
    let extra = [
        "--email",
        "alice@example.com",
        "--email-verified",
        "--name",
        "Alice",
    ];
    assert_eq!(create_with(&app, "alice", &extra).code, 0);
    let out = update_with(&app, "alice", &["--family-name", "Liddell"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("family_name"), "{}", out.stdout);
    let alice = stored_user(&app, "alice").unwrap();
    assert_eq!(alice.family_name.as_deref(), Some("Liddell"));
    assert_eq!(alice.name.as_deref(), Some("Alice"));
    assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
    assert!(alice.email_verified);
}

#[tokio::test]
async fn user_update_with_an_empty_name_clears_it() {
    let app = spawn_app().await;
    assert_eq!(create_with(&app, "alice", &["--name", "Alice"]).code, 0);
    let out = update_with(&app, "alice", &["--name", ""]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(stored_user(&app, "alice").unwrap().name, None);
}

#[tokio::test]
async fn user_update_no_email_removes_the_address_and_its_verification() {
    let app = spawn_app().await;
    let extra = ["--email", "alice@example.com", "--email-verified"];
    assert_eq!(create_with(&app, "alice", &extra).code, 0);
    let out = update_with(&app, "alice", &["--no-email"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let alice = stored_user(&app, "alice").unwrap();
    assert_eq!(alice.email, None);
    assert!(!alice.email_verified);
}

#[tokio::test]
async fn user_update_of_the_address_makes_it_unverified() {
    let app = spawn_app().await;
    let extra = ["--email", "alice@example.com", "--email-verified"];
    assert_eq!(create_with(&app, "alice", &extra).code, 0);
    let out = update_with(&app, "alice", &["--email", "alice@example.org"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let alice = stored_user(&app, "alice").unwrap();
    assert_eq!(alice.email.as_deref(), Some("alice@example.org"));
    assert!(!alice.email_verified);
}

#[tokio::test]
async fn the_operator_marks_an_address_verified_with_user_update() {
    let app = spawn_app().await;
    assert_eq!(
        create_with(&app, "alice", &["--email", "alice@example.com"]).code,
        0
    );
    let out = update_with(&app, "alice", &["--email-verified", "true"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(stored_user(&app, "alice").unwrap().email_verified);
}

#[tokio::test]
async fn user_update_cannot_verify_an_account_without_an_address() {
    let app = spawn_app().await;
    assert_eq!(create_with(&app, "alice", &[]).code, 0);
    let out = update_with(&app, "alice", &["--email-verified", "true"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--email-verified:"), "{}", out.stderr);
    assert!(!stored_user(&app, "alice").unwrap().email_verified);
}

#[tokio::test]
async fn user_update_with_refused_options_exits_2_and_saves_nothing() {
    let app = spawn_app().await;
    assert_eq!(create_with(&app, "alice", &["--name", "Alice"]).code, 0);
    let before = stored_user(&app, "alice").unwrap();
    let out = update_with(
        &app,
        "alice",
        &[
            "--given-name",
            "Bob",
            "--name",
            "A\u{200B}lice",
            "--email",
            "a b@example.com",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--name:") && out.stderr.contains("--email:"),
        "{}",
        out.stderr
    );
    let after = stored_user(&app, "alice").unwrap();
    assert_eq!(
        (after.name, after.given_name, after.email, after.updated_at),
        (before.name, before.given_name, before.email, before.updated_at)
    );
}

#[tokio::test]
async fn user_update_to_an_address_another_user_has_in_any_case_is_refused() {
    let app = spawn_app().await;
    assert_eq!(
        create_with(&app, "alice", &["--email", "alice@example.com"]).code,
        0
    );
    assert_eq!(create_with(&app, "bob", &["--email", "bob@example.com"]).code, 0);
    let out = update_with(&app, "bob", &["--email", "Alice@Example.com", "--name", "Bob"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.contains("already in use"), "{}", out.stderr);
    let bob = stored_user(&app, "bob").unwrap();
    assert_eq!((bob.email.as_deref(), bob.name), (Some("bob@example.com"), None));
}

#[tokio::test]
async fn user_update_of_an_unknown_user_fails() {
    let app = spawn_app().await;
    let out = update_with(&app, "nobody", &["--name", "Nobody"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no user named"), "{}", out.stderr);
}

#[tokio::test]
async fn user_update_without_a_change_is_a_usage_error() {
    let app = spawn_app().await;
    assert_eq!(create_with(&app, "alice", &[]).code, 0);
    let out = update_with(&app, "alice", &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nothing to change"), "{}", out.stderr);
}

#[tokio::test]
async fn user_list_shows_each_email_address() {
    let app = spawn_app().await;
    let extra = ["--email", "alice@example.com", "--email-verified"];
    assert_eq!(create_with(&app, "alice", &extra).code, 0);
    assert_eq!(create_with(&app, "bob", &[]).code, 0);
    let text = app.cli(&["user", "list"], None);
    assert_eq!(text.code, 0, "{}", text.stderr);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert!(
        lines[0].ends_with("\talice@example.com (verified)"),
        "{}",
        text.stdout
    );
    assert!(lines[1].ends_with("\t-"), "{}", text.stdout);
    let json = app.cli(&["user", "list", "--json"], None);
    let users: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(users[0]["email"], "alice@example.com");
    assert_eq!(users[0]["email_verified"], true);
    assert!(users[1]["email"].is_null());
}
