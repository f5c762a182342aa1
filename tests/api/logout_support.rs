//! What the logout tests share: a signed-in user with tokens from a client
//! under their session, id tokens to hint with, and a relying party's
//! back-channel endpoint listening on loopback.

use crate::browser::{authorize_path, Agent, PASSWORD, REDIRECT};
use crate::helpers::{claims_of, spawn_app_on, Answer, TestApp, TestClient, TestDb};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// A server whose back-channel notices may go to loopback (the listeners
/// of these tests).
pub async fn spawn_logout_app() -> TestApp {
    spawn_app_on(TestDb::new(), |s| s.backchannel_logout_private_addresses = true).await
}

/// `username`, created and signed in.
pub async fn signed_in<'a>(app: &'a TestApp, username: &str) -> Agent<'a> {
    app.create_user(username, PASSWORD);
    let agent = Agent::new(app);
    let page = agent.sign_in(username, PASSWORD, "/account").await;
    assert_eq!(page.status, 303, "{}", page.body);
    agent
}

/// Tokens for `client` through the consent page; the client is recorded
/// as a participant of the session (as issuing the code does once id
/// tokens are issued).
pub async fn tokens(app: &TestApp, agent: &Agent<'_>, client: &TestClient) -> Answer {
    let (path, verifier) = authorize_path(client, &[]);
    let consent = agent.get(&path).await;
    let answer = if consent.status == 200 {
        agent.decide(&consent, "approve").await
    } else {
        consent
    };
    let code = answer.query_param("code").expect("a code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.secret()),
    ];
    let tokens = app.post_form("/oauth2/token", &form, Some(client)).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let sid = sid_of(&tokens);
    let client_id = client.id.clone();
    app.database()
        .run_sync(|conn| {
            tollgate::storage::sessions::record_participant(
                conn,
                &sid,
                &client_id,
                tollgate::domain::Clock::system().now(),
            )
        })
        .unwrap();
    tokens
}

/// The session id (`sid`) of a token response's access token.
pub fn sid_of(tokens: &Answer) -> String {
    claims_of(tokens.body["access_token"].as_str().unwrap())["sid"]
        .as_str()
        .expect("the access token names its session")
        .to_string()
}

/// Signs out from the account page.
pub async fn log_out(agent: &Agent<'_>) {
    let account = agent.get("/account").await;
    let out = agent
        .post("/logout", &[("csrf_token", &account.hidden("csrf_token"))])
        .await;
    assert_eq!(out.status, 200, "{}", out.body);
}

/// An id token as this server issues them, signed with its active key.
pub fn id_token(app: &TestApp, aud: &str, sub: &str, sid: Option<&str>) -> String {
    id_token_issued_at(app, aud, sub, sid, tollgate::domain::Clock::system().now())
}

/// An id token as [`id_token`] makes, issued at `iat` and expiring 300 s
/// later (in the past, for a hint kept since then).
pub fn id_token_issued_at(app: &TestApp, aud: &str, sub: &str, sid: Option<&str>, iat: i64) -> String {
    use tollgate::oauth::keys::SigningKey;
    use tollgate::oauth::openid::id_token::{IdTokenClaims, ID_TOKEN_TYP};
    let rows = app.database().run_sync(tollgate::storage::keys::all).unwrap();
    let row = rows
        .iter()
        .find(|r| r.retired_at.is_none())
        .expect("an active key");
    let key = SigningKey::from_pkcs8(row.kid.clone(), row.alg.parse().unwrap(), &row.private_pkcs8).unwrap();
    let claims = IdTokenClaims {
        iss: app.address.clone(),
        sub: sub.to_string(),
        aud: aud.to_string(),
        exp: iat + 300,
        iat,
        sid: sid.map(str::to_string),
        ..Default::default()
    };
    key.sign_jwt(ID_TOKEN_TYP, &claims).unwrap()
}

/// A port nobody listens on now, for a listener started later.
pub fn reserved_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A relying party's back-channel logout endpoint: every POST's path and
/// `logout_token`, answered 200.
pub struct Listener {
    pub port: u16,
    received: mpsc::UnboundedReceiver<(String, String)>,
}

impl Listener {
    pub async fn start() -> Listener {
        Listener::on(0).await
    }

    pub async fn on(port: u16) -> Listener {
        let socket = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = socket.local_addr().unwrap().port();
        let (tx, received) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = socket.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut data = Vec::new();
                    let mut buf = [0u8; 4096];
                    let (head, body) = loop {
                        let n = stream.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        data.extend_from_slice(&buf[..n]);
                        let text = String::from_utf8_lossy(&data).to_string();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let head = text[..end].to_string();
                            let length: usize = head
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse().ok())?
                                })
                                .unwrap_or(0);
                            if data.len() >= end + 4 + length {
                                break (head, text[end + 4..end + 4 + length].to_string());
                            }
                        }
                    };
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                    let token = url::form_urlencoded::parse(body.as_bytes())
                        .find(|(k, _)| k == "logout_token")
                        .map(|(_, v)| v.to_string())
                        .unwrap_or_default();
                    let _ = stream
                        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .await;
                    let _ = tx.send((path, token));
                });
            }
        });
        Listener { port, received }
    }

    /// `http://127.0.0.1:PORT/PATH`.
    pub fn uri(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The next (path, logout token) received within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<(String, String)> {
        tokio::time::timeout(wait, self.received.recv())
            .await
            .ok()
            .flatten()
    }
}

/// A logout token's header and claims, its signature checked with the
/// server's JWKS (the algorithm pinned to the key).
pub async fn verified_logout_token(app: &TestApp, token: &str, aud: &str) -> (jsonwebtoken::Header, Value) {
    let header = jsonwebtoken::decode_header(token).unwrap();
    let (_, jwks) = app.get_json("/.well-known/jwks.json").await;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("the token's key is published");
    let parsed: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone()).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&parsed).unwrap();
    let alg: jsonwebtoken::Algorithm = jwk["alg"].as_str().unwrap().parse().unwrap();
    assert_eq!(header.alg, alg);
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.set_audience(&[aud]);
    validation.set_issuer(&[&app.address]);
    validation.set_required_spec_claims(&["iss", "aud", "exp", "iat"]);
    let data = jsonwebtoken::decode::<Value>(token, &key, &validation).expect("a valid signature and claims");
    (data.header, data.claims)
}

/// The logout notices stored for `client_id`: (attempts, delivered).
pub fn deliveries(app: &TestApp, client_id: &str) -> Vec<(i32, bool)> {
    let id = client_id.to_string();
    app.database()
        .run_sync(|conn| tollgate::storage::logout_deliveries::for_client(conn, &id))
        .unwrap()
        .into_iter()
        .map(|d| (d.attempts, d.delivered_at.is_some()))
        .collect()
}
