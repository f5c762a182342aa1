//! Pushed authorization requests (RFC 9126): the client posts its request
//! to `/oauth2/par`, authenticated, and sends the browser with only
//! `client_id` and the `request_uri` it got back.

use crate::browser::{web_app, Agent, PASSWORD, REDIRECT};
use crate::helpers::{spawn_app, spawn_app_on, spawn_app_with_clock, Answer, TestApp, TestClient, TestDb};
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use std::time::Duration;

const PAR: &str = "/oauth2/par";

/// Pushes a code request for `client` with PKCE S256 and `extra`
/// (replacing the defaults of their names);
/// authenticates with HTTP Basic if the client has a secret, else sends
/// `client_id`.
async fn push(app: &TestApp, client: &TestClient, extra: &[(&str, &str)]) -> (Answer, PkceCodeVerifier) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut form = vec![
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("state", "pushed-state"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    // An extra parameter replaces the default of its name.
    form.retain(|(name, _)| !extra.iter().any(|(n, _)| n == name));
    form.extend_from_slice(extra);
    let answer = match client.secret {
        Some(_) => app.post_form(PAR, &form, Some(client)).await,
        None => {
            form.push(("client_id", &client.id));
            app.post_form(PAR, &form, None).await
        }
    };
    (answer, verifier)
}

fn authorize_with(client_id: &str, request_uri: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", client_id)
        .append_pair("request_uri", request_uri)
        // RFC 9126 §4: not pushed, so not taken.
        .append_pair("state", "from-the-front-channel")
        .finish();
    format!("/oauth2/authorize?{query}")
}

/// Signs `agent` in as alice from the login page `/authorize` sent it to,
/// and returns the page the way back leads to.
async fn sign_in_from(agent: &Agent<'_>, login: &crate::browser::Page) -> crate::browser::Page {
    assert_eq!(login.status, 303, "{}", login.body);
    let return_to = login.query_param_of_path("return_to");
    let signed_in = agent.sign_in("alice", PASSWORD, &return_to).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    agent.follow(&signed_in).await
}

trait PathQuery {
    fn query_param_of_path(&self, name: &str) -> String;
}

impl PathQuery for crate::browser::Page {
    fn query_param_of_path(&self, name: &str) -> String {
        let location = self.location.as_deref().expect("a redirect");
        let url = url::Url::parse("http://tollgate.test")
            .unwrap()
            .join(location)
            .unwrap();
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no {name} in {location}"))
    }
}

#[tokio::test]
async fn a_pushed_request_leads_through_sign_in_and_consent_to_a_code_that_buys_tokens() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = web_app(&app);
    // RFC 9126 §2.2: 201, a request_uri and its lifetime.
    let (pushed, verifier) = push(&app, &client, &[("scope", "profile")]).await;
    assert_eq!(pushed.status, 201, "{}", pushed.body);
    assert_eq!(pushed.header("cache-control"), Some("no-store"));
    let request_uri = pushed.body["request_uri"].as_str().unwrap().to_string();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    assert_eq!(pushed.body["expires_in"], 60);

    let agent = Agent::new(&app);
    let login = agent.get(&authorize_with(&client.id, &request_uri)).await;
    assert!(login.location.as_deref().unwrap().starts_with("/login"));
    // The pushed request survives the sign-in round trip.
    let consent = sign_in_from(&agent, &login).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let answer = agent.decide(&consent, "approve").await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert!(answer.location.as_deref().unwrap().starts_with(REDIRECT));
    // RFC 9126 §4: the pushed parameters, not the front channel's.
    assert_eq!(answer.query_param("state").as_deref(), Some("pushed-state"));
    let code = answer.query_param("code").expect("a code");

    let token = app
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
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(token.body["scope"], "profile");

    // RFC 9126 §4: single use. Neither a new visit nor the consent form
    // posted again gets a second code.
    let again = agent.get(&authorize_with(&client.id, &request_uri)).await;
    assert_eq!(again.status, 400, "{:?}", again.location);
    assert!(again.location.is_none());
    let replayed = agent.decide(&consent, "approve").await;
    assert_eq!(replayed.status, 400, "{:?}", replayed.location);
    assert!(replayed.location.is_none());
}

#[tokio::test]
async fn an_expired_request_uri_gets_an_error_page() {
    let app = spawn_app_with_clock(TestDb::new(), |_| {}).await;
    let client = web_app(&app);
    let (pushed, _) = push(&app, &client, &[]).await;
    let request_uri = pushed.body["request_uri"].as_str().unwrap().to_string();
    app.clock.advance(Duration::from_secs(61));
    let page = Agent::new(&app)
        .get(&authorize_with(&client.id, &request_uri))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());
    assert!(page.body.contains("expired"), "{}", page.body);
}

#[tokio::test]
async fn another_clients_request_uri_gets_an_error_page_and_no_redirect() {
    // RFC 9126 §4: a request_uri is bound to the client that pushed it.
    let app = spawn_app().await;
    let owner = web_app(&app);
    let other = web_app(&app);
    let (pushed, _) = push(&app, &owner, &[]).await;
    let request_uri = pushed.body["request_uri"].as_str().unwrap().to_string();
    let page = Agent::new(&app)
        .get(&authorize_with(&other.id, &request_uri))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());
}

#[tokio::test]
async fn an_unauthenticated_push_is_refused_with_invalid_client() {
    // RFC 9126 §2: the endpoint authenticates clients like the token endpoint.
    let app = spawn_app().await;
    let client = web_app(&app);
    let form = [
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let answer = app.post_form(PAR, &form, None).await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_client");
    let wrong = TestClient {
        id: client.id.clone(),
        secret: Some("not-the-secret".into()),
    };
    let answer = app.post_form(PAR, &form[..1], Some(&wrong)).await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_client");
}

#[tokio::test]
async fn a_push_is_refused_with_the_errors_the_authorization_endpoint_would_give() {
    // RFC 9126 §2.1: the same validation as an authorization request.
    let app = spawn_app().await;
    let client = web_app(&app);
    let (answer, _) = push(&app, &client, &[("redirect_uri", "https://evil.example/cb")]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_request");
    let description = answer.body["error_description"].as_str().unwrap();
    assert!(description.contains("not registered"), "{description}");
    let (answer, _) = push(&app, &client, &[("scope", "admin")]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_scope");
    let (answer, _) = push(&app, &client, &[("response_type", "token")]).await;
    assert_eq!(answer.error(), "unauthorized_client", "{}", answer.body);

    // A public client sends its client_id, and must use PKCE.
    let public = app.create_client(&["--public", "--redirect-uri", REDIRECT]);
    let form = [
        ("response_type", "code"),
        ("client_id", public.id.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let answer = app.post_form(PAR, &form, None).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_request");
    assert!(answer.body["error_description"]
        .as_str()
        .unwrap()
        .contains("code_challenge"));
    let (answer, _) = push(&app, &public, &[]).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

#[tokio::test]
async fn a_request_uri_inside_a_push_is_invalid_request() {
    // RFC 9126 §2.1.
    let app = spawn_app().await;
    let client = web_app(&app);
    let (answer, _) = push(
        &app,
        &client,
        &[("request_uri", "urn:ietf:params:oauth:request_uri:abc")],
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_request");
}

#[tokio::test]
async fn a_client_that_requires_pushed_requests_cannot_send_one_by_value() {
    // RFC 9126 §6: require_pushed_authorization_requests per client.
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = app.create_client(&["--require-par", "--redirect-uri", REDIRECT, "--scope", "profile"]);
    let (path, _) = crate::browser::authorize_path(&client, &[]);
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.query_param("error").as_deref(), Some("invalid_request"));
    // Pushed, it goes on to the sign-in page.
    let (pushed, _) = push(&app, &client, &[]).await;
    let request_uri = pushed.body["request_uri"].as_str().unwrap();
    let page = Agent::new(&app)
        .get(&authorize_with(&client.id, request_uri))
        .await;
    assert!(
        page.location.as_deref().unwrap().starts_with("/login"),
        "{:?}",
        page.location
    );
    // Another client is not concerned.
    let free = web_app(&app);
    let (path, _) = crate::browser::authorize_path(&free, &[]);
    let page = Agent::new(&app).get(&path).await;
    assert!(
        page.location.as_deref().unwrap().starts_with("/login"),
        "{:?}",
        page.location
    );
}

#[tokio::test]
async fn the_global_setting_requires_pushed_requests_of_every_client_and_metadata_says_so() {
    let app = spawn_app_on(TestDb::new(), |s| s.require_pushed_authorization_requests = true).await;
    let client = web_app(&app);
    let (path, _) = crate::browser::authorize_path(&client, &[]);
    let page = Agent::new(&app).get(&path).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.query_param("error").as_deref(), Some("invalid_request"));
    let (_, metadata) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(metadata["require_pushed_authorization_requests"], true);
}

#[tokio::test]
async fn metadata_names_the_pushed_authorization_request_endpoint() {
    // RFC 9126 §5.
    let app = spawn_app().await;
    let (_, metadata) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(
        metadata["pushed_authorization_request_endpoint"],
        app.url("/oauth2/par")
    );
    assert!(metadata.get("require_pushed_authorization_requests").is_none());
    // OpenID's request object by reference stays unsupported.
    assert_eq!(metadata["request_uri_parameter_supported"], false);
}

#[tokio::test]
async fn a_self_registered_client_may_require_pushed_requests_and_the_cli_lists_it() {
    // RFC 9126 §6: the client metadata require_pushed_authorization_requests.
    let app = spawn_app_on(TestDb::new(), |s| s.open_registration = true).await;
    let metadata = serde_json::json!({
        "client_name": "Printer",
        "redirect_uris": [REDIRECT],
        "require_pushed_authorization_requests": true,
    });
    let answer = crate::helpers::answer(
        app.http
            .post(app.url("/oauth2/register"))
            .json(&metadata)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["require_pushed_authorization_requests"], true);
    let client = TestClient {
        id: answer.body["client_id"].as_str().unwrap().to_string(),
        secret: answer.body["client_secret"].as_str().map(str::to_string),
    };
    let (path, _) = crate::browser::authorize_path(&client, &[]);
    let page = Agent::new(&app).get(&path).await;
    // Unverified and nobody signed in: the error is a page with a link.
    assert!(page.body.contains("invalid_request"), "{}", page.body);

    let out = app.cli(&["client", "list", "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == client.id.as_str())
        .unwrap();
    assert_eq!(listed["require_pushed_authorization_requests"], true);
    let out = app.cli(
        &[
            "client",
            "update",
            "--client-id",
            &client.id,
            "--require-par=false",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = app.cli(&["client", "list", "--json"], None);
    assert!(
        out.stdout
            .contains("\"require_pushed_authorization_requests\":false"),
        "{}",
        out.stdout
    );
}
