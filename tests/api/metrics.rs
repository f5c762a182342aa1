//! Prometheus metrics on their own listener (`metrics_bind`).

use crate::helpers::{test_settings, TestApp, TestDb};
use std::time::Duration;
use tollgate::config::Settings;
use tollgate::startup::Application;

/// A server with metrics on a random port of their own; the app and the
/// metrics URL.
async fn spawn_app_with_metrics() -> (TestApp, String) {
    spawn_app_with_metrics_on(TestDb::new(), |_| {}).await
}

pub(crate) async fn spawn_app_with_metrics_on(
    db: TestDb,
    adjust: impl FnOnce(&mut Settings),
) -> (TestApp, String) {
    let mut settings = test_settings(&db.url);
    adjust(&mut settings);
    settings.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    settings.bind = format!("127.0.0.1:{port}").parse().unwrap();
    settings.issuer = format!("http://127.0.0.1:{port}");
    let server_settings = settings.clone();
    let app = tokio::task::spawn_blocking(move || Application::build_on(server_settings, listener))
        .await
        .unwrap()
        .expect("the server starts");
    let metrics_port = app.metrics_port().expect("a metrics listener");
    tokio::spawn(app.run_until_stopped());
    let app = TestApp {
        address: settings.issuer.clone(),
        settings,
        http: reqwest::Client::new(),
        db,
        clock: tollgate::domain::Clock::system(),
    };
    (app, format!("http://127.0.0.1:{metrics_port}/metrics"))
}

pub(crate) async fn scrape(url: &str) -> String {
    let response = reqwest::get(url).await.expect("the metrics listener answers");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

/// The value of the sample `name` carrying every one of `labels`.
pub(crate) fn sample(body: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| {
            let (series, _) = line.rsplit_once(' ').unwrap_or_default();
            let (series_name, rest) = series.split_once('{').unwrap_or((series, ""));
            series_name == name && labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|line| line.rsplit_once(' ')?.1.parse().ok())
}

#[tokio::test]
async fn a_token_request_is_counted_by_grant_type() {
    let (app, metrics) = spawn_app_with_metrics().await;
    let client = app.service_client();
    app.client_credentials_token(&client, None).await;
    let body = scrape(&metrics).await;
    assert_eq!(
        sample(
            &body,
            "tollgate_tokens_issued_total",
            &[("grant_type", "client_credentials")]
        ),
        Some(1.0),
        "{body}"
    );
}

#[tokio::test]
async fn sign_ins_are_counted_by_outcome_with_their_wait_for_a_hashing_thread() {
    let (app, metrics) = spawn_app_with_metrics().await;
    let client = app.first_party_client();
    app.alice_refresh_token(&client).await;
    let wrong = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "not her password"),
    ];
    assert_eq!(
        app.post_form("/oauth2/token", &wrong, Some(&client)).await.status,
        400
    );
    let body = scrape(&metrics).await;
    let outcome = |name| sample(&body, "tollgate_sign_ins_total", &[("outcome", name)]);
    assert_eq!(outcome("signed_in"), Some(1.0), "{body}");
    assert_eq!(outcome("refused"), Some(1.0), "{body}");
    assert_eq!(
        sample(
            &body,
            "tollgate_tokens_issued_total",
            &[("grant_type", "password")]
        ),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "tollgate_password_hash_queue", &[]),
        Some(0.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "tollgate_password_hash_wait_seconds_count", &[]),
        Some(2.0),
        "{body}"
    );
}

#[tokio::test]
async fn requests_are_counted_by_method_route_and_status() {
    let (app, metrics) = spawn_app_with_metrics().await;
    let client = app.service_client();
    app.client_credentials_token(&client, None).await;
    let refused = app
        .post_form("/oauth2/token", &[("grant_type", "client_credentials")], None)
        .await;
    assert_eq!(refused.status, 401);
    let body = scrape(&metrics).await;
    let count = |status| {
        sample(
            &body,
            "tollgate_http_request_duration_seconds_count",
            &[("method", "POST"), ("route", "/oauth2/token"), ("status", status)],
        )
    };
    assert_eq!(count("200"), Some(1.0), "{body}");
    assert_eq!(count("401"), Some(1.0), "{body}");
    assert!(
        sample(
            &body,
            "tollgate_http_request_duration_seconds_bucket",
            &[("route", "/oauth2/token"), ("status", "200"), ("le", "+Inf")],
        ) == Some(1.0),
        "a latency histogram: {body}"
    );
}

#[tokio::test]
async fn requests_are_labelled_by_route_pattern_never_by_raw_path() {
    let (app, metrics) = spawn_app_with_metrics().await;
    app.http
        .get(app.url("/oauth2/register/client_raw_id_1234"))
        .send()
        .await
        .unwrap();
    app.http
        .get(app.url("/no/such/page_raw_5678"))
        .send()
        .await
        .unwrap();
    app.http
        .request(reqwest::Method::from_bytes(b"BREW").unwrap(), app.url("/healthz"))
        .send()
        .await
        .unwrap();
    let body = scrape(&metrics).await;
    let count = |method, route| {
        sample(
            &body,
            "tollgate_http_request_duration_seconds_count",
            &[("method", method), ("route", route)],
        )
    };
    assert_eq!(count("GET", "/oauth2/register/{client_id}"), Some(1.0), "{body}");
    assert_eq!(count("GET", "unmatched"), Some(1.0), "{body}");
    assert_eq!(count("other", "/healthz"), Some(1.0), "{body}");
    assert!(!body.contains("raw_"), "{body}");
    assert!(!body.contains("BREW"), "{body}");
}

#[tokio::test]
async fn the_database_pool_and_the_signing_key_age_are_reported() {
    let (app, metrics) = spawn_app_with_metrics().await;
    let body = scrape(&metrics).await;
    assert_eq!(
        sample(&body, "tollgate_db_pool_size", &[]),
        Some(f64::from(app.settings.database_pool_size)),
        "{body}"
    );
    for name in [
        "tollgate_db_pool_connections_in_use",
        "tollgate_db_pool_connections_idle",
    ] {
        assert!(
            sample(&body, name, &[]).is_some_and(|n| n >= 0.0),
            "{name}: {body}"
        );
    }
    assert_eq!(
        sample(&body, "tollgate_db_pool_timeouts_total", &[]),
        Some(0.0),
        "{body}"
    );
    let age = sample(&body, "tollgate_signing_key_age_seconds", &[]).expect("the key's age");
    assert!((0.0..600.0).contains(&age), "{age}");
}

/// A connection of the test's own, holding a lock that makes every write to
/// the sign-in throttle wait until it is dropped.
fn lock_the_throttle(url: &str) -> Box<dyn std::any::Any> {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    if url.starts_with("postgres") {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        conn.batch_execute("BEGIN; LOCK TABLE login_failures IN EXCLUSIVE MODE;")
            .unwrap();
        Box::new(conn)
    } else {
        let mut conn = diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
        conn.batch_execute("BEGIN EXCLUSIVE;").unwrap();
        Box::new(conn)
    }
}

#[tokio::test]
async fn a_call_that_gets_no_database_connection_in_time_is_counted() {
    let (app, metrics) = spawn_app_with_metrics_on(TestDb::new(), |s| {
        s.database_pool_size = 1;
        s.database_query_timeout = 1;
    })
    .await;
    let app = std::sync::Arc::new(app);
    let client = app.first_party_client();
    let form = [
        ("grant_type", "password"),
        ("username", "nobody"),
        ("password", "not the password"),
    ];
    // Once unlocked, so that the client is cached and only the throttle
    // write needs the database below.
    assert_eq!(
        app.post_form("/oauth2/token", &form, Some(&client)).await.status,
        400
    );
    let lock = lock_the_throttle(&app.db.url);
    // The first request holds the one connection, blocked by the lock, for
    // its whole second; of the two that wait for it, the one that gets it
    // keeps it past the other's deadline.
    let mut requests = Vec::new();
    for _ in 0..3 {
        let (app, client) = (app.clone(), client.clone());
        requests.push(tokio::spawn(async move {
            app.post_form("/oauth2/token", &form, Some(&client)).await.status
        }));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.unwrap());
    }
    drop(lock);
    assert_eq!(statuses[1..], [503, 503], "{statuses:?}");
    let body = scrape(&metrics).await;
    let timeouts = sample(&body, "tollgate_db_pool_timeouts_total", &[]).unwrap();
    assert!(timeouts >= 1.0, "{body}");
}

#[tokio::test]
async fn the_public_port_does_not_serve_metrics() {
    let (app, _metrics) = spawn_app_with_metrics().await;
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn no_metrics_listener_is_opened_by_default() {
    let db = TestDb::new();
    let settings = test_settings(&db.url);
    assert_eq!(settings.metrics_bind, None);
    let app = tokio::task::spawn_blocking(move || Application::build(settings))
        .await
        .unwrap()
        .expect("the server starts");
    assert_eq!(app.metrics_port(), None);
}

#[tokio::test]
async fn a_lockout_is_counted_once_when_it_starts() {
    let (app, metrics) = spawn_app_with_metrics_on(TestDb::new(), |s| s.login_max_failures = 2).await;
    let client = app.first_party_client();
    let wrong = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "not her password"),
    ];
    // Two failures are allowed; the third attempt starts the pair's lock
    // and is refused by it; the fourth is refused without starting another.
    for expected in [400, 400, 429, 429] {
        assert_eq!(
            app.post_form("/oauth2/token", &wrong, Some(&client)).await.status,
            expected
        );
    }
    let body = scrape(&metrics).await;
    assert_eq!(
        sample(&body, "tollgate_lockouts_total", &[("subject", "pair")]),
        Some(1.0),
        "{body}"
    );
    assert_eq!(
        sample(&body, "tollgate_sign_ins_total", &[("outcome", "throttled")]),
        Some(2.0),
        "{body}"
    );
}
