//! Token exchange (RFC 8693) at the token endpoint: a service swaps the
//! user's access token for one for the next service, narrowed and naming
//! itself as the actor, as the operator's exchange policy allows.

use crate::helpers::{claims_of, spawn_app, Answer, TestApp, TestClient};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const NEXT: &str = "https://calendar.example";

/// A confidential client standing for a service.
pub fn service(app: &TestApp) -> TestClient {
    app.create_client(&["--grant-type", "client_credentials", "--scope", "read"])
}

/// A service that serves `audience`: the tokens for it are its own to
/// exchange (it may introspect them).
pub fn service_serving(app: &TestApp, audience: &str) -> TestClient {
    app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--scope",
        "read",
        "--introspect-for",
        audience,
    ])
}

/// Lets `client` exchange tokens for `audience`, with the CLI.
pub fn allow(app: &TestApp, client: &TestClient, audience: &str) {
    let out = app.cli(
        &[
            "exchange",
            "allow",
            "--client-id",
            &client.id,
            "--audience",
            audience,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// Asks the token endpoint, as `client`, to exchange `token` with `extra`.
pub async fn exchange(app: &TestApp, client: &TestClient, token: &str, extra: &[(&str, &str)]) -> Answer {
    let mut form = vec![
        ("grant_type", GRANT),
        ("subject_token", token),
        ("subject_token_type", ACCESS),
    ];
    form.extend_from_slice(extra);
    app.post_form("/oauth2/token", &form, Some(client)).await
}

/// Alice's access token from the first-party app (scope `profile email`),
/// and that app.
async fn alices_token_and_app(app: &TestApp) -> (String, TestClient) {
    let first_party = app.first_party_client();
    app.alice_refresh_token(&first_party).await;
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "correct horse battery"),
    ];
    let issued = app.post_form("/oauth2/token", &form, Some(&first_party)).await;
    (
        issued.body["access_token"].as_str().unwrap().to_string(),
        first_party,
    )
}

async fn alices_token(app: &TestApp) -> String {
    alices_token_and_app(app).await.0
}

#[tokio::test]
async fn a_service_gets_a_narrower_token_for_the_next_service_naming_itself_as_actor() {
    let app = spawn_app().await;
    let token = alices_token(&app).await;
    let service_a = service(&app);
    allow(&app, &service_a, NEXT);
    let answer = exchange(
        &app,
        &service_a,
        &token,
        &[("audience", NEXT), ("scope", "profile")],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["issued_token_type"], ACCESS);
    assert_eq!(answer.body["token_type"], "Bearer");
    assert!(answer.body.get("refresh_token").is_none());
    let (subject, issued) = (
        claims_of(&token),
        claims_of(answer.body["access_token"].as_str().unwrap()),
    );
    assert_eq!(issued["aud"], NEXT);
    assert_eq!(issued["sub"], subject["sub"]);
    assert_eq!(issued["scope"], "profile");
    assert_eq!(issued["client_id"], service_a.id.as_str());
    assert_eq!(issued["act"], serde_json::json!({ "sub": service_a.id }));
    assert!(issued["exp"].as_i64() <= subject["exp"].as_i64());
    // The next service introspects tokens for its own audience.
    let next_service = app.create_client(&["--grant-type", "client_credentials", "--introspect-for", NEXT]);
    let described = app
        .introspect(answer.body["access_token"].as_str().unwrap(), &next_service)
        .await;
    assert_eq!(described["active"], true, "the exchanged token is live");
}

#[tokio::test]
async fn exchanging_an_exchanged_token_again_nests_the_actors() {
    let app = spawn_app().await;
    let token = alices_token(&app).await;
    let (service_a, service_b) = (service(&app), service_serving(&app, NEXT));
    allow(&app, &service_a, NEXT);
    allow(&app, &service_b, "https://third.example");
    let first = exchange(&app, &service_a, &token, &[("resource", NEXT)]).await;
    let first = first.body["access_token"].as_str().unwrap().to_string();
    let second = exchange(&app, &service_b, &first, &[("audience", "https://third.example")]).await;
    assert_eq!(second.status, 200, "{}", second.body);
    let claims = claims_of(second.body["access_token"].as_str().unwrap());
    assert_eq!(
        claims["act"],
        serde_json::json!({ "sub": service_b.id, "act": { "sub": service_a.id } })
    );
}

#[tokio::test]
async fn without_permission_the_client_is_unauthorized_and_another_audience_is_an_invalid_target() {
    let app = spawn_app().await;
    let token = alices_token(&app).await;
    let service_a = service(&app);
    let refused = exchange(&app, &service_a, &token, &[("audience", NEXT)]).await;
    assert_eq!(
        (refused.status, refused.error()),
        (400, "unauthorized_client"),
        "{}",
        refused.body
    );
    allow(&app, &service_a, NEXT);
    let refused = exchange(&app, &service_a, &token, &[("audience", "https://other.example")]).await;
    assert_eq!(
        (refused.status, refused.error()),
        (400, "invalid_target"),
        "{}",
        refused.body
    );
    let out = app.cli(
        &[
            "exchange",
            "deny",
            "--client-id",
            &service_a.id,
            "--audience",
            NEXT,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let refused = exchange(&app, &service_a, &token, &[("audience", NEXT)]).await;
    assert_eq!(refused.error(), "unauthorized_client");
}

#[tokio::test]
async fn a_wider_scope_a_dead_subject_token_or_a_clients_own_token_is_refused() {
    let app = spawn_app().await;
    let (token, first_party) = alices_token_and_app(&app).await;
    let service_a = service(&app);
    allow(&app, &service_a, NEXT);
    let wider = exchange(
        &app,
        &service_a,
        &token,
        &[("audience", NEXT), ("scope", "profile admin")],
    )
    .await;
    assert_eq!(wider.error(), "invalid_scope", "{}", wider.body);
    let wrong_type = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", GRANT),
                ("subject_token", &token),
                ("subject_token_type", "urn:x"),
                ("audience", NEXT),
            ],
            Some(&service_a),
        )
        .await;
    assert_eq!(wrong_type.error(), "invalid_request");
    let own = app.client_credentials_token(&service_a, None).await;
    let own = exchange(&app, &service_a, &own, &[("audience", NEXT)]).await;
    assert_eq!(own.error(), "invalid_request", "{}", own.body);
    assert_eq!(app.revoke(&token, &first_party).await.status, 200);
    let revoked = exchange(&app, &service_a, &token, &[("audience", NEXT)]).await;
    assert_eq!(revoked.error(), "invalid_request", "{}", revoked.body);
}

#[tokio::test]
async fn the_metadata_advertises_token_exchange() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(status, 200);
    assert!(doc["grant_types_supported"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == GRANT));
}

#[tokio::test]
async fn a_token_neither_issued_to_the_caller_nor_for_an_audience_it_serves_is_not_exchanged() {
    let app = spawn_app().await;
    // Alice's token is for the default audience (the issuer); this service
    // serves another audience and was not issued the token.
    let token = alices_token(&app).await;
    let bystander =
        app.create_client_without_introspection(&["--grant-type", "client_credentials", "--scope", "read"]);
    allow(&app, &bystander, NEXT);
    let refused = exchange(&app, &bystander, &token, &[("audience", NEXT)]).await;
    assert_eq!(
        (refused.status, refused.error()),
        (400, "invalid_request"),
        "{}",
        refused.body
    );
    // The service that serves the token's audience may.
    let server = service_serving(&app, &app.settings.issuer);
    allow(&app, &server, NEXT);
    let allowed = exchange(&app, &server, &token, &[("audience", NEXT)]).await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
}

#[tokio::test]
async fn revoking_the_subject_token_ends_the_tokens_exchanged_from_it() {
    let app = spawn_app().await;
    let (token, first_party) = alices_token_and_app(&app).await;
    let service_a = service(&app);
    allow(&app, &service_a, NEXT);
    let first = exchange(&app, &service_a, &token, &[("audience", NEXT)]).await;
    let first = first.body["access_token"].as_str().unwrap().to_string();
    let service_b = service_serving(&app, NEXT);
    allow(&app, &service_b, "https://third.example");
    let second = exchange(&app, &service_b, &first, &[("audience", "https://third.example")]).await;
    let second = second.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims_of(&second)["origin_jti"], claims_of(&token)["jti"]);
    let introspector = app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--introspect-for",
        NEXT,
        "--introspect-for",
        "https://third.example",
    ]);
    assert_eq!(app.introspect(&second, &introspector).await["active"], true);
    assert_eq!(app.revoke(&token, &first_party).await.status, 200);
    for derived in [&first, &second] {
        assert_eq!(app.introspect(derived, &introspector).await["active"], false);
    }
}

#[tokio::test]
async fn the_exchange_policy_takes_only_absolute_audiences_and_every_change_is_audited() {
    let app = spawn_app().await;
    let service_a = service(&app);
    let refused = app.cli(
        &[
            "exchange",
            "allow",
            "--client-id",
            &service_a.id,
            "--audience",
            "calendar",
        ],
        None,
    );
    assert_ne!(refused.code, 0, "a bare word was taken as an audience");
    allow(&app, &service_a, NEXT);
    let denied = app.cli(
        &[
            "exchange",
            "deny",
            "--client-id",
            &service_a.id,
            "--audience",
            NEXT,
        ],
        None,
    );
    assert_eq!(denied.code, 0, "{}", denied.stderr);
    let filter = tollgate::storage::audit::AuditFilter {
        client_id: Some(service_a.id.clone()),
        ..Default::default()
    };
    let kinds: Vec<String> = tollgate::oauth::audit::list_sync(&app.database(), &filter, 10)
        .unwrap()
        .into_iter()
        .map(|row| row.kind)
        .collect();
    assert!(
        kinds.contains(&"client.exchange_allowed".to_string()),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"client.exchange_denied".to_string()), "{kinds:?}");
}
