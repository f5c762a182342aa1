//! PostgreSQL faults never take the service down: with a relay between the
//! server and the database (see `relay.rs`), a cut, a freeze or a half-open
//! failover gets 503 `temporarily_unavailable` within the query timeout,
//! never a 500, and the service comes back by itself within 2 seconds of
//! the database answering again. PostgreSQL only.

use crate::helpers::{spawn_app_on, TestApp, TestClient};
use crate::relay::relayed_postgres;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The query timeout the tests configure, and the slack allowed on top for a
/// loaded machine.
const BOUND: Duration = Duration::from_secs(1);
const SLACK: Duration = Duration::from_millis(500);

/// One introspection: its status, error code, `Retry-After`, and how long it took.
struct Outcome {
    status: u16,
    error: String,
    retry_after: Option<String>,
    took: Duration,
}

async fn introspect(app: &TestApp, client: &TestClient, token: &str) -> Outcome {
    let start = Instant::now();
    let sent = app
        .http
        .post(app.url("/oauth2/introspect"))
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[("token", token)])
        // Far past the bound: a request that hangs fails the test instead
        // of hanging it.
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    let Ok(response) = sent else {
        return Outcome {
            status: 0,
            error: "no answer".into(),
            retry_after: None,
            took: start.elapsed(),
        };
    };
    let answer = crate::helpers::answer(response).await;
    Outcome {
        status: answer.status,
        error: answer.error().to_string(),
        retry_after: answer.header("Retry-After").map(str::to_string),
        took: start.elapsed(),
    }
}

/// Introspects from `n` tasks at once, over and over, until `until`.
fn load(
    app: &Arc<TestApp>,
    client: &TestClient,
    token: &str,
    n: usize,
    until: Instant,
) -> Vec<tokio::task::JoinHandle<Vec<Outcome>>> {
    (0..n)
        .map(|_| {
            let (app, client, token) = (app.clone(), client.clone(), token.to_string());
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                while Instant::now() < until {
                    outcomes.push(introspect(&app, &client, &token).await);
                }
                outcomes
            })
        })
        .collect()
}

async fn outcomes_of(load: Vec<tokio::task::JoinHandle<Vec<Outcome>>>) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for task in load {
        outcomes.extend(task.await.unwrap());
    }
    outcomes
}

async fn introspect_all(app: &TestApp, client: &TestClient, token: &str, n: usize) -> Vec<Outcome> {
    futures_util::future::join_all((0..n).map(|_| introspect(app, client, token))).await
}

/// Every answer came within the bound and is a 200 or a proper 503.
fn assert_bounded_and_never_500(outcomes: &[Outcome]) {
    for o in outcomes {
        assert!(o.took < BOUND + SLACK, "an answer took {:?}", o.took);
        match o.status {
            200 => {}
            503 => {
                assert_eq!(o.error, "temporarily_unavailable");
                assert!(o.retry_after.is_some(), "a 503 carries Retry-After");
            }
            other => panic!("answered {other} ({})", o.error),
        }
    }
}

/// Polls introspection until it answers 200; how long after `start` that was.
async fn time_to_service(app: &TestApp, client: &TestClient, token: &str, start: Instant) -> Duration {
    while start.elapsed() < Duration::from_secs(10) {
        let outcomes = introspect_all(app, client, token, 2).await;
        assert_bounded_and_never_500(&outcomes);
        if outcomes.iter().all(|o| o.status == 200) {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service did not come back");
}

async fn ready_status(app: &TestApp) -> (u16, Duration) {
    let start = Instant::now();
    let response = app.http.get(app.url("/readyz")).send().await.unwrap();
    (response.status().as_u16(), start.elapsed())
}

/// A server on a relayed PostgreSQL database with 1-second query and
/// connect timeouts,
/// a client, a token, and a pool warmed with several connections.
async fn relayed_app() -> Option<(TestApp, crate::relay::Relay, TestClient, String)> {
    let (db, relay, url) = relayed_postgres().await?;
    let app = spawn_app_on(db, |s| {
        s.database_url = url;
        s.database_query_timeout = BOUND.as_secs();
        s.database_connect_timeout = 1;
    })
    .await;
    let client = app.service_client();
    let token = app.client_credentials_token(&client, None).await;
    for o in introspect_all(&app, &client, &token, 4).await {
        assert_eq!(o.status, 200);
    }
    Some((app, relay, client, token))
}

#[tokio::test]
async fn a_database_frozen_under_load_gets_503_within_the_query_timeout_and_service_returns_within_2_seconds()
{
    let Some((app, relay, client, token)) = relayed_app().await else {
        return;
    };
    let app = Arc::new(app);
    let thaw_at = Instant::now() + Duration::from_millis(2200);
    let running = load(&app, &client, &token, 8, thaw_at);
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Queries in flight, idle connections and new ones: nothing answers.
    relay.freeze();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (ready, ready_took) = ready_status(&app).await;
    assert_eq!(ready, 503);
    assert!(ready_took < Duration::from_secs(1), "/readyz took {ready_took:?}");
    tokio::time::sleep_until(thaw_at.into()).await;
    relay.pass();
    let thawed = Instant::now();
    let outcomes = outcomes_of(running).await;
    assert_bounded_and_never_500(&outcomes);
    assert!(outcomes.iter().any(|o| o.status == 503), "the freeze was noticed");

    let back = time_to_service(&app, &client, &token, thawed).await;
    eprintln!("service back {back:?} after the freeze ended");
    assert!(back < Duration::from_secs(2), "back after {back:?}");
    assert_eq!(ready_status(&app).await.0, 200);
}

#[tokio::test]
async fn a_half_open_failover_gets_503_within_the_query_timeout_and_service_returns_within_2_seconds() {
    let Some((app, relay, client, token)) = relayed_app().await else {
        return;
    };
    // The pooled connections go silent; new ones reach the database.
    relay.half_open();
    let back = time_to_service(&app, &client, &token, Instant::now()).await;
    eprintln!("service back {back:?} after the failover");
    assert!(back < Duration::from_secs(2), "back after {back:?}");
    let (ready, ready_took) = ready_status(&app).await;
    assert_eq!(ready, 200);
    assert!(ready_took < Duration::from_secs(1));
}

#[tokio::test]
async fn connections_cut_under_load_get_503_never_500_and_service_returns_when_the_database_does() {
    let Some((app, mut relay, client, token)) = relayed_app().await else {
        return;
    };
    let app = Arc::new(app);
    let running = load(
        &app,
        &client,
        &token,
        16,
        Instant::now() + Duration::from_millis(2500),
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    relay.cut();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Whether the load's own requests reach the database during the cut
    // depends on timing (the client is cached); readiness always does.
    let (ready, ready_took) = ready_status(&app).await;
    assert_eq!(ready, 503, "the cut was noticed");
    assert!(ready_took < Duration::from_secs(1), "/readyz took {ready_took:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    relay.resume().await;
    let resumed = Instant::now();
    let outcomes = outcomes_of(running).await;
    let unavailable = outcomes.iter().filter(|o| o.status == 503).count();
    eprintln!("{} requests, {unavailable} answered 503", outcomes.len());
    assert_bounded_and_never_500(&outcomes);
    let back = time_to_service(&app, &client, &token, resumed).await;
    assert!(back < Duration::from_secs(2), "back after {back:?}");
}

#[tokio::test]
async fn a_statement_cancelled_by_the_statement_timeout_is_unavailable_not_a_failed_query() {
    if std::env::var(crate::helpers::PG_URL_VAR)
        .unwrap_or_default()
        .is_empty()
    {
        eprintln!("skipped: PostgreSQL only (set {})", crate::helpers::PG_URL_VAR);
        return;
    }
    let app = crate::helpers::spawn_app().await;
    let db = app.database();
    let result = db.run_sync(|conn| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SET statement_timeout = 50; SELECT pg_sleep(1);")
    });
    let error = result.expect_err("the statement was cancelled");
    assert!(error.is_unavailable(), "{error:?}");
}
