//! The developer portal over HTTP: sign-up, registration and its rules,
//! secrets shown once, rotation, deletion, admin flags, and the 404 for
//! another developer's application.

use crate::browser::{Agent, Page, PASSWORD};
use crate::helpers::{spawn_app_on, TestApp, TestClient, TestDb};

/// A server whose self-registered apps may use client credentials (off by
/// default), so the portal's apps can be tried with a service token.
async fn spawn_app() -> TestApp {
    spawn_app_on(TestDb::new(), |s| s.self_service_client_credentials = true).await
}

fn with_catalogue(app: &TestApp) {
    for (name, words) in [
        ("orders:read", "Read your orders"),
        ("profile", "See your profile"),
    ] {
        assert_eq!(
            app.cli(&["scope", "add", name, "--description", words], None)
                .code,
            0
        );
    }
}

/// Posts the registration form; `fields` are added to a valid service app.
async fn register(agent: &Agent<'_>, fields: &[(&str, &str)]) -> Page {
    let form = agent.get("/portal/apps/new").await;
    let csrf = form.hidden("csrf_token");
    let mut all = vec![
        ("csrf_token", csrf.as_str()),
        ("name", "Billing"),
        ("client_type", "confidential"),
    ];
    all.extend_from_slice(fields);
    followed(agent, agent.post("/portal/apps", &all).await).await
}

/// The page a portal POST leads to: its 303 followed (POST → 303 → GET).
async fn followed(agent: &Agent<'_>, page: Page) -> Page {
    match page.status {
        303 => agent.follow(&page).await,
        _ => page,
    }
}

/// The client id and secret shown on the page after registration or rotation.
fn credentials_on(page: &Page) -> TestClient {
    let code = |id: &str| {
        let marker = format!("id=\"{id}\"");
        let start = page.body.find(&marker)?;
        let rest = &page.body[start..];
        let open = rest.find('>')? + 1;
        let close = rest[open..].find('<')?;
        Some(rest[open..open + close].to_string())
    };
    TestClient {
        id: code("client-id").expect("a client id on the page"),
        secret: code("client-secret"),
    }
}

async fn service_app(agent: &Agent<'_>) -> TestClient {
    let page = register(
        agent,
        &[("grant_client_credentials", "on"), ("scope_orders:read", "on")],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    credentials_on(&page)
}

#[tokio::test]
async fn a_developer_signs_up_and_lands_on_the_portal() {
    let app = spawn_app().await;
    let agent = Agent::developer(&app, "dev").await;
    let portal = agent.get("/portal").await;
    assert_eq!(portal.status, 200);
    assert!(portal.body.contains("No application registered yet"));
}

#[tokio::test]
async fn signup_is_closed_when_the_operator_disables_it() {
    let app = spawn_app_on(TestDb::new(), |s| s.signup_enabled = false).await;
    assert_eq!(Agent::new(&app).get("/signup").await.status, 404);
}

#[tokio::test]
async fn a_taken_username_cannot_sign_up_again() {
    let app = spawn_app().await;
    Agent::developer(&app, "dev").await;
    let agent = Agent::new(&app);
    let form = agent.get("/signup").await;
    let page = agent
        .post(
            "/signup",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("username", "dev"),
                ("email", "dev-2@example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 409);
    assert_eq!(agent.get("/portal").await.status, 303, "no session was started");
}

#[tokio::test]
async fn a_registered_app_sees_its_secret_once_and_it_gets_a_token() {
    let app = spawn_app().await;
    with_catalogue(&app);
    let agent = Agent::developer(&app, "dev").await;
    let page = register(
        &agent,
        &[("grant_client_credentials", "on"), ("scope_orders:read", "on")],
    )
    .await;
    assert_eq!(page.status, 200);
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    assert!(page.body.contains("will not be shown again"));
    let client = credentials_on(&page);
    let token = app.client_credentials_token(&client, Some("orders:read")).await;
    assert!(!token.is_empty());
    let detail = agent.get(&format!("/portal/apps/{}", client.id)).await;
    assert!(
        !detail.body.contains(client.secret.as_deref().unwrap()),
        "the secret is never shown again"
    );
}

#[tokio::test]
async fn an_insecure_redirect_uri_is_refused_next_to_the_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let agent = Agent::developer(&app, "dev").await;
    let page = register(
        &agent,
        &[
            ("grant_authorization_code", "on"),
            ("redirect_uris", "http://app.example/cb"),
        ],
    )
    .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("id=\"redirect_uris-error\""));
    assert!(
        page.body.contains("http://app.example/cb"),
        "what was typed is kept"
    );
    assert!(agent
        .get("/portal")
        .await
        .body
        .contains("No application registered yet"));
}

#[tokio::test]
async fn every_registration_rule_is_enforced() {
    let app = spawn_app().await;
    with_catalogue(&app);
    let agent = Agent::developer(&app, "dev").await;
    let cases: [&[(&str, &str)]; 5] = [
        &[
            ("grant_authorization_code", "on"),
            ("redirect_uris", "https://app.example/cb#frag"),
        ],
        &[
            ("grant_authorization_code", "on"),
            ("redirect_uris", "https://*.example/cb"),
        ],
        &[("grant_authorization_code", "on")],
        &[
            ("grant_implicit", "on"),
            ("redirect_uris", "https://app.example/cb"),
        ],
        &[],
    ];
    for fields in cases {
        let page = register(&agent, fields).await;
        assert_eq!(page.status, 422, "{fields:?}");
    }
    let form = agent.get("/portal/apps/new").await;
    let public_service = agent
        .post(
            "/portal/apps",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("name", "SPA"),
                ("client_type", "public"),
                ("grant_client_credentials", "on"),
            ],
        )
        .await;
    assert_eq!(public_service.status, 422);
    let password = register(&agent, &[("grant_password", "on")]).await;
    assert_eq!(
        password.status, 422,
        "the password grant cannot be chosen: it is simply not offered"
    );
    assert!(agent
        .get("/portal")
        .await
        .body
        .contains("No application registered yet"));
}

#[tokio::test]
async fn a_form_without_its_csrf_token_saves_nothing() {
    let app = spawn_app().await;
    let agent = Agent::developer(&app, "dev").await;
    let page = agent
        .post(
            "/portal/apps",
            &[("name", "Sneaky"), ("grant_client_credentials", "on")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(agent
        .get("/portal")
        .await
        .body
        .contains("No application registered yet"));
}

#[tokio::test]
async fn another_developers_app_is_not_found() {
    let app = spawn_app().await;
    with_catalogue(&app);
    let owner = Agent::developer(&app, "owner").await;
    let client = service_app(&owner).await;
    let other = Agent::developer(&app, "other").await;
    let path = format!("/portal/apps/{}", client.id);
    assert_eq!(other.get(&path).await.status, 404);
    let csrf = other.get("/portal").await.hidden("csrf_token");
    for suffix in ["", "/rotate", "/delete", "/flags"] {
        let page = other
            .post(
                &format!("{path}{suffix}"),
                &[("csrf_token", &csrf), ("name", "Mine now"), ("overlap", "0")],
            )
            .await;
        assert_eq!(page.status, 404, "{suffix}");
    }
    assert!(
        !app.client_credentials_token(&client, None).await.is_empty(),
        "untouched"
    );
}

#[tokio::test]
async fn rotating_the_secret_stops_the_old_one_at_once() {
    let app = spawn_app().await;
    with_catalogue(&app);
    let agent = Agent::developer(&app, "dev").await;
    let old = service_app(&agent).await;
    let detail = agent.get(&format!("/portal/apps/{}", old.id)).await;
    let rotated = agent
        .post(
            &format!("/portal/apps/{}/rotate", old.id),
            &[("csrf_token", &detail.hidden("csrf_token")), ("overlap", "0")],
        )
        .await;
    let rotated = followed(&agent, rotated).await;
    assert_eq!(rotated.status, 200);
    let new = credentials_on(&rotated);
    assert_ne!(new.secret, old.secret);
    let refused = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&old),
        )
        .await;
    assert_eq!(refused.error(), "invalid_client");
    app.client_credentials_token(&new, None).await;
}

#[tokio::test]
async fn a_rotation_with_overlap_keeps_the_old_secret_working_for_a_while() {
    let app = spawn_app().await;
    with_catalogue(&app);
    let agent = Agent::developer(&app, "dev").await;
    let old = service_app(&agent).await;
    let detail = agent.get(&format!("/portal/apps/{}", old.id)).await;
    let rotated = agent
        .post(
            &format!("/portal/apps/{}/rotate", old.id),
            &[("csrf_token", &detail.hidden("csrf_token")), ("overlap", "3600")],
        )
        .await;
    let new = credentials_on(&followed(&agent, rotated).await);
    app.client_credentials_token(&old, None).await;
    app.client_credentials_token(&new, None).await;
}

#[tokio::test]
async fn deleting_an_app_makes_its_tokens_inactive() {
    let app = spawn_app().await;
    with_catalogue(&app);
    let agent = Agent::developer(&app, "dev").await;
    let doomed = service_app(&agent).await;
    let observer = app.service_client();
    let token = app.client_credentials_token(&doomed, None).await;
    let detail = agent.get(&format!("/portal/apps/{}", doomed.id)).await;
    let page = agent
        .post(
            &format!("/portal/apps/{}/delete", doomed.id),
            &[
                ("csrf_token", &detail.hidden("csrf_token")),
                ("confirm_name", "Billing"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(app.introspect(&token, &observer).await["active"], false);
    assert_eq!(
        agent.get(&format!("/portal/apps/{}", doomed.id)).await.status,
        404
    );
}

#[tokio::test]
async fn editing_an_app_changes_its_redirect_uris() {
    let app = spawn_app().await;
    let agent = Agent::developer(&app, "dev").await;
    let created = register(
        &agent,
        &[
            ("grant_authorization_code", "on"),
            ("redirect_uris", "https://app.example/cb"),
        ],
    )
    .await;
    let client = credentials_on(&created);
    let path = format!("/portal/apps/{}", client.id);
    let detail = agent.get(&path).await;
    let saved = agent
        .post(
            &path,
            &[
                ("csrf_token", &detail.hidden("csrf_token")),
                ("name", "Billing v2"),
                ("grant_authorization_code", "on"),
                (
                    "redirect_uris",
                    "https://app.example/cb\nhttps://app.example/other",
                ),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let after = agent.get(&path).await;
    assert!(after.body.contains("Billing v2") && after.body.contains("https://app.example/other"));
}

#[tokio::test]
async fn an_admin_sees_every_app_and_can_trust_or_suspend_one() {
    let app = spawn_app().await;
    with_catalogue(&app);
    let dev = Agent::developer(&app, "dev").await;
    let client = service_app(&dev).await;
    let token = app.client_credentials_token(&client, None).await;
    let observer = app.service_client();

    assert_eq!(
        app.cli(
            &[
                "user",
                "create",
                "--username",
                "root",
                "--password-stdin",
                "--admin"
            ],
            Some(&format!("{PASSWORD}\n"))
        )
        .code,
        0
    );
    let admin = Agent::new(&app);
    admin.sign_in("root", PASSWORD, "/portal").await;
    let portal = admin.get("/portal").await;
    assert!(portal.body.contains(&client.id), "the admin sees every app");

    let detail = admin.get(&format!("/portal/apps/{}", client.id)).await;
    let flagged = admin
        .post(
            &format!("/portal/apps/{}/flags", client.id),
            &[("csrf_token", &detail.hidden("csrf_token")), ("suspended", "on")],
        )
        .await;
    assert_eq!(flagged.status, 303);
    assert_eq!(
        app.introspect(&token, &observer).await["active"],
        false,
        "its tokens stop working"
    );
    let refused = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_eq!(refused.error(), "invalid_client", "no new tokens");

    let dev_csrf = dev.get("/portal").await.hidden("csrf_token");
    let not_admin = dev
        .post(
            &format!("/portal/apps/{}/flags", client.id),
            &[("csrf_token", &dev_csrf), ("trusted", "on")],
        )
        .await;
    assert_eq!(not_admin.status, 404);
}

#[tokio::test]
async fn the_consent_page_describes_scopes_in_the_catalogues_words() {
    let app = spawn_app().await;
    with_catalogue(&app);
    let client = app.create_client(&["--redirect-uri", crate::browser::REDIRECT, "--scope", "profile"]);
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/account").await;
    let consent = agent.get(&crate::browser::authorize_path(&client, &[]).0).await;
    assert!(consent.body.contains("See your profile"), "{}", consent.body);
}

#[tokio::test]
async fn the_portal_needs_a_signed_in_developer() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/portal").await;
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap().starts_with("/login?return_to=%2Fportal"));
}

#[tokio::test]
async fn one_address_cannot_create_accounts_without_limit() {
    let app = spawn_app_on(TestDb::new(), |s| s.registration_rate_limit = 2).await;
    Agent::developer(&app, "first").await;
    Agent::developer(&app, "second").await;
    let agent = Agent::new(&app);
    let form = agent.get("/signup").await;
    let page = agent
        .post(
            "/signup",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("username", "third"),
                ("email", "third-2@example.com"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 429);
    assert!(page.body.contains("Too many accounts"));
}

fn stored(app: &TestApp, id: &str) -> tollgate::storage::clients::ClientRow {
    let id = id.to_string();
    app.database()
        .run_sync(move |c| tollgate::storage::clients::by_id(c, &id))
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn an_edit_keeps_what_the_form_does_not_show() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--trusted",
        "--grant-type",
        "password",
        "--grant-type",
        "client_credentials",
        "--resource",
        "https://api.example/orders",
    ]);
    let root = Agent::admin(&app).await;
    let path = format!("/portal/apps/{}", client.id);
    let detail = root.get(&path).await;
    let saved = root
        .post(
            &path,
            &[
                ("csrf_token", &detail.hidden("csrf_token")),
                ("name", "Renamed"),
                ("grant_client_credentials", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let row = stored(&app, &client.id);
    assert_eq!(row.name, "Renamed");
    assert_eq!(row.resources, "https://api.example/orders");
    assert!(row.grant_types.contains("password") && row.is_trusted);
}

#[tokio::test]
async fn a_developers_change_to_redirect_uris_withdraws_the_trust_an_admin_gave() {
    let app = spawn_app().await;
    let dev = Agent::developer(&app, "dev").await;
    let created = register(
        &dev,
        &[
            ("grant_authorization_code", "on"),
            ("redirect_uris", "https://app.example/cb"),
        ],
    )
    .await;
    let client = credentials_on(&created);
    let root = Agent::admin(&app).await;
    let path = format!("/portal/apps/{}", client.id);
    let detail = root.get(&path).await;
    root.post(
        &format!("{path}/flags"),
        &[("csrf_token", &detail.hidden("csrf_token")), ("trusted", "on")],
    )
    .await;
    assert!(stored(&app, &client.id).is_trusted);

    let mine = dev.get(&path).await;
    let saved = dev
        .post(
            &path,
            &[
                ("csrf_token", &mine.hidden("csrf_token")),
                ("name", "Billing"),
                ("grant_authorization_code", "on"),
                ("redirect_uris", "https://evil.example/cb"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert!(
        !stored(&app, &client.id).is_trusted,
        "trust was given to what was reviewed"
    );
}

#[tokio::test]
async fn by_default_self_registered_apps_get_no_client_credentials() {
    let app = spawn_app_on(TestDb::new(), |s| s.open_registration = true).await;
    with_catalogue(&app);
    let agent = Agent::developer(&app, "dev").await;
    let form = agent.get("/portal/apps/new").await;
    assert!(!form.body.contains("grant-client-credentials"), "not offered");
    let page = register(
        &agent,
        &[("grant_client_credentials", "on"), ("scope_orders:read", "on")],
    )
    .await;
    assert_eq!(page.status, 422);
    let dcr = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&serde_json::json!({"client_name": "svc", "grant_types": ["client_credentials"], "scope": "orders:read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dcr.status(), 400);
    let body: serde_json::Value = dcr.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client_metadata");
}
