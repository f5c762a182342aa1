//! RP-Initiated Logout 1.0 at the end-session endpoint `/oauth2/logout`:
//! the hint and the client are checked, a signed-in user confirms, the
//! session ends like any logout, and only a registered post-logout
//! redirect URI is ever redirected to.

use crate::browser::{urlencode, Agent, REDIRECT};
use crate::helpers::{claims_of, spawn_app, TestApp, TestClient};
use crate::logout_support::{id_token, sid_of, signed_in, tokens};

const SIGNED_OUT: &str = "https://app.example/signed-out";

fn relying_party(app: &TestApp) -> TestClient {
    app.create_client(&[
        "--redirect-uri",
        REDIRECT,
        "--scope",
        "profile",
        "--post-logout-redirect-uri",
        SIGNED_OUT,
    ])
}

fn end_session(params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    format!("/oauth2/logout?{}", query.join("&"))
}

#[tokio::test]
async fn a_valid_hint_asks_then_ends_the_session_and_returns_with_state() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let issued = tokens(&app, &agent, &client).await;
    let access = issued.body["access_token"].as_str().unwrap();
    let refresh = issued.body["refresh_token"].as_str().unwrap();
    let sub = claims_of(access)["sub"].as_str().unwrap().to_string();
    let hint = id_token(&app, &client.id, &sub, Some(&sid_of(&issued)));

    let confirm = agent
        .get(&end_session(&[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", SIGNED_OUT),
            ("state", "bye"),
            ("logout_hint", "alice"),
            ("ui_locales", "en"),
        ]))
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(confirm.body.contains("Test app"), "the page names the app");
    assert!(!confirm.body.contains("other-account"));
    assert_eq!(
        app.introspect(access, &client).await["active"],
        true,
        "asking ends nothing"
    );

    let done = agent
        .post(
            "/oauth2/logout",
            &[
                ("csrf_token", &confirm.hidden("csrf_token")),
                ("client_id", &confirm.hidden("client_id")),
                (
                    "post_logout_redirect_uri",
                    &confirm.hidden("post_logout_redirect_uri"),
                ),
                ("state", &confirm.hidden("state")),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{SIGNED_OUT}?state=bye").as_str())
    );
    assert_eq!(app.introspect(access, &client).await["active"], false);
    let refreshed = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            Some(&client),
        )
        .await;
    assert_eq!(refreshed.error(), "invalid_grant");
    assert_eq!(agent.get("/account").await.status, 303, "signed out");
}

#[tokio::test]
async fn an_unregistered_post_logout_uri_is_refused_and_never_redirected_to() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    // A redirect URI is not a post-logout redirect URI.
    for uri in [
        "https://evil.example/",
        REDIRECT,
        "https://app.example/signed-out/",
    ] {
        let page = agent
            .get(&end_session(&[
                ("client_id", &client.id),
                ("post_logout_redirect_uri", uri),
            ]))
            .await;
        assert_eq!(page.status, 400, "{uri}");
        assert!(page.location.is_none());
        assert!(page.body.contains("not registered"));
    }
    assert_eq!(agent.get("/account").await.status, 200, "still signed in");
}

#[tokio::test]
async fn a_hint_issued_to_another_client_than_client_id_is_refused() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let other = app.create_named_client("Other", &["--redirect-uri", REDIRECT]);
    let user_id = app.create_user("bob", crate::browser::PASSWORD);
    let hint = id_token(&app, &other.id, &user_id, None);
    let page = Agent::new(&app)
        .get(&end_session(&[
            ("id_token_hint", &hint),
            ("client_id", &client.id),
        ]))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.location.is_none());
}

#[tokio::test]
async fn a_hint_this_server_did_not_sign_is_refused() {
    let app = spawn_app().await;
    let forged = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJ4Iiwic3ViIjoieCIsImF1ZCI6IngifQ.";
    let page = Agent::new(&app)
        .get(&end_session(&[("id_token_hint", forged)]))
        .await;
    assert_eq!(page.status, 400);
}

#[tokio::test]
async fn without_a_session_the_signed_out_page_links_back() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let page = Agent::new(&app)
        .get(&end_session(&[
            ("client_id", &client.id),
            ("post_logout_redirect_uri", SIGNED_OUT),
            ("state", "bye"),
        ]))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.location.is_none(), "nobody was signed out: no redirect");
    assert!(page.body.contains("You are signed out"));
    assert!(page.body.contains("signed-out?state=bye"));
    let plain = Agent::new(&app).get("/oauth2/logout").await;
    assert_eq!(plain.status, 200);
    assert!(plain.body.contains("You are signed out"));
}

#[tokio::test]
async fn a_hint_for_another_account_asks_and_warns_instead_of_ending_the_session() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let bob = app.create_user("bob", crate::browser::PASSWORD);
    let hint = id_token(&app, &client.id, &bob, None);
    let page = agent.get(&end_session(&[("id_token_hint", &hint)])).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("id=\"other-account\""));
    assert_eq!(agent.get("/account").await.status, 200, "still signed in");
}

#[tokio::test]
async fn a_relying_party_may_post_its_request_and_get_the_confirmation() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    // A cross-site POST carries no SameSite=Lax cookie: the request is
    // turned into a top-level GET, which does.
    let posted = agent
        .post(
            "/oauth2/logout",
            &[
                ("client_id", client.id.as_str()),
                ("post_logout_redirect_uri", SIGNED_OUT),
                ("state", "s 1"),
            ],
        )
        .await;
    assert_eq!(posted.status, 303);
    let location = posted.location.clone().unwrap();
    assert!(location.starts_with("/oauth2/logout?"), "{location}");
    let page = agent.follow(&posted).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.hidden("state"), "s 1");
    assert!(page.body.contains("Sign out of Tollgate?"));
    assert_eq!(agent.get("/account").await.status, 200, "nothing ended yet");
}

#[tokio::test]
async fn get_logout_with_relying_party_parameters_is_the_end_session_endpoint() {
    let app = spawn_app().await;
    let client = relying_party(&app);
    let agent = signed_in(&app, "alice").await;
    let page = agent
        .get(&format!(
            "/logout?client_id={}&post_logout_redirect_uri={}",
            client.id,
            urlencode(SIGNED_OUT)
        ))
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(page.hidden("post_logout_redirect_uri"), SIGNED_OUT);
}

#[tokio::test]
async fn an_unverified_app_without_a_hint_gets_a_link_back_not_a_redirect() {
    let app =
        crate::helpers::spawn_app_on(crate::helpers::TestDb::new(), |s| s.open_registration = true).await;
    let registered = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&serde_json::json!({
            "client_name": "Totally Legit",
            "redirect_uris": [REDIRECT],
            "post_logout_redirect_uris": ["https://legit.example/phish"],
            "token_endpoint_auth_method": "none",
        }))
        .send()
        .await
        .unwrap();
    let registered = crate::helpers::answer(registered).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let client_id = registered.body["client_id"].as_str().unwrap();
    let agent = signed_in(&app, "alice").await;
    let confirm = agent
        .get(&end_session(&[
            ("client_id", client_id),
            ("post_logout_redirect_uri", "https://legit.example/phish"),
        ]))
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    let done = agent
        .post(
            "/oauth2/logout",
            &[
                ("csrf_token", &confirm.hidden("csrf_token")),
                ("client_id", client_id),
                ("post_logout_redirect_uri", "https://legit.example/phish"),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "signed out, and not sent anywhere");
    assert!(
        done.body.contains("https://legit.example/phish"),
        "a plain link back"
    );
    assert_eq!(agent.get("/account").await.status, 303, "the session ended");
}

#[tokio::test]
async fn a_hint_kept_past_its_expiry_still_names_the_session_and_allows_the_redirect() {
    let app =
        crate::helpers::spawn_app_on(crate::helpers::TestDb::new(), |s| s.open_registration = true).await;
    // Self-registered, so unverified: only the hint allows the redirect.
    let registered = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&serde_json::json!({
            "client_name": "Notes",
            "redirect_uris": [REDIRECT],
            "post_logout_redirect_uris": [SIGNED_OUT],
            "token_endpoint_auth_method": "none",
        }))
        .send()
        .await
        .unwrap();
    let registered = crate::helpers::answer(registered).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let client_id = registered.body["client_id"].as_str().unwrap();
    let agent = signed_in(&app, "alice").await;
    let alice = app
        .database()
        .run_sync(|conn| tollgate::storage::users::by_username(conn, "alice"))
        .unwrap()
        .unwrap()
        .id;
    // Issued two hours ago: long expired, as an app's id token usually is
    // by the time its user signs out.
    let issued = tollgate::domain::Clock::system().now() - 7200;
    let hint = crate::logout_support::id_token_issued_at(&app, client_id, &alice, None, issued);
    let confirm = agent
        .get(&end_session(&[
            ("id_token_hint", &hint),
            ("post_logout_redirect_uri", SIGNED_OUT),
            ("state", "bye"),
        ]))
        .await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        !confirm.body.contains("other-account"),
        "the hint names this user"
    );
    let done = agent
        .post(
            "/oauth2/logout",
            &[
                ("csrf_token", &confirm.hidden("csrf_token")),
                ("id_token_hint", &confirm.hidden("id_token_hint")),
                ("client_id", &confirm.hidden("client_id")),
                (
                    "post_logout_redirect_uri",
                    &confirm.hidden("post_logout_redirect_uri"),
                ),
                ("state", &confirm.hidden("state")),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{SIGNED_OUT}?state=bye").as_str())
    );
}
