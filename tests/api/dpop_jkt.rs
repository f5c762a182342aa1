//! DPoP binding of the authorization code (RFC 9449 §10): a client names
//! its key's thumbprint in the authorization request (`dpop_jkt`), by value
//! or pushed, and only a proof by that key redeems the code.

use crate::browser::{authorize_path, web_app, Agent, PASSWORD, REDIRECT};
use crate::dpop::{token_request, Key};
use crate::helpers::{spawn_app, Answer, TestApp, TestClient};
use oauth2::PkceCodeVerifier;

/// Signs alice in, approves `client`'s request at `path`, and returns the
/// code.
async fn code_from(app: &TestApp, path: &str) -> String {
    let agent = Agent::new(app);
    let signed_in = agent.sign_in("alice", PASSWORD, path).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let consent = agent.follow(&signed_in).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let answer = agent.decide(&consent, "approve").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    answer.query_param("code").expect("a code")
}

/// A code for alice from `client`'s request with `dpop_jkt` set to `jkt`.
async fn bound_code(app: &TestApp, client: &TestClient, jkt: &str) -> (String, PkceCodeVerifier) {
    let (path, verifier) = authorize_path(client, &[("scope", "profile"), ("dpop_jkt", jkt)]);
    (code_from(app, &path).await, verifier)
}

async fn redeem(
    app: &TestApp,
    client: &TestClient,
    code: &str,
    verifier: &PkceCodeVerifier,
    proofs: &[&str],
) -> Answer {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.secret()),
    ];
    token_request(app, client, &form, proofs).await
}

async fn app_with_alice() -> (TestApp, TestClient) {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = web_app(&app);
    (app, client)
}

#[tokio::test]
async fn a_code_bound_by_dpop_jkt_is_redeemed_with_a_proof_by_that_key_for_a_dpop_token_rfc9449_section_10() {
    let (app, client) = app_with_alice().await;
    let key = Key::new();
    let (code, verifier) = bound_code(&app, &client, &key.thumbprint()).await;
    let answer = redeem(&app, &client, &code, &verifier, &[&key.token_proof(&app)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
    let token = answer.body["access_token"].as_str().unwrap();
    assert_eq!(crate::helpers::claims_of(token)["cnf"]["jkt"], key.thumbprint());
}

#[tokio::test]
async fn a_code_bound_by_dpop_jkt_is_refused_without_a_proof_rfc9449_section_10() {
    let (app, client) = app_with_alice().await;
    let key = Key::new();
    let (code, verifier) = bound_code(&app, &client, &key.thumbprint()).await;
    let answer = redeem(&app, &client, &code, &verifier, &[]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_dpop_proof");
}

#[tokio::test]
async fn a_code_bound_by_dpop_jkt_is_refused_with_a_proof_by_another_key_and_stays_redeemable_by_its_own() {
    let (app, client) = app_with_alice().await;
    let (key, thief) = (Key::new(), Key::new());
    let (code, verifier) = bound_code(&app, &client, &key.thumbprint()).await;
    let stolen = redeem(&app, &client, &code, &verifier, &[&thief.token_proof(&app)]).await;
    assert_eq!(stolen.status, 400, "{}", stolen.body);
    assert_eq!(stolen.error(), "invalid_dpop_proof");
    // The refusal spends nothing: the holder of the key still redeems it.
    let own = redeem(&app, &client, &code, &verifier, &[&key.token_proof(&app)]).await;
    assert_eq!(own.status, 200, "{}", own.body);
}

#[tokio::test]
async fn a_malformed_dpop_jkt_is_sent_back_as_invalid_request() {
    let (app, client) = app_with_alice().await;
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/").await;
    for malformed in [
        "not a thumbprint",
        "c2hvcnQ",
        &"A".repeat(44),
        "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+",
    ] {
        let (path, _) = authorize_path(&client, &[("dpop_jkt", malformed)]);
        let page = agent.get(&path).await;
        assert_eq!(page.status, 303, "{malformed}: {}", page.body);
        assert!(
            page.location.as_deref().unwrap().starts_with(REDIRECT),
            "{malformed}"
        );
        assert_eq!(
            page.query_param("error").as_deref(),
            Some("invalid_request"),
            "{malformed}"
        );
    }
}

#[tokio::test]
async fn a_pushed_request_binds_its_code_by_dpop_jkt_too_and_a_malformed_one_is_refused_at_push() {
    let (app, client) = app_with_alice().await;
    let key = Key::new();
    let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
    let thumbprint = key.thumbprint();
    let mut form = vec![
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "profile"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("dpop_jkt", "c2hvcnQ"),
    ];
    let refused = app.post_form("/oauth2/par", &form, Some(&client)).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.error(), "invalid_request");

    form.pop();
    form.push(("dpop_jkt", &thumbprint));
    let pushed = app.post_form("/oauth2/par", &form, Some(&client)).await;
    assert_eq!(pushed.status, 201, "{}", pushed.body);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &client.id)
        .append_pair("request_uri", pushed.body["request_uri"].as_str().unwrap())
        .finish();
    let code = code_from(&app, &format!("/oauth2/authorize?{query}")).await;
    let unbound = redeem(&app, &client, &code, &verifier, &[]).await;
    assert_eq!(unbound.error(), "invalid_dpop_proof", "{}", unbound.body);
    let answer = redeem(&app, &client, &code, &verifier, &[&key.token_proof(&app)]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["token_type"], "DPoP");
}
