//! private_key_jwt client authentication (RFC 7523 §2.2 and §3, OpenID
//! Connect Core §9): assertions signed with keys registered inline or at a
//! `jwks_uri` served on loopback by the test.

use crate::helpers::{spawn_app_on, Answer, TestApp, TestClient, TestDb};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tollgate::domain::SigningAlg;
use tollgate::oauth::client_assertion::{self, KeySource, ASSERTION_TYPE};
use tollgate::oauth::keys::SigningKey;

/// A server whose `jwks_uri` fetches may reach the test's loopback listener.
async fn spawn() -> TestApp {
    spawn_app_on(TestDb::new(), |s| s.outbound_private_addresses = true).await
}

fn key(alg: SigningAlg) -> SigningKey {
    SigningKey::generate(alg).unwrap().0
}

fn jwks(keys: &[&SigningKey]) -> String {
    json!({ "keys": keys.iter().map(|k| k.public_jwk()).collect::<Vec<_>>() }).to_string()
}

/// A confidential client allowed client credentials, authenticating with
/// `source`.
async fn client(app: &TestApp, source: KeySource) -> TestClient {
    let mut client = app.service_client();
    let db = app.database();
    let set = client_assertion::set_keys(&db, &client.id, Some(source))
        .await
        .unwrap();
    assert!(set);
    client.secret = None;
    client
}

fn claims(app: &TestApp, client: &TestClient) -> Value {
    let now = tollgate::domain::Clock::system().now();
    json!({
        "iss": client.id, "sub": client.id, "aud": app.url("/oauth2/token"),
        "iat": now, "exp": now + 60, "jti": tollgate::oauth::secrets::random_token(16),
    })
}

fn sign(key: &SigningKey, claims: &Value) -> String {
    key.sign_jwt("JWT", claims).unwrap()
}

/// An unsigned or hand-signed JWT with this header.
fn forge(header: Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

async fn token_with(app: &TestApp, assertion: &str) -> Answer {
    app.post_form(
        "/oauth2/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
        ],
        None,
    )
    .await
}

fn assert_refused(answer: &Answer, why: &str) {
    assert_eq!(answer.status, 401, "{why}: {}", answer.body);
    assert_eq!(answer.error(), "invalid_client", "{why}");
}

/// A JWK Set served on loopback; what it serves can change, and it counts
/// the requests it answered.
struct JwksServer {
    url: String,
    body: Arc<Mutex<String>>,
    hits: Arc<Mutex<usize>>,
}

impl JwksServer {
    async fn start(body: String) -> JwksServer {
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let body = Arc::new(Mutex::new(body));
        let hits = Arc::new(Mutex::new(0));
        let (served, counted) = (body.clone(), hits.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = socket.accept().await {
                let body = served.lock().unwrap().clone();
                *counted.lock().unwrap() += 1;
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf).await;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                });
            }
        });
        JwksServer {
            url: format!("http://127.0.0.1:{port}/jwks.json"),
            body,
            hits,
        }
    }
}

#[tokio::test]
async fn an_assertion_signed_with_an_inline_rsa_key_gets_a_token_rfc7523_s3() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    let answer = token_with(&app, &sign(&rsa, &claims(&app, &client))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body["access_token"].is_string());
}

#[tokio::test]
async fn an_assertion_signed_with_an_es256_key_at_the_jwks_uri_gets_a_token() {
    let app = spawn().await;
    let ec = key(SigningAlg::Es256);
    let server = JwksServer::start(jwks(&[&ec])).await;
    let client = client(&app, KeySource::JwksUri(server.url.clone())).await;
    let answer = token_with(&app, &sign(&ec, &claims(&app, &client))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn the_client_id_may_accompany_the_assertion_and_the_issuer_is_an_accepted_audience() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    let mut c = claims(&app, &client);
    c["aud"] = json!([app.settings.issuer, "https://elsewhere.example"]);
    let answer = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client.id),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &sign(&rsa, &c)),
            ],
            None,
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn revocation_and_introspection_accept_an_assertion() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    tollgate::oauth::introspection::allow(
        &app.database(),
        &tollgate::oauth::audit::Actor::operator(),
        &client.id,
        std::slice::from_ref(&app.settings.issuer),
        tollgate::domain::Clock::system().now(),
    )
    .await
    .unwrap()
    .unwrap();
    let token = token_with(&app, &sign(&rsa, &claims(&app, &client))).await;
    let access = token.body["access_token"].as_str().unwrap().to_string();
    let mut c = claims(&app, &client);
    c["aud"] = json!(app.url("/oauth2/introspect"));
    let introspected = app
        .post_form(
            "/oauth2/introspect",
            &[
                ("token", &access),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &sign(&rsa, &c)),
            ],
            None,
        )
        .await;
    assert_eq!(introspected.status, 200, "{}", introspected.body);
    assert_eq!(introspected.body["active"], true);
    let mut c = claims(&app, &client);
    c["aud"] = json!(app.url("/oauth2/revoke"));
    let revoked = app
        .post_form(
            "/oauth2/revoke",
            &[
                ("token", &access),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &sign(&rsa, &c)),
            ],
            None,
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
}

#[tokio::test]
async fn an_assertion_for_another_audience_is_refused_rfc7523_s3_item3() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    let mut c = claims(&app, &client);
    c["aud"] = json!("https://other-server.example/token");
    assert_refused(&token_with(&app, &sign(&rsa, &c)).await, "wrong aud");
}

#[tokio::test]
async fn an_expired_assertion_or_one_expiring_too_far_ahead_is_refused_rfc7523_s3_item4() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    let now = tollgate::domain::Clock::system().now();
    let mut expired = claims(&app, &client);
    expired["exp"] = json!(now - 120);
    expired["iat"] = json!(now - 180);
    assert_refused(&token_with(&app, &sign(&rsa, &expired)).await, "expired");
    let mut far = claims(&app, &client);
    far["exp"] = json!(now + 3600);
    assert_refused(&token_with(&app, &sign(&rsa, &far)).await, "exp an hour ahead");
    let mut no_exp = claims(&app, &client);
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_refused(&token_with(&app, &sign(&rsa, &no_exp)).await, "no exp");
}

#[tokio::test]
async fn a_replayed_assertion_is_refused_rfc7523_s3_item7() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    let assertion = sign(&rsa, &claims(&app, &client));
    assert_eq!(token_with(&app, &assertion).await.status, 200);
    let again = token_with(&app, &assertion).await;
    assert_refused(&again, "replayed jti");
    assert!(again.body["error_description"].as_str().unwrap().contains("jti"));
}

#[tokio::test]
async fn an_assertion_signed_with_another_key_is_refused() {
    let app = spawn().await;
    let registered = key(SigningAlg::Rs256);
    let other = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&registered]))).await;
    // Same kid as the registered key, another key's signature.
    let c = claims(&app, &client);
    let forged = sign(&other, &c);
    let parts: Vec<&str> = forged.split('.').collect();
    let header = json!({ "alg": "RS256", "kid": registered.kid() });
    let forged = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        parts[1],
        parts[2]
    );
    assert_refused(&token_with(&app, &forged).await, "wrong key");
    assert_refused(&token_with(&app, &sign(&other, &c)).await, "unknown kid");
}

#[tokio::test]
async fn an_unsigned_assertion_is_refused_rfc8725_s3_1() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    let none = forge(json!({ "alg": "none" }), &claims(&app, &client), b"");
    assert_refused(&token_with(&app, &none).await, "alg none");
}

#[tokio::test]
async fn an_hmac_assertion_keyed_with_the_public_key_is_refused_rfc8725_s2_1() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let registered = jwks(&[&rsa]);
    let client = client(&app, KeySource::Jwks(registered.clone())).await;
    for secret in [
        registered.as_bytes(),
        rsa.public_jwk()["n"].as_str().unwrap().as_bytes(),
    ] {
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header {
                kid: Some(rsa.kid().to_string()),
                ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
            },
            &claims(&app, &client),
            &jsonwebtoken::EncodingKey::from_secret(secret),
        )
        .unwrap();
        assert_refused(&token_with(&app, &hs).await, "HS256 with the public key");
    }
}

#[tokio::test]
async fn an_assertion_whose_issuer_is_not_its_subject_is_refused_rfc7523_s3_items1_2() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    let mut c = claims(&app, &client);
    c["sub"] = json!("someone-else");
    assert_refused(&token_with(&app, &sign(&rsa, &c)).await, "iss != sub");
}

#[tokio::test]
async fn an_assertion_with_a_secret_too_is_refused_rfc6749_s2_3() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let client = client(&app, KeySource::Jwks(jwks(&[&rsa]))).await;
    let assertion = sign(&rsa, &claims(&app, &client));
    let with_body_secret = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_secret", "anything"),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &assertion),
            ],
            None,
        )
        .await;
    assert_eq!(with_body_secret.status, 400, "{}", with_body_secret.body);
    assert_eq!(with_body_secret.error(), "invalid_request");
    let basic = TestClient {
        id: client.id.clone(),
        secret: Some("anything".into()),
    };
    let with_basic = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", &assertion),
            ],
            Some(&basic),
        )
        .await;
    assert_eq!(with_basic.status, 400, "{}", with_basic.body);
}

#[tokio::test]
async fn a_private_key_jwt_client_cannot_use_its_old_secret_and_a_secret_client_cannot_use_an_assertion() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let secret_client = app.service_client();
    let by_secret = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&secret_client),
        )
        .await;
    assert_eq!(by_secret.status, 200);
    let db = app.database();
    client_assertion::set_keys(&db, &secret_client.id, Some(KeySource::Jwks(jwks(&[&rsa]))))
        .await
        .unwrap();
    // The cache forgets the client within its lifetime; this server is
    // the one that changed it only through the library, so wait it out.
    tokio::time::sleep(tollgate::oauth::clients::CACHE_TTL).await;
    let refused = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "client_credentials")],
            Some(&secret_client),
        )
        .await;
    assert_refused(&refused, "secret for a private_key_jwt client");
    let other = app.service_client();
    let mut c = claims(&app, &other);
    c["iss"] = json!(other.id);
    c["sub"] = json!(other.id);
    assert_refused(
        &token_with(&app, &sign(&rsa, &c)).await,
        "assertion for a secret client",
    );
}

#[tokio::test]
async fn the_jwks_uri_is_fetched_again_for_an_unknown_kid_when_the_client_rotates() {
    let app = spawn().await;
    let old = key(SigningAlg::Es256);
    let new = key(SigningAlg::Es256);
    let server = JwksServer::start(jwks(&[&old])).await;
    let client = client(&app, KeySource::JwksUri(server.url.clone())).await;
    assert_eq!(
        token_with(&app, &sign(&old, &claims(&app, &client))).await.status,
        200
    );
    assert_eq!(
        token_with(&app, &sign(&old, &claims(&app, &client))).await.status,
        200
    );
    assert_eq!(*server.hits.lock().unwrap(), 1, "the key set is cached");
    *server.body.lock().unwrap() = jwks(&[&new]);
    // Refetched at most every few seconds: wait that out.
    tokio::time::sleep(client_assertion::JWKS_REFETCH).await;
    let rotated = token_with(&app, &sign(&new, &claims(&app, &client))).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_eq!(*server.hits.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_jwks_uri_on_loopback_is_refused_without_the_development_setting() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    let ec = key(SigningAlg::Es256);
    let server = JwksServer::start(jwks(&[&ec])).await;
    let client = client(&app, KeySource::JwksUri(server.url.clone())).await;
    assert_refused(
        &token_with(&app, &sign(&ec, &claims(&app, &client))).await,
        "loopback jwks_uri",
    );
    assert_eq!(*server.hits.lock().unwrap(), 0, "nothing was fetched");
}

#[tokio::test]
async fn the_cli_registers_a_private_key_jwt_client_without_a_secret() {
    let app = spawn().await;
    let rsa = key(SigningAlg::Rs256);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, jwks(&[&rsa])).unwrap();
    let out = app.cli(
        &[
            "client",
            "create",
            "--name",
            "Signed",
            "--grant-type",
            "client_credentials",
            "--auth-method",
            "private_key_jwt",
            "--jwks-file",
            path.to_str().unwrap(),
            "--json",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let created: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(created.get("client_secret").is_none(), "{created}");
    let client = TestClient {
        id: created["client_id"].as_str().unwrap().to_string(),
        secret: None,
    };
    let answer = token_with(&app, &sign(&rsa, &claims(&app, &client))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn metadata_advertises_private_key_jwt_and_its_algorithms() {
    let app = spawn().await;
    let (status, metadata) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(status, 200);
    for list in [
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
    ] {
        assert!(
            metadata[list]
                .as_array()
                .unwrap()
                .contains(&json!("private_key_jwt")),
            "{list}"
        );
    }
    let algs = metadata["token_endpoint_auth_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    assert!(algs.contains(&json!("RS256")) && algs.contains(&json!("ES256")));
    assert!(!algs.contains(&json!("none")) && !algs.contains(&json!("HS256")));
}
