//! Applications no administrator has verified (self-registered through the
//! portal or RFC 7591): before anyone signs in, an error in their request
//! is a page with a plain link, never an automatic redirect to an address
//! the registrant chose (RFC 9700 §4.11.2); consent shows them as
//! unverified, with who registered them and their home page.

use crate::browser::{authorize_path, Agent, REDIRECT};
use crate::helpers::{answer, spawn_app_on, TestApp, TestClient, TestDb};
use serde_json::json;

async fn spawn() -> TestApp {
    spawn_app_on(TestDb::new(), |s| s.open_registration = true).await
}

/// A client registered by a program (RFC 7591), unverified.
async fn self_registered(app: &TestApp) -> TestClient {
    let a = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&json!({
            "client_name": "Totally Legit",
            "client_uri": "https://legit.example/",
            "redirect_uris": [REDIRECT],
            "token_endpoint_auth_method": "none",
        }))
        .send()
        .await
        .unwrap();
    let a = answer(a).await;
    assert_eq!(a.status, 201, "{}", a.body);
    TestClient {
        id: a.body["client_id"].as_str().unwrap().to_string(),
        secret: None,
    }
}

fn bad_request_path(client: &TestClient) -> String {
    // A well-identified client and redirect URI, and an invalid request.
    let (path, _) = authorize_path(client, &[("scope", "not-allowed")]);
    path
}

#[tokio::test]
async fn an_unverified_apps_invalid_request_shows_a_page_with_a_link_instead_of_redirecting() {
    let app = spawn().await;
    let client = self_registered(&app).await;
    let page = Agent::new(&app).get(&bad_request_path(&client)).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.location.is_none(), "no automatic redirect");
    assert!(page.body.contains("Totally Legit"));
    assert!(page.body.contains("id=\"return-link\""));
    assert!(page.body.contains("https://app.example/callback?"));
}

#[tokio::test]
async fn an_unverified_apps_prompt_none_without_a_session_shows_a_page_instead_of_redirecting() {
    let app = spawn().await;
    let client = self_registered(&app).await;
    let (path, _) = authorize_path(&client, &[("prompt", "none")]);
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.location.is_none());
    assert!(page.body.contains("login_required"));
}

#[tokio::test]
async fn an_operator_registered_apps_invalid_request_is_redirected_with_the_error() {
    let app = spawn().await;
    let client = crate::browser::web_app(&app);
    let page = Agent::new(&app).get(&bad_request_path(&client)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.query_param("error").as_deref(), Some("invalid_scope"));
}

#[tokio::test]
async fn once_an_admin_verifies_an_app_its_errors_are_redirected() {
    let app = spawn().await;
    let client = self_registered(&app).await;
    let root = Agent::admin(&app).await;
    crate::registry_integrity::set_flags(&root, &client.id, &["verified"]).await;
    let page = Agent::new(&app).get(&bad_request_path(&client)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.query_param("error").as_deref(), Some("invalid_scope"));
}

#[tokio::test]
async fn the_consent_page_shows_an_unverified_app_as_such_with_its_owner_and_home_page() {
    let app = spawn().await;
    let client = self_registered(&app).await;
    app.create_user("alice", "correct horse battery");
    let agent = Agent::new(&app);
    let (path, _) = authorize_path(&client, &[]);
    let login = agent.get(&path).await;
    assert_eq!(login.status, 303);
    let signed_in = agent.sign_in("alice", "correct horse battery", &path).await;
    let consent = agent.follow(&signed_in).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("id=\"unverified\""), "{}", consent.body);
    assert!(consent.body.contains("https://legit.example/"));
}

#[tokio::test]
async fn a_self_registered_app_is_not_shown_as_run_by_the_operator() {
    let app = spawn().await;
    let client = self_registered(&app).await;
    app.create_user("alice", "correct horse battery");
    let agent = Agent::new(&app);
    let (path, _) = authorize_path(&client, &[]);
    agent.get(&path).await;
    let signed_in = agent.sign_in("alice", "correct horse battery", &path).await;
    let consent = agent.follow(&signed_in).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(
        !consent.body.contains("the server&#39;s operator"),
        "{}",
        consent.body
    );
    assert!(
        !consent.body.contains("the server's operator"),
        "{}",
        consent.body
    );
    assert!(
        consent.body.contains("registered it themselves"),
        "{}",
        consent.body
    );
}

#[tokio::test]
async fn the_consent_page_of_a_verified_app_has_no_unverified_warning() {
    let app = spawn().await;
    let client = crate::browser::web_app(&app);
    app.create_user("alice", "correct horse battery");
    let agent = Agent::new(&app);
    let (path, _) = authorize_path(&client, &[("scope", "profile")]);
    let signed_in = agent.sign_in("alice", "correct horse battery", &path).await;
    let consent = agent.follow(&signed_in).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(!consent.body.contains("id=\"unverified\""));
}
