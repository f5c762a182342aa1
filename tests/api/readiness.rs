//! `/readyz` follows the database: 503 while it is unreachable, 200 again
//! once it is back, without a restart.
//!
//! The database is taken away by a TCP relay between the server and
//! PostgreSQL that the test stops and starts; it runs when
//! `TOLLGATE_TEST_DATABASE_URL` names a PostgreSQL server (an SQLite file
//! cannot become unreachable).

use crate::helpers::spawn_app_on;
use crate::relay::relayed_postgres;
use std::time::{Duration, Instant};

async fn wait_for_status(http: &reqwest::Client, url: &str, want: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(response) = http.get(url).timeout(Duration::from_secs(5)).send().await {
            if response.status().as_u16() == want {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

#[tokio::test]
async fn readyz_fails_while_the_database_is_unreachable_and_recovers_when_it_returns() {
    let Some((db, mut relay, relayed_url)) = relayed_postgres().await else {
        return;
    };
    let app = spawn_app_on(db, |s| s.database_url = relayed_url).await;
    let readyz = app.url("/readyz");
    assert!(wait_for_status(&app.http, &readyz, 200).await, "ready at first");

    relay.cut();
    assert!(
        wait_for_status(&app.http, &readyz, 503).await,
        "unready while the database is away"
    );
    let jwks = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 503);
    let body: serde_json::Value = jwks.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    let health = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "the process itself stays alive");

    relay.resume().await;
    assert!(
        wait_for_status(&app.http, &readyz, 200).await,
        "ready again once the database is back"
    );
    let jwks = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(jwks.status(), 200);
}
