//! The resource-owner password grant: trusted clients only, throttled.

use crate::helpers::{claims_of, spawn_app, spawn_app_on, TestDb};
use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, ClientSecret, ResourceOwnerPassword, ResourceOwnerUsername, Scope, TokenResponse, TokenUrl,
};

#[tokio::test]
async fn a_trusted_client_signs_a_user_in_with_a_password() {
    let app = spawn_app().await;
    let user_id = app.create_user("alice", "correct horse battery");
    let client = app.first_party_client();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = BasicClient::new(ClientId::new(client.id.clone()))
        .set_client_secret(ClientSecret::new(client.secret.clone().unwrap()))
        .set_token_uri(TokenUrl::new(app.url("/oauth2/token")).unwrap())
        .exchange_password(
            &ResourceOwnerUsername::new("alice".into()),
            &ResourceOwnerPassword::new("correct horse battery".into()),
        )
        .add_scope(Scope::new("profile".into()))
        .request_async(&http)
        .await
        .unwrap();
    let claims = claims_of(token.access_token().secret());
    assert_eq!(claims["sub"], user_id.as_str());
    assert!(
        user_id.starts_with("user_"),
        "user ids cannot collide with client ids"
    );
    assert_eq!(claims["scope"], "profile");
    assert!(token.refresh_token().is_some());
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("alice", "correct horse battery");
    let client = app.first_party_client();
    let wrong_password = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "nope-nope"),
            ],
            Some(&client),
        )
        .await;
    let unknown_user = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "password"),
                ("username", "mallory"),
                ("password", "nope-nope"),
            ],
            Some(&client),
        )
        .await;
    assert_eq!(wrong_password.status, 400);
    assert_eq!(wrong_password.error(), "invalid_grant");
    assert_eq!(wrong_password.body, unknown_user.body);
    assert_eq!(wrong_password.status, unknown_user.status);
}

#[tokio::test]
async fn an_untrusted_client_cannot_use_the_password_grant() {
    let app = spawn_app().await;
    app.create_user("alice", "correct horse battery");
    let client = app.service_client();
    let answer = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "correct horse battery"),
            ],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "unauthorized_client");
}

#[tokio::test]
async fn a_missing_password_is_invalid_request() {
    let app = spawn_app().await;
    let client = app.first_party_client();
    let answer = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "password"), ("username", "alice")],
            Some(&client),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error(), "invalid_request");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_the_lockout_ends() {
    let app = crate::helpers::spawn_app_with_clock(TestDb::new(), |s| {
        s.login_max_failures = 3;
        s.login_lockout = 2;
    })
    .await;
    app.create_user("alice", "correct horse battery");
    let client = app.first_party_client();
    let attempt = |password: &'static str| {
        let app = &app;
        let client = client.clone();
        async move {
            app.post_form(
                "/oauth2/token",
                &[
                    ("grant_type", "password"),
                    ("username", "alice"),
                    ("password", password),
                ],
                Some(&client),
            )
            .await
        }
    };
    for _ in 0..3 {
        assert_eq!(attempt("wrong-password").await.error(), "invalid_grant");
    }
    let locked = attempt("correct horse battery").await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(locked.header("retry-after").is_some());
    app.clock.advance(std::time::Duration::from_secs(3));
    assert_eq!(
        attempt("correct horse battery").await.status,
        200,
        "the right password works once the lockout ends"
    );
}

#[tokio::test]
async fn a_suspended_user_is_refused_and_their_tokens_stop_working() {
    let app = spawn_app().await;
    app.create_user("alice", "correct horse battery");
    let client = app.first_party_client();
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "correct horse battery"),
    ];
    let signed_in = app.post_form("/oauth2/token", &form, Some(&client)).await;
    let access = signed_in.body["access_token"].as_str().unwrap().to_string();
    let refresh = signed_in.body["refresh_token"].as_str().unwrap().to_string();
    let observer = app.service_client();
    assert_eq!(app.introspect(&access, &observer).await["active"], true);

    assert_eq!(app.cli(&["user", "suspend", "--username", "alice"], None).code, 0);

    assert_eq!(
        app.post_form("/oauth2/token", &form, Some(&client)).await.error(),
        "invalid_grant"
    );
    let refreshed = app
        .post_form(
            "/oauth2/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
            Some(&client),
        )
        .await;
    assert_eq!(refreshed.error(), "invalid_grant");
    assert_eq!(app.introspect(&access, &observer).await["active"], false);

    assert_eq!(
        app.cli(&["user", "reinstate", "--username", "alice"], None).code,
        0
    );
    assert_eq!(
        app.post_form("/oauth2/token", &form, Some(&client)).await.status,
        200
    );
}

#[tokio::test]
async fn many_failures_through_one_client_throttle_that_client() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 1;
        s.login_lockout = 60;
    })
    .await;
    let client = app.first_party_client();
    // Ten accounts tried once each: no account is locked twice, but the client is.
    for i in 0..10 {
        let name = format!("user{i}");
        let a = app
            .post_form(
                "/oauth2/token",
                &[
                    ("grant_type", "password"),
                    ("username", &name),
                    ("password", "wrong-pass"),
                ],
                Some(&client),
            )
            .await;
        assert_eq!(a.status, 400, "attempt {i}");
    }
    let locked = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "password"),
                ("username", "fresh"),
                ("password", "wrong-pass"),
            ],
            Some(&client),
        )
        .await;
    assert_eq!(locked.status, 429);
}

#[tokio::test]
async fn attempts_sent_all_at_once_cannot_outrun_the_lockout() {
    let app = spawn_app_on(TestDb::new(), |s| {
        s.login_max_failures = 3;
        s.login_lockout = 60;
    })
    .await;
    app.create_user("alice", "correct horse battery");
    let client = app.first_party_client();
    let attempts = (0..12).map(|i| {
        let (app, client) = (&app, client.clone());
        async move {
            let password = format!("guess-number-{i}");
            let form = [
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", password.as_str()),
            ];
            app.post_form("/oauth2/token", &form, Some(&client)).await.status
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 400).count();
    assert!(
        checked <= 3,
        "only 3 passwords may be tried per window, {checked} were: {statuses:?}"
    );
    // 503: turned away at once by the hashing queue's per-address bound,
    // before anything was counted or checked.
    assert!(
        statuses.iter().all(|s| matches!(s, 400 | 429 | 503)),
        "{statuses:?}"
    );
}
