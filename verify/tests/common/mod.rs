//! A stand-in for Tollgate: a tiny HTTP server on 127.0.0.1 serving metadata,
//! a JWKS and an introspection endpoint for keys the test generates, and
//! helpers to mint tokens with those keys.
#![allow(dead_code)]

use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The audience the tests' verifiers are built for.
pub const AUD: &str = "https://notes.example.com";
/// Introspection credentials: chosen with characters that RFC 6749 §2.3.1
/// wants form-urlencoded before HTTP Basic.
pub const CLIENT_ID: &str = "notes api";
pub const CLIENT_SECRET: &str = "p@ss:word";
const EXPECTED_BASIC: &str = "notes+api:p%40ss%3Aword";

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A signing key as Tollgate would hold it.
pub struct TestKey {
    pub kid: String,
    pub alg: &'static str,
    pair: Pair,
}

impl TestKey {
    pub fn rsa(kid: &str) -> TestKey {
        let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        TestKey {
            kid: kid.into(),
            alg: "RS256",
            pair: Pair::Rsa(pair),
        }
    }

    pub fn ec(kid: &str) -> TestKey {
        let pair = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        TestKey {
            kid: kid.into(),
            alg: "ES256",
            pair: Pair::Ec(pair),
        }
    }

    pub fn ed(kid: &str) -> TestKey {
        TestKey {
            kid: kid.into(),
            alg: "EdDSA",
            pair: Pair::Ed(Ed25519KeyPair::generate().unwrap()),
        }
    }

    /// The public JWK, as Tollgate publishes it.
    pub fn jwk(&self) -> Value {
        let mut jwk = match &self.pair {
            Pair::Rsa(p) => {
                let public = p.public_key();
                json!({
                    "kty": "RSA",
                    "n": b64(public.modulus().big_endian_without_leading_zero()),
                    "e": b64(public.exponent().big_endian_without_leading_zero()),
                })
            }
            Pair::Ec(p) => {
                let point = p.public_key().as_ref();
                json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) })
            }
            Pair::Ed(p) => json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(p.public_key().as_ref()) }),
        };
        jwk["kid"] = json!(self.kid);
        jwk["alg"] = json!(self.alg);
        jwk["use"] = json!("sig");
        jwk
    }

    /// The raw public key bytes (what an attacker would use as an HMAC secret).
    pub fn public_bytes(&self) -> Vec<u8> {
        match &self.pair {
            Pair::Rsa(p) => p.public_key().as_ref().to_vec(),
            Pair::Ec(p) => p.public_key().as_ref().to_vec(),
            Pair::Ed(p) => p.public_key().as_ref().to_vec(),
        }
    }

    pub fn sign_bytes(&self, message: &[u8]) -> Vec<u8> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match &self.pair {
            Pair::Rsa(p) => {
                let mut sig = vec![0u8; p.public_modulus_len()];
                p.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .unwrap();
                sig
            }
            Pair::Ec(p) => p.sign(&rng, message).unwrap().as_ref().to_vec(),
            Pair::Ed(p) => p.sign(message).as_ref().to_vec(),
        }
    }

    /// A compact JWS with exactly this header and these claims.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = self.sign_bytes(input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }

    /// A token as Tollgate issues it: `{alg, typ: at+jwt, kid}`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&self.header(), claims)
    }

    pub fn header(&self) -> Value {
        json!({ "alg": self.alg, "typ": "at+jwt", "kid": self.kid })
    }
}

/// Standard RFC 9068 claims for `issuer`, valid for five minutes.
pub fn claims(issuer: &str) -> Value {
    static JTI: AtomicU64 = AtomicU64::new(0);
    let n = now();
    json!({
        "iss": issuer,
        "sub": "alice",
        "aud": AUD,
        "exp": n + 300,
        "iat": n,
        "jti": format!("jti-{}", JTI.fetch_add(1, Ordering::Relaxed)),
        "client_id": "notes-app",
        "scope": "notes:read profile",
        "sid": "session-1",
    })
}

#[derive(Default)]
pub struct State {
    /// The `issuer` member the metadata announces (None: the real one).
    pub metadata_issuer: Option<String>,
    pub jwks: Value,
    /// When set, the JWKS endpoint answers 500.
    pub jwks_down: bool,
    pub jwks_hits: usize,
    /// The introspection answer.
    pub active: bool,
    pub introspection_hits: usize,
}

/// The stand-in server; stops when the test's runtime ends.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<State>>,
}

impl Server {
    pub async fn start(keys: &[&TestKey]) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            active: true,
            ..State::default()
        }));
        let server = Server { addr, state };
        server.set_keys(keys);
        let state = server.state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, addr, state).await;
                });
            }
        });
        server
    }

    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_keys(&self, keys: &[&TestKey]) {
        self.set_jwks(json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() }));
    }

    pub fn set_jwks(&self, jwks: Value) {
        self.state.lock().unwrap().jwks = jwks;
    }

    pub fn jwks_hits(&self) -> usize {
        self.state.lock().unwrap().jwks_hits
    }

    pub fn introspection_hits(&self) -> usize {
        self.state.lock().unwrap().introspection_hits
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }
}

async fn serve(mut stream: TcpStream, addr: SocketAddr, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut content_length = 0;
    let mut authorization = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.to_owned());
            }
        }
    }
    while buf.len() < head_end + content_length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).to_string();

    let issuer = format!("http://{addr}");
    let (status, json) = {
        let mut st = state.lock().unwrap();
        match request_line.split(' ').take(2).collect::<Vec<_>>()[..] {
            ["GET", "/.well-known/oauth-authorization-server"] => (
                200,
                json!({
                    "issuer": st.metadata_issuer.clone().unwrap_or_else(|| issuer.clone()),
                    "jwks_uri": format!("{issuer}/jwks"),
                    "introspection_endpoint": format!("{issuer}/introspect"),
                }),
            ),
            ["GET", "/jwks"] => {
                st.jwks_hits += 1;
                if st.jwks_down {
                    (500, json!({ "error": "server_error" }))
                } else {
                    (200, st.jwks.clone())
                }
            }
            ["POST", "/introspect"] => {
                st.introspection_hits += 1;
                let expected = format!("Basic {}", STANDARD.encode(EXPECTED_BASIC));
                if authorization.as_deref() != Some(expected.as_str()) {
                    (401, json!({ "error": "invalid_client" }))
                } else if !body.split('&').any(|p| p.starts_with("token=") && p.len() > 6) {
                    (400, json!({ "error": "invalid_request" }))
                } else {
                    (200, json!({ "active": st.active }))
                }
            }
            _ => (404, json!({ "error": "not_found" })),
        }
    };
    let body = json.to_string();
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
