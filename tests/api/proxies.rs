//! Behind a reverse proxy: `Forwarded` / `X-Forwarded-For` name the client
//! only when the TCP peer is one of `trusted_proxies`; anyone else's headers
//! are ignored, so they cannot choose the address their attempts count
//! against. Registrations per address (a limit of 2 here) show which
//! address was used.

use crate::helpers::{spawn_app_on, TestApp, TestDb};
use serde_json::json;

async fn spawn(trusted: &str) -> TestApp {
    let trusted: Vec<ipnet::IpNet> = trusted
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    spawn_app_on(TestDb::new(), move |s| {
        s.open_registration = true;
        s.registration_rate_limit = 2;
        s.trusted_proxies = trusted;
    })
    .await
}

/// Registers a client with `headers`; returns the status.
async fn register_with(app: &TestApp, headers: &[(&str, &str)]) -> u16 {
    let mut request = app
        .http
        .post(app.url("/oauth2/register"))
        .json(&json!({ "client_name": "App", "redirect_uris": ["https://app.example/cb"] }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn forwarded_addresses_from_an_untrusted_peer_are_ignored() {
    let app = spawn("").await;
    let mut statuses = Vec::new();
    for spoofed in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        statuses.push(
            register_with(
                &app,
                &[
                    ("x-forwarded-for", spoofed),
                    ("forwarded", &format!("for={spoofed}")),
                ],
            )
            .await,
        );
    }
    assert_eq!(
        statuses,
        [201, 201, 429],
        "all three counted against the real peer"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = spawn("127.0.0.1/32").await;
    let mut statuses = Vec::new();
    for client in ["198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.1"] {
        statuses.push(register_with(&app, &[("x-forwarded-for", client)]).await);
    }
    assert_eq!(statuses, [201, 201, 201, 429]);
}

#[tokio::test]
async fn behind_a_trusted_proxy_a_client_cannot_pick_its_address_by_prepending_one() {
    let app = spawn("127.0.0.1/32").await;
    let mut statuses = Vec::new();
    for spoofed in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        // The client wrote the first entry; the proxy appended the real one.
        let chain = format!("{spoofed}, 198.51.100.9");
        statuses.push(register_with(&app, &[("x-forwarded-for", chain.as_str())]).await);
    }
    assert_eq!(statuses, [201, 201, 429]);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_header_is_read() {
    let app = spawn("127.0.0.1/32").await;
    let mut statuses = Vec::new();
    for hop in [
        "for=198.51.100.4",
        "for=\"198.51.100.4:5000\"",
        "for=198.51.100.5",
        "for=198.51.100.4;proto=https",
    ] {
        statuses.push(register_with(&app, &[("forwarded", hop)]).await);
    }
    assert_eq!(statuses, [201, 201, 201, 429]);
}
