//! The authorization endpoint's error handling (RFC 6749 §4.1.2.1) and
//! request checks.

use crate::browser::{authorize_path, web_app, Agent, REDIRECT};
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_unknown_client_gets_an_error_page_and_no_redirect() {
    let app = spawn_app().await;
    let agent = Agent::new(&app);
    let page = agent
        .get(&format!(
            "/oauth2/authorize?response_type=code&client_id=nope&redirect_uri={REDIRECT}"
        ))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());
    assert!(page.body.contains("not registered"));
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = Agent::new(&app);
    for evil in [
        "https://evil.example/callback",
        "https://app.example/callback/",
        "https://APP.example/callback",
        "https://app.example/callback?x=1",
        "https://app.example/callback#f",
        "https://app.example/callback/../callback",
        "https://user@app.example/callback",
        "https://app.example/%63allback",
    ] {
        let path = format!(
            "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}",
            client.id,
            crate::browser::urlencode(evil)
        );
        let page = agent.get(&path).await;
        assert_eq!(page.status, 400, "{evil}");
        assert!(page.location.is_none(), "{evil}");
    }
}

#[tokio::test]
async fn a_missing_client_id_gets_an_error_page() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/oauth2/authorize?response_type=code").await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());
}

#[tokio::test]
async fn a_missing_redirect_uri_with_several_registered_gets_an_error_page() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--redirect-uri",
        "https://app.example/other",
    ]);
    let page = Agent::new(&app)
        .get(&format!(
            "/oauth2/authorize?response_type=code&client_id={}",
            client.id
        ))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());
}

#[tokio::test]
async fn errors_for_a_verified_client_go_back_with_state_and_iss() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = Agent::new(&app);
    let cases = [
        ("response_type", "code id_token", "unsupported_response_type"),
        ("scope", "admin", "invalid_scope"),
        ("prompt", "sometimes", "invalid_request"),
    ];
    for (name, value, error) in cases {
        let (path, _) = authorize_path(&client, &[]);
        let path = if name == "response_type" {
            path.replace(
                "response_type=code",
                &format!("response_type={}", crate::browser::urlencode(value)),
            )
        } else {
            format!("{path}&{name}={}", crate::browser::urlencode(value))
        };
        let page = agent.get(&path).await;
        assert_eq!(page.status, 303, "{name}");
        assert!(page.location.as_deref().unwrap().starts_with(REDIRECT), "{name}");
        assert_eq!(page.query_param("error").as_deref(), Some(error), "{name}");
        assert_eq!(page.query_param("state").as_deref(), Some("xyz-state"));
        assert_eq!(
            page.query_param("iss").as_deref(),
            Some(app.settings.issuer.as_str())
        );
    }
}

#[tokio::test]
async fn a_code_request_without_pkce_is_refused() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let path = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state=s",
        client.id,
        crate::browser::urlencode(REDIRECT)
    );
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(page.query_param("error").as_deref(), Some("invalid_request"));
}

#[tokio::test]
async fn the_plain_pkce_method_is_refused() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let (path, _) = authorize_path(&client, &[]);
    let page = Agent::new(&app)
        .get(&path.replace("code_challenge_method=S256", "code_challenge_method=plain"))
        .await;
    assert_eq!(page.query_param("error").as_deref(), Some("invalid_request"));
}

#[tokio::test]
async fn an_implicit_request_from_a_client_not_allowed_it_is_unauthorized_client_in_the_fragment() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let path = format!(
        "/oauth2/authorize?response_type=token&client_id={}&redirect_uri={}&state=s",
        client.id,
        crate::browser::urlencode(REDIRECT)
    );
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(
        page.fragment_param("error").as_deref(),
        Some("unauthorized_client")
    );
    assert!(page.query_param("error").is_none());
}

#[tokio::test]
async fn a_repeated_parameter_gets_an_error_page() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let (path, _) = authorize_path(&client, &[("state", "second")]);
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());
}

#[tokio::test]
async fn a_signed_out_user_is_sent_to_the_login_page_and_back() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let (path, _) = authorize_path(&client, &[]);
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(page.status, 303);
    let location = page.location.unwrap();
    assert!(
        location.starts_with("/login?return_to=%2Foauth2%2Fauthorize"),
        "{location}"
    );
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let (path, _) = authorize_path(&client, &[("prompt", "none")]);
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(page.query_param("error").as_deref(), Some("login_required"));
}

#[tokio::test]
async fn metadata_lists_the_authorization_endpoint_and_iss_support() {
    let app = spawn_app().await;
    let (_, metadata) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(
        metadata["authorization_endpoint"],
        format!("{}/oauth2/authorize", app.address)
    );
    assert_eq!(metadata["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        metadata["response_types_supported"],
        serde_json::json!(["code", "token", "id_token", "id_token token"])
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
}

#[tokio::test]
async fn an_s256_challenge_that_is_not_a_sha256_is_refused() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let path = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state=s&code_challenge={}&code_challenge_method=S256",
        client.id,
        crate::browser::urlencode(REDIRECT),
        "a".repeat(64)
    );
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(page.query_param("error").as_deref(), Some("invalid_request"));
}

/// An authorization request to `client` with `redirect_uri`, PKCE S256.
fn request_to(client: &crate::helpers::TestClient, redirect_uri: &str) -> String {
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri={}&state=s&code_challenge={challenge}&code_challenge_method=S256",
        client.id,
        crate::browser::urlencode(redirect_uri)
    )
}

#[tokio::test]
async fn a_native_apps_loopback_ip_redirect_uri_matches_on_any_port() {
    let app = spawn_app().await;
    let client = app.create_client(&["--public", "--redirect-uri", "http://127.0.0.1/callback"]);
    let agent = Agent::new(&app);
    for accepted in ["http://127.0.0.1:53123/callback", "http://127.0.0.1/callback"] {
        let page = agent.get(&request_to(&client, accepted)).await;
        assert_eq!(page.status, 303, "{accepted}: {}", page.body);
        assert!(page.location.unwrap().starts_with("/login"), "{accepted}");
    }
    for refused in [
        "http://127.0.0.1:53123/other",
        "http://localhost:53123/callback",
        "http://[::1]:53123/callback",
    ] {
        let page = agent.get(&request_to(&client, refused)).await;
        assert_eq!(page.status, 400, "{refused}");
        assert!(page.location.is_none(), "{refused}");
    }
}

#[tokio::test]
async fn a_localhost_redirect_uri_is_matched_exactly_port_included() {
    let app = spawn_app().await;
    let client = app.create_client(&["--public", "--redirect-uri", "http://localhost:8400/callback"]);
    let agent = Agent::new(&app);
    let page = agent
        .get(&request_to(&client, "http://localhost:8400/callback"))
        .await;
    assert_eq!(page.status, 303);
    let page = agent
        .get(&request_to(&client, "http://localhost:8401/callback"))
        .await;
    assert_eq!(page.status, 400);
}
