//! Accounts a user can look after on `/account`: changing their password,
//! seeing and ending their sessions, deleting their account — and every
//! refusal changing nothing.

use crate::browser::{Agent, Page, PASSWORD};
use crate::helpers::{spawn_app, spawn_app_on, spawn_app_with_clock, TestApp, TestDb};
use std::time::Duration;
use tollgate::oauth::audit;
use tollgate::storage::{self, audit::AuditFilter, users::UserRow};

const NEW_PASSWORD: &str = "a much longer passphrase";
const FIREFOX: &str = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// An agent of `username` (password [`PASSWORD`]), signed in.
async fn signed_in<'a>(app: &'a TestApp, username: &str) -> Agent<'a> {
    let agent = Agent::new(app);
    let page = agent.sign_in(username, PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    agent
}

/// An agent that says it is Firefox on Linux, signed in as `username`.
async fn signed_in_with_firefox<'a>(app: &'a TestApp, username: &str) -> Agent<'a> {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(FIREFOX)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let agent = Agent { app, http };
    let page = agent.sign_in(username, PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    agent
}

fn user(app: &TestApp, username: &str) -> Option<UserRow> {
    let name = username.to_string();
    app.database()
        .run_sync(move |c| storage::users::by_username(c, &name))
        .unwrap()
}

/// Whether `agent` is still signed in (the account page answers 200).
async fn still_signed_in(agent: &Agent<'_>) -> bool {
    agent.get("/account").await.status == 200
}

async fn change_password(
    agent: &Agent<'_>,
    current: &str,
    new: &str,
    again: &str,
    sign_out_others: bool,
) -> Page {
    let mut form = vec![
        ("current_password", current),
        ("new_password", new),
        ("new_password_confirm", again),
    ];
    if sign_out_others {
        form.push(("sign_out_others", "1"));
    }
    agent.post_from("/account", "/account/password", &form).await
}

/// A fresh sign-in with `password` from a new agent: its status.
async fn sign_in_status(app: &TestApp, username: &str, password: &str) -> u16 {
    Agent::new(app)
        .sign_in(username, password, "/account")
        .await
        .status
}

fn events(app: &TestApp, user_id: &str, kind: &str) -> Vec<storage::audit::AuditRow> {
    let filter = AuditFilter {
        user_id: Some(user_id.to_string()),
        ..Default::default()
    };
    audit::list_sync(&app.database(), &filter, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == kind)
        .collect()
}

/// The public ids of the sessions listed on `page`, in order.
fn listed_sessions(page: &Page) -> Vec<String> {
    let marker = "name=\"session_id\" value=\"";
    page.body
        .match_indices(marker)
        .map(|(at, _)| {
            let rest = &page.body[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

// Changing the password

#[tokio::test]
async fn a_user_who_changes_their_password_signs_in_with_the_new_one_only() {
    let app = spawn_app().await;
    let id = app.create_user("alice", PASSWORD);
    let before = user(&app, "alice").unwrap().password_changed_at;
    let alice = signed_in(&app, "alice").await;

    let page = change_password(&alice, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, true).await;

    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/account?saved=password#password"));
    assert!(alice.follow(&page).await.body.contains("id=\"password-changed\""));
    assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 401);
    assert_eq!(sign_in_status(&app, "alice", NEW_PASSWORD).await, 303);
    assert!(user(&app, "alice").unwrap().password_changed_at >= before);
    assert_eq!(events(&app, &id, "user.password_changed").len(), 1);
}

#[tokio::test]
async fn changing_the_password_signs_out_the_other_sessions_but_keeps_this_one() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let laptop = signed_in(&app, "alice").await;
    let phone = signed_in(&app, "alice").await;

    let page = change_password(&laptop, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, true).await;

    assert_eq!(page.status, 303, "{}", page.body);
    assert!(still_signed_in(&laptop).await);
    assert!(!still_signed_in(&phone).await);
}

#[tokio::test]
async fn changing_the_password_without_signing_out_keeps_the_other_sessions() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let laptop = signed_in(&app, "alice").await;
    let phone = signed_in(&app, "alice").await;

    let page = change_password(&laptop, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, false).await;

    assert_eq!(page.status, 303, "{}", page.body);
    assert!(still_signed_in(&phone).await);
    assert_eq!(sign_in_status(&app, "alice", NEW_PASSWORD).await, 303);
}

#[tokio::test]
async fn the_password_form_ticks_sign_out_my_other_sessions_by_default() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;
    let page = alice.get("/account").await;
    assert!(
        page.body
            .contains("name=\"sign_out_others\" value=\"1\" id=\"sign_out_others\" checked"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing() {
    let app = spawn_app().await;
    let id = app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;
    let phone = signed_in(&app, "alice").await;

    let page = change_password(&alice, "not my password", NEW_PASSWORD, NEW_PASSWORD, true).await;

    assert_eq!(page.status, 401, "{}", page.body);
    assert!(page.body.contains("Your current password is incorrect."));
    assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 303);
    assert!(still_signed_in(&phone).await);
    assert!(events(&app, &id, "user.password_changed").is_empty());
    assert_eq!(events(&app, &id, "signin.failed").len(), 1);
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_like_sign_ins() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 2;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;
    for _ in 0..2 {
        let page = change_password(&alice, "guess", NEW_PASSWORD, NEW_PASSWORD, true).await;
        assert_eq!(page.status, 401, "{}", page.body);
    }

    let page = change_password(&alice, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, true).await;

    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.headers.get("retry-after").is_some());
    // Locked for the sign-in page too: one count for both.
    assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 429);
    assert!(user(&app, "alice").is_some());
}

#[tokio::test]
async fn a_password_change_without_the_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;

    let form = [
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
        ("new_password_confirm", NEW_PASSWORD),
    ];
    let page = alice.post("/account/password", &form).await;

    assert_eq!(page.status, 403, "{}", page.body);
    assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 303);
}

#[tokio::test]
async fn a_new_password_shorter_than_sign_up_allows_is_refused() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;

    let page = change_password(&alice, PASSWORD, "short", "short", true).await;

    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body
            .contains("A password must be 8 to 1024 characters long."),
        "{}",
        page.body
    );
    assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 303);
}

#[tokio::test]
async fn a_confirmation_that_differs_from_the_new_password_is_refused() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;

    let page = change_password(&alice, PASSWORD, NEW_PASSWORD, "a much longer passphrasf", true).await;

    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page
        .body
        .contains("The new password and its confirmation differ."));
    assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 303);
    assert_eq!(sign_in_status(&app, "alice", NEW_PASSWORD).await, 401);
}

// Active sessions

#[tokio::test]
async fn the_account_page_lists_each_session_with_its_browser_and_address() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let firefox = signed_in_with_firefox(&app, "alice").await;
    let other = signed_in(&app, "alice").await;

    let page = other.get("/account").await;

    assert_eq!(page.status, 200);
    assert!(page.body.contains("Firefox on Linux"), "{}", page.body);
    assert!(page.body.contains("From 127.0.0.1"), "{}", page.body);
    assert!(page.body.contains("id=\"this-session\""));
    // Only the other session has a "Sign out" form; this one is signed out
    // with the page's own button.
    assert_eq!(listed_sessions(&page).len(), 1);
    assert!(still_signed_in(&firefox).await);
}

#[tokio::test]
async fn signing_out_one_session_ends_that_session_only() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let laptop = signed_in(&app, "alice").await;
    let phone = signed_in(&app, "alice").await;
    let tablet = signed_in(&app, "alice").await;
    let before = listed_sessions(&laptop.get("/account").await);
    assert_eq!(before.len(), 2);

    let page = laptop
        .post_from("/account", "/account/sessions/end", &[("session_id", &before[0])])
        .await;

    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(listed_sessions(&laptop.get("/account").await).len(), 1);
    assert!(still_signed_in(&laptop).await);
    let still = [still_signed_in(&phone).await, still_signed_in(&tablet).await];
    assert_eq!(still.iter().filter(|s| **s).count(), 1, "{still:?}");
}

#[tokio::test]
async fn a_user_cannot_end_another_users_session() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    app.create_user("mallory", PASSWORD);
    let alice_laptop = signed_in(&app, "alice").await;
    let _alice_phone = signed_in(&app, "alice").await;
    let alices = listed_sessions(&alice_laptop.get("/account").await);
    let mallory = signed_in(&app, "mallory").await;

    let page = mallory
        .post_from("/account", "/account/sessions/end", &[("session_id", &alices[0])])
        .await;

    assert_eq!(page.status, 404, "{}", page.body);
    assert_eq!(listed_sessions(&alice_laptop.get("/account").await), alices);
}

#[tokio::test]
async fn ending_a_session_without_the_csrf_token_ends_nothing() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let laptop = signed_in(&app, "alice").await;
    let phone = signed_in(&app, "alice").await;
    let ids = listed_sessions(&laptop.get("/account").await);

    let page = laptop
        .post("/account/sessions/end", &[("session_id", &ids[0])])
        .await;

    assert_eq!(page.status, 403, "{}", page.body);
    assert!(still_signed_in(&phone).await);
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_this_session_only() {
    let app = spawn_app().await;
    let id = app.create_user("alice", PASSWORD);
    let laptop = signed_in(&app, "alice").await;
    let phone = signed_in(&app, "alice").await;
    let tablet = signed_in(&app, "alice").await;

    let page = laptop
        .post_from("/account", "/account/sessions/end-others", &[])
        .await;

    assert_eq!(page.status, 303, "{}", page.body);
    assert!(laptop.follow(&page).await.body.contains("id=\"sessions-ended\""));
    assert!(still_signed_in(&laptop).await);
    assert!(!still_signed_in(&phone).await);
    assert!(!still_signed_in(&tablet).await);
    assert_eq!(events(&app, &id, "session.logged_out").len(), 2);
}

#[tokio::test]
async fn a_sessions_last_use_is_written_at_most_once_a_minute() {
    let app = spawn_app_with_clock(TestDb::new(), |_| {}).await;
    let id = app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;
    let last_used = || {
        let (id, now) = (id.clone(), app.clock.now());
        app.database()
            .run_sync(move |c| storage::sessions::live_of_user(c, &id, now))
            .unwrap()[0]
            .last_used_at
    };
    let signed_in_at = last_used().expect("recorded at sign-in");

    app.clock.advance(Duration::from_secs(30));
    alice.get("/account").await;
    assert_eq!(last_used(), Some(signed_in_at));

    app.clock.advance(Duration::from_secs(31));
    alice.get("/account").await;
    assert_eq!(last_used(), Some(signed_in_at + 61));
}

// Deleting the account

async fn delete_account(agent: &Agent<'_>, username: &str, password: &str) -> Page {
    let form = agent.get("/account/delete").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.hidden("csrf_token");
    agent
        .post(
            "/account/delete",
            &[
                ("csrf_token", &csrf),
                ("confirm_username", username),
                ("current_password", password),
            ],
        )
        .await
}

#[tokio::test]
async fn a_user_who_deletes_their_account_is_gone_and_signed_out_everywhere() {
    let app = spawn_app().await;
    let id = app.create_user("alice", PASSWORD);
    let laptop = signed_in(&app, "alice").await;
    let phone = signed_in(&app, "alice").await;

    let page = delete_account(&laptop, "alice", PASSWORD).await;

    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"account-deleted\""));
    assert!(user(&app, "alice").is_none());
    assert!(!still_signed_in(&laptop).await);
    assert!(!still_signed_in(&phone).await);
    assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 401);
    let deleted = events(&app, &id, "user.deleted");
    assert_eq!(deleted.len(), 1);
}

#[tokio::test]
async fn a_deleted_users_audit_rows_keep_their_id_but_no_personal_data() {
    let app = spawn_app().await;
    let id = app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;
    assert_eq!(delete_account(&alice, "alice", PASSWORD).await.status, 200);

    let filter = AuditFilter {
        user_id: Some(id.clone()),
        ..Default::default()
    };
    let rows = audit::list_sync(&app.database(), &filter, 1000).unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert!(
        kinds.contains(&"user.created") && kinds.contains(&"user.deleted"),
        "{kinds:?}"
    );
    for row in &rows {
        assert_eq!(row.address, None, "{row:?}");
        assert!(!row.detail_json.contains("alice"), "{row:?}");
    }
}

#[tokio::test]
async fn deleting_an_account_needs_its_username_typed_again() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;

    let page = delete_account(&alice, "alic", PASSWORD).await;

    assert_eq!(page.status, 422, "{}", page.body);
    assert!(user(&app, "alice").is_some());
    assert!(still_signed_in(&alice).await);
}

#[tokio::test]
async fn deleting_an_account_needs_the_current_password() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;

    let page = delete_account(&alice, "alice", "not my password").await;

    assert_eq!(page.status, 401, "{}", page.body);
    assert!(user(&app, "alice").is_some());
    assert!(still_signed_in(&alice).await);
}

#[tokio::test]
async fn deleting_an_account_without_the_csrf_token_deletes_nothing() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;

    let form = [("confirm_username", "alice"), ("current_password", PASSWORD)];
    let page = alice.post("/account/delete", &form).await;

    assert_eq!(page.status, 403, "{}", page.body);
    assert!(user(&app, "alice").is_some());
}

#[tokio::test]
async fn a_developer_who_owns_apps_cannot_delete_their_account_and_is_shown_them() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let form = dev.get("/portal/apps/new").await;
    let csrf = form.hidden("csrf_token");
    let registered = dev
        .post(
            "/portal/apps",
            &[
                ("csrf_token", csrf.as_str()),
                ("name", "Billing"),
                ("client_type", "confidential"),
                ("grant_authorization_code", "on"),
                ("redirect_uris", "https://app.example/callback"),
            ],
        )
        .await;
    assert_eq!(registered.status, 303, "{}", registered.body);

    let page = delete_account(&dev, "dev", PASSWORD).await;

    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("id=\"owned-apps\""));
    assert!(page.body.contains("<li>Billing</li>"), "{}", page.body);
    assert!(user(&app, "dev").is_some());
    assert!(still_signed_in(&dev).await);
}

#[tokio::test]
async fn the_last_administrator_cannot_delete_their_account() {
    let app = spawn_app().await;
    let root = Agent::admin(&app).await;

    let page = delete_account(&root, "root", PASSWORD).await;

    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("last administrator"));
    assert!(user(&app, "root").is_some());
}

#[tokio::test]
async fn an_administrator_can_delete_their_account_while_another_remains() {
    let app = spawn_app().await;
    let root = Agent::admin(&app).await;
    app.create_admin("second", PASSWORD);

    let page = delete_account(&root, "root", PASSWORD).await;

    assert_eq!(page.status, 200, "{}", page.body);
    assert!(user(&app, "root").is_none());
    assert!(user(&app, "second").is_some());
}

// Hostile input

const FORMS: [&str; 4] = [
    "/account/password",
    "/account/sessions/end",
    "/account/sessions/end-others",
    "/account/delete",
];

#[tokio::test]
async fn malformed_posts_to_the_account_forms_get_a_4xx_page_and_change_nothing() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;
    let bodies: [(&str, Vec<u8>); 4] = [
        ("application/x-www-form-urlencoded", b"a=\xff\xfe".to_vec()),
        (
            "application/x-www-form-urlencoded",
            b"session_id=1&session_id=2".to_vec(),
        ),
        ("application/x-www-form-urlencoded", vec![b'a'; 1 << 20]),
        ("application/json", b"{}".to_vec()),
    ];
    for path in FORMS {
        for (content_type, body) in &bodies {
            let response = alice
                .http
                .post(app.url(path))
                .header("Content-Type", *content_type)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!((400..500).contains(&status), "{path} {content_type}: {status}");
        }
    }
    assert!(still_signed_in(&alice).await);
    assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 303);
}

#[tokio::test]
async fn odd_fields_in_the_account_forms_get_a_4xx_page_never_a_5xx() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let alice = signed_in(&app, "alice").await;
    let long = "x".repeat(100_000);
    let cases: [(&str, Vec<(&str, &str)>); 6] = [
        ("/account/sessions/end", vec![]),
        ("/account/sessions/end", vec![("session_id", long.as_str())]),
        ("/account/sessions/end", vec![("session_id", "no\u{0}such")]),
        ("/account/password", vec![("current_password", long.as_str())]),
        ("/account/password", vec![]),
        (
            "/account/delete",
            vec![("confirm_username", "alice"), ("current_password", long.as_str())],
        ),
    ];
    for (path, fields) in cases {
        let page = alice.post_from("/account", path, &fields).await;
        assert!(
            (400..500).contains(&page.status),
            "{path} {fields:?}: {}",
            page.status
        );
    }
    assert!(user(&app, "alice").is_some());
}
