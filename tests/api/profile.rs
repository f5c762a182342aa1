//! Profile data (OpenID Connect Core §5.1): given at sign-up, changed on
//! `/account`, shown to administrators; refused input saves nothing.

use crate::browser::{Agent, Page, PASSWORD};
use crate::helpers::{spawn_app, TestApp};
use tollgate::oauth::audit::{self, Actor};
use tollgate::oauth::profile::ProfileEdit;
use tollgate::storage::{self, audit::AuditFilter, users::UserRow};

/// The stored row of `username`, if there is one.
fn user(app: &TestApp, username: &str) -> Option<UserRow> {
    let name = username.to_string();
    app.database()
        .run_sync(move |c| storage::users::by_username(c, &name))
        .unwrap()
}

/// Creates `username` with the address `email` (verified if `verified`),
/// as `tollgate user create --email … [--email-verified]` does.
fn user_with_email(app: &TestApp, username: &str, email: &str, verified: bool) -> String {
    let edit = ProfileEdit {
        email: Some(email.to_string()),
        email_verified: verified.then_some(true),
        ..Default::default()
    };
    tollgate::oauth::accounts::create_user_with_profile(
        &app.database(),
        &Actor::operator(),
        username,
        &PASSWORD.to_string().into(),
        false,
        &edit.validate().unwrap(),
        app.clock.now(),
    )
    .unwrap()
}

/// Posts the sign-up form with `fields` (besides its CSRF token).
async fn sign_up(agent: &Agent<'_>, fields: &[(&str, &str)]) -> Page {
    let form = agent.get("/signup").await;
    let csrf = form.hidden("csrf_token");
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    agent.post("/signup", &all).await
}

/// A signed-in agent of `username` (password [`PASSWORD`]).
async fn signed_in<'a>(app: &'a TestApp, username: &str) -> Agent<'a> {
    let agent = Agent::new(app);
    let page = agent.sign_in(username, PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    agent
}

/// Posts the profile form of the account page with `fields`.
async fn save_profile(agent: &Agent<'_>, fields: &[(&str, &str)]) -> Page {
    let account = agent.get("/account").await;
    let csrf = account.hidden("csrf_token");
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    agent.post("/account/profile", &all).await
}

/// Whether the page shows an error beside `field`.
fn error_beside(page: &Page, field: &str) -> bool {
    page.body.contains(&format!("id=\"{field}-error\""))
}

fn profile_events(app: &TestApp, user_id: &str) -> Vec<storage::audit::AuditRow> {
    let filter = AuditFilter {
        user_id: Some(user_id.to_string()),
        ..Default::default()
    };
    audit::list_sync(&app.database(), &filter, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "user.profile_updated")
        .collect()
}

#[tokio::test]
async fn sign_up_stores_the_email_address_and_name_unverified() {
    let app = spawn_app().await;
    let page = sign_up(
        &Agent::new(&app),
        &[
            ("username", "dev"),
            ("email", " Dev@Example.COM "),
            ("name", "Dana Developer"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let dev = user(&app, "dev").unwrap();
    assert_eq!(dev.email.as_deref(), Some("Dev@example.com"));
    assert!(!dev.email_verified);
    assert_eq!(dev.name.as_deref(), Some("Dana Developer"));
}

#[tokio::test]
async fn sign_up_without_an_email_address_is_refused_beside_the_field() {
    let app = spawn_app().await;
    let page = sign_up(
        &Agent::new(&app),
        &[
            ("username", "dev"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(error_beside(&page, "email"), "{}", page.body);
    assert!(user(&app, "dev").is_none());
}

#[tokio::test]
async fn sign_up_shows_every_field_error_at_once_and_creates_nothing() {
    let app = spawn_app().await;
    let agent = Agent::new(&app);
    let long_name = "n".repeat(101);
    let page = sign_up(
        &agent,
        &[
            ("username", "dev eloper"),
            ("email", "dev@@example.com"),
            ("name", &long_name),
            ("password", PASSWORD),
            ("password_confirm", "something else"),
        ],
    )
    .await;
    assert_eq!(page.status, 422);
    for field in ["username", "email", "name", "password_confirm"] {
        assert!(error_beside(&page, field), "{field}: {}", page.body);
    }
    // What was typed is kept (escaped), the passwords are not.
    assert!(page.body.contains("value=\"dev@@example.com\""));
    assert!(!page.body.contains(PASSWORD));
    let all = app.database().run_sync(|c| storage::users::list(c, 10)).unwrap();
    assert!(all.is_empty());
    assert_eq!(agent.get("/portal").await.status, 303, "no session was started");
}

#[tokio::test]
async fn sign_up_with_control_characters_in_the_name_is_refused() {
    let app = spawn_app().await;
    let page = sign_up(
        &Agent::new(&app),
        &[
            ("username", "dev"),
            ("email", "dev@example.com"),
            ("name", "Dana\u{202E}repoleveD"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(error_beside(&page, "name"), "{}", page.body);
    assert!(user(&app, "dev").is_none());
}

#[tokio::test]
async fn sign_up_with_an_address_taken_in_another_case_is_refused_beside_the_email_field() {
    let app = spawn_app().await;
    user_with_email(&app, "alice", "alice@example.com", false);
    let agent = Agent::new(&app);
    let page = sign_up(
        &agent,
        &[
            ("username", "mallory"),
            ("email", "ALICE@example.com"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(page.status, 409);
    assert!(error_beside(&page, "email"), "{}", page.body);
    assert!(page.body.contains("already in use"));
    assert!(user(&app, "mallory").is_none());
    assert_eq!(agent.get("/portal").await.status, 303, "no session was started");
}

#[tokio::test]
async fn the_account_page_shows_the_profile_and_whether_the_address_is_verified() {
    let app = spawn_app().await;
    user_with_email(&app, "alice", "alice@example.com", true);
    let agent = signed_in(&app, "alice").await;
    let page = agent.get("/account").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("value=\"alice@example.com\""), "{}", page.body);
    assert!(page.body.contains("(verified)"));
}

#[tokio::test]
async fn a_saved_profile_is_stored_and_the_browser_sent_to_a_saved_notice() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let agent = signed_in(&app, "alice").await;
    let page = save_profile(
        &agent,
        &[
            ("name", "Alice Liddell"),
            ("given_name", "Alice"),
            ("family_name", "Liddell"),
            ("email", "alice@example.com"),
        ],
    )
    .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let notice = agent.follow(&page).await;
    assert!(notice.body.contains("id=\"profile-saved\""), "{}", notice.body);
    let alice = user(&app, "alice").unwrap();
    assert_eq!(alice.name.as_deref(), Some("Alice Liddell"));
    assert_eq!(alice.given_name.as_deref(), Some("Alice"));
    assert_eq!(alice.family_name.as_deref(), Some("Liddell"));
    assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
    assert!(!alice.email_verified);
}

#[tokio::test]
async fn saving_the_profile_sets_its_update_time() {
    let app = spawn_app().await;
    let id = app.create_user("alice", PASSWORD);
    // An update time long past, so that the save shows.
    let db = app.database();
    db.run_sync(|c| {
        let mut old = storage::users::ProfileColumns::of(&storage::users::by_id(c, &id)?.unwrap());
        old.updated_at = 1;
        storage::users::set_profile(c, &id, &old)
    })
    .unwrap();
    let agent = signed_in(&app, "alice").await;
    let page = save_profile(&agent, &[("name", "Alice"), ("email", "")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(user(&app, "alice").unwrap().updated_at > tollgate::domain::Clock::system().now() - 60);
}

#[tokio::test]
async fn a_profile_form_with_errors_shows_each_beside_its_field_and_saves_nothing() {
    let app = spawn_app().await;
    user_with_email(&app, "alice", "alice@example.com", true);
    let before = user(&app, "alice").unwrap();
    let agent = signed_in(&app, "alice").await;
    let long_name = "é".repeat(101);
    let page = save_profile(
        &agent,
        &[
            ("name", &long_name),
            ("given_name", "Alice"),
            ("family_name", "Lid\u{7}dell"),
            ("email", "alice at example.com"),
        ],
    )
    .await;
    assert_eq!(page.status, 422);
    for field in ["name", "family_name", "email"] {
        assert!(error_beside(&page, field), "{field}: {}", page.body);
    }
    assert!(!error_beside(&page, "given_name"));
    let after = user(&app, "alice").unwrap();
    assert_eq!(
        (
            after.name,
            after.given_name,
            after.email,
            after.email_verified,
            after.updated_at
        ),
        (
            before.name,
            before.given_name,
            before.email,
            true,
            before.updated_at
        )
    );
}

#[tokio::test]
async fn a_profile_form_without_the_sessions_csrf_token_saves_nothing() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let agent = signed_in(&app, "alice").await;
    let page = agent
        .post(
            "/account/profile",
            &[("csrf_token", "forged"), ("name", "Mallory")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(user(&app, "alice").unwrap().name, None);
}

#[tokio::test]
async fn an_address_another_account_has_in_any_case_is_refused_on_the_account_page() {
    let app = spawn_app().await;
    user_with_email(&app, "alice", "alice@example.com", false);
    user_with_email(&app, "bob", "bob@example.com", false);
    let agent = signed_in(&app, "bob").await;
    let page = save_profile(&agent, &[("name", "Bob"), ("email", "Alice@EXAMPLE.com")]).await;
    assert_eq!(page.status, 409);
    assert!(error_beside(&page, "email"), "{}", page.body);
    assert!(page.body.contains("already in use"));
    let bob = user(&app, "bob").unwrap();
    assert_eq!(bob.email.as_deref(), Some("bob@example.com"));
    assert_eq!(bob.name, None, "nothing of the form was saved");
}

#[tokio::test]
async fn a_new_address_on_the_account_page_is_not_verified() {
    let app = spawn_app().await;
    user_with_email(&app, "alice", "alice@example.com", true);
    let agent = signed_in(&app, "alice").await;
    let page = save_profile(&agent, &[("email", "alice@example.org")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let alice = user(&app, "alice").unwrap();
    assert_eq!(alice.email.as_deref(), Some("alice@example.org"));
    assert!(!alice.email_verified);
    assert!(agent.get("/account").await.body.contains("(not verified)"));
}

#[tokio::test]
async fn a_saved_profile_is_recorded_in_the_audit_trail_by_field_name() {
    let app = spawn_app().await;
    let id = user_with_email(&app, "alice", "alice@example.com", true);
    let agent = signed_in(&app, "alice").await;
    let page = save_profile(&agent, &[("name", "Alice"), ("email", "alice@example.com")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let events = profile_events(&app, &id);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_kind, "user");
    let detail: serde_json::Value = serde_json::from_str(&events[0].detail_json).unwrap();
    assert_eq!(detail["fields"], serde_json::json!(["name"]));
    assert_eq!(detail["email_verified"], true);
    assert!(!events[0].detail_json.contains("Alice"), "no values in the trail");
}

#[tokio::test]
async fn saving_an_unchanged_profile_writes_nothing() {
    let app = spawn_app().await;
    let id = user_with_email(&app, "alice", "alice@example.com", true);
    let agent = signed_in(&app, "alice").await;
    let page = save_profile(&agent, &[("email", "alice@example.com")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(profile_events(&app, &id).is_empty());
    assert!(user(&app, "alice").unwrap().email_verified);
}

#[tokio::test]
async fn the_account_page_keeps_the_strict_content_security_policy() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let agent = signed_in(&app, "alice").await;
    let page = save_profile(&agent, &[("email", "bad")]).await;
    assert_eq!(page.status, 422);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'self'; style-src 'self';"),
        "{csp}"
    );
    // Scripts only from the server's own files, never inline; no inline style.
    let scripts = page.body.matches("<script").count();
    assert_eq!(scripts, page.body.matches("<script src=\"/static/").count());
    assert!(!page.body.contains("style="));
}

#[tokio::test]
async fn the_administrators_user_page_shows_each_email_address() {
    let app = spawn_app().await;
    user_with_email(&app, "alice", "alice@example.com", true);
    app.create_user("bob", PASSWORD);
    let admin = Agent::admin(&app).await;
    let page = admin.get("/admin/users").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("alice@example.com</span> (verified)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("no email address"));
}
