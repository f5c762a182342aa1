//! The actix-web extractors and their RFC 6750 responses (feature `actix`).

mod common;

use actix_web::http::{header, StatusCode};
use actix_web::{test, web, App, HttpResponse};
use common::{claims, Server, TestKey, AUD};
use serde_json::{json, Value};
use std::time::Duration;
use tollgate_verify::actix::{AccessToken, BearerError, RequiredScope, Scoped};
use tollgate_verify::Verifier;

async fn read_notes(token: AccessToken) -> Result<HttpResponse, BearerError> {
    token.require_scope("notes:read")?;
    Ok(HttpResponse::Ok().json(json!({ "sub": token.sub, "client_id": token.client_id })))
}

struct WriteNotes;
impl RequiredScope for WriteNotes {
    const SCOPE: &'static str = "notes:write";
}

async fn write_notes(token: Scoped<WriteNotes>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": token.sub }))
}

/// A stand-in Tollgate, a verifier for it, and the key it signs with.
async fn setup() -> (Server, Verifier, TestKey) {
    let key = TestKey::ed("ed-1");
    let server = Server::start(&[&key]).await;
    let verifier = Verifier::builder(server.issuer(), AUD)
        .min_refetch_interval(Duration::from_millis(100))
        .build()
        .await
        .unwrap();
    (server, verifier, key)
}

macro_rules! app {
    ($verifier:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($verifier.clone()))
                .route("/notes", web::get().to(read_notes))
                .route("/notes", web::post().to(write_notes)),
        )
        .await
    };
}

fn www_authenticate(resp: &actix_web::dev::ServiceResponse) -> String {
    resp.headers()
        .get(header::WWW_AUTHENTICATE)
        .expect("a WWW-Authenticate header")
        .to_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn a_request_without_a_token_gets_401_with_a_bearer_challenge() {
    let (_server, verifier, _key) = setup().await;
    let app = app!(verifier);
    let resp = test::call_service(&app, test::TestRequest::get().uri("/notes").to_request()).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let challenge = www_authenticate(&resp);
    assert_eq!(challenge, format!("Bearer realm=\"{AUD}\""));
    let body: Value = test::read_body_json(resp).await;
    assert!(body["error_description"].is_string());
}

#[actix_web::test]
async fn a_token_in_the_query_string_is_ignored() {
    let (server, verifier, key) = setup().await;
    let app = app!(verifier);
    let token = key.sign(&claims(&server.issuer()));
    let req = test::TestRequest::get()
        .uri(&format!("/notes?access_token={token}"))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn another_auth_scheme_gets_the_bare_bearer_challenge() {
    let (_server, verifier, _key) = setup().await;
    let app = app!(verifier);
    let req = test::TestRequest::get()
        .uri("/notes")
        .insert_header((header::AUTHORIZATION, "Basic YTpi"))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(!www_authenticate(&resp).contains("error="));
}

#[actix_web::test]
async fn a_bad_token_gets_401_invalid_token() {
    let (server, verifier, key) = setup().await;
    let app = app!(verifier);
    let mut c = claims(&server.issuer());
    c["aud"] = json!("https://billing.example.com");
    for token in ["not-a-jwt".to_owned(), key.sign(&c)] {
        let req = test::TestRequest::get()
            .uri("/notes")
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let challenge = www_authenticate(&resp);
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
        assert!(challenge.contains("error_description=\""), "{challenge}");
        let body: Value = test::read_body_json(resp).await;
        assert_eq!(body["error"], "invalid_token");
        assert!(body["error_description"].is_string());
    }
}

#[actix_web::test]
async fn a_token_without_the_needed_scope_gets_403_insufficient_scope() {
    let (server, verifier, key) = setup().await;
    let app = app!(verifier);
    let mut c = claims(&server.issuer());
    c["scope"] = json!("profile");
    let token = key.sign(&c);
    let req = test::TestRequest::get()
        .uri("/notes")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let challenge = www_authenticate(&resp);
    assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");
    assert!(challenge.contains("scope=\"notes:read\""), "{challenge}");
    let body: Value = test::read_body_json(resp).await;
    assert_eq!(body["error"], "insufficient_scope");
}

#[actix_web::test]
async fn the_scoped_extractor_answers_403_without_its_scope() {
    let (server, verifier, key) = setup().await;
    let app = app!(verifier);
    let token = key.sign(&claims(&server.issuer()));
    let req = test::TestRequest::post()
        .uri("/notes")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(www_authenticate(&resp).contains("scope=\"notes:write\""));
}

#[actix_web::test]
async fn a_good_token_gets_200() {
    let (server, verifier, key) = setup().await;
    let app = app!(verifier);
    let token = key.sign(&claims(&server.issuer()));
    // The scheme name is case-insensitive (RFC 7235 §2.1).
    let req = test::TestRequest::get()
        .uri("/notes")
        .insert_header((header::AUTHORIZATION, format!("bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = test::read_body_json(resp).await;
    assert_eq!(body, json!({ "sub": "alice", "client_id": "notes-app" }));
}

#[actix_web::test]
async fn the_scoped_extractor_lets_a_token_with_its_scope_through() {
    let (server, verifier, key) = setup().await;
    let app = app!(verifier);
    let mut c = claims(&server.issuer());
    c["scope"] = json!("notes:read notes:write");
    let req = test::TestRequest::post()
        .uri("/notes")
        .insert_header((header::AUTHORIZATION, format!("Bearer {}", key.sign(&c))))
        .to_request();
    assert_eq!(test::call_service(&app, req).await.status(), StatusCode::OK);
}

#[actix_web::test]
async fn a_key_fetch_outage_gets_503() {
    let (server, verifier, _key) = setup().await;
    let app = app!(verifier);
    server.with(|s| s.jwks_down = true);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let token = TestKey::ed("rotated-in").sign(&claims(&server.issuer()));
    let req = test::TestRequest::get()
        .uri("/notes")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = test::read_body_json(resp).await;
    assert_eq!(body["error"], "temporarily_unavailable");
}

#[actix_web::test]
async fn a_route_without_a_verifier_in_app_data_is_a_500() {
    let app = test::init_service(App::new().route("/notes", web::get().to(read_notes))).await;
    let req = test::TestRequest::get()
        .uri("/notes")
        .insert_header((header::AUTHORIZATION, "Bearer abc"))
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
}
