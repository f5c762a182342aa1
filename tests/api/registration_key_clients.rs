//! Dynamic registration (RFC 7591 §2, RFC 7592) of clients that
//! authenticate with `private_key_jwt` (RFC 7523 §2.2) and of clients whose
//! access tokens must be DPoP-bound (RFC 9449 §5.2).

use crate::dpop::Key as DpopKey;
use crate::helpers::{answer, spawn_app_on, Answer, TestApp, TestClient, TestDb};
use serde_json::{json, Value};
use tollgate::domain::SigningAlg;
use tollgate::oauth::client_assertion::ASSERTION_TYPE;
use tollgate::oauth::keys::SigningKey;

const REGISTER: &str = "/oauth2/register";

/// Open registration, client credentials allowed to self-registered
/// clients; `development` lets `jwks_uri` be plain http on loopback.
async fn spawn(development: bool) -> TestApp {
    spawn_app_on(TestDb::new(), |s| {
        s.open_registration = true;
        s.self_service_client_credentials = true;
        s.outbound_private_addresses = development;
    })
    .await
}

fn key() -> SigningKey {
    SigningKey::generate(SigningAlg::Es256).unwrap().0
}

fn jwks(key: &SigningKey) -> Value {
    json!({ "keys": [key.public_jwk()] })
}

/// A client-credentials service authenticating with `key`.
fn service(key: &SigningKey) -> Value {
    json!({
        "client_name": "Signing service",
        "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": jwks(key),
    })
}

async fn register(app: &TestApp, metadata: &Value) -> Answer {
    let request = app.http.post(app.url(REGISTER)).json(metadata);
    answer(request.send().await.expect("request sent")).await
}

async fn registered(app: &TestApp, metadata: &Value) -> Value {
    let a = register(app, metadata).await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.body
}

/// `method` on the registration's RFC 7592 URI with its token.
async fn manage(app: &TestApp, method: reqwest::Method, info: &Value, body: Option<Value>) -> Answer {
    let uri = info["registration_client_uri"].as_str().unwrap();
    let token = info["registration_access_token"].as_str().unwrap();
    let mut request = app.http.request(method, uri).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    answer(request.send().await.expect("request sent")).await
}

fn assert_invalid_metadata(a: &Answer, member: &str) {
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.error(), "invalid_client_metadata", "{}", a.body);
    let description = a.body["error_description"].as_str().unwrap();
    assert!(
        description.contains(member),
        "{member} not named in {description}"
    );
}

/// A client credentials request authenticated by an assertion `key` signs.
async fn token_by_assertion(app: &TestApp, client_id: &str, key: &SigningKey, proof: Option<&str>) -> Answer {
    let now = tollgate::domain::Clock::system().now();
    let claims = json!({
        "iss": client_id, "sub": client_id, "aud": app.url("/oauth2/token"),
        "iat": now, "exp": now + 60, "jti": tollgate::oauth::secrets::random_token(16),
    });
    let assertion = key.sign_jwt("JWT", &claims).unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion.as_str()),
    ];
    let mut request = app.http.post(app.url("/oauth2/token")).form(&form);
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    answer(request.send().await.expect("request sent")).await
}

fn stored_secret_hash(app: &TestApp, id: &str) -> Option<String> {
    let id = id.to_string();
    app.database()
        .run_sync(move |conn| tollgate::storage::clients::by_id(conn, &id))
        .unwrap()
        .expect("the client exists")
        .secret_hash
}

#[tokio::test]
async fn a_client_registered_with_private_key_jwt_and_inline_jwks_gets_no_secret_and_authenticates_with_an_assertion(
) {
    let app = spawn(false).await;
    let signing = key();
    let info = registered(&app, &service(&signing)).await;
    assert_eq!(info["token_endpoint_auth_method"], "private_key_jwt");
    assert_eq!(info["jwks"], jwks(&signing));
    assert!(info.get("client_secret").is_none(), "{info}");
    assert!(info.get("client_secret_expires_at").is_none(), "{info}");
    let id = info["client_id"].as_str().unwrap();
    // Nothing that could be a secret is kept for it.
    assert_eq!(stored_secret_hash(&app, id), None);

    let token = token_by_assertion(&app, id, &signing, None).await;
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(token.body["token_type"], "Bearer");
    // Another key's assertion proves nothing (RFC 7523 §3).
    let forged = token_by_assertion(&app, id, &key(), None).await;
    assert_eq!(forged.status, 401, "{}", forged.body);
    assert_eq!(forged.error(), "invalid_client");
}

#[tokio::test]
async fn a_jwks_uri_is_registered_over_https_and_over_http_only_on_loopback_in_development() {
    let production = spawn(false).await;
    let mut metadata = service(&key());
    metadata.as_object_mut().unwrap().remove("jwks");
    metadata["jwks_uri"] = json!("https://keys.example/jwks.json");
    let info = registered(&production, &metadata).await;
    assert_eq!(info["jwks_uri"], "https://keys.example/jwks.json");
    assert!(info.get("jwks").is_none());
    assert!(info.get("client_secret").is_none());

    metadata["jwks_uri"] = json!("http://127.0.0.1:9/jwks.json");
    assert_invalid_metadata(&register(&production, &metadata).await, "jwks_uri");
    let development = spawn(true).await;
    let info = registered(&development, &metadata).await;
    assert_eq!(info["jwks_uri"], "http://127.0.0.1:9/jwks.json");
    // Plain http elsewhere stays refused even there.
    metadata["jwks_uri"] = json!("http://keys.example/jwks.json");
    assert_invalid_metadata(&register(&development, &metadata).await, "jwks_uri");
}

#[tokio::test]
async fn private_key_jwt_needs_exactly_one_of_jwks_and_jwks_uri_and_valid_public_keys() {
    let app = spawn(false).await;
    let mut both = service(&key());
    both["jwks_uri"] = json!("https://keys.example/jwks.json");
    assert_invalid_metadata(&register(&app, &both).await, "jwks");

    let mut neither = service(&key());
    neither.as_object_mut().unwrap().remove("jwks");
    assert_invalid_metadata(&register(&app, &neither).await, "jwks");

    let mut private = service(&key());
    private["jwks"]["keys"][0]["d"] = json!("c2VjcmV0");
    assert_invalid_metadata(&register(&app, &private).await, "jwks");

    let mut symmetric = service(&key());
    symmetric["jwks"] = json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0" }] });
    assert_invalid_metadata(&register(&app, &symmetric).await, "jwks");

    let mut not_a_set = service(&key());
    not_a_set["jwks"] = json!("keys");
    assert_invalid_metadata(&register(&app, &not_a_set).await, "jwks");
}

#[tokio::test]
async fn keys_registered_with_a_secret_method_are_invalid_client_metadata() {
    let app = spawn(false).await;
    let mut metadata = service(&key());
    metadata["token_endpoint_auth_method"] = json!("client_secret_basic");
    assert_invalid_metadata(&register(&app, &metadata).await, "jwks");
}

#[tokio::test]
async fn a_client_registered_with_dpop_bound_access_tokens_is_refused_a_bearer_token_rfc9449_section_5_2() {
    let app = spawn(false).await;
    let signing = key();
    let mut metadata = service(&signing);
    metadata["dpop_bound_access_tokens"] = json!(true);
    let info = registered(&app, &metadata).await;
    assert_eq!(info["dpop_bound_access_tokens"], true);
    let id = info["client_id"].as_str().unwrap();

    let bearer = token_by_assertion(&app, id, &signing, None).await;
    assert_eq!(bearer.status, 400, "{}", bearer.body);
    assert_eq!(bearer.error(), "invalid_dpop_proof");
    let proof = DpopKey::new().token_proof(&app);
    let bound = token_by_assertion(&app, id, &signing, Some(&proof)).await;
    assert_eq!(bound.status, 200, "{}", bound.body);
    assert_eq!(bound.body["token_type"], "DPoP");

    let read = manage(&app, reqwest::Method::GET, &info, None).await;
    assert_eq!(read.body["dpop_bound_access_tokens"], true);
    assert_eq!(read.body["token_endpoint_auth_method"], "private_key_jwt");
    assert_eq!(read.body["jwks"], jwks(&signing));
}

#[tokio::test]
async fn dpop_bound_access_tokens_must_be_a_boolean() {
    let app = spawn(false).await;
    let mut metadata = service(&key());
    metadata["dpop_bound_access_tokens"] = json!("yes");
    assert_invalid_metadata(&register(&app, &metadata).await, "dpop_bound_access_tokens");
}

#[tokio::test]
async fn a_replacement_switches_from_private_key_jwt_to_a_secret_and_back_rfc7592_section_2_2() {
    let app = spawn(false).await;
    let signing = key();
    let info = registered(&app, &service(&signing)).await;
    let id = info["client_id"].as_str().unwrap().to_string();

    // To a secret method: a secret appears, once, and the keys go.
    let to_secret = json!({
        "client_id": id, "client_name": "Signing service",
        "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic",
    });
    let replaced = manage(&app, reqwest::Method::PUT, &info, Some(to_secret)).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["token_endpoint_auth_method"], "client_secret_basic");
    assert!(replaced.body.get("jwks").is_none(), "{}", replaced.body);
    let secret = replaced.body["client_secret"]
        .as_str()
        .expect("a new secret")
        .to_string();
    let client = TestClient {
        id: id.clone(),
        secret: Some(secret),
    };
    let by_secret = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_eq!(by_secret.status, 200, "{}", by_secret.body);
    let by_assertion = token_by_assertion(&app, &id, &signing, None).await;
    assert_eq!(by_assertion.status, 401, "{}", by_assertion.body);
    let read = manage(&app, reqwest::Method::GET, &info, None).await;
    assert!(
        read.body.get("jwks").is_none() && read.body.get("client_secret").is_none(),
        "{}",
        read.body
    );

    // Back to private_key_jwt: the secret stops working and is not kept.
    let mut back = service(&signing);
    back["client_id"] = json!(id);
    let replaced = manage(&app, reqwest::Method::PUT, &info, Some(back)).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["token_endpoint_auth_method"], "private_key_jwt");
    assert!(replaced.body.get("client_secret").is_none(), "{}", replaced.body);
    assert_eq!(stored_secret_hash(&app, &id), None);
    let by_secret = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_eq!(by_secret.status, 401, "{}", by_secret.body);
    let by_assertion = token_by_assertion(&app, &id, &signing, None).await;
    assert_eq!(by_assertion.status, 200, "{}", by_assertion.body);
}

#[tokio::test]
async fn a_replacement_between_the_two_secret_methods_keeps_the_secret_and_issues_none() {
    let app = spawn(false).await;
    let info = registered(
        &app,
        &json!({ "client_name": "Report service", "grant_types": ["client_credentials"] }),
    )
    .await;
    let client = TestClient {
        id: info["client_id"].as_str().unwrap().to_string(),
        secret: Some(info["client_secret"].as_str().unwrap().to_string()),
    };
    let body = json!({
        "client_id": client.id, "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "client_secret_post",
    });
    let replaced = manage(&app, reqwest::Method::PUT, &info, Some(body)).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert!(replaced.body.get("client_secret").is_none(), "{}", replaced.body);
    let token = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&client),
        )
        .await;
    assert_eq!(token.status, 200, "{}", token.body);
}
