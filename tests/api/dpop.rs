//! DPoP (RFC 9449) at the token endpoint, at introspection, at userinfo
//! and at the gateway check: proofs built here with an ES256 key made for
//! each test.

use crate::helpers::{answer, claims_of, spawn_app, spawn_app_on, Answer, TestApp, TestClient, TestDb};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// An ES256 key pair held by a test client.
pub(crate) struct Key {
    pair: EcdsaKeyPair,
}

impl Key {
    pub(crate) fn new() -> Key {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        Key {
            pair: EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap(),
        }
    }

    pub(crate) fn jwk(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        })
    }

    /// RFC 7638: SHA-256 over the required members in lexical order.
    pub(crate) fn thumbprint(&self) -> String {
        let jwk = self.jwk();
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            jwk["x"].as_str().unwrap(),
            jwk["y"].as_str().unwrap()
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// A compact JWS over `header` and `claims`, signed by this key.
    pub(crate) fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.pair.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    pub(crate) fn header(&self) -> Value {
        json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk() })
    }

    pub(crate) fn claims(&self, app: &TestApp, method: &str, path: &str) -> Value {
        json!({
            "jti": tollgate::oauth::secrets::random_token(12),
            "htm": method,
            "htu": app.url(path),
            "iat": app.clock.now(),
        })
    }

    /// A valid proof for a POST to the token endpoint.
    pub(crate) fn token_proof(&self, app: &TestApp) -> String {
        self.sign(&self.header(), &self.claims(app, "POST", "/oauth2/token"))
    }

    /// A valid proof for `method` `path` presenting `token`.
    pub(crate) fn resource_proof(&self, app: &TestApp, method: &str, path: &str, token: &str) -> String {
        let mut claims = self.claims(app, method, path);
        claims["ath"] = json!(URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())));
        self.sign(&self.header(), &claims)
    }
}

pub(crate) async fn token_request(
    app: &TestApp,
    client: &TestClient,
    form: &[(&str, &str)],
    proofs: &[&str],
) -> Answer {
    let mut request = app.http.post(app.url("/oauth2/token")).form(form);
    if let Some(secret) = &client.secret {
        request = request.basic_auth(&client.id, Some(secret));
    }
    for proof in proofs {
        request = request.header("DPoP", *proof);
    }
    answer(request.send().await.expect("request sent")).await
}

async fn client_credentials(app: &TestApp, client: &TestClient, proofs: &[&str]) -> Answer {
    token_request(app, client, &[("grant_type", "client_credentials")], proofs).await
}

#[tokio::test]
async fn a_valid_proof_gets_a_dpop_token_bound_by_cnf_jkt_rfc9449_section_5() {
    let app = spawn_app().await;
    let client = app.service_client();
    let key = Key::new();
    let answer = client_credentials(&app, &client, &[&key.token_proof(&app)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    let token = answer.body["access_token"].as_str().unwrap();
    assert_eq!(claims_of(token)["cnf"]["jkt"], key.thumbprint());
    let introspection = app.introspect(token, &client).await;
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["token_type"], "DPoP");
    assert_eq!(introspection["cnf"]["jkt"], key.thumbprint());
}

#[tokio::test]
async fn without_a_proof_the_token_stays_a_bearer_token_without_cnf() {
    let app = spawn_app().await;
    let client = app.service_client();
    let answer = client_credentials(&app, &client, &[]).await;
    assert_eq!(answer.body["token_type"], "Bearer");
    assert!(claims_of(answer.body["access_token"].as_str().unwrap())
        .get("cnf")
        .is_none());
}

#[tokio::test]
async fn every_invalid_proof_is_refused_with_invalid_dpop_proof_rfc9449_section_4_3() {
    let app = spawn_app().await;
    let client = app.service_client();
    let key = Key::new();
    let other = Key::new();
    let good = |app: &TestApp| key.claims(app, "POST", "/oauth2/token");
    let mut cases: Vec<(&str, String)> = Vec::new();
    let mut header = key.header();
    header.as_object_mut().unwrap().remove("typ");
    cases.push(("no typ", key.sign(&header, &good(&app))));
    header["typ"] = json!("JWT");
    cases.push(("wrong typ", key.sign(&header, &good(&app))));
    let mut header = key.header();
    header["alg"] = json!("none");
    let unsigned = key.sign(&header, &good(&app));
    let unsigned = format!("{}.", unsigned.rsplit_once('.').unwrap().0);
    cases.push(("alg none", unsigned));
    header["alg"] = json!("HS256");
    cases.push(("alg HS256", key.sign(&header, &good(&app))));
    let mut header = key.header();
    header["jwk"]["d"] = json!("AAAA");
    cases.push(("private key in jwk", key.sign(&header, &good(&app))));
    let mut header = key.header();
    header["jwk"] = other.jwk();
    cases.push(("signed by another key", key.sign(&header, &good(&app))));
    let mut claims = good(&app);
    claims["htm"] = json!("GET");
    cases.push(("wrong htm", key.sign(&key.header(), &claims)));
    let mut claims = good(&app);
    claims["htu"] = json!(app.url("/oauth2/introspect"));
    cases.push(("wrong htu", key.sign(&key.header(), &claims)));
    let mut claims = good(&app);
    claims["iat"] = json!(app.clock.now() - 300);
    cases.push(("stale iat", key.sign(&key.header(), &claims)));
    let mut claims = good(&app);
    claims["iat"] = json!(app.clock.now() + 300);
    cases.push(("future iat", key.sign(&key.header(), &claims)));
    cases.push(("malformed", "not.a-proof".to_string()));
    for (case, proof) in &cases {
        let answer = client_credentials(&app, &client, &[proof]).await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.body);
        assert_eq!(answer.error(), "invalid_dpop_proof", "{case}");
    }
}

#[tokio::test]
async fn the_htu_matches_whatever_the_case_of_the_host_and_with_a_query() {
    let app = spawn_app().await;
    let client = app.service_client();
    let key = Key::new();
    let mut claims = key.claims(&app, "POST", "/oauth2/token");
    claims["htu"] = json!(format!(
        "{}?x=1",
        app.url("/oauth2/token").replace("http://", "HTTP://")
    ));
    let answer = client_credentials(&app, &client, &[&key.sign(&key.header(), &claims)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn a_replayed_proof_is_refused_rfc9449_section_11_1() {
    let app = spawn_app().await;
    let client = app.service_client();
    let key = Key::new();
    let proof = key.token_proof(&app);
    assert_eq!(client_credentials(&app, &client, &[&proof]).await.status, 200);
    let again = client_credentials(&app, &client, &[&proof]).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.error(), "invalid_dpop_proof");
}

#[tokio::test]
async fn two_dpop_headers_are_refused() {
    let app = spawn_app().await;
    let client = app.service_client();
    let key = Key::new();
    let answer = client_credentials(&app, &client, &[&key.token_proof(&app), &key.token_proof(&app)]).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_dpop_proof");
}

#[tokio::test]
async fn a_client_registered_for_bound_tokens_is_refused_without_a_proof_rfc9449_section_5_2() {
    let app = spawn_app().await;
    let client = app.create_client(&["--grant-type", "client_credentials"]);
    // As `tollgate client update --dpop-bound-access-tokens true` does.
    let id = client.id.clone();
    let set = app
        .database()
        .run_sync(move |conn| tollgate::storage::clients::set_dpop_bound_access_tokens(conn, &id, true))
        .unwrap();
    assert!(set);
    let answer = client_credentials(&app, &client, &[]).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_dpop_proof");
    let key = Key::new();
    let answer = client_credentials(&app, &client, &[&key.token_proof(&app)]).await;
    assert_eq!(answer.body["token_type"], "DPoP");
}

async fn public_password_tokens(app: &TestApp, client: &TestClient, key: &Key) -> Answer {
    app.create_user("alice", "correct horse battery");
    let form = [
        ("grant_type", "password"),
        ("client_id", client.id.as_str()),
        ("username", "alice"),
        ("password", "correct horse battery"),
        ("scope", "openid"),
    ];
    token_request(app, client, &form, &[&key.token_proof(app)]).await
}

fn public_client(app: &TestApp) -> TestClient {
    app.create_client(&[
        "--public",
        "--trusted",
        "--grant-type",
        "password",
        "--grant-type",
        "refresh_token",
        "--scope",
        "openid",
    ])
}

#[tokio::test]
async fn a_public_clients_refresh_token_is_bound_to_its_key_rfc9449_section_5_0() {
    let app = spawn_app().await;
    let client = public_client(&app);
    let key = Key::new();
    let first = public_password_tokens(&app, &client, &key).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let refresh = first.body["refresh_token"].as_str().unwrap().to_string();
    let form = |token: &str| {
        vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("client_id".to_string(), client.id.clone()),
            ("refresh_token".to_string(), token.to_string()),
        ]
    };
    let send = |token: String, proofs: Vec<String>| {
        let app = &app;
        let client = &client;
        let form = form(&token);
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
            token_request(app, client, &form, &proofs).await
        }
    };
    let none = send(refresh.clone(), vec![]).await;
    assert_eq!(none.status, 400);
    assert_eq!(none.error(), "invalid_dpop_proof");
    let other = send(refresh.clone(), vec![Key::new().token_proof(&app)]).await;
    assert_eq!(other.status, 400);
    assert_eq!(other.error(), "invalid_grant");
    let same = send(refresh.clone(), vec![key.token_proof(&app)]).await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.body["token_type"], "DPoP");
    // The binding carries across rotation.
    let rotated = same.body["refresh_token"].as_str().unwrap().to_string();
    let other = send(rotated.clone(), vec![Key::new().token_proof(&app)]).await;
    assert_eq!(other.error(), "invalid_grant");
    let same = send(rotated, vec![key.token_proof(&app)]).await;
    assert_eq!(same.status, 200, "{}", same.body);
}

#[tokio::test]
async fn userinfo_takes_a_bound_token_only_with_the_dpop_scheme_and_a_proof_rfc9449_section_7() {
    let app = spawn_app().await;
    let client = public_client(&app);
    let key = Key::new();
    let tokens = public_password_tokens(&app, &client, &key).await;
    let token = tokens.body["access_token"].as_str().unwrap();
    let get = |authorization: String, proof: Option<String>| {
        let mut request = app
            .http
            .get(app.url("/oauth2/userinfo"))
            .header("Authorization", authorization);
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        async move { answer(request.send().await.unwrap()).await }
    };
    let as_bearer = get(format!("Bearer {token}"), None).await;
    assert_eq!(as_bearer.status, 401);
    assert!(as_bearer.header("www-authenticate").unwrap().starts_with("DPoP "));
    let without_proof = get(format!("DPoP {token}"), None).await;
    assert_eq!(without_proof.status, 401);
    let other_key = Key::new().resource_proof(&app, "GET", "/oauth2/userinfo", token);
    assert_eq!(get(format!("DPoP {token}"), Some(other_key)).await.status, 401);
    let wrong_ath = key.resource_proof(&app, "GET", "/oauth2/userinfo", "another token");
    assert_eq!(get(format!("DPoP {token}"), Some(wrong_ath)).await.status, 401);
    let proof = key.resource_proof(&app, "GET", "/oauth2/userinfo", token);
    let ok = get(format!("DPoP {token}"), Some(proof)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body["sub"].is_string());
}

#[tokio::test]
async fn the_gateway_check_refuses_a_bound_token_with_a_dpop_challenge() {
    let app = spawn_app().await;
    let client = app.service_client();
    let key = Key::new();
    let answer = client_credentials(&app, &client, &[&key.token_proof(&app)]).await;
    let token = answer.body["access_token"].as_str().unwrap();
    let refused = crate::gateway::check_at(&app.address, Some(token), "", &[]).await;
    assert_eq!(refused.status, 401);
    let challenge = refused.header("www-authenticate").unwrap();
    assert!(challenge.starts_with("DPoP "), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

#[tokio::test]
async fn metadata_lists_the_dpop_signing_algorithms() {
    let app = spawn_app().await;
    let (status, doc) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(status, 200);
    let algs = doc["dpop_signing_alg_values_supported"].as_array().unwrap();
    assert!(algs.contains(&json!("ES256")));
    assert!(!algs
        .iter()
        .any(|a| a == "none" || a.as_str().unwrap().starts_with("HS")));
}

#[tokio::test]
async fn with_nonces_required_a_proof_without_the_servers_nonce_gets_use_dpop_nonce_rfc9449_section_8() {
    let app = spawn_app_on(TestDb::new(), |s| s.dpop_nonce_required = true).await;
    let client = app.service_client();
    let key = Key::new();
    let first = client_credentials(&app, &client, &[&key.token_proof(&app)]).await;
    assert_eq!(first.status, 400);
    assert_eq!(first.error(), "use_dpop_nonce");
    let nonce = first
        .header("dpop-nonce")
        .expect("a DPoP-Nonce header")
        .to_string();
    let mut claims = key.claims(&app, "POST", "/oauth2/token");
    claims["nonce"] = json!(nonce);
    let second = client_credentials(&app, &client, &[&key.sign(&key.header(), &claims)]).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["token_type"], "DPoP");
    let mut claims = key.claims(&app, "POST", "/oauth2/token");
    claims["nonce"] = json!("0.forged");
    let forged = client_credentials(&app, &client, &[&key.sign(&key.header(), &claims)]).await;
    assert_eq!(forged.error(), "use_dpop_nonce");
}
