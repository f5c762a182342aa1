//! Without `smtp_url`, a development setup still works: every email is
//! written to the log at INFO, marked as not sent, with what it would say.

use crate::helpers::{tollgate_binary, TestDb};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The value of the hidden field `name` in `body`.
fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).expect("the field") + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn without_smtp_url_an_email_is_logged_as_not_sent_with_its_link() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new();
    let mut child = Command::new(tollgate_binary())
        .arg("serve")
        .current_dir(dir.path())
        .env("TOLLGATE_BIND", "127.0.0.1:0")
        .env("TOLLGATE_DATABASE_URL", &db.url)
        .env("TOLLGATE_SIGNING_ALG", "EdDSA")
        .env("TOLLGATE_LOG_FORMAT", "json")
        .env_remove("TOLLGATE_SMTP_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tollgate binary runs");
    let log = Arc::new(Mutex::new(Vec::<serde_json::Value>::new()));
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            if let Ok(event) = serde_json::from_str(&line) {
                kept.lock().unwrap().push(event);
            }
        }
    });
    let find = |message: &str| -> Option<serde_json::Value> {
        log.lock()
            .unwrap()
            .iter()
            .find(|e| {
                e["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(message))
            })
            .cloned()
    };
    let mut port = None;
    for _ in 0..200 {
        if let Some(e) = find("tollgate is listening") {
            port = e["fields"]["port"].as_u64();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let base = format!("http://127.0.0.1:{}", port.expect("the server listens"));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = http
        .get(format!("{base}/signup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let signed_up = http
        .post(format!("{base}/signup"))
        .form(&[
            ("csrf_token", hidden(&form, "csrf_token").as_str()),
            ("username", "dora"),
            ("email", "dora@example.com"),
            ("password", "correct horse battery"),
            ("password_confirm", "correct horse battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 303);

    let mut logged = None;
    for _ in 0..100 {
        logged = find("email NOT SENT");
        if logged.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let logged = logged.expect("the email is logged");
    assert_eq!(logged["level"], "INFO");
    assert_eq!(logged["fields"]["to"], "dora@example.com");
    assert!(
        logged["fields"]["body"]
            .as_str()
            .unwrap()
            .contains("/email/verify?token="),
        "{logged}"
    );
    assert!(find("no smtp_url is set").is_some(), "the start-up warning");
}
