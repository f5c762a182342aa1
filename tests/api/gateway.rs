//! The gateway check (`/gateway/check`) asked directly, as nginx's
//! `auth_request` and Traefik's `ForwardAuth` ask it: the contract of its
//! answers, and how soon a revocation, a logout or a ban is enforced.
//! `gateway_nginx.rs` runs the same behind a real nginx.

use crate::helpers::{answer, claims_of, spawn_app, spawn_app_on, Answer, TestApp, TestDb, PG_URL_VAR};
use crate::logout_support::{log_out, signed_in, tokens};
use std::time::{Duration, Instant};

/// How soon a revocation must be enforced by the check (the README's bound).
pub const BOUND: Duration = Duration::from_millis(1500);

/// Asks the check at `base` with `query`, the bearer `token` and `headers`.
pub async fn check_at(base: &str, token: Option<&str>, query: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = reqwest::Client::new().get(format!("{base}/gateway/check?{query}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.send().await.expect("request sent")).await
}

async fn check(app: &TestApp, token: Option<&str>, query: &str) -> Answer {
    check_at(&app.address, token, query, &[]).await
}

/// How long until the check at `base` refuses `token` with 401; `None` if
/// not within [`BOUND`].
pub async fn time_until_refused(base: &str, token: &str) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < BOUND {
        if check_at(base, Some(token), "", &[]).await.status == 401 {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn without_a_token_the_check_answers_401_with_a_bare_bearer_challenge() {
    let app = spawn_app().await;
    let refused = check(&app, None, "").await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Bearer realm=\"tollgate\"")
    );
    assert!(refused.header("content-type").unwrap().starts_with("text/plain"));
    assert!(refused.header("location").is_none());
}

#[tokio::test]
async fn a_token_this_server_did_not_sign_is_refused_as_invalid_token() {
    let app = spawn_app().await;
    for token in ["not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."] {
        let refused = check(&app, Some(token), "").await;
        assert_eq!(refused.status, 401, "{token}");
        let challenge = refused.header("www-authenticate").unwrap();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    }
    let huge = "a".repeat(20_000);
    assert_eq!(check(&app, Some(&huge), "").await.status, 401);
}

#[tokio::test]
async fn a_live_token_passes_with_its_identity_and_an_internal_token_for_the_route_audience() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, Some("read write")).await;
    let audience = app.settings.issuer.clone();
    let passed = check(&app, Some(&token), &format!("audience={audience}&scope=read")).await;
    assert_eq!(passed.status, 200, "{}", passed.body);
    assert_eq!(passed.header("x-auth-subject"), Some(client.id.as_str()));
    assert_eq!(passed.header("x-auth-client-id"), Some(client.id.as_str()));
    assert_eq!(passed.header("x-auth-scope"), Some("read write"));
    assert!(passed.header("location").is_none());
    let internal = passed.header("x-auth-token").expect("an internal token");
    assert_ne!(internal, token, "services never see the outside token");
    let (outside, inside) = (claims_of(&token), claims_of(internal));
    assert_eq!(inside["aud"], audience);
    assert_eq!(inside["sub"], outside["sub"]);
    assert_eq!(inside["client_id"], outside["client_id"]);
    assert_eq!(inside["scope"], "read write");
    assert_ne!(inside["jti"], outside["jti"]);
    let lifetime = inside["exp"].as_i64().unwrap() - inside["iat"].as_i64().unwrap();
    assert!((1..=60).contains(&lifetime), "{lifetime}");
    assert!(inside["exp"].as_i64() <= outside["exp"].as_i64());
}

#[tokio::test]
async fn the_requests_own_x_auth_headers_are_never_echoed() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    let spoofed = [
        ("X-Auth-Subject", "admin"),
        ("X-Auth-Roles", "admin"),
        ("X-Auth-Session", "s"),
    ];
    let passed = check_at(&app.address, Some(&token), "", &spoofed).await;
    assert_eq!(passed.status, 200);
    assert_eq!(passed.header("x-auth-subject"), Some(client.id.as_str()));
    assert!(passed.header("x-auth-roles").is_none());
    assert!(passed.header("x-auth-session").is_none());
}

#[tokio::test]
async fn a_token_for_another_audience_scope_or_role_is_403_insufficient_scope() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, Some("read")).await;
    for query in [
        "audience=https://elsewhere.example",
        "scope=read+write",
        "role=admin&role=editor",
    ] {
        let refused = check(&app, Some(&token), query).await;
        assert_eq!(refused.status, 403, "{query}");
        let challenge = refused.header("www-authenticate").unwrap();
        assert!(challenge.contains("error=\"insufficient_scope\""), "{challenge}");
    }
    let refused = check(&app, Some(&token), "scope=read+write").await;
    assert!(refused
        .header("www-authenticate")
        .unwrap()
        .contains("scope=\"read write\""));
}

#[tokio::test]
async fn a_malformed_query_is_a_400_with_a_plain_line() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    let long = format!("audience={}", "a".repeat(5000));
    for query in ["audience=a&audience=b", "scopes=read", "role=a%00", long.as_str()] {
        let refused = check(&app, Some(&token), query).await;
        assert_eq!(refused.status, 400, "{query}");
        assert!(refused.header("content-type").unwrap().starts_with("text/plain"));
    }
}

#[tokio::test]
async fn traefiks_forwarded_method_and_uri_are_accepted_like_nginxs_original_ones() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    for headers in [
        [
            ("X-Forwarded-Method", "POST"),
            ("X-Forwarded-Uri", "/notes/1?x=y"),
        ],
        [("X-Original-Method", "POST"), ("X-Original-URI", "/notes/1?x=y")],
    ] {
        let passed = check_at(&app.address, Some(&token), "scope=read", &headers).await;
        assert_eq!(passed.status, 200);
        assert_eq!(passed.header("x-auth-client-id"), Some(client.id.as_str()));
    }
    // Traefik forwards the original method; the check answers any.
    let posted = reqwest::Client::new()
        .post(app.url("/gateway/check"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
}

#[tokio::test]
async fn a_revoked_token_is_refused_within_the_bound() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    assert_eq!(check(&app, Some(&token), "").await.status, 200);
    assert_eq!(app.revoke(&token, &client).await.status, 200);
    let took = time_until_refused(&app.address, &token).await;
    assert!(took.is_some(), "the revoked token still passes");
    let refused = check(&app, Some(&token), "").await;
    assert!(refused
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn logout_makes_the_check_refuse_the_sessions_tokens_within_the_bound() {
    let app = spawn_app().await;
    let client = crate::browser::web_app(&app);
    let agent = signed_in(&app, "alice").await;
    let issued = tokens(&app, &agent, &client).await;
    let token = issued.body["access_token"].as_str().unwrap().to_string();
    let passed = check(&app, Some(&token), "").await;
    assert_eq!(passed.status, 200);
    assert_eq!(passed.header("x-auth-session"), claims_of(&token)["sid"].as_str());
    log_out(&agent).await;
    assert!(time_until_refused(&app.address, &token).await.is_some());
}

#[tokio::test]
async fn a_user_suspended_by_the_cli_in_another_process_is_refused_within_the_bound() {
    let app = spawn_app().await;
    let client = app.first_party_client();
    app.alice_refresh_token(&client).await;
    let form = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "correct horse battery"),
    ];
    let issued = app.post_form("/oauth2/token", &form, Some(&client)).await;
    let token = issued.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(check(&app, Some(&token), "").await.status, 200);
    let out = app.cli(&["user", "suspend", "--username", "alice"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(time_until_refused(&app.address, &token).await.is_some());
}

#[tokio::test]
async fn the_check_path_is_configurable() {
    let app = spawn_app_on(TestDb::new(), |s| s.gateway_check_path = "/auth/verify".into()).await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    let at = |path: &str| app.http.get(app.url(path)).bearer_auth(&token).send();
    assert_eq!(at("/auth/verify").await.unwrap().status(), 200);
    assert_eq!(at("/gateway/check").await.unwrap().status(), 404);
}

#[tokio::test]
async fn on_postgres_a_revocation_on_one_instance_is_enforced_by_another_within_a_second() {
    let admin_url = match std::env::var(PG_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!("skipped: set {PG_URL_VAR} to a PostgreSQL URL to run this test");
            return;
        }
    };
    let a = spawn_app_on(TestDb::postgres(&admin_url), |_| {}).await;
    let b = second_instance(&a).await;
    let client = a.service_client();
    let token = a.client_credentials_token(&client, None).await;
    assert_eq!(check_at(&b, Some(&token), "", &[]).await.status, 200);
    assert_eq!(a.revoke(&token, &client).await.status, 200);
    let took = time_until_refused(&b, &token).await;
    assert!(took.is_some_and(|t| t < Duration::from_secs(1)), "{took:?}");
}

/// Another instance on `app`'s database with the same issuer (so it takes
/// `app`'s tokens as its own); returns its base URL.
pub async fn second_instance(app: &TestApp) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut settings = crate::helpers::test_settings(&app.db.url);
    settings.bind = format!("127.0.0.1:{port}").parse().unwrap();
    settings.issuer = app.settings.issuer.clone();
    let built =
        tokio::task::spawn_blocking(move || tollgate::startup::Application::build_on(settings, listener))
            .await
            .unwrap()
            .expect("the second instance starts");
    tokio::spawn(built.run_until_stopped());
    format!("http://127.0.0.1:{port}")
}

/// An app whose sessions lapse after a minute and whose sweeper runs every
/// second, on a manual clock.
async fn app_with_short_sessions() -> TestApp {
    crate::helpers::spawn_app_with_clock(TestDb::new(), |s| {
        s.session_ttl = 60;
        s.purge_interval = 1;
    })
    .await
}

#[tokio::test]
async fn a_session_that_merely_lapsed_does_not_end_its_tokens_at_the_check() {
    let app = app_with_short_sessions().await;
    let client = crate::browser::web_app(&app);
    let agent = signed_in(&app, "alice").await;
    let token = tokens(&app, &agent, &client).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance(Duration::from_secs(61));
    // The sweeper (every second, real time) announces the lapse.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // Introspection and the check agree: a lapsed session is not an ended one.
    let introspected = app.introspect(&token, &app.service_client()).await;
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(check(&app, Some(&token), "").await.status, 200);
}

#[tokio::test]
async fn a_password_change_ends_a_lapsed_sessions_tokens_at_the_check_too() {
    let app = app_with_short_sessions().await;
    let client = crate::browser::web_app(&app);
    let agent = signed_in(&app, "alice").await;
    let token = tokens(&app, &agent, &client).await.body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance(Duration::from_secs(61));
    assert_eq!(check(&app, Some(&token), "").await.status, 200);
    let out = app.cli(
        &["user", "passwd", "--username", "alice", "--password-stdin"],
        Some("another long passphrase\n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(time_until_refused(&app.address, &token).await.is_some());
    let introspected = app.introspect(&token, &app.service_client()).await;
    assert_eq!(introspected["active"], false, "{introspected}");
}

#[tokio::test]
async fn revoking_the_outside_token_ends_the_internal_token_made_from_it() {
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    let passed = check(&app, Some(&token), "").await;
    let internal = passed
        .header("x-auth-token")
        .expect("an internal token")
        .to_string();
    assert_eq!(claims_of(&internal)["origin_jti"], claims_of(&token)["jti"]);
    assert_eq!(check(&app, Some(&internal), "").await.status, 200);
    assert_eq!(app.revoke(&token, &client).await.status, 200);
    assert!(
        time_until_refused(&app.address, &internal).await.is_some(),
        "the internal token outlives the revoked outside token"
    );
    assert_eq!(app.introspect(&internal, &client).await["active"], false);
}

#[tokio::test]
async fn a_client_suspended_elsewhere_is_refused_within_the_bound() {
    use diesel::prelude::*;
    use tollgate::storage::schema::clients::dsl as c;
    let app = spawn_app().await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    assert_eq!(check(&app, Some(&token), "").await.status, 200);
    // Written straight to the database, as another process would (no
    // notification, no cache invalidation here).
    let id = client.id.clone();
    app.database()
        .run_sync(move |conn| {
            diesel::update(c::clients.find(&id))
                .set(c::suspended.eq(true))
                .execute(conn)
        })
        .unwrap();
    assert!(time_until_refused(&app.address, &token).await.is_some());
}
