//! Browser sessions: their public id (`sid`), signing in again in the same
//! browser, and what ending a session or withdrawing consent does to tokens.

use crate::browser::{authorize_path, web_app, Agent, Page, REDIRECT};
use crate::helpers::{claims_of, spawn_app, Answer, TestApp, TestClient};

const PASSWORD: &str = "correct horse battery";

/// The value of the session cookie a page sets, if it sets one.
fn session_cookie(page: &Page) -> Option<String> {
    page.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("tollgate_session="))
        .map(|c| c.split(';').next().unwrap_or("").to_string())
}

/// Creates `username` and signs them in on a new agent; returns the agent
/// and the session cookie value.
async fn signed_in<'a>(app: &'a TestApp, username: &str) -> (Agent<'a>, String) {
    app.create_user(username, PASSWORD);
    let agent = Agent::new(app);
    let page = agent.sign_in(username, PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let cookie = session_cookie(&page).expect("a session cookie");
    (agent, cookie)
}

/// A trusted web app (no consent page), allowed refresh tokens.
fn trusted_app(app: &TestApp) -> TestClient {
    app.create_client(&["--trusted", "--redirect-uri", REDIRECT, "--scope", "profile"])
}

/// Runs the authorization code flow for `client` in `agent`'s session,
/// approving on the consent page if one is shown; the token response.
async fn tokens_for(app: &TestApp, agent: &Agent<'_>, client: &TestClient) -> Answer {
    let (path, verifier) = authorize_path(client, &[]);
    let mut page = agent.get(&path).await;
    if page.status == 200 {
        page = agent.decide(&page, "approve").await;
    }
    let code = page.query_param("code").expect("a code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.secret()),
    ];
    let answer = app.post_form("/oauth2/token", &form, Some(client)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
}

fn field(answer: &Answer, name: &str) -> String {
    answer.body[name].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_sid_claim_is_not_derived_from_the_session_cookie() {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let app = spawn_app().await;
    let client = trusted_app(&app);
    let (agent, cookie) = signed_in(&app, "alice").await;
    let tokens = tokens_for(&app, &agent, &client).await;
    let sid = claims_of(&field(&tokens, "access_token"))["sid"]
        .as_str()
        .expect("a sid")
        .to_string();
    let digest = Sha256::digest(cookie.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    for derived in [cookie.clone(), hex.clone(), hex.to_uppercase(), b64] {
        assert_ne!(sid, derived);
    }
    assert!(!sid.contains(&cookie) && !cookie.contains(&sid));
}

/// Sends the user through `client`'s authorization request with
/// `prompt=login`, signs in as `username` on the login page it leads to,
/// and comes back; the final answer to the client and the new cookie.
async fn sign_in_again_for(agent: &Agent<'_>, client: &TestClient, username: &str) -> (Page, String) {
    let (path, _) = authorize_path(client, &[("prompt", "login")]);
    let to_login = agent.get(&path).await;
    let location = to_login.location.expect("sent to the login page");
    assert!(location.starts_with("/login?"), "{location}");
    let return_to = url::Url::parse(&format!("http://x{location}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "return_to")
        .unwrap()
        .1
        .into_owned();
    let signed_in = agent.sign_in(username, PASSWORD, &return_to).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let cookie = session_cookie(&signed_in).expect("a new session cookie");
    (agent.follow(&signed_in).await, cookie)
}

/// Whether `cookie` as the session cookie opens the account page.
async fn cookie_opens_account(app: &TestApp, cookie: &str) -> bool {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/account"))
        .header("cookie", format!("tollgate_session={cookie}"))
        .send()
        .await
        .unwrap();
    response.status() == 200
}

async fn refresh(app: &TestApp, client: &TestClient, token: &str) -> Answer {
    app.post_form(
        "/oauth2/token",
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
        Some(client),
    )
    .await
}

#[tokio::test]
async fn another_app_forcing_a_fresh_sign_in_renews_the_session_instead_of_ending_it() {
    let app = spawn_app().await;
    let (first, second) = (trusted_app(&app), trusted_app(&app));
    let (agent, old_cookie) = signed_in(&app, "alice").await;
    let first_tokens = tokens_for(&app, &agent, &first).await;
    tokens_for(&app, &agent, &second).await;
    let sid = claims_of(&field(&first_tokens, "access_token"))["sid"].clone();

    let (answer, new_cookie) = sign_in_again_for(&agent, &second, "alice").await;
    assert!(
        answer.query_param("code").is_some(),
        "the second app gets its code"
    );

    assert_ne!(new_cookie, old_cookie, "a new cookie value");
    assert!(
        !cookie_opens_account(&app, &old_cookie).await,
        "the old value finds nothing"
    );
    assert!(cookie_opens_account(&app, &new_cookie).await);
    let refreshed = refresh(&app, &first, &field(&first_tokens, "refresh_token")).await;
    assert_eq!(
        refreshed.status, 200,
        "the first app stays signed in: {}",
        refreshed.body
    );
    let access = field(&first_tokens, "access_token");
    assert_eq!(app.introspect(&access, &first).await["active"], true);
    let later = tokens_for(&app, &agent, &first).await;
    assert_eq!(
        claims_of(&field(&later, "access_token"))["sid"],
        sid,
        "the same session"
    );
}

#[tokio::test]
async fn another_user_signing_in_on_the_same_browser_ends_the_first_users_session() {
    let app = spawn_app().await;
    let (first, second) = (trusted_app(&app), trusted_app(&app));
    let (agent, alice_cookie) = signed_in(&app, "alice").await;
    let alice_tokens = tokens_for(&app, &agent, &first).await;
    app.create_user("bob", PASSWORD);

    let (answer, _) = sign_in_again_for(&agent, &second, "bob").await;
    assert!(answer.query_param("code").is_some());

    assert!(!cookie_opens_account(&app, &alice_cookie).await);
    let refreshed = refresh(&app, &first, &field(&alice_tokens, "refresh_token")).await;
    assert_eq!(refreshed.error(), "invalid_grant");
    let access = field(&alice_tokens, "access_token");
    assert_eq!(app.introspect(&access, &first).await["active"], false);
}

#[tokio::test]
async fn withdrawing_consent_ends_that_apps_access_tokens_and_no_other_apps() {
    let app = spawn_app().await;
    let (withdrawn, kept) = (web_app(&app), web_app(&app));
    let (agent, _) = signed_in(&app, "alice").await;
    let withdrawn_tokens = tokens_for(&app, &agent, &withdrawn).await;
    let kept_tokens = tokens_for(&app, &agent, &kept).await;
    let access = field(&withdrawn_tokens, "access_token");
    assert_eq!(app.introspect(&access, &withdrawn).await["active"], true);

    let account = agent.get("/account").await;
    let done = agent
        .post(
            "/account/consents/withdraw",
            &[
                ("csrf_token", &account.hidden("csrf_token")),
                ("client_id", &withdrawn.id),
            ],
        )
        .await;
    assert_eq!(done.status, 303);

    assert_eq!(app.introspect(&access, &withdrawn).await["active"], false);
    let other = field(&kept_tokens, "access_token");
    assert_eq!(app.introspect(&other, &kept).await["active"], true);
    let refreshed = refresh(&app, &kept, &field(&kept_tokens, "refresh_token")).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
}

#[tokio::test]
async fn a_code_issued_before_consent_was_withdrawn_is_refused() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let (agent, _) = signed_in(&app, "alice").await;
    let (path, verifier) = authorize_path(&client, &[]);
    let consent = agent.get(&path).await;
    let code = agent
        .decide(&consent, "approve")
        .await
        .query_param("code")
        .unwrap();
    let account = agent.get("/account").await;
    agent
        .post(
            "/account/consents/withdraw",
            &[
                ("csrf_token", &account.hidden("csrf_token")),
                ("client_id", &client.id),
            ],
        )
        .await;
    let answer = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier.secret()),
            ],
            Some(&client),
        )
        .await;
    assert_eq!(answer.error(), "invalid_grant", "{}", answer.body);
}
