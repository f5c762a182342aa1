//! Back-Channel Logout 1.0: when a session ends, every client that took
//! part in it and registered a `backchannel_logout_uri` is sent a signed
//! logout token, at least once, by a background task.

use crate::browser::REDIRECT;
use crate::helpers::{spawn_app_on, spawn_serve, test_settings, TestApp, TestClient};
use crate::logout_support::{
    deliveries, log_out, reserved_port, sid_of, signed_in, spawn_logout_app, tokens, verified_logout_token,
    Listener,
};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

fn client_with_backchannel(app: &TestApp, name: &str, uri: &str) -> TestClient {
    app.create_named_client(
        name,
        &[
            "--redirect-uri",
            REDIRECT,
            "--scope",
            "profile",
            "--backchannel-logout-uri",
            uri,
            "--backchannel-logout-session-required",
        ],
    )
}

#[tokio::test]
async fn a_logout_posts_a_signed_logout_token_to_the_client() {
    let app = spawn_logout_app().await;
    let mut listener = Listener::start().await;
    let client = client_with_backchannel(&app, "Notes", &listener.uri("/bc?tenant=1"));
    let agent = signed_in(&app, "alice").await;
    let issued = tokens(&app, &agent, &client).await;
    let sid = sid_of(&issued);
    let user_id = crate::helpers::claims_of(issued.body["access_token"].as_str().unwrap())["sub"]
        .as_str()
        .unwrap()
        .to_string();

    let started = std::time::Instant::now();
    log_out(&agent).await;
    let (path, token) = listener.next(WAIT).await.expect("a logout token arrives");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "sent at once, not at the next poll: {:?}",
        started.elapsed()
    );
    assert_eq!(path, "/bc?tenant=1", "the registered query is kept");

    let (header, claims) = verified_logout_token(&app, &token, &client.id).await;
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    assert_eq!(claims["iss"], app.address.as_str());
    assert_eq!(claims["aud"], client.id.as_str());
    assert_eq!(
        claims["sid"],
        sid.as_str(),
        "the session the tokens were issued in"
    );
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(
        claims["events"],
        serde_json::json!({ "http://schemas.openid.net/event/backchannel-logout": {} })
    );
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    assert!((iat - tollgate::domain::Clock::system().now()).abs() <= 5);
    assert_eq!(exp - iat, 120);
    assert!(
        claims.get("nonce").is_none(),
        "a logout token never carries a nonce"
    );

    // A real wait: the deliverer records the answer in the background.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        deliveries(&app, &client.id),
        vec![(1, true)],
        "recorded as delivered"
    );
}

#[tokio::test]
async fn a_notice_is_retried_until_the_client_answers() {
    let app = spawn_logout_app().await;
    let port = reserved_port();
    let client = client_with_backchannel(&app, "Notes", &format!("http://127.0.0.1:{port}/bc"));
    let agent = signed_in(&app, "alice").await;
    let sid = sid_of(&tokens(&app, &agent, &client).await);

    log_out(&agent).await;
    // A real wait: the first attempt, made in the background, finds nobody
    // listening.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut listener = Listener::on(port).await;
    let (_, token) = listener
        .next(WAIT)
        .await
        .expect("delivered once the client listens");
    let (_, claims) = verified_logout_token(&app, &token, &client.id).await;
    assert_eq!(claims["sid"], sid.as_str());
    // A real wait: the deliverer records the answer in the background.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let recorded = deliveries(&app, &client.id);
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].0 >= 2 && recorded[0].1, "{recorded:?}");
}

#[tokio::test]
async fn a_notice_owed_by_a_killed_server_is_sent_by_the_next_one() {
    let db = crate::helpers::TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let port = reserved_port();
    let server = spawn_serve(
        dir.path(),
        &[
            ("TOLLGATE_DATABASE_URL", db.url.as_str()),
            ("TOLLGATE_BACKCHANNEL_LOGOUT_PRIVATE_ADDRESSES", "true"),
        ],
    );
    let first = TestApp {
        address: format!("http://127.0.0.1:{}", server.port),
        settings: test_settings(&db.url),
        http: reqwest::Client::new(),
        db,
        clock: tollgate::domain::Clock::system(),
    };
    let client = client_with_backchannel(&first, "Notes", &format!("http://127.0.0.1:{port}/bc"));
    let agent = signed_in(&first, "alice").await;
    let sid = sid_of(&tokens(&first, &agent, &client).await);
    log_out(&agent).await;
    // The first attempt failed (nobody listens yet); then the server dies
    // without a chance to do anything more.
    let deadline = std::time::Instant::now() + WAIT;
    while deliveries(&first, &client.id).first().is_none_or(|d| d.0 < 1) {
        assert!(std::time::Instant::now() < deadline, "the first attempt was made");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server); // SIGKILL
    drop(agent);
    let TestApp { db, .. } = first;

    let mut listener = Listener::on(port).await;
    let second = spawn_app_on(db, |s| s.backchannel_logout_private_addresses = true).await;
    let (_, token) = listener.next(WAIT).await.expect("the next server delivers it");
    let (_, claims) = verified_logout_token(&second, &token, &client.id).await;
    assert_eq!(claims["sid"], sid.as_str());
}

#[tokio::test]
async fn a_client_without_a_backchannel_uri_is_not_notified() {
    let app = spawn_logout_app().await;
    let mut listener = Listener::start().await;
    let told = client_with_backchannel(&app, "Told", &listener.uri("/told"));
    let silent = app.create_named_client("Silent", &["--redirect-uri", REDIRECT, "--scope", "profile"]);
    let agent = signed_in(&app, "alice").await;
    tokens(&app, &agent, &told).await;
    tokens(&app, &agent, &silent).await;

    log_out(&agent).await;
    let (path, _) = listener.next(WAIT).await.expect("the client with a URI is told");
    assert_eq!(path, "/told");
    assert!(listener.next(Duration::from_millis(1500)).await.is_none());
    assert!(deliveries(&app, &silent.id).is_empty(), "nothing owed to it");
}

#[tokio::test]
async fn suspending_a_user_notifies_the_clients_of_their_sessions() {
    let app = spawn_logout_app().await;
    let mut listener = Listener::start().await;
    let client = client_with_backchannel(&app, "Notes", &listener.uri("/bc"));
    let agent = signed_in(&app, "alice").await;
    let sid = sid_of(&tokens(&app, &agent, &client).await);

    let out = app.cli(&["user", "suspend", "--username", "alice"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_, token) = listener
        .next(WAIT)
        .await
        .expect("the server finds the notice the command wrote");
    let (_, claims) = verified_logout_token(&app, &token, &client.id).await;
    assert_eq!(claims["sid"], sid.as_str());
}

#[tokio::test]
async fn withdrawing_consent_notifies_that_client_only() {
    let app = spawn_logout_app().await;
    let mut listener = Listener::start().await;
    let notes = client_with_backchannel(&app, "Notes", &listener.uri("/notes"));
    let photos = client_with_backchannel(&app, "Photos", &listener.uri("/photos"));
    let agent = signed_in(&app, "alice").await;
    tokens(&app, &agent, &notes).await;
    tokens(&app, &agent, &photos).await;

    let account = agent.get("/account").await;
    let done = agent
        .post(
            "/account/consents/withdraw",
            &[
                ("csrf_token", &account.hidden("csrf_token")),
                ("client_id", &notes.id),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    let (path, token) = listener.next(WAIT).await.expect("the withdrawn client is told");
    assert_eq!(path, "/notes");
    verified_logout_token(&app, &token, &notes.id).await;
    assert!(
        listener.next(Duration::from_millis(1500)).await.is_none(),
        "the other client is not"
    );
    assert_eq!(
        agent.get("/account").await.status,
        200,
        "the user stays signed in"
    );
}

#[tokio::test]
async fn a_lapsed_session_is_announced_once_by_the_sweep() {
    let app = spawn_logout_app().await;
    let mut listener = Listener::start().await;
    let client = client_with_backchannel(&app, "Notes", &listener.uri("/bc"));
    let agent = signed_in(&app, "alice").await;
    let issued = tokens(&app, &agent, &client).await;
    let sid = sid_of(&issued);
    let user_id = crate::helpers::claims_of(issued.body["access_token"].as_str().unwrap())["sub"]
        .as_str()
        .unwrap()
        .to_string();
    // The session lapses (its end moved into the past), without a logout.
    let now = tollgate::domain::Clock::system().now();
    let lapsed = app
        .database()
        .run_sync(|conn| {
            let renewal = tollgate::storage::sessions::Renewal {
                id_hash: "lapsed",
                csrf_secret: "lapsed",
                authenticated_at: now - 100,
                expires_at: now - 1,
            };
            tollgate::storage::sessions::renew(conn, &sid, &user_id, &renewal)
        })
        .unwrap();
    assert!(lapsed);

    for _ in 0..2 {
        let out = app.cli(&["purge"], None);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    let (_, token) = listener
        .next(WAIT)
        .await
        .expect("the lapsed session is announced");
    let (_, claims) = verified_logout_token(&app, &token, &client.id).await;
    assert_eq!(claims["sid"], sid.as_str());
    assert!(
        listener.next(Duration::from_millis(1500)).await.is_none(),
        "once, however many sweeps"
    );
}
