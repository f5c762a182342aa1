//! The audit trail: security events recorded with who did them, read back
//! with `tollgate audit list`, never carrying a secret.

use crate::browser::{authorize_path, web_app, Agent};
use crate::helpers::{spawn_app, spawn_app_on, TestApp, TestDb};
use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

/// The events `tollgate audit list --json` prints with `filters`, newest first.
fn events(app: &TestApp, filters: &[&str]) -> Vec<Value> {
    let mut args = vec!["audit", "list", "--json"];
    args.extend_from_slice(filters);
    let out = app.cli(&args, None);
    assert_eq!(out.code, 0, "audit list failed: {}", out.stderr);
    serde_json::from_str::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The first (newest) event of `kind`.
fn event<'a>(all: &'a [Value], kind: &str) -> &'a Value {
    all.iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} event in {all:#?}"))
}

fn create_admin(app: &TestApp, username: &str) -> String {
    app.create_admin(username, PASSWORD)
}

/// Signs `username` up in the portal and registers a confidential app;
/// returns the agent, the client id and its secret.
async fn developer_with_app<'a>(app: &'a TestApp, username: &str) -> (Agent<'a>, String, String) {
    let agent = Agent::new(app);
    let form = agent.get("/signup").await;
    let page = agent
        .post(
            "/signup",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("username", username),
                ("email", &format!("{username}@example.com")),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let form = agent.get("/portal/apps/new").await;
    let page = agent
        .post(
            "/portal/apps",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("name", "Billing"),
                ("client_type", "confidential"),
                ("redirect_uris", "https://app.example/callback"),
                ("grant_authorization_code", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = agent.follow(&page).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (id, secret) = (
        code_on(&page.body, "client-id"),
        code_on(&page.body, "client-secret"),
    );
    (agent, id, secret)
}

/// The text of the `<code id="…">` element on a page.
fn code_on(body: &str, id: &str) -> String {
    let start = body.find(&format!("id=\"{id}\"")).expect("the element");
    let rest = &body[start..];
    let open = rest.find('>').unwrap() + 1;
    rest[open..open + rest[open..].find('<').unwrap()].to_string()
}

#[tokio::test]
async fn a_portal_registration_and_an_admins_suspension_are_recorded_with_their_actors() {
    let app = spawn_app().await;
    let (_dev, client_id, _) = developer_with_app(&app, "dev").await;
    let root_id = create_admin(&app, "root");
    let admin = Agent::new(&app);
    admin.sign_in("root", PASSWORD, "/portal").await;
    let detail = admin.get(&format!("/portal/apps/{client_id}")).await;
    let flagged = admin
        .post(
            &format!("/portal/apps/{client_id}/flags"),
            &[("csrf_token", &detail.hidden("csrf_token")), ("suspended", "on")],
        )
        .await;
    assert_eq!(flagged.status, 303);

    let all = events(&app, &[]);
    let registered = event(&all, "client.registered");
    assert_eq!(registered["actor_kind"], "user");
    assert_eq!(registered["client_id"], client_id.as_str());
    assert!(registered["actor_user_id"].as_str().unwrap().starts_with("user_"));
    let suspended = event(&all, "client.suspended");
    assert_eq!(suspended["actor_kind"], "admin");
    assert_eq!(suspended["actor_user_id"], root_id.as_str());
    assert_eq!(suspended["client_id"], client_id.as_str());
    assert_eq!(suspended["address"], "127.0.0.1");
}

#[tokio::test]
async fn user_commands_are_recorded_with_the_operator_as_actor() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PASSWORD);
    assert_eq!(app.cli(&["user", "suspend", "--username", "alice"], None).code, 0);

    let all = events(&app, &["--user", "alice"]);
    let kinds: Vec<&str> = all.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["user.suspended", "user.created"], "newest first");
    for e in &all {
        assert_eq!(e["actor_kind"], "operator-cli");
        assert_eq!(e["user_id"], alice.as_str());
    }
}

#[tokio::test]
async fn audit_list_filters_by_client() {
    let app = spawn_app().await;
    let (one, other) = (web_app(&app), web_app(&app));
    assert_eq!(app.cli(&["client", "delete", &one.id], None).code, 0);

    let about_one = events(&app, &[&format!("--client={}", one.id)]);
    let kinds: Vec<&str> = about_one.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["client.deleted", "client.registered"]);
    assert!(about_one.iter().all(|e| e["client_id"] == one.id.as_str()));
    assert_eq!(events(&app, &[&format!("--client={}", other.id)]).len(), 1);
    assert_eq!(
        events(&app, &[&format!("--client={}", one.id), "--since", "1h"]).len(),
        2
    );
    assert!(events(&app, &["--since", "2999-01-01"]).is_empty());
}

#[tokio::test]
async fn consent_given_and_withdrawn_and_logout_are_recorded_as_the_users_own_actions() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let alice = app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/account").await;
    let (path, _) = authorize_path(&client, &[]);
    let consent = agent.get(&path).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    agent.decide(&consent, "approve").await;
    let account = agent.get("/account").await;
    let csrf = account.hidden("csrf_token");
    let done = agent
        .post(
            "/account/consents/withdraw",
            &[("csrf_token", &csrf), ("client_id", &client.id)],
        )
        .await;
    assert_eq!(done.status, 303);
    let out = agent.post("/logout", &[("csrf_token", &csrf)]).await;
    assert!(out.status < 400, "{}", out.body);

    let all = events(&app, &["--user", &alice]);
    let granted = event(&all, "consent.granted");
    assert_eq!(granted["client_id"], client.id.as_str());
    assert_eq!(granted["detail"]["scope"], "email profile");
    assert_eq!(event(&all, "consent.withdrawn")["client_id"], client.id.as_str());
    let logged_out = event(&all, "session.logged_out");
    for e in [granted, logged_out] {
        assert_eq!(e["actor_kind"], "user");
        assert_eq!(e["actor_user_id"], alice.as_str());
    }
}

#[tokio::test]
async fn refresh_token_reuse_is_recorded() {
    let app = crate::helpers::spawn_app_with_clock(TestDb::new(), |s| s.refresh_grace_period = 0).await;
    let client = app.first_party_client();
    let first = app.alice_refresh_token(&client).await;
    let form = [("grant_type", "refresh_token"), ("refresh_token", first.as_str())];
    assert_eq!(
        app.post_form("/oauth2/token", &form, Some(&client)).await.status,
        200
    );
    app.clock.advance(std::time::Duration::from_secs(2));
    assert_eq!(
        app.post_form("/oauth2/token", &form, Some(&client)).await.status,
        400
    );

    let reuse = events(&app, &[&format!("--client={}", client.id)])
        .into_iter()
        .find(|e| e["kind"] == "refresh.reuse_detected")
        .expect("a reuse event");
    assert_eq!(reuse["actor_kind"], "system");
    assert!(reuse["user_id"].as_str().unwrap().starts_with("user_"));
}

#[tokio::test]
async fn no_event_carries_a_secret_or_password() {
    let app = spawn_app().await;
    let (dev, client_id, secret) = developer_with_app(&app, "dev").await;
    let page = dev.get(&format!("/portal/apps/{client_id}")).await;
    let rotated = dev
        .post(
            &format!("/portal/apps/{client_id}/rotate"),
            &[("csrf_token", &page.hidden("csrf_token")), ("overlap", "3600")],
        )
        .await;
    assert_eq!(rotated.status, 303);
    let rotated = dev.follow(&rotated).await;
    assert_eq!(rotated.status, 200);
    let new_secret = code_on(&rotated.body, "client-secret");
    let _ = dev.sign_in("dev", "wrong password 1", "/portal").await;
    let _ = dev.sign_in(PASSWORD, PASSWORD, "/portal").await;

    let text = app.cli(&["audit", "list", "--json"], None).stdout;
    assert!(text.contains("client.secret_rotated"), "{text}");
    for known in [secret.as_str(), new_secret.as_str(), PASSWORD, "wrong password 1"] {
        assert!(
            !known.is_empty() && !text.contains(known),
            "{known:?} is in the audit trail"
        );
    }
    let plain = app.cli(&["audit", "list"], None).stdout;
    assert!(!plain.contains(&secret) && !plain.contains(PASSWORD));
}

#[tokio::test]
async fn every_response_carries_its_request_id() {
    let app = spawn_app().await;
    let first = app.http.get(app.url("/healthz")).send().await.unwrap();
    let second = app.http.get(app.url("/no/such/page")).send().await.unwrap();
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (a, b) = (
        id(&first).expect("x-request-id"),
        id(&second).expect("x-request-id"),
    );
    assert!(!a.is_empty());
    assert_ne!(a, b, "one id per request");
}

#[tokio::test]
async fn the_admin_audit_page_shows_events_to_admins_and_is_a_404_to_anyone_else() {
    let app = spawn_app().await;
    let client = web_app(&app);
    create_admin(&app, "root");
    app.create_user("alice", PASSWORD);
    let admin = Agent::new(&app);
    admin.sign_in("root", PASSWORD, "/portal").await;
    let page = admin.get(&format!("/admin/audit?client={}", client.id)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("client.registered") && page.body.contains(&client.id));
    assert!(!page.body.contains("user.created"), "filtered by client");
    let escaped = admin.get("/admin/audit?user=%3Cscript%3E").await;
    assert_eq!(escaped.status, 200);
    assert!(!escaped.body.contains("<script>") && escaped.body.contains("script"));

    let user = Agent::new(&app);
    user.sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(user.get("/admin/audit").await.status, 404);
}

#[tokio::test]
async fn the_admin_audit_page_goes_back_fifty_events_at_a_time() {
    let app = spawn_app().await;
    create_admin(&app, "root");
    let db = app.database();
    let row = tollgate::storage::audit::NewAuditRow {
        at: 1,
        kind: "key.rotated".into(),
        actor_user_id: None,
        actor_kind: "system".into(),
        user_id: None,
        client_id: Some("seeded".into()),
        address: None,
        detail_json: "{}".into(),
    };
    for _ in 0..60 {
        db.run_sync(|conn| tollgate::storage::audit::insert(conn, &row))
            .unwrap();
    }
    let admin = Agent::new(&app);
    admin.sign_in("root", PASSWORD, "/portal").await;
    let first = admin.get("/admin/audit?client=seeded").await;
    assert_eq!(first.body.matches("<tr>").count() - 1, 50);
    let start = first
        .body
        .find("href=\"/admin/audit?")
        .expect("a link to older events")
        + 6;
    let link = &first.body[start..start + first.body[start..].find('"').unwrap()];
    let second = admin
        .get(
            &link
                .replace("&#38;", "&")
                .replace("&amp;", "&")
                .replace("&#61;", "="),
        )
        .await;
    assert_eq!(second.body.matches("<tr>").count() - 1, 10);
    assert!(!second.body.contains("id=\"older\""));
}

#[tokio::test]
async fn sign_in_failures_and_successes_are_recorded_with_the_account_and_address() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    assert_eq!(
        agent.sign_in("alice", "wrong password", "/account").await.status,
        401
    );
    assert_eq!(
        agent.sign_in("nobody", "wrong password", "/account").await.status,
        401
    );
    assert_eq!(agent.sign_in("alice", PASSWORD, "/account").await.status, 303);

    let all = events(&app, &[]);
    let failures: Vec<&Value> = all.iter().filter(|e| e["kind"] == "signin.failed").collect();
    assert_eq!(failures.len(), 2);
    assert_eq!(
        failures[1]["user_id"],
        alice.as_str(),
        "a wrong password names the account"
    );
    assert_eq!(
        failures[0]["user_id"],
        Value::Null,
        "an unknown name is not written down"
    );
    assert!(!serde_json::to_string(&all).unwrap().contains("nobody"));
    let success = event(&all, "signin.succeeded");
    assert_eq!(success["user_id"], alice.as_str());
    assert_eq!(success["actor_user_id"], alice.as_str());
    assert_eq!(success["detail"]["via"], "page");
    for e in [failures[0], failures[1], success] {
        assert_eq!(e["address"], "127.0.0.1");
    }
}

#[tokio::test]
async fn a_lockout_and_a_password_grant_sign_in_are_recorded_with_the_client() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 2;
        s.login_lockout = 60;
    })
    .await;
    let client = app.first_party_client();
    app.alice_refresh_token(&client).await;
    let agent = Agent::new(&app);
    for _ in 0..2 {
        agent.sign_in("alice", "wrong password", "/account").await;
    }
    assert_eq!(agent.sign_in("alice", PASSWORD, "/account").await.status, 429);

    let all = events(&app, &["--user", "alice"]);
    let locked = event(&all, "signin.locked_out");
    assert!(locked["user_id"].as_str().unwrap().starts_with("user_"));
    let granted = event(&all, "signin.succeeded");
    assert_eq!(granted["client_id"], client.id.as_str());
    assert_eq!(granted["detail"]["via"], "password_grant");
}
