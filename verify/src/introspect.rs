//! Optional liveness check through token introspection (RFC 7662).

use crate::error::{InvalidToken, VerifyError};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Above this many cached answers, expired ones are dropped; if that is not
/// enough, the whole cache is (a burst of distinct tokens cannot grow it
/// without bound).
const MAX_CACHED: usize = 10_000;

pub(crate) struct Introspector {
    endpoint: String,
    /// Form-urlencoded client id and secret (RFC 6749 §2.3.1 asks for the
    /// encoding before they go into HTTP Basic).
    client_id: String,
    client_secret: String,
    ttl: Duration,
    /// Answers by `jti`: the token's signature is checked before this is
    /// consulted, so a `jti` is the issuer's and names exactly one token.
    cache: Mutex<HashMap<String, (bool, Instant)>>,
}

#[derive(Deserialize)]
struct Answer {
    active: bool,
}

fn form_encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl Introspector {
    pub(crate) fn new(endpoint: String, client_id: &str, client_secret: &str, ttl: Duration) -> Self {
        Introspector {
            endpoint,
            client_id: form_encode(client_id),
            client_secret: form_encode(client_secret),
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn cached(&self, jti: &str) -> Option<bool> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(jti)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(active, _)| *active)
    }

    fn remember(&self, jti: &str, active: bool) {
        if self.ttl.is_zero() {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, (_, at)| at.elapsed() < self.ttl);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(jti.to_owned(), (active, Instant::now()));
    }

    /// `Ok` when Tollgate says the token is active; `Inactive` when revoked
    /// or logged out; an outage error when Tollgate cannot say.
    pub(crate) async fn check(
        &self,
        http: &reqwest::Client,
        token: &str,
        jti: &str,
    ) -> Result<(), VerifyError> {
        let active = match self.cached(jti) {
            Some(active) => active,
            None => {
                let active = self.ask(http, token).await?;
                self.remember(jti, active);
                active
            }
        };
        if active {
            Ok(())
        } else {
            Err(InvalidToken::Inactive.into())
        }
    }

    async fn ask(&self, http: &reqwest::Client, token: &str) -> Result<bool, VerifyError> {
        let unavailable = |e: String| VerifyError::IntrospectionUnavailable(e);
        let response = http
            .post(&self.endpoint)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            .map_err(|e| unavailable(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            // A 401 here means our own client credentials are wrong: still
            // not the caller's fault, so an outage rather than a 401 for them.
            return Err(unavailable(format!("the endpoint answered {status}")));
        }
        let answer: Answer = response
            .json()
            .await
            .map_err(|e| unavailable(format!("unreadable answer: {e}")))?;
        Ok(answer.active)
    }
}
