//! Browser sessions: their public id (`sid`), signing in again in the same
//! browser, and what ending a session or withdrawing consent does to tokens.

use crate::browser::{authorize_path, Agent, Page, REDIRECT};
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
