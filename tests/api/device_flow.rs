//! The device authorization grant (RFC 8628): a device asks for codes, its
//! user approves at `/device` in a browser, the device polls the token
//! endpoint and gets its tokens once.

use crate::browser::{Agent, Page, PASSWORD};
use crate::helpers::{
    claims_of, spawn_app, spawn_app_on, spawn_app_with_clock, Answer, TestApp, TestClient, TestDb,
};
use std::time::Duration;

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A public client (a TV app) allowed the device grant and refresh tokens.
fn tv_app(app: &TestApp) -> TestClient {
    app.create_named_client(
        "Living-room TV",
        &[
            "--public",
            "--grant-type",
            DEVICE_GRANT,
            "--grant-type",
            "refresh_token",
            "--scope",
            "openid",
            "--scope",
            "profile",
        ],
    )
}

/// RFC 8628 §3.1: public clients send their `client_id` in the body.
async fn start(app: &TestApp, client: &TestClient, extra: &[(&str, &str)]) -> Answer {
    let mut form = vec![("client_id", client.id.as_str())];
    form.extend_from_slice(extra);
    let basic = client.secret.as_ref().map(|_| client);
    if basic.is_some() {
        form.remove(0);
    }
    app.post_form("/oauth2/device_authorization", &form, basic).await
}

/// §3.4: one poll of the token endpoint.
async fn poll(app: &TestApp, client: &TestClient, device_code: &str) -> Answer {
    let mut form = vec![("grant_type", DEVICE_GRANT), ("device_code", device_code)];
    let basic = client.secret.as_ref().map(|_| client);
    if basic.is_none() {
        form.push(("client_id", client.id.as_str()));
    }
    app.post_form("/oauth2/token", &form, basic).await
}

/// Signs `alice` in, enters `user_code` at `/device` and posts `decision`.
async fn decide_as_alice(app: &TestApp, user_code: &str, decision: &str) -> Page {
    let agent = Agent::new(app);
    agent.sign_in("alice", PASSWORD, "/device").await;
    decide(&agent, user_code, decision).await
}

async fn decide(agent: &Agent<'_>, user_code: &str, decision: &str) -> Page {
    let form = agent.get(&format!("/device?user_code={user_code}")).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let consent = agent
        .post(
            "/device",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("user_code", user_code),
            ],
        )
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    agent
        .post(
            "/device/decision",
            &[
                ("csrf_token", &consent.hidden("csrf_token")),
                ("user_code", &consent.hidden("user_code")),
                ("decision", decision),
            ],
        )
        .await
}

fn field(answer: &Answer, name: &str) -> String {
    answer.body[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {}", answer.body))
        .to_string()
}

#[tokio::test]
async fn the_device_authorization_response_carries_every_field_of_rfc_8628_section_3_2() {
    let app = spawn_app().await;
    let client = tv_app(&app);
    let answer = start(&app, &client, &[("scope", "openid")]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let device_code = field(&answer, "device_code");
    assert!(device_code.len() >= 43, "256 bits, base64url: {device_code}");
    let user_code = field(&answer, "user_code");
    // §6.1: short, upper-case consonants, grouped for reading.
    assert_eq!(user_code.len(), 9, "{user_code}");
    assert_eq!(&user_code[4..5], "-");
    assert!(user_code
        .chars()
        .filter(|c| *c != '-')
        .all(|c| c.is_ascii_uppercase() && !"AEIOUY".contains(c)));
    assert_eq!(field(&answer, "verification_uri"), app.url("/device"));
    assert_eq!(
        field(&answer, "verification_uri_complete"),
        app.url(&format!("/device?user_code={user_code}"))
    );
    assert_eq!(answer.body["expires_in"], 600);
    assert_eq!(answer.body["interval"], 5);
    // Only the device code's hash is stored.
    let stored: Vec<String> = app
        .database()
        .run_sync(|conn| {
            use diesel::prelude::*;
            use tollgate::storage::schema::device_authorizations::dsl as d;
            d::device_authorizations.select(d::device_code_hash).load(conn)
        })
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], device_code);
}

#[tokio::test]
async fn an_unknown_client_is_invalid_client_at_the_device_authorization_endpoint() {
    let app = spawn_app().await;
    let answer = app
        .post_form("/oauth2/device_authorization", &[("client_id", "nobody")], None)
        .await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_client");
}

#[tokio::test]
async fn a_confidential_client_authenticates_at_the_device_authorization_endpoint_as_at_the_token_endpoint() {
    let app = spawn_app().await;
    let client = app.create_client(&["--grant-type", DEVICE_GRANT, "--scope", "profile"]);
    assert_eq!(start(&app, &client, &[]).await.status, 200);
    let wrong = TestClient {
        id: client.id.clone(),
        secret: Some("wrong".into()),
    };
    let answer = start(&app, &wrong, &[]).await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.error(), "invalid_client");
}

#[tokio::test]
async fn a_client_without_the_device_grant_is_unauthorized_client_at_both_endpoints() {
    let app = spawn_app().await;
    let client = app.create_client(&["--public", "--grant-type", "refresh_token", "--scope", "profile"]);
    let answer = start(&app, &client, &[]).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(answer.error(), "unauthorized_client");
    let answer = poll(&app, &client, "anything").await;
    assert_eq!(answer.error(), "unauthorized_client", "{}", answer.body);
}

#[tokio::test]
async fn a_scope_beyond_the_clients_is_invalid_scope() {
    let app = spawn_app().await;
    let client = tv_app(&app);
    let answer = start(&app, &client, &[("scope", "admin")]).await;
    assert_eq!(answer.error(), "invalid_scope", "{}", answer.body);
}

/// §3.5: pending, slow_down (the interval grows by 5 s and is
/// remembered), then tokens once, then invalid_grant.
#[tokio::test]
async fn polling_is_pending_then_slow_down_then_tokens_exactly_once_rfc_8628_section_3_5() {
    let app = spawn_app_with_clock(TestDb::new(), |_| {}).await;
    let user_id = app.create_user("alice", PASSWORD);
    let client = tv_app(&app);
    let started = start(&app, &client, &[]).await;
    let (device_code, user_code) = (field(&started, "device_code"), field(&started, "user_code"));

    let first = poll(&app, &client, &device_code).await;
    assert_eq!(first.status, 400, "{}", first.body);
    assert_eq!(first.error(), "authorization_pending");
    assert_eq!(first.header("cache-control"), Some("no-store"));
    // Polling again at once is too fast.
    assert_eq!(poll(&app, &client, &device_code).await.error(), "slow_down");
    // The interval is now 10 s: 5 s later is still too fast.
    app.clock.advance(Duration::from_secs(5));
    assert_eq!(poll(&app, &client, &device_code).await.error(), "slow_down");
    // Now 15 s, counted from the last poll.
    app.clock.advance(Duration::from_secs(15));
    assert_eq!(
        poll(&app, &client, &device_code).await.error(),
        "authorization_pending"
    );

    let done = decide_as_alice(&app, &user_code, "approve").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("return to your device"), "{}", done.body);

    app.clock.advance(Duration::from_secs(15));
    let tokens = poll(&app, &client, &device_code).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let access = claims_of(&field(&tokens, "access_token"));
    assert_eq!(access["sub"], user_id.as_str());
    assert_eq!(access["client_id"], client.id.as_str());
    assert_eq!(access["scope"], "openid profile");
    // The session the user approved in stands behind the tokens.
    let sid = access["sid"].as_str().expect("a sid").to_string();
    let id_token = claims_of(&field(&tokens, "id_token"));
    assert_eq!(id_token["sid"], sid.as_str());
    assert_eq!(id_token["aud"], client.id.as_str());
    assert!(tokens.body["refresh_token"].is_string());

    app.clock.advance(Duration::from_secs(15));
    let again = poll(&app, &client, &device_code).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.error(), "invalid_grant", "{}", again.body);
}

#[tokio::test]
async fn two_polls_sent_at_once_do_not_both_pass_the_interval() {
    let app = spawn_app_with_clock(TestDb::new(), |_| {}).await;
    let client = tv_app(&app);
    let device_code = field(&start(&app, &client, &[]).await, "device_code");
    let (a, b) = tokio::join!(
        poll(&app, &client, &device_code),
        poll(&app, &client, &device_code)
    );
    let mut errors = [a.error().to_string(), b.error().to_string()];
    errors.sort();
    assert_eq!(errors, ["authorization_pending", "slow_down"]);
}

#[tokio::test]
async fn a_denied_request_is_access_denied_rfc_8628_section_3_5() {
    let app = spawn_app_with_clock(TestDb::new(), |_| {}).await;
    app.create_user("alice", PASSWORD);
    let client = tv_app(&app);
    let started = start(&app, &client, &[]).await;
    let done = decide_as_alice(&app, &field(&started, "user_code"), "deny").await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("return to your device"));
    let answer = poll(&app, &client, &field(&started, "device_code")).await;
    assert_eq!(answer.error(), "access_denied", "{}", answer.body);
}

#[tokio::test]
async fn an_expired_device_code_is_expired_token_and_its_user_code_no_longer_works() {
    let app = spawn_app_with_clock(TestDb::new(), |_| {}).await;
    app.create_user("alice", PASSWORD);
    let client = tv_app(&app);
    let started = start(&app, &client, &[]).await;
    app.clock.advance(Duration::from_secs(601));
    let answer = poll(&app, &client, &field(&started, "device_code")).await;
    assert_eq!(answer.error(), "expired_token", "{}", answer.body);

    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/device").await;
    let form = agent.get("/device").await;
    let page = agent
        .post(
            "/device",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("user_code", &field(&started, "user_code")),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("not valid, or it has expired"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_device_code_of_another_client_is_invalid_grant() {
    let app = spawn_app().await;
    let (tv, other) = (tv_app(&app), tv_app(&app));
    let device_code = field(&start(&app, &tv, &[]).await, "device_code");
    assert_eq!(poll(&app, &other, &device_code).await.error(), "invalid_grant");
    assert_eq!(poll(&app, &tv, "made-up").await.error(), "invalid_grant");
}

#[tokio::test]
async fn a_wrong_user_code_gets_a_clear_page_and_lowercase_without_dash_is_accepted() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = tv_app(&app);
    let user_code = field(&start(&app, &client, &[]).await, "user_code");
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/device").await;
    let form = agent.get("/device").await;
    let csrf = form.hidden("csrf_token");
    let wrong = agent
        .post("/device", &[("csrf_token", &csrf), ("user_code", "BBBB-BBBB")])
        .await;
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.body.contains("not valid, or it has expired"),
        "{}",
        wrong.body
    );
    // §6.1: what people type is normalised.
    let typed = user_code.replace('-', "").to_lowercase();
    let consent = agent
        .post("/device", &[("csrf_token", &csrf), ("user_code", &typed)])
        .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("Living-room TV"));
    assert!(consent.body.contains(&user_code));
}

#[tokio::test]
async fn guessing_user_codes_is_throttled_per_address() {
    let app = spawn_app_on(TestDb::new(), |s| s.login_max_failures = 2).await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/device").await;
    let csrf = agent.get("/device").await.hidden("csrf_token");
    // 4 × login_max_failures lookups per window.
    for _ in 0..8 {
        let page = agent
            .post("/device", &[("csrf_token", &csrf), ("user_code", "BBBB-BBBB")])
            .await;
        assert_eq!(page.status, 400, "{}", page.body);
    }
    let page = agent
        .post("/device", &[("csrf_token", &csrf), ("user_code", "BBBB-BBBB")])
        .await;
    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.headers.get("retry-after").is_some());
    // The decision form is no way round it.
    let page = agent
        .post(
            "/device/decision",
            &[
                ("csrf_token", &csrf),
                ("user_code", "BBBB-BBBB"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(page.status, 429, "{}", page.body);
}

#[tokio::test]
async fn a_signed_out_user_is_sent_to_sign_in_and_back_with_the_code() {
    let app = spawn_app().await;
    let agent = Agent::new(&app);
    let page = agent.get("/device?user_code=BCDF-GHJK").await;
    assert_eq!(page.status, 303);
    let location = url::Url::parse(&app.url("/"))
        .unwrap()
        .join(page.location.as_deref().unwrap())
        .unwrap();
    assert_eq!(location.path(), "/login");
    let back = location.query_pairs().find(|(k, _)| k == "return_to").unwrap().1;
    assert_eq!(back, "/device?user_code=BCDF-GHJK");
}

#[tokio::test]
async fn the_decision_needs_the_sessions_csrf_token() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = tv_app(&app);
    let user_code = field(&start(&app, &client, &[]).await, "user_code");
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/device").await;
    let page = agent
        .post(
            "/device/decision",
            &[
                ("csrf_token", "forged"),
                ("user_code", &user_code),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn a_logout_between_approval_and_redemption_stands() {
    let app = spawn_app().await;
    app.create_user("alice", PASSWORD);
    let client = tv_app(&app);
    let started = start(&app, &client, &[]).await;
    let agent = Agent::new(&app);
    agent.sign_in("alice", PASSWORD, "/device").await;
    decide(&agent, &field(&started, "user_code"), "approve").await;
    let account = agent.get("/account").await;
    let logout = agent
        .post("/logout", &[("csrf_token", &account.hidden("csrf_token"))])
        .await;
    assert!(logout.status < 400, "{}", logout.body);
    let answer = poll(&app, &client, &field(&started, "device_code")).await;
    assert_eq!(answer.error(), "invalid_grant", "{}", answer.body);
}

#[tokio::test]
async fn the_metadata_names_the_device_authorization_endpoint_and_grant() {
    let app = spawn_app().await;
    let (status, metadata) = app.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(status, 200);
    assert_eq!(
        metadata["device_authorization_endpoint"],
        app.url("/oauth2/device_authorization").as_str()
    );
    assert!(metadata["grant_types_supported"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g == DEVICE_GRANT));
}

#[tokio::test]
async fn the_oauth2_crate_completes_the_device_flow() {
    use oauth2::basic::BasicClient;
    use oauth2::{
        ClientId, DeviceAuthorizationUrl, Scope, StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl,
    };
    let app = spawn_app_on(TestDb::new(), |s| s.device_poll_interval = 1).await;
    app.create_user("alice", PASSWORD);
    let client = tv_app(&app);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let oauth = BasicClient::new(ClientId::new(client.id.clone()))
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(app.url("/oauth2/device_authorization")).unwrap(),
        );
    let details: StandardDeviceAuthorizationResponse = oauth
        .exchange_device_code()
        .add_scope(Scope::new("profile".into()))
        .request_async(&http)
        .await
        .unwrap();
    let user_code = details.user_code().secret().clone();
    let approve = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        decide_as_alice(&app, &user_code, "approve").await
    };
    let tokens = oauth.exchange_device_access_token(&details).request_async(
        &http,
        tokio::time::sleep,
        Some(Duration::from_secs(30)),
    );
    let (page, tokens) = tokio::join!(approve, tokens);
    assert_eq!(page.status, 200, "{}", page.body);
    let tokens = tokens.unwrap();
    assert_eq!(claims_of(tokens.access_token().secret())["scope"], "profile");
    assert!(tokens.refresh_token().is_some());
}

#[tokio::test]
async fn dynamic_registration_accepts_the_device_grant() {
    let app = spawn_app_on(TestDb::new(), |s| s.open_registration = true).await;
    let response = reqwest::Client::new()
        .post(app.url("/oauth2/register"))
        .json(&serde_json::json!({
            "client_name": "CLI tool",
            "grant_types": [DEVICE_GRANT, "refresh_token"],
            "token_endpoint_auth_method": "none",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    let client = TestClient {
        id: body["client_id"].as_str().unwrap().to_string(),
        secret: None,
    };
    let answer = start(&app, &client, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn the_portal_offers_the_device_grant_to_public_apps() {
    let app = spawn_app().await;
    let agent = Agent::developer(&app, "dev").await;
    let form = agent.get("/portal/apps/new").await;
    assert!(form.body.contains("id=\"grant-device-code\""), "{}", form.body);
    let checkbox = format!("grant_{DEVICE_GRANT}");
    let page = agent
        .post(
            "/portal/apps",
            &[
                ("csrf_token", &form.hidden("csrf_token")),
                ("name", "Terminal"),
                ("client_type", "public"),
                (&checkbox, "on"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = agent.follow(&page).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let marker = "id=\"client-id\"";
    let rest = &page.body[page.body.find(marker).expect("a client id")..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find('<').unwrap();
    let client = TestClient {
        id: rest[open..open + close].to_string(),
        secret: None,
    };
    let answer = start(&app, &client, &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

/// §3.3 in a real browser: the user opens `verification_uri_complete`,
/// signs in, lands back on the code form with the code filled in, sees
/// the application and allows it; the device then gets its tokens.
#[tokio::test]
async fn in_chromium_a_person_enters_the_code_and_allows_the_device() {
    use crate::in_chromium::{click, sign_in_on_page, start_driver, wait_for_url};
    use fantoccini::Locator;
    let Some((_driver, browser)) = start_driver().await else {
        return;
    };
    let app = spawn_app_with_clock(TestDb::new(), |_| {}).await;
    app.create_user("alice", PASSWORD);
    let client = tv_app(&app);
    let started = start(&app, &client, &[("scope", "openid profile")]).await;
    browser
        .goto(&field(&started, "verification_uri_complete"))
        .await
        .unwrap();
    wait_for_url(&browser, &app.url("/login")).await;
    sign_in_on_page(&browser).await;
    wait_for_url(&browser, &app.url("/device")).await;
    let typed = browser
        .find(Locator::Id("user_code"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(typed, field(&started, "user_code"));
    click(&browser, "continue").await;
    // The click navigates: an `h1` found on the old page may be gone by the
    // time its text is read, so a failed read is one more turn.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let heading = loop {
        let h = match browser.find(Locator::Css("h1")).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if h.contains("Living-room TV") {
            break h;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no consent page; last heading {h:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(heading.contains("device"), "{heading}");
    click(&browser, "approve").await;
    wait_for_url(&browser, &app.url("/device/decision")).await;
    let done = browser
        .find(Locator::Id("device-done"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(done, "Device connected");
    let tokens = poll(&app, &client, &field(&started, "device_code")).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    assert!(tokens.body["id_token"].is_string());
    browser.close().await.unwrap();
}
