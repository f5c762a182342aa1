//! Slow clients cannot hold connections: a request whose head or body never
//! completes is answered 408 and its connection closed within its timeout.

use crate::helpers::{spawn_app_on, TestDb};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `bytes`, then waits for the server to close; what it answered
/// and when the connection closed.
async fn send_and_wait_for_close(address: &str, bytes: &str) -> (String, Duration) {
    let mut stream = TcpStream::connect(address.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    let start = Instant::now();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection")
        .ok();
    (String::from_utf8_lossy(&answer).into_owned(), start.elapsed())
}

#[tokio::test]
async fn a_request_whose_body_never_comes_is_answered_408_and_closed_within_the_body_timeout() {
    let app = spawn_app_on(TestDb::new(), |s| s.client_body_timeout = 1).await;
    let (answer, took) = send_and_wait_for_close(
        &app.address,
        "POST /oauth2/token HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("invalid_request"), "{answer}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
}

#[tokio::test]
async fn a_form_whose_body_never_comes_is_answered_408_and_closed_within_the_body_timeout() {
    let app = spawn_app_on(TestDb::new(), |s| s.client_body_timeout = 1).await;
    let (answer, took) = send_and_wait_for_close(
        &app.address,
        "POST /login HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nusername=",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
}

#[tokio::test]
async fn a_request_whose_headers_never_end_is_closed_within_the_request_timeout() {
    let app = spawn_app_on(TestDb::new(), |s| s.client_request_timeout = 1).await;
    let (answer, took) =
        send_and_wait_for_close(&app.address, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_keep_alive() {
    let app = spawn_app_on(TestDb::new(), |s| s.keep_alive = 1).await;
    let (answer, took) =
        send_and_wait_for_close(&app.address, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");
}
