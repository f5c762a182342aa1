//! The session store across Redis outages and a crash: each test runs its
//! own `redis-server` on a free port, stops it and starts it again, so the
//! machine's Redis is never disturbed.

use crate::helpers::{spawn_app_on, spawn_serve, test_settings, TestApp, TestDb};
use crate::logout_support::{log_out, reserved_port, signed_in};
use crate::session_store::{deleted, live_sid, projected, redis_at, WAIT};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of this test's own, without persistence; killed when dropped.
struct OwnRedis {
    port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    async fn start() -> Option<OwnRedis> {
        let mut redis = OwnRedis {
            port: reserved_port(),
            child: None,
        };
        redis.restart().await.then_some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Starts (again) on the same port; whether it answers.
    async fn restart(&mut self) -> bool {
        let spawned = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        match spawned {
            Ok(child) => self.child = Some(child),
            Err(e) => {
                let why = format!("cannot run redis-server: {e}");
                if std::env::var("TOLLGATE_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                    panic!("{why}");
                }
                eprintln!("skipped: {why}");
                return false;
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(client) = redis::Client::open(self.url()) {
                if let Ok(Ok(_)) = tokio::time::timeout(
                    Duration::from_millis(500),
                    client.get_multiplexed_async_connection(),
                )
                .await
                {
                    return true;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server on port {} did not start", self.port);
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Polls `/readyz` until its `session_store` is `want`; the status must stay 200.
async fn readyz_says(app: &TestApp, want: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = app.get_json("/readyz").await;
        assert_eq!(status, 200, "{body}");
        if body["session_store"] == want {
            assert_eq!(body["status"], "ready");
            return;
        }
        assert!(Instant::now() < deadline, "readyz says {body}, not {want}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_logout_while_the_store_is_down_reaches_it_when_it_returns() {
    let Some(mut own) = OwnRedis::start().await else {
        return;
    };
    let url = own.url();
    let app = spawn_app_on(TestDb::new(), |s| s.session_store_url = Some(url.clone())).await;
    let agent = signed_in(&app, "alice").await;
    let sid = live_sid(&app, "alice");
    let mut redis = redis_at(&url).await.unwrap();
    projected(&mut redis, &sid).await;
    // The store keeps nothing on disk: the hash is written again below,
    // as a store that outlived the outage would still hold it.
    let fields = crate::session_store::hash(&mut redis, &sid).await;

    own.stop();
    let started = Instant::now();
    log_out(&agent).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "logout does not wait for the store"
    );
    assert!(own.restart().await);
    let mut redis = redis_at(&url).await.unwrap();
    let mut restore = redis::cmd("HSET");
    restore.arg(format!("tollgate:session:{sid}"));
    for (k, v) in &fields {
        restore.arg(k).arg(v);
    }
    let _: i64 = restore.query_async(&mut redis).await.unwrap();
    deleted(&mut redis, &sid).await;
}

#[tokio::test]
async fn readyz_reports_the_store_degraded_while_it_is_down() {
    let Some(mut own) = OwnRedis::start().await else {
        return;
    };
    let url = own.url();
    let app = spawn_app_on(TestDb::new(), |s| s.session_store_url = Some(url.clone())).await;
    readyz_says(&app, "ok").await;
    own.stop();
    readyz_says(&app, "degraded").await;
    let started = Instant::now();
    let (status, _) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "readyz does not wait for Redis"
    );
    // Signing in still works.
    let _agent = signed_in(&app, "alice").await;
    assert!(own.restart().await);
    readyz_says(&app, "ok").await;
    let mut redis = redis_at(&url).await.unwrap();
    projected(&mut redis, &live_sid(&app, "alice")).await;
}

#[tokio::test]
async fn a_logout_reaches_the_store_across_a_restart() {
    let Some(mut own) = OwnRedis::start().await else {
        return;
    };
    let url = own.url();
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let db_url = db.url.clone();
    let envs = [
        ("TOLLGATE_DATABASE_URL", db_url.as_str()),
        ("TOLLGATE_SESSION_STORE_URL", url.as_str()),
        ("TOLLGATE_SIGNING_ALG", "EdDSA"),
    ];
    let server = spawn_serve(dir.path(), &envs);
    let first = TestApp {
        address: format!("http://127.0.0.1:{}", server.port),
        settings: test_settings(&db.url),
        http: reqwest::Client::new(),
        db,
        clock: tollgate::domain::Clock::system(),
    };
    let agent = signed_in(&first, "alice").await;
    let sid = live_sid(&first, "alice");
    let mut redis = redis_at(&url).await.unwrap();
    let fields = projected(&mut redis, &sid).await;

    own.stop();
    log_out(&agent).await;
    let mut child = server;
    // kill -9: the process has no chance to do anything more.
    child.child.kill().unwrap();
    child.child.wait().unwrap();
    drop(agent);
    assert!(own.restart().await);
    let mut redis = redis_at(&url).await.unwrap();
    let mut restore = redis::cmd("HSET");
    restore.arg(format!("tollgate:session:{sid}"));
    for (k, v) in &fields {
        restore.arg(k).arg(v);
    }
    let _: i64 = restore.query_async(&mut redis).await.unwrap();
    assert!(!crate::session_store::hash(&mut redis, &sid).await.is_empty());

    let _second = spawn_serve(dir.path(), &envs);
    deleted(&mut redis, &sid).await;
    drop(first);
}
