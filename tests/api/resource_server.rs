//! tollgate-verify against a running Tollgate: the `resource_server` example
//! (`examples/resource_server.rs`) run as a black box, as a user would run
//! it, and the `Verifier` itself where a behaviour needs settings the example
//! does not expose (no leeway, a short refetch interval).
//!
//! `cargo test` and `cargo nextest run` build the example along with the
//! tests; `cargo test --test api` alone does not (run `cargo build --examples`
//! first).

use crate::helpers::{
    answer, claims_of, spawn_app, spawn_app_on, start_server, test_settings, tollgate_binary, Answer,
    TestApp, TestClient, TestDb,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tollgate_verify::{InvalidToken, Verifier};

/// The identifier the example API is started with, and the resource its
/// clients are registered for.
const AUDIENCE: &str = "https://orders.example";
/// The scope `GET /orders` requires.
const ORDERS_READ: &str = "orders:read";

/// The example binary, next to the `tollgate` binary cargo built for these tests.
fn example_binary() -> PathBuf {
    let dir = tollgate_binary()
        .parent()
        .expect("the tollgate binary is in a directory")
        .join("examples");
    let binary = dir.join(format!("resource_server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: `cargo test` and `cargo nextest run` build examples, \
         `cargo test --test api` does not (run `cargo build --examples` first)",
        binary.display()
    );
    // A binary older than its source would test yesterday's example.
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/resource_server.rs");
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(built), Some(edited)) = (modified(&binary), modified(&source)) {
        assert!(
            built >= edited,
            "{} is older than its source: run `cargo build --examples`",
            binary.display()
        );
    }
    binary
}

/// The example, running as a child process; killed when dropped.
pub(crate) struct ResourceServer {
    pub(crate) address: String,
    http: reqwest::Client,
    _child: tokio::process::Child,
}

impl ResourceServer {
    /// Starts the example against `issuer`, accepting tokens for `audience`,
    /// on a free port, and waits until it says where it listens.
    async fn start(issuer: &str, audience: &str) -> ResourceServer {
        ResourceServer::start_with(issuer, audience, &[]).await
    }

    /// Like `start`, with more environment variables.
    pub(crate) async fn start_with(issuer: &str, audience: &str, envs: &[(&str, &str)]) -> ResourceServer {
        let mut child = tokio::process::Command::new(example_binary())
            .envs(envs.iter().copied())
            .env("TOLLGATE_ISSUER", issuer)
            .env("API_AUDIENCE", audience)
            .env("BIND", "127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the resource_server example runs");

        // Its standard error, kept to explain a failed start.
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            while let Ok(n @ 1..) = pipe.read(&mut buf).await {
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });

        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let address = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(address) = line.strip_prefix("listening on ") {
                    return Some(address.to_owned());
                }
            }
            None
        })
        .await
        .ok()
        .flatten();
        let Some(address) = address else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            panic!(
                "the example did not say where it listens; its stderr:\n{}",
                stderr.lock().unwrap()
            );
        };
        // Keep reading, so that the example never writes into a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        ResourceServer {
            address,
            http: reqwest::Client::new(),
            _child: child,
        }
    }

    /// `GET path`, with `Authorization: Bearer token` if a token is given.
    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut request = self.http.get(format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        answer(request.send().await.expect("the example answers")).await
    }
}

/// A service client of `app` allowed `orders:read` and `orders:write` for
/// `resource`.
fn orders_client(app: &TestApp, resource: &str) -> TestClient {
    app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--scope",
        ORDERS_READ,
        "--scope",
        "orders:write",
        "--resource",
        resource,
    ])
}

/// A client-credentials token for `resource` with `scope`.
async fn token_for(app: &TestApp, client: &TestClient, scope: &str, resource: &str) -> String {
    let answer = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("scope", scope),
                ("resource", resource),
            ],
            Some(client),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["access_token"].as_str().unwrap().to_owned()
}

/// Tollgate, the example API in front of it, and a client allowed to call it.
struct Setup {
    app: TestApp,
    api: ResourceServer,
    client: TestClient,
}

async fn setup() -> Setup {
    setup_with(spawn_app().await).await
}

/// [`setup`] on a server whose keys are `alg` keys.
async fn setup_signing_with(alg: tollgate::domain::SigningAlg) -> Setup {
    setup_with(spawn_app_on(TestDb::new(), |s| s.signing_alg = alg).await).await
}

async fn setup_with(app: TestApp) -> Setup {
    let client = orders_client(&app, AUDIENCE);
    let api = ResourceServer::start(&app.settings.issuer, AUDIENCE).await;
    Setup { app, api, client }
}

impl Setup {
    /// A token the example accepts on `GET /orders`.
    async fn good_token(&self) -> String {
        token_for(&self.app, &self.client, ORDERS_READ, AUDIENCE).await
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The JOSE header of a JWT, unverified.
fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

/// A compact JWS from a header, claims and a signature (base64url already).
fn assemble(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

fn signature_of(token: &str) -> &str {
    token.rsplit('.').next().unwrap()
}

/// The answer is RFC 6750's 401 `invalid_token`, for the reason `because`
/// (a piece of the `error_description`, so that the test knows which check
/// refused the token), or for any reason if `because` is empty.
fn assert_invalid_token(answer: &Answer, because: &str) {
    assert_eq!(answer.status, 401, "{}", answer.body);
    let challenge = answer
        .header("www-authenticate")
        .expect("a WWW-Authenticate header");
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(
        challenge.contains(&format!("realm=\"{AUDIENCE}\"")),
        "{challenge}"
    );
    assert_eq!(answer.error(), "invalid_token");
    let description = answer.body["error_description"].as_str().unwrap_or("");
    assert!(
        description.contains(because),
        "refused for {description:?}, expected {because:?}"
    );
    assert!(answer.body.get("sub").is_none(), "the handler must not run");
}

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

#[tokio::test]
async fn the_public_route_needs_no_token() {
    let s = setup().await;
    let answer = s.api.get("/health", None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["status"], "ok");
}

#[tokio::test]
async fn a_client_credentials_token_with_the_scope_is_accepted_and_the_answer_names_the_client() {
    let s = setup().await;
    let token = s.good_token().await;
    let answer = s.api.get("/orders", Some(&token)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["client_id"], s.client.id.as_str());
    assert_eq!(
        answer.body["sub"],
        s.client.id.as_str(),
        "a client-credentials token's subject is the client"
    );
}

#[tokio::test]
async fn a_token_without_the_scope_is_403_insufficient_scope() {
    let s = setup().await;
    let token = token_for(&s.app, &s.client, "orders:write", AUDIENCE).await;
    let answer = s.api.get("/orders", Some(&token)).await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    let challenge = answer
        .header("www-authenticate")
        .expect("a WWW-Authenticate header");
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");
    assert!(challenge.contains("scope=\"orders:read\""), "{challenge}");
    assert_eq!(answer.error(), "insufficient_scope");
}

#[tokio::test]
async fn a_request_without_a_token_is_401_with_a_bare_bearer_challenge() {
    let s = setup().await;
    let answer = s.api.get("/orders", None).await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    let challenge = answer
        .header("www-authenticate")
        .expect("a WWW-Authenticate header");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(
        !challenge.contains("error="),
        "RFC 6750 §3.1: no error code when no credentials came: {challenge}"
    );
}

#[tokio::test]
async fn a_token_with_a_tampered_payload_is_401_invalid_token() {
    let s = setup().await;
    // A token without the scope, whose payload is edited to grant it.
    let token = token_for(&s.app, &s.client, "orders:write", AUDIENCE).await;
    let mut claims = claims_of(&token);
    claims["scope"] = json!("orders:read orders:write");
    let forged = assemble(&header_of(&token), &claims, signature_of(&token));
    assert_invalid_token(&s.api.get("/orders", Some(&forged)).await, "signature is invalid");
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_401_invalid_token() {
    let s = setup().await;
    let token = s.good_token().await;
    let claims = claims_of(&token);
    for alg in ["none", "None", "NONE"] {
        let mut header = header_of(&token);
        header["alg"] = json!(alg);
        let unsigned = assemble(&header, &claims, "");
        assert_invalid_token(
            &s.api.get("/orders", Some(&unsigned)).await,
            "algorithm is not allowed",
        );
    }
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_servers_public_key_is_401_invalid_token() {
    let s = setup_signing_with(crate::helpers::default_signing_alg()).await;
    let token = s.good_token().await;
    let header = header_of(&token);
    let (_, jwks) = s.app.get_json("/.well-known/jwks.json").await;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's key is published")
        .clone();
    assert_eq!(jwk["kty"], "RSA", "the default signing key is RSA");
    // What an attacker can read: the modulus, the JWK, the whole JWKS.
    let secrets = [
        URL_SAFE_NO_PAD.decode(jwk["n"].as_str().unwrap()).unwrap(),
        jwk.to_string().into_bytes(),
        jwks.to_string().into_bytes(),
    ];
    for secret in secrets {
        let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        hs.typ = Some("at+jwt".into());
        hs.kid = header["kid"].as_str().map(str::to_owned);
        let forged = jsonwebtoken::encode(
            &hs,
            &claims_of(&token),
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_invalid_token(
            &s.api.get("/orders", Some(&forged)).await,
            "algorithm is not allowed",
        );
    }
}

#[tokio::test]
async fn a_token_from_another_tollgate_is_401_invalid_token() {
    let s = setup().await;
    let other = spawn_app().await;
    let client = orders_client(&other, AUDIENCE);
    let token = token_for(&other, &client, ORDERS_READ, AUDIENCE).await;
    assert_ne!(claims_of(&token)["iss"], s.app.settings.issuer.as_str());
    // Its key is not in this Tollgate's JWKS, so the signature check already
    // refuses it.
    assert_invalid_token(
        &s.api.get("/orders", Some(&token)).await,
        "key the issuer does not publish",
    );
}

#[tokio::test]
async fn a_token_from_another_issuer_signing_with_the_same_key_is_401_invalid_token() {
    let s = setup().await;
    // A second Tollgate on the same database signs with the same keys, but
    // under its own issuer: only the `iss` check tells its tokens apart.
    let other = start_server(test_settings(&s.app.db.url)).await;
    assert_ne!(other, s.app.settings.issuer);
    let response = s
        .app
        .http
        .post(format!("{other}/oauth2/token"))
        .basic_auth(&s.client.id, s.client.secret.as_deref())
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", ORDERS_READ),
            ("resource", AUDIENCE),
        ])
        .send()
        .await
        .unwrap();
    let answer = answer(response).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let token = answer.body["access_token"].as_str().unwrap();
    assert_eq!(claims_of(token)["iss"], other.as_str());
    assert_eq!(
        header_of(token)["kid"],
        header_of(&s.good_token().await)["kid"],
        "both issuers sign with the same key"
    );
    assert_invalid_token(
        &s.api.get("/orders", Some(token)).await,
        "issued by another issuer",
    );
}

#[tokio::test]
async fn a_token_for_another_audience_is_401_invalid_token() {
    let s = setup().await;
    let other_api = orders_client(&s.app, "https://other.example");
    let for_other_api = token_for(&s.app, &other_api, ORDERS_READ, "https://other.example").await;
    assert_eq!(claims_of(&for_other_api)["aud"], "https://other.example");
    assert_invalid_token(
        &s.api.get("/orders", Some(&for_other_api)).await,
        "not meant for this service",
    );
}

#[tokio::test]
async fn a_token_for_the_default_audience_is_401_invalid_token() {
    let s = setup().await;
    // No `resource`: Tollgate's default audience, the issuer.
    let token = s.app.client_credentials_token(&s.client, Some(ORDERS_READ)).await;
    assert_eq!(claims_of(&token)["aud"], s.app.settings.issuer.as_str());
    assert_invalid_token(
        &s.api.get("/orders", Some(&token)).await,
        "not meant for this service",
    );
}

#[tokio::test]
async fn a_token_naming_an_unknown_kid_is_401_invalid_token() {
    let s = setup().await;
    let token = s.good_token().await;
    let mut header = header_of(&token);
    header["kid"] = json!("no-such-key");
    let forged = assemble(&header, &claims_of(&token), signature_of(&token));
    assert_invalid_token(
        &s.api.get("/orders", Some(&forged)).await,
        "key the issuer does not publish",
    );
}

#[tokio::test]
async fn a_token_issued_before_a_key_rotation_is_still_accepted() {
    let s = setup().await;
    let token = s.good_token().await;
    let rotated = s.app.cli(&["keys", "rotate", "--alg", "ES256"], None);
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    let (_, jwks) = s.app.get_json("/.well-known/jwks.json").await;
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        2,
        "the retired key stays published"
    );
    let answer = s.api.get("/orders", Some(&token)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["client_id"], s.client.id.as_str());
}

#[tokio::test]
async fn an_expired_token_is_refused_by_the_verifier() {
    // The verifier reads the resource server's own (system) clock, so this
    // waits in real time; a one-second lifetime keeps the wait short.
    let app = spawn_app_on(TestDb::new(), |s| s.access_token_ttl = 1).await;
    let client = orders_client(&app, AUDIENCE);
    let verifier = Verifier::builder(app.settings.issuer.clone(), AUDIENCE)
        .leeway(Duration::ZERO)
        .build()
        .await
        .unwrap();
    let token = token_for(&app, &client, ORDERS_READ, AUDIENCE).await;
    let claims = verifier.verify(&token).await.expect("valid while fresh");
    assert_eq!(claims.exp - claims.iat, 1);

    // Past `exp` (the verifier refuses from `exp` on when there is no leeway).
    let wait = Duration::from_secs(claims.exp).saturating_sub(unix_now()) + Duration::from_millis(200);
    tokio::time::sleep(wait).await;

    let error = verifier.verify(&token).await.unwrap_err();
    assert_eq!(error.invalid_reason(), Some(&InvalidToken::Expired), "{error}");
}

#[tokio::test]
async fn a_token_signed_with_a_rotated_in_key_is_accepted_after_one_jwks_refetch() {
    // No activation delay: the new key signs as soon as the server's key
    // cache lets go of the old one, and the verifier meets an unknown kid.
    let app =
        crate::helpers::spawn_app_on(crate::helpers::TestDb::new(), |s| s.key_activation_delay = 0).await;
    let client = orders_client(&app, AUDIENCE);
    let min_refetch = Duration::from_millis(300);
    let verifier = Verifier::builder(app.settings.issuer.clone(), AUDIENCE)
        .min_refetch_interval(min_refetch)
        .build()
        .await
        .unwrap();
    let old_kids = verifier.key_ids();
    assert_eq!(old_kids.len(), 1);

    let rotated = app.cli(&["keys", "rotate", "--alg", "ES256"], None);
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);

    // The server may sign with its cached key for up to 30 s more.
    let deadline = Instant::now() + Duration::from_secs(35);
    let token = loop {
        let token = token_for(&app, &client, ORDERS_READ, AUDIENCE).await;
        if !old_kids.iter().any(|k| header_of(&token)["kid"] == k.as_str()) {
            break token;
        }
        assert!(
            Instant::now() < deadline,
            "the server still signs with the old key"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(header_of(&token)["alg"], "ES256");
    // The verifier refetches for an unknown kid only once the interval since
    // its last fetch has passed.
    tokio::time::sleep(min_refetch).await;

    let fetches = verifier.jwks_fetch_count();
    let claims = verifier.verify(&token).await.expect("the new key is fetched");
    assert_eq!(claims.client_id, client.id);
    assert_eq!(verifier.jwks_fetch_count(), fetches + 1, "exactly one refetch");
    assert_eq!(verifier.key_ids().len(), 2, "old and new key");

    verifier.verify(&token).await.expect("still accepted");
    assert_eq!(
        verifier.jwks_fetch_count(),
        fetches + 1,
        "a known kid is not fetched again"
    );
}
