//! Client ID metadata documents (the IETF OAuth draft MCP adopted): a
//! `client_id` that is a URL is resolved by fetching the document there,
//! served on loopback by the test (the development setting lets the server
//! reach it over plain http).

use crate::browser::{authorize_path, Agent, PASSWORD, REDIRECT};
use crate::helpers::{spawn_app_on, spawn_app_with_clock, TestApp, TestClient, TestDb};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the document server answers.
#[derive(Clone)]
struct Reply {
    status: &'static str,
    headers: Vec<String>,
    body: String,
    delay: Duration,
}

/// A loopback HTTP server answering every request with its current
/// [`Reply`], counting the requests.
struct DocumentServer {
    url: String,
    reply: Arc<Mutex<Reply>>,
    hits: Arc<Mutex<usize>>,
}

impl DocumentServer {
    async fn start() -> DocumentServer {
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://127.0.0.1:{}/client.json",
            socket.local_addr().unwrap().port()
        );
        let reply = Arc::new(Mutex::new(Reply {
            status: "200 OK",
            headers: vec![],
            body: document(&url).to_string(),
            delay: Duration::ZERO,
        }));
        let hits = Arc::new(Mutex::new(0));
        let (serving, counting) = (reply.clone(), hits.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = socket.accept().await {
                let reply = serving.lock().unwrap().clone();
                *counting.lock().unwrap() += 1;
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf).await;
                    tokio::time::sleep(reply.delay).await;
                    let mut head = format!(
                        "HTTP/1.1 {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                        reply.status,
                        reply.body.len()
                    );
                    for h in &reply.headers {
                        head.push_str(h);
                        head.push_str("\r\n");
                    }
                    let _ = stream
                        .write_all(format!("{head}\r\n{}", reply.body).as_bytes())
                        .await;
                });
            }
        });
        DocumentServer { url, reply, hits }
    }

    fn set(&self, change: impl FnOnce(&mut Reply)) {
        change(&mut self.reply.lock().unwrap());
    }

    fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }

    fn client(&self) -> TestClient {
        TestClient {
            id: self.url.clone(),
            secret: None,
        }
    }
}

/// The metadata of a public web app at `url`.
fn document(url: &str) -> serde_json::Value {
    json!({
        "client_id": url,
        "client_name": "Agent Smith MCP client",
        "client_uri": "https://agent.example",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "none",
    })
}

/// A server resolving metadata documents, allowed to reach loopback.
async fn spawn() -> TestApp {
    spawn_app_on(TestDb::new(), |s| {
        s.client_id_metadata_documents = true;
        s.outbound_private_addresses = true;
    })
    .await
}

/// Signs alice in and asks for a code for `client`: the consent page.
async fn consent_page<'a>(
    app: &'a TestApp,
    client: &TestClient,
) -> (Agent<'a>, crate::browser::Page, String) {
    app.create_user("alice", PASSWORD);
    let agent = Agent::new(app);
    let (path, verifier) = authorize_path(client, &[]);
    let page = agent.sign_in("alice", PASSWORD, &path).await;
    let page = agent.follow(&page).await;
    (agent, page, verifier.secret().to_string())
}

/// The error page an authorization request for `client` gets.
async fn refusal(app: &TestApp, client: &TestClient) -> String {
    let agent = Agent::new(app);
    let (path, _) = authorize_path(client, &[]);
    let page = agent.get(&path).await;
    assert_eq!(page.status, 400, "{}", page.body);
    page.body
}

#[tokio::test]
async fn a_url_client_id_signs_a_person_in_with_pkce_and_gets_tokens_from_its_document() {
    let app = spawn().await;
    let server = DocumentServer::start().await;
    let (agent, consent, verifier) = consent_page(&app, &server.client()).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("Agent Smith MCP client"));
    assert!(consent.body.contains("id=\"unverified\""), "shown as unverified");
    assert!(
        consent.body.contains("127.0.0.1"),
        "the document's domain is shown"
    );
    let back = agent.decide(&consent, "approve").await;
    let code = back
        .location_url()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let token = app
        .post_form(
            "/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", &server.url),
                ("code_verifier", &verifier),
            ],
            None,
        )
        .await;
    assert_eq!(token.status, 200, "{}", token.body);
    assert!(token.body["access_token"].is_string());
    assert_eq!(server.hits(), 1, "fetched once, then kept");
}

#[tokio::test]
async fn metadata_advertises_client_id_metadata_documents_only_when_enabled() {
    let on = spawn().await;
    let (_, doc) = on.get_json("/.well-known/oauth-authorization-server").await;
    assert_eq!(doc["client_id_metadata_document_supported"], json!(true));
    let off = crate::helpers::spawn_app().await;
    let (_, doc) = off.get_json("/.well-known/oauth-authorization-server").await;
    assert!(doc.get("client_id_metadata_document_supported").is_none());
}

#[tokio::test]
async fn without_the_setting_a_url_client_id_is_unknown_and_nothing_is_fetched() {
    let app = spawn_app_on(TestDb::new(), |s| s.outbound_private_addresses = true).await;
    let server = DocumentServer::start().await;
    let page = refusal(&app, &server.client()).await;
    assert!(page.contains("not registered"), "{page}");
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn a_document_naming_another_client_id_is_refused_with_the_reason() {
    let app = spawn().await;
    let server = DocumentServer::start().await;
    server.set(|r| r.body = document("https://other.example/client.json").to_string());
    let page = refusal(&app, &server.client()).await;
    assert!(page.contains("not the URL it was fetched from"), "{page}");
}

#[tokio::test]
async fn a_redirect_from_the_document_url_is_not_followed() {
    let app = spawn().await;
    let server = DocumentServer::start().await;
    let target = server.url.clone();
    server.set(|r| {
        r.status = "302 Found";
        r.headers = vec![format!("location: {target}")];
    });
    let page = refusal(&app, &server.client()).await;
    assert!(page.contains("redirects are not followed"), "{page}");
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_document_larger_than_5_kilobytes_is_refused() {
    let app = spawn().await;
    let server = DocumentServer::start().await;
    let mut big = document(&server.url);
    big["client_name"] = json!("x".repeat(6000));
    server.set(|r| r.body = big.to_string());
    let page = refusal(&app, &server.client()).await;
    assert!(page.contains("exceeds 5120 bytes"), "{page}");
}

#[tokio::test]
async fn a_document_that_does_not_answer_is_given_up_within_the_fetch_timeout() {
    let app = spawn().await;
    let server = DocumentServer::start().await;
    server.set(|r| r.delay = Duration::from_secs(30));
    let started = std::time::Instant::now();
    let page = refusal(&app, &server.client()).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(page.contains("in time"), "{page}");
}

#[tokio::test]
async fn a_loopback_or_private_document_url_is_refused_without_the_development_setting() {
    let app = spawn_app_on(TestDb::new(), |s| s.client_id_metadata_documents = true).await;
    for id in ["https://127.0.0.1:9/client.json", "https://10.0.0.1/client.json"] {
        let client = TestClient {
            id: id.into(),
            secret: None,
        };
        let page = refusal(&app, &client).await;
        assert!(page.contains("loopback, private or link-local"), "{id}: {page}");
    }
    let plain = TestClient {
        id: "http://127.0.0.1:9/client.json".into(),
        secret: None,
    };
    assert!(refusal(&app, &plain).await.contains("not registered"));
}

#[tokio::test]
async fn a_secret_in_the_document_is_refused() {
    let app = spawn().await;
    let server = DocumentServer::start().await;
    let mut doc = document(&server.url);
    doc["token_endpoint_auth_method"] = json!("client_secret_basic");
    server.set(|r| r.body = doc.to_string());
    let page = refusal(&app, &server.client()).await;
    assert!(page.contains("use none or private_key_jwt"), "{page}");
}

#[tokio::test]
async fn the_document_is_kept_for_its_max_age_then_fetched_again_with_its_changes() {
    let app = spawn_app_with_clock(TestDb::new(), |s| {
        s.client_id_metadata_documents = true;
        s.outbound_private_addresses = true;
    })
    .await;
    let server = DocumentServer::start().await;
    server.set(|r| r.headers = vec!["cache-control: max-age=300".into()]);
    let (agent, consent, _) = consent_page(&app, &server.client()).await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    let (path, _) = authorize_path(&server.client(), &[]);
    assert_eq!(agent.get(&path).await.status, 200);
    assert_eq!(server.hits(), 1, "fresh for 300 s");
    let mut renamed = document(&server.url);
    renamed["client_name"] = json!("Renamed client");
    server.set(|r| r.body = renamed.to_string());
    app.clock.advance(Duration::from_secs(301));
    let page = agent.get(&path).await;
    assert_eq!(server.hits(), 2, "stale after 300 s");
    assert!(page.body.contains("Renamed client"), "{}", page.body);
}

#[tokio::test]
async fn a_document_that_is_gone_when_stale_makes_the_client_unusable() {
    let app = spawn_app_with_clock(TestDb::new(), |s| {
        s.client_id_metadata_documents = true;
        s.outbound_private_addresses = true;
    })
    .await;
    let server = DocumentServer::start().await;
    let (_, consent, _) = consent_page(&app, &server.client()).await;
    assert_eq!(consent.status, 200);
    server.set(|r| r.status = "404 Not Found");
    app.clock.advance(Duration::from_secs(3600));
    let page = refusal(&app, &server.client()).await;
    assert!(page.contains("HTTP 404"), "{page}");
}

#[tokio::test]
async fn a_refused_document_is_not_fetched_again_for_a_minute() {
    let app = spawn().await;
    let server = DocumentServer::start().await;
    server.set(|r| r.status = "500 Internal Server Error");
    refusal(&app, &server.client()).await;
    refusal(&app, &server.client()).await;
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn an_operators_suspension_survives_the_document_being_fetched_again() {
    let app = spawn_app_with_clock(TestDb::new(), |s| {
        s.client_id_metadata_documents = true;
        s.outbound_private_addresses = true;
    })
    .await;
    let server = DocumentServer::start().await;
    let (_, consent, _) = consent_page(&app, &server.client()).await;
    assert_eq!(consent.status, 200);
    let clients = tollgate::oauth::clients::ClientCache::new(app.database(), app.clock.clone());
    let flags = tollgate::storage::clients::ClientFlags {
        is_trusted: false,
        suspended: true,
        verified: false,
    };
    let actor = tollgate::oauth::audit::Actor::system();
    assert!(
        tollgate::oauth::registry::set_flags(&clients, &actor, &server.url, flags)
            .await
            .unwrap()
    );
    app.clock.advance(Duration::from_secs(3600));
    let page = refusal(&app, &server.client()).await;
    assert_eq!(server.hits(), 2);
    assert!(page.contains("suspended"), "{page}");
}
