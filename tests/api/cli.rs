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
    assert_eq!(app.cli(&["client", "delete", &gone], None).code, 0);
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
