//! `/readyz` follows the database: 503 while it is unreachable, 200 again
//! once it is back, without a restart.
//!
//! The database is taken away by a TCP relay between the server and
//! PostgreSQL that the test stops and starts; it runs when
//! `TOLLGATE_TEST_DATABASE_URL` names a PostgreSQL server (an SQLite file
//! cannot become unreachable).

use crate::helpers::{spawn_app_on, TestDb, PG_URL_VAR};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections from a local port to `target` until stopped.
struct Relay {
    port: u16,
    target: SocketAddr,
    task: Option<JoinHandle<()>>,
}

impl Relay {
    async fn start(target: SocketAddr) -> Relay {
        let mut relay = Relay {
            port: 0,
            target,
            task: None,
        };
        relay.resume().await;
        relay
    }

    /// Stops accepting and cuts every open connection.
    fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listens again on the same port.
    async fn resume(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.port = listener.local_addr().unwrap().port();
        let target = self.target;
        self.task = Some(tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            // Dropping the JoinSet when this task is aborted aborts every
            // connection it holds.
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        }));
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
    }
}

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
    let Ok(admin_url) = std::env::var(PG_URL_VAR) else {
        eprintln!("skipped: set {PG_URL_VAR} to a PostgreSQL URL to run this test");
        return;
    };
    let db = TestDb::postgres(&admin_url);
    let mut direct = url::Url::parse(&db.url).unwrap();
    let target: SocketAddr = format!("{}:{}", direct.host_str().unwrap(), direct.port().unwrap_or(5432))
        .parse()
        .expect("the test PostgreSQL URL names an IP address");
    let mut relay = Relay::start(target).await;
    direct.set_port(Some(relay.port)).unwrap();
    let relayed_url = direct.to_string();

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
