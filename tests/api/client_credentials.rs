//! The client credentials grant, driven by the `oauth2` crate as a service would.

use crate::helpers::{claims_of, spawn_app, TestApp, TestClient};
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, Scope, TokenResponse, TokenUrl};

type ServiceClient = BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn oauth2_client(app: &TestApp, client: &TestClient, auth: AuthType) -> ServiceClient {
    BasicClient::new(ClientId::new(client.id.clone()))
        .set_client_secret(ClientSecret::new(client.secret.clone().unwrap()))
        .set_auth_type(auth)
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_service_gets_a_jwt_access_token_with_client_secret_basic() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = oauth2_client(&app, &client, AuthType::BasicAuth)
        .exchange_client_credentials()
        .add_scope(Scope::new("read".into()))
        .request_async(&http())
        .await
        .unwrap();
    assert_eq!(token.token_type(), &oauth2::basic::BasicTokenType::Bearer);
    assert!(
        token.refresh_token().is_none(),
        "RFC 6749 §4.4.3: no refresh token"
    );
    assert_eq!(token.scopes().unwrap(), &vec![Scope::new("read".into())]);
    let claims = claims_of(token.access_token().secret());
    assert_eq!(claims["sub"], client.id.as_str());
    assert_eq!(claims["client_id"], client.id.as_str());
    assert_eq!(claims["scope"], "read");
    assert_eq!(claims["iss"], app.settings.issuer.as_str());
    assert_eq!(claims["aud"], app.settings.issuer.as_str());
    assert!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() == app.settings.access_token_ttl
    );
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
}

#[tokio::test]
async fn a_service_gets_a_token_with_client_secret_post() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = oauth2_client(&app, &client, AuthType::RequestBody)
        .exchange_client_credentials()
        .request_async(&http())
        .await
        .unwrap();
    let claims = claims_of(token.access_token().secret());
    assert_eq!(
        claims["scope"], "read write",
        "no scope asked: every allowed scope"
    );
}

#[tokio::test]
async fn the_token_header_is_typed_at_jwt_with_a_published_kid() {
    let app = crate::helpers::spawn_app_on(crate::helpers::TestDb::new(), |s| {
        s.signing_alg = crate::helpers::default_signing_alg()
    })
    .await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    assert_eq!(jwks["keys"][0]["kid"], header.kid.unwrap().as_str());
}

#[tokio::test]
async fn the_token_verifies_against_the_jwks_with_tollgate_verify() {
    for alg in ["RS256", "ES256", "EdDSA"] {
        let app = crate::helpers::spawn_app_on(crate::helpers::TestDb::new(), |s| {
            s.signing_alg = alg.parse().unwrap()
        })
        .await;
        let client = app.service_client();
        let token = app.client_credentials_token(&client, Some("write")).await;
        let verifier =
            tollgate_verify::Verifier::discover(app.settings.issuer.clone(), app.settings.issuer.clone())
                .await
                .unwrap();
        let claims = verifier
            .verify(&token)
            .await
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert!(claims.has_scope("write"));
        assert_eq!(claims.client_id, client.id);
    }
}

#[tokio::test]
async fn token_responses_are_not_cached() {
    let app = spawn_app().await;
    let client = app.service_client();
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("pragma"), Some("no-cache"));
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], app.settings.access_token_ttl);
}

#[tokio::test]
async fn a_scope_beyond_the_clients_is_invalid_scope() {
    let app = spawn_app().await;
    let client = app.service_client();
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials"), ("scope", "read admin")],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_scope");
}

#[tokio::test]
async fn a_malformed_scope_is_invalid_scope() {
    let app = spawn_app().await;
    let client = app.service_client();
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials"), ("scope", "read \"x\"")],
            Some(&client),
        )
        .await;
    assert_eq!(answer.error(), "invalid_scope");
}

#[tokio::test]
async fn a_resource_the_client_may_ask_for_becomes_the_audience() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--resource",
        "https://api.example/orders",
    ]);
    let answer = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://api.example/orders"),
            ],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        claims_of(answer.body["access_token"].as_str().unwrap())["aud"],
        "https://api.example/orders"
    );
}

#[tokio::test]
async fn a_resource_the_client_may_not_ask_for_is_invalid_target() {
    let app = spawn_app().await;
    let client = app.service_client();
    let answer = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("resource", "https://api.example/other"),
            ],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_target");
}

#[tokio::test]
async fn a_client_not_allowed_client_credentials_is_unauthorized_client() {
    let app = spawn_app().await;
    let client = app.create_client(&["--redirect-uri", "https://app.example/cb"]);
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "unauthorized_client");
}
