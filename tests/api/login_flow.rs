//! Sign-in, consent, SSO, implicit, logout and the account page, over HTTP.

use crate::browser::{authorize_path, web_app, Agent, REDIRECT};
use crate::helpers::{claims_of, spawn_app, TestDb};

const PASSWORD: &str = "correct horse battery";

/// A registered post-logout redirect URI (RP-Initiated Logout 1.0 §3.1).
const SIGNED_OUT: &str = "https://app.example/signed-out";

#[tokio::test]
async fn a_user_signs_in_approves_and_the_client_redeems_the_code() {
    use oauth2::basic::BasicClient;
    use oauth2::{AuthorizationCode, ClientId, ClientSecret, RedirectUrl, TokenResponse, TokenUrl};
    let app = spawn_app().await;
    let user_id = app.create_user("alice", PASSWORD);
    let client = web_app(&app);
    let agent = Agent::new(&app);
    let (path, verifier) = authorize_path(&client, &[("scope", "profile")]);

    let to_login = agent.get(&path).await;
    let return_to = url::Url::parse(&format!("http://x{}", to_login.location.unwrap()))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "return_to")
        .unwrap()
        .1
        .into_owned();
    let signed_in = agent.sign_in("alice", PASSWORD, &return_to).await;
    assert_eq!(signed_in.status, 303);
    let consent = agent.follow(&signed_in).await;
    assert_eq!(consent.status, 200);
    assert!(consent.body.contains("Test app") && consent.body.contains("profile"));
    let answer = agent.decide(&consent, "approve").await;
    assert_eq!(answer.status, 303);
    assert!(answer.location.as_deref().unwrap().starts_with(REDIRECT));
    assert_eq!(answer.query_param("state").as_deref(), Some("xyz-state"));
    assert_eq!(
        answer.query_param("iss").as_deref(),
        Some(app.settings.issuer.as_str())
    );
    let code = answer.query_param("code").unwrap();

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = BasicClient::new(ClientId::new(client.id.clone()))
        .set_client_secret(ClientSecret::new(client.secret.clone().unwrap()))
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let claims = claims_of(token.access_token().secret());
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["scope"], "profile");
    assert!(
        claims["sid"].is_string(),
        "a browser session stands behind the token"
    );
    assert!(token.refresh_token().is_some());
}

/// Approves `client` on the consent page and redeems the code: the tokens.
async fn tokens_through_consent(
    app: &crate::helpers::TestApp,
    agent: &Agent<'_>,
    client: &crate::helpers::TestClient,
) -> crate::helpers::Answer {
    let (path, verifier) = authorize_path(client, &[]);
    let consent = agent.get(&path).await;
    let code = agent
        .decide(&consent, "approve")
        .await
        .query_param("code")
        .unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.secret()),
    ];
    app.post_form("/oauth2/token", &form, Some(client)).await
}

async fn signed_in_agent<'a>(app: &'a crate::helpers::TestApp, username: &str) -> Agent<'a> {
    app.create_user(username, PASSWORD);
    let agent = Agent::new(app);
    let page = agent.sign_in(username, PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    agent
}

#[tokio::test]
async fn denying_consent_sends_access_denied() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = signed_in_agent(&app, "alice").await;
    let consent = agent.get(&authorize_path(&client, &[]).0).await;
    let answer = agent.decide(&consent, "deny").await;
    assert_eq!(answer.query_param("error").as_deref(), Some("access_denied"));
    assert_eq!(answer.query_param("state").as_deref(), Some("xyz-state"));
    assert!(answer.query_param("code").is_none());
}

#[tokio::test]
async fn an_approval_is_remembered_for_the_same_scopes() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = signed_in_agent(&app, "alice").await;
    let consent = agent.get(&authorize_path(&client, &[]).0).await;
    agent.decide(&consent, "approve").await;
    let again = agent.get(&authorize_path(&client, &[]).0).await;
    assert_eq!(again.status, 303, "no consent page the second time");
    assert!(again.query_param("code").is_some());
}

#[tokio::test]
async fn prompt_consent_asks_again() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = signed_in_agent(&app, "alice").await;
    let consent = agent.get(&authorize_path(&client, &[]).0).await;
    agent.decide(&consent, "approve").await;
    let again = agent
        .get(&authorize_path(&client, &[("prompt", "consent")]).0)
        .await;
    assert_eq!(again.status, 200);
    assert!(again.body.contains("Allow"));
}

#[tokio::test]
async fn prompt_none_without_consent_is_consent_required() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = signed_in_agent(&app, "alice").await;
    let page = agent.get(&authorize_path(&client, &[("prompt", "none")]).0).await;
    assert_eq!(page.query_param("error").as_deref(), Some("consent_required"));
}

#[tokio::test]
async fn prompt_login_asks_a_signed_in_user_to_sign_in_again() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = signed_in_agent(&app, "alice").await;
    let page = agent
        .get(&authorize_path(&client, &[("prompt", "login")]).0)
        .await;
    assert_eq!(page.status, 303);
    let location = page.location.unwrap();
    assert!(location.starts_with("/login?"), "{location}");
    assert!(!location.contains("prompt"), "the way back does not ask again");
}

#[tokio::test]
async fn a_trusted_client_skips_consent() {
    let app = spawn_app().await;
    let client = app.create_client(&["--trusted", "--redirect-uri", REDIRECT, "--scope", "profile"]);
    let agent = signed_in_agent(&app, "alice").await;
    let page = agent.get(&authorize_path(&client, &[]).0).await;
    assert_eq!(page.status, 303);
    assert!(page.query_param("code").is_some());
}

#[tokio::test]
async fn a_second_app_signs_in_without_a_second_login() {
    let app = spawn_app().await;
    let first = app.create_client(&["--trusted", "--redirect-uri", REDIRECT]);
    let second = app.create_client(&["--trusted", "--redirect-uri", REDIRECT]);
    let agent = signed_in_agent(&app, "alice").await;
    for client in [first, second] {
        let page = agent.get(&authorize_path(&client, &[]).0).await;
        assert!(page.query_param("code").is_some(), "single sign-on");
    }
}

#[tokio::test]
async fn the_implicit_grant_puts_the_token_in_the_fragment_only() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--public",
        "--grant-type",
        "implicit",
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "profile",
    ]);
    let agent = signed_in_agent(&app, "alice").await;
    let path = format!(
        "/oauth2/authorize?response_type=token&client_id={}&redirect_uri={}&state=st",
        client.id,
        crate::browser::urlencode(REDIRECT)
    );
    let consent = agent.get(&path).await;
    let answer = agent.decide(&consent, "approve").await;
    let location = answer.location_url();
    assert!(location.query().is_none(), "nothing in the query");
    let token = answer.fragment_param("access_token").unwrap();
    assert_eq!(answer.fragment_param("token_type").as_deref(), Some("Bearer"));
    assert_eq!(answer.fragment_param("state").as_deref(), Some("st"));
    assert_eq!(
        answer.fragment_param("iss").as_deref(),
        Some(app.settings.issuer.as_str())
    );
    assert!(answer.fragment_param("expires_in").is_some());
    assert!(answer.fragment_param("refresh_token").is_none());
    assert_eq!(claims_of(&token)["scope"], "profile");
}

#[tokio::test]
async fn a_consent_form_with_another_sessions_csrf_token_approves_nothing() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let alice = signed_in_agent(&app, "alice").await;
    let mallory = signed_in_agent(&app, "mallory").await;
    let consent = alice.get(&authorize_path(&client, &[]).0).await;
    let forged = mallory.get(&authorize_path(&client, &[]).0).await;
    let answer = alice
        .post(
            "/oauth2/authorize/decision",
            &[
                ("csrf_token", &forged.hidden("csrf_token")),
                ("request", &consent.hidden("request")),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(answer.status, 403);
    assert!(answer.location.is_none());
    let without = alice
        .post(
            "/oauth2/authorize/decision",
            &[("request", &consent.hidden("request")), ("decision", "approve")],
        )
        .await;
    assert_eq!(without.status, 403);
}

#[tokio::test]
async fn a_login_form_posted_without_its_csrf_cookie_is_refused() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    let page = agent
        .post(
            "/login",
            &[
                ("csrf_token", "guess"),
                ("username", "alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page
        .headers
        .get("set-cookie")
        .is_none_or(|c| !c.to_str().unwrap().contains("tollgate_session=")));
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_look_the_same_on_the_login_page() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    let wrong = agent.sign_in("alice", "not-the-password", "/account").await;
    let unknown = agent.sign_in("nobody", "not-the-password", "/account").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    let message = "The username or password is incorrect.";
    assert!(wrong.body.contains(message) && unknown.body.contains(message));
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled_then_allowed_again() {
    let app = crate::helpers::spawn_app_with_clock(TestDb::new(), |s| {
        s.login_max_failures = 2;
        s.login_lockout = 2;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    for _ in 0..2 {
        assert_eq!(
            agent.sign_in("alice", "wrong-password", "/account").await.status,
            401
        );
    }
    let locked = agent.sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(locked.status, 429);
    assert!(locked.body.contains("Too many failed attempts"));
    app.clock.advance(std::time::Duration::from_secs(3));
    assert_eq!(agent.sign_in("alice", PASSWORD, "/account").await.status, 303);
}

#[tokio::test]
async fn the_return_path_cannot_lead_outside_tollgate() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    for evil in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let page = agent.sign_in("alice", PASSWORD, evil).await;
        assert_eq!(page.location.as_deref(), Some("/account"), "{evil}");
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax_and_renewed_at_login() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    let cookie_of = |page: &crate::browser::Page| {
        page.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("tollgate_session="))
            .unwrap()
    };
    let first = cookie_of(&agent.sign_in("alice", PASSWORD, "/account").await);
    assert!(
        first.contains("HttpOnly") && first.contains("SameSite=Lax"),
        "{first}"
    );
    assert!(!first.contains("Secure"), "http issuer: no Secure flag");
    let second = cookie_of(&agent.sign_in("alice", PASSWORD, "/account").await);
    assert_ne!(first.split(';').next(), second.split(';').next());
}

#[tokio::test]
async fn pages_forbid_framing_and_sniffing_and_caching() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/login").await;
    let header = |n: &str| {
        page.headers
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("cache-control"), "no-store");
}

#[tokio::test]
async fn a_client_name_with_markup_is_escaped_on_the_consent_page() {
    let app = spawn_app().await;
    let out = app.cli(
        &[
            "client",
            "create",
            "--name",
            "<script>alert(1)</script>",
            "--redirect-uri",
            REDIRECT,
            "--json",
        ],
        None,
    );
    let id = serde_json::from_str::<serde_json::Value>(out.stdout.trim()).unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_string();
    let client = crate::helpers::TestClient { id, secret: None };
    let agent = signed_in_agent(&app, "alice").await;
    let consent = agent
        .get(
            &authorize_path(&client, &[("state", "<img src=x>")])
                .0
                .replace("&state=xyz-state", ""),
        )
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(!consent.body.contains("<script>alert(1)</script>"));
    assert!(
        consent.body.contains("&lt;script&gt;") || consent.body.contains("&#60;script&#62;"),
        "the name is shown, escaped"
    );
    assert!(!consent.body.contains("<img src=x>"));
}

#[tokio::test]
async fn logout_ends_the_session_and_its_tokens() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = signed_in_agent(&app, "alice").await;
    let tokens = tokens_through_consent(&app, &agent, &client).await;
    let access = tokens.body["access_token"].as_str().unwrap();
    let refresh = tokens.body["refresh_token"].as_str().unwrap();
    assert_eq!(app.introspect(access, &client).await["active"], true);

    let account = agent.get("/account").await;
    let out = agent
        .post("/logout", &[("csrf_token", &account.hidden("csrf_token"))])
        .await;
    assert_eq!(out.status, 200);
    assert!(out.body.contains("signed out"));

    assert_eq!(
        app.introspect(access, &client).await["active"],
        false,
        "its access tokens go inactive"
    );
    let refreshed = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            Some(&client),
        )
        .await;
    assert_eq!(
        refreshed.error(),
        "invalid_grant",
        "its refresh tokens are revoked"
    );
    let again = agent.get(&authorize_path(&client, &[]).0).await;
    assert!(
        again.location.unwrap().starts_with("/login"),
        "sign-in is needed again"
    );
}

#[tokio::test]
async fn logout_without_the_csrf_token_changes_nothing() {
    let app = spawn_app().await;
    let agent = signed_in_agent(&app, "alice").await;
    let page = agent.post("/logout", &[("csrf_token", "forged")]).await;
    assert_eq!(page.status, 403);
    assert_eq!(agent.get("/account").await.status, 200, "still signed in");
}

#[tokio::test]
async fn rp_initiated_logout_returns_to_a_registered_uri_only() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--post-logout-redirect-uri",
        SIGNED_OUT,
    ]);
    let agent = signed_in_agent(&app, "alice").await;
    let confirm = agent
        .get(&format!(
            "/logout?client_id={}&post_logout_redirect_uri={}&state=bye",
            client.id,
            crate::browser::urlencode(SIGNED_OUT)
        ))
        .await;
    assert_eq!(confirm.status, 200);
    let done = agent
        .post(
            "/logout",
            &[
                ("csrf_token", &confirm.hidden("csrf_token")),
                ("client_id", &client.id),
                ("post_logout_redirect_uri", SIGNED_OUT),
                ("state", "bye"),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{SIGNED_OUT}?state=bye").as_str())
    );
    let evil = agent
        .get(&format!(
            "/logout?client_id={}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
            client.id
        ))
        .await;
    assert_eq!(evil.status, 400);
    assert!(evil.location.is_none());
}

#[tokio::test]
async fn withdrawing_consent_on_the_account_page_revokes_the_apps_refresh_tokens() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = signed_in_agent(&app, "alice").await;
    let tokens = tokens_through_consent(&app, &agent, &client).await;
    let refresh = tokens.body["refresh_token"].as_str().unwrap();

    let account = agent.get("/account").await;
    assert!(account.body.contains("Test app"));
    let done = agent
        .post(
            "/account/consents/withdraw",
            &[
                ("csrf_token", &account.hidden("csrf_token")),
                ("client_id", &client.id),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    assert!(agent
        .get("/account")
        .await
        .body
        .contains("not allowed any application"));
    let refreshed = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            Some(&client),
        )
        .await;
    assert_eq!(refreshed.error(), "invalid_grant");
    let again = agent.get(&authorize_path(&client, &[]).0).await;
    assert_eq!(again.status, 200, "consent is asked again");
}

#[tokio::test]
async fn an_unknown_page_is_a_404_page() {
    let app = spawn_app().await;
    let page = Agent::new(&app).get("/no/such/page").await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Not found"));
}

#[tokio::test]
async fn a_code_redeemed_after_logout_is_refused() {
    let app = spawn_app().await;
    let client = web_app(&app);
    let agent = signed_in_agent(&app, "alice").await;
    let (path, verifier) = authorize_path(&client, &[]);
    let consent = agent.get(&path).await;
    let code = agent
        .decide(&consent, "approve")
        .await
        .query_param("code")
        .unwrap();
    let account = agent.get("/account").await;
    agent
        .post("/logout", &[("csrf_token", &account.hidden("csrf_token"))])
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
    assert_eq!(answer.error(), "invalid_grant");
}

#[tokio::test]
async fn rp_initiated_logout_without_a_session_links_back_instead_of_redirecting() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--post-logout-redirect-uri",
        SIGNED_OUT,
    ]);
    let page = Agent::new(&app)
        .get(&format!(
            "/logout?client_id={}&post_logout_redirect_uri={}&state=bye",
            client.id,
            crate::browser::urlencode(SIGNED_OUT)
        ))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.location.is_none(),
        "no open redirect for anyone who registers a client"
    );
    assert!(page.body.contains("id=\"back\""));
}

#[tokio::test]
async fn a_logout_posted_without_a_session_links_back_instead_of_redirecting() {
    let app = spawn_app().await;
    let client = app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--post-logout-redirect-uri",
        SIGNED_OUT,
    ]);
    let page = Agent::new(&app)
        .post(
            "/logout",
            &[
                ("client_id", client.id.as_str()),
                ("post_logout_redirect_uri", SIGNED_OUT),
                ("state", "bye"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.location.is_none(), "nobody was signed out: no redirect");
    assert!(page.body.contains("id=\"back\""));
}

#[tokio::test]
async fn a_page_asked_with_an_unknown_method_gets_a_405_page() {
    let app = spawn_app().await;
    for path in ["/login", "/logout", "/signup"] {
        let response = app
            .http
            .request(reqwest::Method::PUT, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{path}");
        assert!(response.headers().get("allow").is_some());
        assert!(response.text().await.unwrap().contains("Not allowed"));
    }
}
