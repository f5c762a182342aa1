//! Sign-in throttling and the password hashing queue: a guesser cannot
//! lock the owner out, one account cannot lock its client, floods are
//! answered at once, and concurrent attempts never make a 500.

use crate::browser::Agent;
use crate::helpers::{answer, spawn_app_on, Answer, TestApp, TestClient, TestDb};
use std::net::IpAddr;

const PASSWORD: &str = "correct horse battery";

/// An HTTP client whose requests come from `ip` (any 127/8 address is local).
fn http_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn password_grant(
    app: &TestApp,
    http: &reqwest::Client,
    client: &TestClient,
    user: &str,
    password: &str,
) -> Answer {
    let form = [
        ("grant_type", "password"),
        ("username", user),
        ("password", password),
    ];
    let request = http
        .post(app.url("/oauth2/token"))
        .form(&form)
        .basic_auth(&client.id, client.secret.as_deref());
    answer(request.send().await.expect("request sent")).await
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_at_another_address() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 3;
        s.login_lockout = 60;
        s.login_max_delay = 1;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let client = app.first_party_client();
    let guesser = http_from("127.0.0.2");
    for _ in 0..3 {
        let a = password_grant(&app, &guesser, &client, "alice", "wrong-password").await;
        assert_eq!(a.error(), "invalid_grant");
    }
    let locked = password_grant(&app, &guesser, &client, "alice", PASSWORD).await;
    assert_eq!(
        locked.status, 429,
        "the guesser's address is locked: {}",
        locked.body
    );

    let owner = http_from("127.0.0.3");
    let signed_in = password_grant(&app, &owner, &client, "alice", PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
}

#[tokio::test]
async fn a_guesser_cannot_lock_the_owner_out_of_the_login_page() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 2;
        s.login_lockout = 60;
        s.login_max_delay = 1;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let guesser = Agent {
        app: &app,
        http: http_from("127.0.0.2"),
    };
    for _ in 0..2 {
        assert_eq!(
            guesser
                .sign_in("alice", "wrong-password", "/account")
                .await
                .status,
            401
        );
    }
    assert_eq!(guesser.sign_in("alice", PASSWORD, "/account").await.status, 429);

    let owner = Agent {
        app: &app,
        http: http_from("127.0.0.3"),
    };
    assert_eq!(owner.sign_in("alice", PASSWORD, "/account").await.status, 303);
}

#[tokio::test]
async fn a_locked_account_does_not_lock_its_client_for_other_users() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 1;
        s.login_lockout = 60;
    })
    .await;
    app.create_user("alice", PASSWORD);
    app.create_user("bob", PASSWORD);
    let client = app.first_party_client();
    let http = reqwest::Client::new();
    // One failure locks alice at this address; the refused attempts after
    // it must not count against the client (its limit is 10).
    for _ in 0..15 {
        let a = password_grant(&app, &http, &client, "alice", "wrong-password").await;
        assert!(a.status == 400 || a.status == 429, "{}", a.body);
    }
    let bob = password_grant(&app, &http, &client, "bob", PASSWORD).await;
    assert_eq!(bob.status, 200, "{}", bob.body);
}

#[tokio::test]
async fn successful_sign_ins_do_not_refund_an_addresses_budget() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 1;
        s.login_lockout = 60;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    // An address may try ten times per window (10 × login_max_failures).
    for i in 0..10 {
        assert_eq!(
            agent.sign_in("alice", PASSWORD, "/account").await.status,
            303,
            "sign-in {i}"
        );
    }
    let flooded = agent.sign_in("alice", PASSWORD, "/account").await;
    assert_eq!(flooded.status, 429);
    assert!(flooded.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn concurrent_password_grants_for_one_user_never_answer_500() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 1000;
        s.password_hash_concurrency = 4;
        s.password_queue_length = 64;
        s.password_queue_wait = 10;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let client = app.first_party_client();
    let attempts = (0..48).map(|i| {
        let (app, client) = (&app, client.clone());
        async move {
            let http = http_from(&format!("127.0.1.{}", i % 12 + 1));
            let password = if i % 3 == 0 { "wrong-password" } else { PASSWORD };
            password_grant(app, &http, &client, "alice", password)
                .await
                .status
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert!(
        statuses.iter().all(|s| matches!(s, 200 | 400 | 429 | 503)),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200), "{statuses:?}");
}

#[tokio::test]
async fn a_full_password_queue_answers_the_token_endpoint_503_with_retry_after() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 100;
        s.password_hash_concurrency = 1;
        s.password_queue_length = 1;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let client = app.first_party_client();
    let attempts = (0..12).map(|_| {
        let (app, client) = (&app, client.clone());
        async move { password_grant(app, &reqwest::Client::new(), &client, "alice", PASSWORD).await }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    let busy = answers
        .iter()
        .find(|a| a.status == 503)
        .expect("some were turned away");
    assert_eq!(busy.error(), "temporarily_unavailable");
    assert!(busy.header("retry-after").is_some());
}

#[tokio::test]
async fn a_full_password_queue_shows_the_login_form_a_page_that_says_to_wait() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 100;
        s.password_hash_concurrency = 1;
        s.password_queue_length = 1;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let attempts = (0..12).map(|_| {
        let app = &app;
        async move { Agent::new(app).sign_in("alice", PASSWORD, "/account").await }
    });
    let pages = futures_util::future::join_all(attempts).await;
    assert!(pages.iter().all(|p| p.status == 303 || p.status == 503));
    let busy = pages
        .iter()
        .find(|p| p.status == 503)
        .expect("some were turned away");
    assert!(busy.body.contains("try again"), "{}", busy.body);
    assert!(busy.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn an_operator_can_unlock_an_account() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 1;
        s.login_lockout = 300;
    })
    .await;
    app.create_user("alice", PASSWORD);
    let client = app.first_party_client();
    let http = reqwest::Client::new();
    password_grant(&app, &http, &client, "alice", "wrong-password").await;
    let locked = password_grant(&app, &http, &client, "alice", PASSWORD).await;
    assert_eq!(locked.status, 429);

    let out = app.cli(&["user", "unlock", "--username", "alice"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let signed_in = password_grant(&app, &http, &client, "alice", PASSWORD).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
}

#[tokio::test]
async fn an_administrator_sees_users_and_lockouts_and_can_lift_one() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 1;
        s.login_lockout = 300;
    })
    .await;
    app.create_admin("root", PASSWORD);
    app.create_user("alice", PASSWORD);
    let client = app.first_party_client();
    let guesser = http_from("127.0.0.2");
    password_grant(&app, &guesser, &client, "alice", "wrong-password").await;
    assert_eq!(
        password_grant(&app, &guesser, &client, "alice", PASSWORD)
            .await
            .status,
        429
    );

    let admin = Agent::new(&app);
    assert_eq!(admin.sign_in("root", PASSWORD, "/portal").await.status, 303);
    assert!(admin.get("/portal").await.body.contains("/admin/users"));
    let page = admin.get("/admin/users").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("alice") && page.body.contains("127.0.0.2"),
        "{}",
        page.body
    );

    let csrf = page.hidden("csrf_token");
    let unlocked = admin
        .post(
            "/admin/users/unlock",
            &[("csrf_token", &csrf), ("username", "alice")],
        )
        .await;
    assert_eq!(unlocked.status, 303);
    assert!(admin.get("/admin/users").await.body.contains("no-lockouts"));
    assert_eq!(
        password_grant(&app, &guesser, &client, "alice", PASSWORD)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_user_page_is_not_found_for_anyone_but_an_administrator() {
    let app = spawn_app_on(TestDb::new(), |_| {}).await;
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(&app);
    assert_eq!(agent.sign_in("alice", PASSWORD, "/portal").await.status, 303);
    assert_eq!(agent.get("/admin/users").await.status, 404);
}
