//! tollgate-verify's checks of DPoP-bound tokens (RFC 9449 §7) and its
//! protected resource metadata (RFC 9728), in a real resource server (the
//! `resource_server` example) in front of a real running Tollgate: tokens
//! bound by Tollgate, proofs made here with an ES256 key.

use crate::dpop::{token_request, Key};
use crate::helpers::{answer, spawn_app, Answer, TestApp, TestClient};
use crate::resource_server::ResourceServer;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const AUDIENCE: &str = "https://orders.example";

/// Tollgate, the example API in front of it, and a DPoP-bound token for
/// the API with its key.
struct Setup {
    app: TestApp,
    api: ResourceServer,
    key: Key,
    token: String,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    let client: TestClient = app.create_client(&[
        "--grant-type",
        "client_credentials",
        "--scope",
        "orders:read",
        "--resource",
        AUDIENCE,
    ]);
    let key = Key::new();
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "orders:read"),
        ("resource", AUDIENCE),
    ];
    let issued = token_request(&app, &client, &form, &[&key.token_proof(&app)]).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    assert_eq!(issued.body["token_type"], "DPoP");
    let token = issued.body["access_token"].as_str().unwrap().to_string();
    let api = ResourceServer::start_with(&app.settings.issuer, AUDIENCE, &[]).await;
    Setup { app, api, key, token }
}

impl Setup {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api.address)
    }

    /// The claims of a right proof for `GET /orders` with the token.
    fn claims(&self) -> Value {
        json!({
            "jti": tollgate::oauth::secrets::random_token(12),
            "htm": "GET",
            "htu": self.url("/orders"),
            "iat": self.app.clock.now(),
            "ath": URL_SAFE_NO_PAD.encode(Sha256::digest(self.token.as_bytes())),
        })
    }

    fn proof_with(&self, key: &Key, change: impl FnOnce(&mut Value)) -> String {
        let mut claims = self.claims();
        change(&mut claims);
        key.sign(&key.header(), &claims)
    }

    /// `GET /orders` with `Authorization: <scheme> <token>` and `proof`.
    async fn orders(&self, scheme: &str, proof: Option<&str>) -> Answer {
        let mut request = reqwest::Client::new()
            .get(self.url("/orders"))
            .header("Authorization", format!("{scheme} {}", self.token));
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        answer(request.send().await.expect("the example answers")).await
    }
}

/// RFC 9449 §7.1: 401 with a `DPoP` challenge naming the error and the
/// algorithms accepted.
fn assert_dpop_challenge(a: &Answer, why: &str) {
    assert_eq!(a.status, 401, "{why}: {}", a.body);
    let challenge = a.header("www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("DPoP "), "{why}: {challenge}");
    assert!(
        challenge.contains("error=\"invalid_token\""),
        "{why}: {challenge}"
    );
    assert!(challenge.contains("algs=\""), "{why}: {challenge}");
    assert!(challenge.contains("ES256"), "{why}: {challenge}");
}

#[tokio::test]
async fn a_dpop_bound_token_with_a_right_proof_is_accepted_rfc9449_section_7() {
    let s = setup().await;
    let proof = s.proof_with(&s.key, |_| {});
    let a = s.orders("DPoP", Some(&proof)).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn a_dpop_bound_token_without_a_proof_is_refused_with_a_dpop_challenge() {
    let s = setup().await;
    assert_dpop_challenge(&s.orders("DPoP", None).await, "no proof");
}

#[tokio::test]
async fn a_proof_by_another_key_is_refused_rfc9449_section_7_1() {
    let s = setup().await;
    let proof = s.proof_with(&Key::new(), |_| {});
    assert_dpop_challenge(&s.orders("DPoP", Some(&proof)).await, "another key");
}

#[tokio::test]
async fn a_proof_for_another_method_or_url_is_refused_rfc9449_section_4_3() {
    let s = setup().await;
    let method = s.proof_with(&s.key, |c| c["htm"] = json!("POST"));
    assert_dpop_challenge(&s.orders("DPoP", Some(&method)).await, "htm");
    let url = s.proof_with(&s.key, |c| c["htu"] = json!(s.url("/admin")));
    assert_dpop_challenge(&s.orders("DPoP", Some(&url)).await, "htu");
}

#[tokio::test]
async fn a_stale_proof_is_refused_rfc9449_section_4_3() {
    let s = setup().await;
    let stale = s.proof_with(&s.key, |c| c["iat"] = json!(s.app.clock.now() - 600));
    assert_dpop_challenge(&s.orders("DPoP", Some(&stale)).await, "stale iat");
}

#[tokio::test]
async fn a_replayed_proof_is_refused_rfc9449_section_11_1() {
    let s = setup().await;
    let proof = s.proof_with(&s.key, |_| {});
    assert_eq!(s.orders("DPoP", Some(&proof)).await.status, 200);
    assert_dpop_challenge(&s.orders("DPoP", Some(&proof)).await, "replayed jti");
}

#[tokio::test]
async fn a_proof_for_another_token_is_refused_rfc9449_section_4_3_ath() {
    let s = setup().await;
    let other = URL_SAFE_NO_PAD.encode(Sha256::digest(b"another token"));
    let proof = s.proof_with(&s.key, |c| c["ath"] = json!(other));
    assert_dpop_challenge(&s.orders("DPoP", Some(&proof)).await, "ath");
}

#[tokio::test]
async fn a_dpop_bound_token_sent_as_a_bearer_token_is_refused_rfc9449_section_7_2() {
    let s = setup().await;
    let proof = s.proof_with(&s.key, |_| {});
    assert_dpop_challenge(&s.orders("Bearer", Some(&proof)).await, "as Bearer");
    assert_dpop_challenge(&s.orders("Bearer", None).await, "as Bearer, no proof");
}

#[tokio::test]
async fn the_api_serves_its_protected_resource_metadata_and_its_challenges_point_at_it_rfc9728() {
    let s = setup().await;
    let metadata = answer(
        reqwest::get(s.url("/.well-known/oauth-protected-resource"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(metadata.status, 200, "{}", metadata.body);
    assert_eq!(metadata.body["resource"], AUDIENCE);
    assert_eq!(
        metadata.body["authorization_servers"],
        json!([s.app.settings.issuer])
    );
    assert_eq!(metadata.body["scopes_supported"], json!(["orders:read"]));

    // §5.1: the URL of the metadata, from the resource identifier.
    let expected = format!("resource_metadata=\"{AUDIENCE}/.well-known/oauth-protected-resource\"");
    let missing = answer(reqwest::get(s.url("/orders")).await.unwrap()).await;
    assert_eq!(missing.status, 401);
    let challenge = missing.header("www-authenticate").unwrap();
    assert!(
        challenge.starts_with("Bearer ") && challenge.contains(&expected),
        "{challenge}"
    );
    let dpop = s.orders("DPoP", None).await;
    let challenge = dpop.header("www-authenticate").unwrap();
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains(&expected),
        "{challenge}"
    );
}
