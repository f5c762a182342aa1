//! The OpenID Connect authentication request (Core §3.1.2.1, §6): prompt,
//! max_age, login_hint, id_token_hint, request objects, and consent for
//! the OpenID Connect scopes.

use crate::browser::{authorize_path, Agent, PASSWORD, REDIRECT};
use crate::helpers::spawn_app;
use crate::oidc::{code_flow, relying_party, return_to, set_openid, signed_in, verify_id_token};

/// The error a request with `extra` gets back at the redirect URI.
async fn error_for(agent: &Agent<'_>, client: &crate::helpers::TestClient, extra: &[(&str, &str)]) -> String {
    let page = agent.get(&authorize_path(client, extra).0).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        page.location.as_deref().unwrap().starts_with(REDIRECT),
        "{:?}",
        page.location
    );
    assert_eq!(page.query_param("state").as_deref(), Some("xyz-state"));
    page.query_param("error").unwrap_or_default()
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required_at_the_redirect_uri() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let error = error_for(
        &Agent::new(&app),
        &client,
        &[("scope", "openid"), ("prompt", "none")],
    )
    .await;
    assert_eq!(error, "login_required");
}

#[tokio::test]
async fn prompt_none_without_consent_is_consent_required() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let error = error_for(&agent, &client, &[("scope", "openid"), ("prompt", "none")]).await;
    assert_eq!(error, "consent_required");
}

#[tokio::test]
async fn prompt_none_with_a_session_and_consent_answers_without_a_page() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    code_flow(&app, &agent, &client, &[("scope", "openid")]).await;
    let page = agent
        .get(&authorize_path(&client, &[("scope", "openid"), ("prompt", "none")]).0)
        .await;
    assert!(page.query_param("code").is_some(), "{:?}", page.location);
}

#[tokio::test]
async fn prompt_none_with_another_prompt_value_is_invalid_request() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    for other in ["none login", "consent none", "none select_account"] {
        let error = error_for(&agent, &client, &[("scope", "openid"), ("prompt", other)]).await;
        assert_eq!(error, "invalid_request", "{other}");
    }
}

#[tokio::test]
async fn prompt_consent_asks_again_after_an_approval() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    code_flow(&app, &agent, &client, &[("scope", "openid")]).await;
    let page = agent
        .get(&authorize_path(&client, &[("scope", "openid"), ("prompt", "consent")]).0)
        .await;
    assert_eq!(page.status, 200, "the consent page");
    assert!(page.body.contains("id=\"approve\""));
}

/// Signs in again on the login page `page` leads to, and comes back.
async fn sign_in_from(
    agent: &Agent<'_>,
    page: &crate::browser::Page,
    username: &str,
) -> crate::browser::Page {
    assert_eq!(page.status, 303, "{}", page.body);
    let back = return_to(page.location.as_deref().unwrap());
    let signed_in = agent.sign_in(username, PASSWORD, &back).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    agent.follow(&signed_in).await
}

#[tokio::test]
async fn prompt_login_makes_a_fresh_sign_in_and_auth_time_moves() {
    let app = crate::helpers::spawn_app_with_clock(crate::helpers::TestDb::new(), |_| {}).await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let first = code_flow(&app, &agent, &client, &[("scope", "openid")]).await;
    let before = verify_id_token(&app, first.body["id_token"].as_str().unwrap(), &client.id).await;
    app.clock.advance(std::time::Duration::from_secs(2));
    let (path, verifier) = authorize_path(&client, &[("scope", "openid"), ("prompt", "login")]);
    let to_login = agent.get(&path).await;
    let back = sign_in_from(&agent, &to_login, "alice").await;
    let code = back.query_param("code").expect("a code after signing in again");
    let answer = redeem(&app, &client, &code, verifier.secret()).await;
    let after = verify_id_token(&app, answer["id_token"].as_str().unwrap(), &client.id).await;
    assert!(
        after["auth_time"].as_i64() > before["auth_time"].as_i64(),
        "{before} {after}"
    );
    assert_eq!(after["sid"], before["sid"], "the same session, renewed");
}

async fn redeem(
    app: &crate::helpers::TestApp,
    client: &crate::helpers::TestClient,
    code: &str,
    verifier: &str,
) -> serde_json::Value {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

#[tokio::test]
async fn prompt_select_account_shows_the_sign_in_page_to_choose_another_account() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let bob = app.create_user("bob", PASSWORD);
    let (path, verifier) = authorize_path(&client, &[("scope", "openid"), ("prompt", "select_account")]);
    let to_login = agent.get(&path).await;
    let consent = sign_in_from(&agent, &to_login, "bob").await;
    assert_eq!(consent.status, 200, "bob has not approved this client yet");
    let code = agent
        .decide(&consent, "approve")
        .await
        .query_param("code")
        .unwrap();
    let answer = redeem(&app, &client, &code, verifier.secret()).await;
    let claims = verify_id_token(&app, answer["id_token"].as_str().unwrap(), &client.id).await;
    assert_eq!(claims["sub"], bob.as_str());
}

#[tokio::test]
async fn a_session_older_than_max_age_signs_in_again_and_auth_time_shows_it() {
    let app = crate::helpers::spawn_app_with_clock(crate::helpers::TestDb::new(), |_| {}).await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let first = code_flow(&app, &agent, &client, &[("scope", "openid"), ("max_age", "60")]).await;
    let before = verify_id_token(&app, first.body["id_token"].as_str().unwrap(), &client.id).await;
    app.clock.advance(std::time::Duration::from_secs(3));
    let (path, verifier) = authorize_path(&client, &[("scope", "openid"), ("max_age", "1")]);
    let to_login = agent.get(&path).await;
    let back = sign_in_from(&agent, &to_login, "alice").await;
    let code = back.query_param("code").expect("a code after signing in again");
    let answer = redeem(&app, &client, &code, verifier.secret()).await;
    let after = verify_id_token(&app, answer["id_token"].as_str().unwrap(), &client.id).await;
    let (was, now) = (
        before["auth_time"].as_i64().unwrap(),
        after["auth_time"].as_i64().unwrap(),
    );
    assert!(now >= was + 2, "auth_time moved from {was} to {now}");
    assert!(after["iat"].as_i64().unwrap() - now <= 1, "within max_age");
}

#[tokio::test]
async fn max_age_with_prompt_none_on_an_old_session_is_login_required() {
    let app = crate::helpers::spawn_app_with_clock(crate::helpers::TestDb::new(), |_| {}).await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    code_flow(&app, &agent, &client, &[("scope", "openid")]).await;
    app.clock.advance(std::time::Duration::from_secs(3));
    let error = error_for(
        &agent,
        &client,
        &[("scope", "openid"), ("max_age", "1"), ("prompt", "none")],
    )
    .await;
    assert_eq!(error, "login_required");
}

#[tokio::test]
async fn the_clients_default_max_age_applies_when_the_request_names_none() {
    let app = crate::helpers::spawn_app_with_clock(crate::helpers::TestDb::new(), |_| {}).await;
    let client = relying_party(&app);
    set_openid(&app, &client, |o| o.default_max_age = Some(1));
    let agent = signed_in(&app, "alice").await;
    app.clock.advance(std::time::Duration::from_secs(3));
    let page = agent
        .get(&authorize_path(&client, &[("scope", "openid")]).0)
        .await;
    return_to(page.location.as_deref().expect("sent to sign in"));
    let page = agent
        .get(&authorize_path(&client, &[("scope", "openid"), ("max_age", "3600")]).0)
        .await;
    assert_eq!(
        page.status, 200,
        "the request's own max_age wins: consent, no sign-in"
    );
}

#[tokio::test]
async fn a_bad_max_age_is_invalid_request() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    for bad in ["-1", "soon", "1.5", "+5"] {
        let error = error_for(&agent, &client, &[("scope", "openid"), ("max_age", bad)]).await;
        assert_eq!(error, "invalid_request", "{bad:?}");
    }
}

#[tokio::test]
async fn login_hint_pre_fills_the_username() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = Agent::new(&app);
    let page = agent
        .get(&authorize_path(&client, &[("scope", "openid"), ("login_hint", "alice\"<b>")]).0)
        .await;
    let login = agent.follow(&page).await;
    assert_eq!(login.status, 200);
    assert!(
        login.body.contains("value=\"alice&#34;&#60;b&#62;\""),
        "pre-filled and escaped: {}",
        login.body
    );
}

/// An id token of alice's for `client`, from a code flow on `agent`.
async fn alice_id_token(
    app: &crate::helpers::TestApp,
    agent: &Agent<'_>,
    client: &crate::helpers::TestClient,
) -> String {
    let answer = code_flow(app, agent, client, &[("scope", "openid")]).await;
    answer.body["id_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_id_token_hint_for_another_user_with_prompt_none_is_login_required() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let alice = signed_in(&app, "alice").await;
    let hint = alice_id_token(&app, &alice, &client).await;
    let bob = signed_in(&app, "bob").await;
    code_flow(&app, &bob, &client, &[("scope", "openid")]).await;
    let extra = [
        ("scope", "openid"),
        ("prompt", "none"),
        ("id_token_hint", hint.as_str()),
    ];
    assert_eq!(error_for(&bob, &client, &extra).await, "login_required");
    let page = alice.get(&authorize_path(&client, &extra).0).await;
    assert!(
        page.query_param("code").is_some(),
        "the hinted user gets a code: {:?}",
        page.location
    );
}

#[tokio::test]
async fn an_id_token_hint_that_is_not_ours_for_this_client_is_invalid_request() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let other = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let for_other = alice_id_token(&app, &agent, &other).await;
    let access = code_flow(&app, &agent, &client, &[("scope", "openid")])
        .await
        .body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tampered = alice_id_token(&app, &agent, &client).await;
    tampered.push('A');
    for hint in [for_other.as_str(), access.as_str(), tampered.as_str(), "garbage"] {
        let extra = [("scope", "openid"), ("id_token_hint", hint)];
        assert_eq!(
            error_for(&agent, &client, &extra).await,
            "invalid_request",
            "{hint}"
        );
    }
}

#[tokio::test]
async fn request_objects_are_refused_with_their_own_errors() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let cases = [
        ("request", "eyJhbGciOiJub25lIn0.e30.", "request_not_supported"),
        (
            "request_uri",
            "https://app.example/request.jwt",
            "request_uri_not_supported",
        ),
    ];
    for (name, value, expected) in cases {
        let error = error_for(&agent, &client, &[("scope", "openid"), (name, value)]).await;
        assert_eq!(error, expected);
    }
}

#[tokio::test]
async fn display_locales_claims_and_unknown_parameters_are_accepted_and_ignored() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let extra = [
        ("scope", "openid"),
        ("display", "popup"),
        ("ui_locales", "fr-CA fr en"),
        ("claims_locales", "de"),
        ("acr_values", "urn:example:gold"),
        ("claims", "{\"id_token\":{\"email\":null}}"),
        ("vendor_extension", "x"),
    ];
    let answer = code_flow(&app, &agent, &client, &extra).await;
    assert!(answer.body["id_token"].is_string());
}

#[tokio::test]
async fn a_nonce_longer_than_the_limit_is_invalid_request() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let long = "n".repeat(513);
    let error = error_for(&agent, &client, &[("scope", "openid"), ("nonce", &long)]).await;
    assert_eq!(error, "invalid_request");
}

#[tokio::test]
async fn the_consent_page_words_the_openid_scopes_from_the_catalogue() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let page = agent
        .get(&authorize_path(&client, &[("scope", "openid profile email")]).0)
        .await;
    assert_eq!(page.status, 200);
    for words in [
        "Sign you in and learn your account identifier",
        "See your name and username",
        "See your email address",
    ] {
        assert!(page.body.contains(words), "{words}: {}", page.body);
    }
}

#[tokio::test]
async fn remembered_consent_covers_fewer_openid_scopes_and_asks_again_for_more() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    code_flow(&app, &agent, &client, &[("scope", "openid profile")]).await;
    let fewer = agent
        .get(&authorize_path(&client, &[("scope", "openid")]).0)
        .await;
    assert!(fewer.query_param("code").is_some(), "no new consent for less");
    let more = agent
        .get(&authorize_path(&client, &[("scope", "openid profile email")]).0)
        .await;
    assert_eq!(more.status, 200, "adding email asks again");
    assert!(more.body.contains("See your email address"));
    agent.decide(&more, "approve").await;
    let again = agent
        .get(&authorize_path(&client, &[("scope", "openid profile")]).0)
        .await;
    let code = again
        .query_param("code")
        .expect("covered by openid profile email");
    assert!(!code.is_empty());
}

#[tokio::test]
async fn standard_scopes_nothing_is_released_for_are_ignored_in_an_openid_request() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let tokens = code_flow(
        &app,
        &agent,
        &client,
        &[("scope", "openid profile phone address")],
    )
    .await;
    assert_eq!(tokens.body["scope"], "openid profile", "{}", tokens.body);
    assert!(tokens.body["id_token"].is_string());
}

#[tokio::test]
async fn a_default_max_age_of_zero_signs_in_once_not_round_in_circles() {
    let app = crate::helpers::spawn_app_with_clock(crate::helpers::TestDb::new(), |_| {}).await;
    let client = relying_party(&app);
    set_openid(&app, &client, |o| o.default_max_age = Some(0));
    let agent = signed_in(&app, "alice").await;
    app.clock.advance(std::time::Duration::from_secs(2));
    let to_login = agent
        .get(&authorize_path(&client, &[("scope", "openid")]).0)
        .await;
    let back = return_to(to_login.location.as_deref().expect("sent to sign in"));
    let signed_in = agent.sign_in("alice", PASSWORD, &back).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    // The redirect back lands a second later.
    app.clock.advance(std::time::Duration::from_secs(1));
    let page = agent.follow(&signed_in).await;
    assert_eq!(
        page.status, 200,
        "the consent page, not the login page again: {:?}",
        page.location
    );
}
