//! Where an operator's decisions about tokens can be made besides the CLI:
//! an app's access-token format on its portal page (administrators only)
//! and, where the operator allows it, in dynamic registration; the
//! token-exchange policy in the configuration file.

use crate::browser::{Agent, PASSWORD};
use crate::gateway_exchange::{exchange, NEXT};
use crate::helpers::{run_cli, spawn_app, spawn_app_on, TestApp, TestClient, TestDb};
use tollgate::domain::ExchangeGrant;

fn is_opaque(token: &str) -> bool {
    !token.contains('.') && token.len() == 43
}

/// A confidential app allowed client credentials for `read`.
fn service(app: &TestApp) -> TestClient {
    app.create_client(&["--grant-type", "client_credentials", "--scope", "read"])
}

async fn admin_sets_format(admin: &Agent<'_>, client: &TestClient, format: &str) -> u16 {
    let page = admin.get(&format!("/portal/apps/{}", client.id)).await;
    admin
        .post(
            &format!("/portal/apps/{}/flags", client.id),
            &[
                ("csrf_token", &page.hidden("csrf_token")),
                ("verified", "on"),
                ("access_token_format", format),
            ],
        )
        .await
        .status
}

#[tokio::test]
async fn an_administrator_sets_an_apps_access_tokens_to_opaque_on_its_portal_page() {
    let app = spawn_app().await;
    app.create_admin("root", PASSWORD);
    let client = service(&app);
    assert!(!is_opaque(
        &app.client_credentials_token(&client, Some("read")).await
    ));

    let admin = Agent::new(&app);
    admin.sign_in("root", PASSWORD, "/portal").await;
    let page = admin.get(&format!("/portal/apps/{}", client.id)).await;
    assert!(
        page.body.contains("id=\"access-token-format\""),
        "the choice is shown to an administrator"
    );
    assert_eq!(admin_sets_format(&admin, &client, "opaque").await, 303);
    assert!(
        is_opaque(&app.client_credentials_token(&client, Some("read")).await),
        "its next token is an opaque reference"
    );
    let audit = app.cli(&["audit", "list", "--json"], None);
    assert!(audit.stdout.contains("client.updated"), "{}", audit.stdout);

    assert_eq!(admin_sets_format(&admin, &client, "jwt").await, 303);
    assert!(!is_opaque(
        &app.client_credentials_token(&client, Some("read")).await
    ));
}

#[tokio::test]
async fn an_unknown_access_token_format_from_the_portal_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.create_admin("root", PASSWORD);
    let client = service(&app);
    let admin = Agent::new(&app);
    admin.sign_in("root", PASSWORD, "/portal").await;
    assert_eq!(admin_sets_format(&admin, &client, "paseto").await, 400);
    assert!(!is_opaque(
        &app.client_credentials_token(&client, Some("read")).await
    ));
}

#[tokio::test]
async fn a_developer_never_sees_the_access_token_choice() {
    let app = spawn_app().await;
    let dev = Agent::new(&app);
    app.create_user("dev", PASSWORD);
    dev.sign_in("dev", PASSWORD, "/portal").await;
    let form = dev.get("/portal/apps/new").await;
    assert!(!form.body.contains("access_token_format"));
}

async fn register(app: &TestApp, metadata: serde_json::Value) -> (u16, serde_json::Value) {
    let response = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&metadata)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn open_registration(choose_format: bool) -> TestApp {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.open_registration = true;
        s.self_service_client_credentials = true;
        s.registration_access_token_format = choose_format;
    })
    .await;
    let out = app.cli(&["scope", "add", "read", "--description", "Read"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    app
}

fn report_service(format: &str) -> serde_json::Value {
    serde_json::json!({
        "client_name": "Report service",
        "grant_types": ["client_credentials"],
        "scope": "read",
        "access_token_format": format,
    })
}

fn registered_client(registered: &serde_json::Value) -> TestClient {
    TestClient {
        id: registered["client_id"].as_str().unwrap().to_string(),
        secret: registered["client_secret"].as_str().map(str::to_string),
    }
}

#[tokio::test]
async fn dynamic_registration_ignores_an_access_token_format_the_operator_did_not_let_registrants_choose() {
    let app = open_registration(false).await;
    let (status, registered) = register(&app, report_service("opaque")).await;
    assert_eq!(status, 201);
    assert!(registered.get("access_token_format").is_none());
    let token = app
        .client_credentials_token(&registered_client(&registered), Some("read"))
        .await;
    assert!(!is_opaque(&token), "a JWT, as for every registered client");
}

#[tokio::test]
async fn dynamic_registration_gives_opaque_tokens_when_the_operator_lets_registrants_choose() {
    let app = open_registration(true).await;
    let (status, registered) = register(&app, report_service("opaque")).await;
    assert_eq!(status, 201, "{registered}");
    assert_eq!(registered["access_token_format"], "opaque");
    let client = registered_client(&registered);
    assert!(is_opaque(
        &app.client_credentials_token(&client, Some("read")).await
    ));

    // RFC 7592 §2.2: a replacement without the member asks for the default.
    let mut replacement = report_service("jwt");
    replacement.as_object_mut().unwrap().remove("access_token_format");
    replacement["client_id"] = registered["client_id"].clone();
    let replaced = app
        .http
        .put(registered["registration_client_uri"].as_str().unwrap())
        .bearer_auth(registered["registration_access_token"].as_str().unwrap())
        .json(&replacement)
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), 200);
    let replaced: serde_json::Value = replaced.json().await.unwrap();
    assert_eq!(replaced["access_token_format"], "jwt");
    assert!(!is_opaque(
        &app.client_credentials_token(&client, Some("read")).await
    ));
}

#[tokio::test]
async fn an_unknown_access_token_format_is_invalid_client_metadata_where_registrants_may_choose() {
    let app = open_registration(true).await;
    let (status, body) = register(&app, report_service("paseto")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_client_metadata");
}

/// Registers a service before the server starts (the configuration names
/// it), on `db`.
fn service_on(db: &TestDb) -> TestClient {
    let out = run_cli(
        &db.url,
        &[
            "client",
            "create",
            "--name",
            "svc",
            "--grant-type",
            "client_credentials",
            "--scope",
            "read",
            "--json",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let created: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    TestClient {
        id: created["client_id"].as_str().unwrap().to_string(),
        secret: created["client_secret"].as_str().map(str::to_string),
    }
}

async fn alices_token(app: &TestApp) -> String {
    let first_party = app.first_party_client();
    app.alice_refresh_token(&first_party).await;
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "correct horse battery"),
    ];
    let issued = app.post_form("/oauth2/token", &form, Some(&first_party)).await;
    issued.body["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_configuration_allows_a_token_exchange_without_the_cli() {
    let db = TestDb::new();
    let svc = service_on(&db);
    let grant = ExchangeGrant::new(&svc.id, NEXT).unwrap();
    let app = spawn_app_on(db, move |s| s.token_exchange_policy = vec![grant]).await;
    // It serves the audience of Alice's token (the issuer, by default).
    let serves = app.cli(
        &[
            "client",
            "update",
            "--client-id",
            &svc.id,
            "--introspect-for",
            &app.settings.issuer,
        ],
        None,
    );
    assert_eq!(serves.code, 0, "{}", serves.stderr);
    let token = alices_token(&app).await;
    let answer = exchange(&app, &svc, &token, &[("audience", NEXT)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let other = exchange(&app, &svc, &token, &[("audience", "https://other.example")]).await;
    assert_eq!(other.error(), "invalid_target", "only the audiences it names");
}

#[tokio::test]
async fn the_cli_lists_configured_exchanges_and_will_not_deny_them() {
    let app = spawn_app().await;
    let svc = service(&app);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tollgate.toml");
    std::fs::write(
        &config,
        format!("token_exchange_policy = \"{}={NEXT}\"\n", svc.id),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let listed = app.cli(&["--config", config, "exchange", "list"], None);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_eq!(
        listed.stdout.trim(),
        format!("{}\t{NEXT}\t(configuration)", svc.id)
    );
    let denied = app.cli(
        &[
            "--config",
            config,
            "exchange",
            "deny",
            "--client-id",
            &svc.id,
            "--audience",
            NEXT,
        ],
        None,
    );
    assert_ne!(denied.code, 0);
    assert!(denied.stderr.contains("remove it there"), "{}", denied.stderr);
}

#[tokio::test]
async fn a_configured_exchange_with_an_audience_that_is_not_a_uri_stops_the_start() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tollgate.toml");
    std::fs::write(&config, "token_exchange_policy = \"svc=calendar\"\n").unwrap();
    let listed = app.cli(&["--config", config.to_str().unwrap(), "exchange", "list"], None);
    assert_ne!(listed.code, 0);
    assert!(
        listed.stderr.contains("token_exchange_policy"),
        "{}",
        listed.stderr
    );
}
