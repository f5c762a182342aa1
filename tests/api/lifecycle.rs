//! The binary as an operator runs it: out-of-the-box defaults, the same key
//! across restarts, health endpoints and graceful shutdown.

use crate::helpers::spawn_serve;
use std::time::{Duration, Instant};

async fn kid_of(port: u16) -> String {
    let jwks: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{port}/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    jwks["keys"][0]["kid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn with_no_configuration_the_server_keeps_its_data_under_tollgate_data() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_serve(dir.path(), &[]);
    let health = reqwest::get(format!("http://127.0.0.1:{}/healthz", server.port))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(dir.path().join("tollgate-data/tollgate.db").is_file());
}

#[tokio::test]
async fn starting_the_binary_twice_on_one_data_directory_keeps_the_signing_key() {
    let dir = tempfile::tempdir().unwrap();
    let first_kid = {
        let server = spawn_serve(dir.path(), &[]);
        kid_of(server.port).await
    };
    let server = spawn_serve(dir.path(), &[]);
    assert_eq!(kid_of(server.port).await, first_kid);
}

async fn stops_cleanly_on(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = spawn_serve(dir.path(), &[]);
    let pid = server.child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap()
        .success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the server did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    stops_cleanly_on("-TERM").await;
}

#[tokio::test]
async fn sigint_stops_the_server_cleanly() {
    stops_cleanly_on("-INT").await;
}

#[tokio::test]
async fn healthz_answers_while_the_process_runs() {
    let app = crate::helpers::spawn_app().await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
}
