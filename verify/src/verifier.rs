//! The verifier: discovery, the key cache and the checks.

use crate::claims::{self, Claims, Expect};
use crate::error::{InvalidToken, VerifyError};
use crate::introspect::Introspector;
use crate::jwks::{self, KeySet, VerifyKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Default allowance for clock skew on `exp` and `nbf`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// Default shortest time between two JWKS fetches.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Default age after which the JWKS is fetched again even when every `kid`
/// is known, so that a key the issuer withdrew stops being accepted.
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(600);
/// Default time an introspection answer is reused for the same token.
pub const DEFAULT_INTROSPECTION_CACHE: Duration = Duration::from_secs(10);
/// Default timeout of each HTTP request to the issuer.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// Tokens longer than this are refused before any parsing (Tollgate's are
/// well under 2 KiB; this bounds the work a junk header can cause).
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Path of the RFC 8414 metadata document under the issuer.
const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";

/// Checks Tollgate access tokens offline against the issuer's published keys.
///
/// Cheap to clone (an `Arc` inside); clone it into each worker, or wrap it in
/// `web::Data`. Build it with [`Verifier::discover`] or [`Verifier::builder`].
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: String,
    audience: String,
    leeway: u64,
    min_refetch: Duration,
    jwks_max_age: Duration,
    jwks_uri: String,
    http: reqwest::Client,
    /// The current keys and when they were fetched. A std lock: it is held
    /// only to clone an `Arc`, never across an `.await`.
    keys: RwLock<(Arc<KeySet>, Instant)>,
    /// Serializes JWKS fetches and remembers when the last one started, so
    /// that tokens with made-up `kid`s cause at most one fetch per interval.
    last_fetch: tokio::sync::Mutex<Instant>,
    jwks_fetches: AtomicU64,
    introspection: Option<Introspector>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Hand-written so that the introspection secret is never printed.
        f.debug_struct("Verifier")
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .field("jwks_uri", &self.inner.jwks_uri)
            .field(
                "introspection_endpoint",
                &self.inner.introspection.as_ref().map(|i| i.endpoint()),
            )
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Verifier`]; made by [`Verifier::builder`], finished by
/// [`VerifierBuilder::build`].
#[derive(Clone)]
pub struct VerifierBuilder {
    issuer: String,
    audience: String,
    leeway: Duration,
    min_refetch: Duration,
    jwks_max_age: Duration,
    http_timeout: Duration,
    http: Option<reqwest::Client>,
    metadata_url: Option<String>,
    introspection: Option<(String, String)>,
    introspection_cache: Duration,
}

impl std::fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("min_refetch_interval", &self.min_refetch)
            .field("introspection", &self.introspection.is_some())
            .finish_non_exhaustive()
    }
}

impl VerifierBuilder {
    /// Clock-skew allowance on `exp` and `nbf` (default 30 s).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Shortest time between two JWKS fetches (default 10 s). A token with a
    /// `kid` not in the cache triggers a fetch only if the last one is at
    /// least this old; otherwise it is refused at once.
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch = interval;
        self
    }

    /// Age after which the JWKS is fetched again on the next verification
    /// even though every `kid` is known (default 10 min), so that keys the
    /// issuer withdrew stop being accepted. If that fetch fails, the cached
    /// keys stay in use.
    pub fn jwks_max_age(mut self, age: Duration) -> Self {
        self.jwks_max_age = age;
        self
    }

    /// Timeout of each request to the issuer (default 5 s). Ignored when
    /// [`http_client`](Self::http_client) is given.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// The HTTP client to reach the issuer with (proxies, CA roots, …).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Where to read the RFC 8414 metadata, when it is not at
    /// `{issuer}/.well-known/oauth-authorization-server`.
    pub fn metadata_url(mut self, url: impl Into<String>) -> Self {
        self.metadata_url = Some(url.into());
        self
    }

    /// Turns on the liveness check: each token is also sent to the issuer's
    /// `introspection_endpoint` (from the metadata), authenticated as this
    /// confidential client, and refused if no longer active. See the crate
    /// docs for the trade-off.
    pub fn introspection(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.introspection = Some((client_id.into(), client_secret.into()));
        self
    }

    /// How long an introspection answer is reused for the same token
    /// (default 10 s): the most a revocation can lag behind. Zero asks on
    /// every request.
    pub fn introspection_cache(mut self, ttl: Duration) -> Self {
        self.introspection_cache = ttl;
        self
    }

    /// Reads the issuer's metadata, then its JWKS, and returns the verifier.
    ///
    /// Fails with [`VerifyError::KeysUnavailable`] if either cannot be
    /// fetched, and [`VerifyError::Config`] if the metadata is for another
    /// issuer, has no `jwks_uri`, or has no `introspection_endpoint` while
    /// introspection was asked for.
    pub async fn build(self) -> Result<Verifier, VerifyError> {
        if self.issuer.is_empty() {
            return Err(VerifyError::Config("the issuer is empty".into()));
        }
        if self.audience.is_empty() {
            return Err(VerifyError::Config("the audience is empty".into()));
        }
        let http = match self.http {
            Some(client) => client,
            None => reqwest::Client::builder()
                .timeout(self.http_timeout)
                .build()
                .map_err(|e| VerifyError::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        let metadata_url = self
            .metadata_url
            .unwrap_or_else(|| format!("{}{METADATA_PATH}", self.issuer.trim_end_matches('/')));
        let metadata: Metadata = serde_json::from_value(get_json(&http, &metadata_url).await?)
            .map_err(|e| VerifyError::KeysUnavailable(format!("unreadable metadata: {e}")))?;
        // RFC 8414 §3.3: the metadata must name exactly the issuer we were
        // told to trust, or an attacker-controlled document could point us
        // at its own keys.
        if metadata.issuer != self.issuer {
            return Err(VerifyError::Config(format!(
                "the metadata at {metadata_url} is for issuer {:?}, not {:?}",
                metadata.issuer, self.issuer
            )));
        }
        let jwks_uri = metadata
            .jwks_uri
            .ok_or_else(|| VerifyError::Config("the issuer's metadata has no jwks_uri".into()))?;
        let introspection = match self.introspection {
            None => None,
            Some((id, secret)) => {
                let endpoint = metadata.introspection_endpoint.ok_or_else(|| {
                    VerifyError::Config("introspection was asked for, but the issuer's metadata has no introspection_endpoint".into())
                })?;
                Some(Introspector::new(
                    endpoint,
                    &id,
                    &secret,
                    self.introspection_cache,
                ))
            }
        };
        let keys = fetch_jwks(&http, &jwks_uri).await?;
        let now = Instant::now();
        Ok(Verifier {
            inner: Arc::new(Inner {
                issuer: self.issuer,
                audience: self.audience,
                leeway: self.leeway.as_secs(),
                min_refetch: self.min_refetch,
                jwks_max_age: self.jwks_max_age,
                jwks_uri,
                http,
                keys: RwLock::new((Arc::new(keys), now)),
                last_fetch: tokio::sync::Mutex::new(now),
                jwks_fetches: AtomicU64::new(1),
                introspection,
            }),
        })
    }
}

#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: Option<String>,
    introspection_endpoint: Option<String>,
}

/// The JOSE header members this crate looks at.
#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    typ: Option<String>,
    kid: Option<String>,
    crit: Option<Value>,
}

async fn get_json(http: &reqwest::Client, url: &str) -> Result<Value, VerifyError> {
    let fail = |e: String| VerifyError::KeysUnavailable(format!("{url}: {e}"));
    let response = http.get(url).send().await.map_err(|e| fail(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!("answered {status}")));
    }
    response.json().await.map_err(|e| fail(format!("not JSON: {e}")))
}

async fn fetch_jwks(http: &reqwest::Client, uri: &str) -> Result<KeySet, VerifyError> {
    let doc = get_json(http, uri).await?;
    jwks::parse_jwks(&doc).map_err(|e| VerifyError::KeysUnavailable(format!("{uri}: {e}")))
}

fn decode_part(part: &str, what: &'static str) -> Result<Vec<u8>, InvalidToken> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| InvalidToken::Malformed(what))
}

/// RFC 9068 §4: `typ` must be `at+jwt`, or its full media type
/// `application/at+jwt`; media types compare case-insensitively (RFC 7515
/// §4.1.9). This explicit typing is what keeps an ID token, or any other JWT
/// the issuer signs with the same keys, from being accepted as an access
/// token (RFC 8725 §3.11).
fn is_access_token_type(typ: &str) -> bool {
    typ.eq_ignore_ascii_case("at+jwt") || typ.eq_ignore_ascii_case("application/at+jwt")
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Verifier {
    /// Builds a verifier with the default settings: reads
    /// `{issuer}/.well-known/oauth-authorization-server`, then the JWKS it
    /// names. `audience` is this service's own identifier, which must appear
    /// in each token's `aud`.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), tollgate_verify::VerifyError> {
    /// let verifier = tollgate_verify::Verifier::discover("http://127.0.0.1:8080", "https://api.example.com").await?;
    /// # Ok(()) }
    /// ```
    pub async fn discover(
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Result<Verifier, VerifyError> {
        Verifier::builder(issuer, audience).build().await
    }

    /// A builder with the default settings, to change some before
    /// [`build`](VerifierBuilder::build).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), tollgate_verify::VerifyError> {
    /// use std::time::Duration;
    /// let verifier = tollgate_verify::Verifier::builder("http://127.0.0.1:8080", "https://api.example.com")
    ///     .leeway(Duration::from_secs(10))
    ///     .introspection("notes-api", "its-client-secret")
    ///     .introspection_cache(Duration::from_secs(5))
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder(issuer: impl Into<String>, audience: impl Into<String>) -> VerifierBuilder {
        VerifierBuilder {
            issuer: issuer.into(),
            audience: audience.into(),
            leeway: DEFAULT_LEEWAY,
            min_refetch: DEFAULT_MIN_REFETCH_INTERVAL,
            jwks_max_age: DEFAULT_JWKS_MAX_AGE,
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            http: None,
            metadata_url: None,
            introspection: None,
            introspection_cache: DEFAULT_INTROSPECTION_CACHE,
        }
    }

    /// The issuer every token must come from.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// This service's audience, which every token's `aud` must contain.
    pub fn audience(&self) -> &str {
        &self.inner.audience
    }

    /// The JWKS address taken from the metadata.
    pub fn jwks_uri(&self) -> &str {
        &self.inner.jwks_uri
    }

    /// Whether tokens are also checked by introspection.
    pub fn introspection_enabled(&self) -> bool {
        self.inner.introspection.is_some()
    }

    /// The `kid`s currently cached, sorted.
    pub fn key_ids(&self) -> Vec<String> {
        let keys = self.inner.keys.read().unwrap_or_else(|e| e.into_inner());
        let mut kids: Vec<String> = keys.0.keys().cloned().collect();
        kids.sort();
        kids
    }

    /// How many times the JWKS was fetched since the verifier was built
    /// (counting the first); for monitoring.
    pub fn jwks_fetch_count(&self) -> u64 {
        self.inner.jwks_fetches.load(Ordering::Relaxed)
    }

    /// Verifies `token` (the bare JWS, without `Bearer `) and returns its
    /// claims.
    ///
    /// Checks, in order: the compact JWS shape; `typ` is `at+jwt`; `alg` is
    /// neither `none` nor HMAC; the `kid` is one of the issuer's keys
    /// (fetching the JWKS again, at most once per minimum interval, if not);
    /// `alg` is the one the key is published for; the signature; `iss`
    /// exactly; `aud` contains the audience; `exp` and `nbf` with the leeway;
    /// presence of `sub`, `iat`, `jti`, `client_id`; then, if configured,
    /// introspection.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        let inner = &*self.inner;
        if token.len() > MAX_TOKEN_LEN {
            return Err(InvalidToken::Malformed("too long").into());
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(InvalidToken::Malformed("not three dot-separated parts").into());
        };

        let header: Header = serde_json::from_slice(&decode_part(header_b64, "header is not base64url")?)
            .map_err(|_| InvalidToken::Malformed("header is not JSON"))?;
        if !header.typ.as_deref().is_some_and(is_access_token_type) {
            return Err(InvalidToken::WrongType.into());
        }
        let alg = header.alg.ok_or(InvalidToken::Malformed("header has no alg"))?;
        // RFC 8725 §3.1/§3.2: `none` proves nothing, and an HMAC token could
        // only be checked with a shared secret, which a resource server never
        // has; refuse both before looking at keys.
        if alg.eq_ignore_ascii_case("none") || alg.starts_with("HS") {
            return Err(InvalidToken::AlgorithmNotAllowed.into());
        }
        if header.crit.is_some() {
            return Err(InvalidToken::UnsupportedCritical.into());
        }
        // RFC 8725 §3.10: the key is chosen only among the issuer's own, by
        // `kid`; `jku`, `jwk`, `x5u` and `x5c` in the header are ignored.
        let kid = header.kid.ok_or(InvalidToken::MissingKeyId)?;
        let key = self.key_for(&kid).await?;
        if alg != key.alg_name {
            return Err(InvalidToken::AlgorithmMismatch {
                expected: key.alg_name,
            }
            .into());
        }

        let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
        match jsonwebtoken::crypto::verify(signature_b64, signing_input.as_bytes(), &key.key, key.alg) {
            Ok(true) => {}
            _ => return Err(InvalidToken::BadSignature.into()),
        }

        let payload = decode_part(payload_b64, "claims are not base64url")?;
        let claims = claims::check(
            &payload,
            &Expect {
                issuer: &inner.issuer,
                audience: &inner.audience,
                leeway: inner.leeway,
                now: now_secs(),
            },
        )?;

        if let Some(introspection) = &inner.introspection {
            introspection.check(&inner.http, token, &claims.jti).await?;
        }
        Ok(claims)
    }

    fn cached_key(&self, kid: &str) -> (Option<Arc<VerifyKey>>, bool) {
        let keys = self.inner.keys.read().unwrap_or_else(|e| e.into_inner());
        let stale = keys.1.elapsed() >= self.inner.jwks_max_age;
        (keys.0.get(kid).cloned(), stale)
    }

    fn store(&self, keys: KeySet) {
        let mut slot = self.inner.keys.write().unwrap_or_else(|e| e.into_inner());
        *slot = (Arc::new(keys), Instant::now());
    }

    async fn fetch(&self) -> Result<KeySet, VerifyError> {
        self.inner.jwks_fetches.fetch_add(1, Ordering::Relaxed);
        fetch_jwks(&self.inner.http, &self.inner.jwks_uri).await
    }

    async fn key_for(&self, kid: &str) -> Result<Arc<VerifyKey>, VerifyError> {
        let (key, stale) = self.cached_key(kid);
        if let Some(key) = key {
            if !stale {
                return Ok(key);
            }
            self.refresh_stale().await;
            if let (Some(key), _) = self.cached_key(kid) {
                return Ok(key);
            }
            // The refreshed JWKS no longer lists this key: the issuer
            // withdrew it, so it is handled as unknown below.
        }

        // An unknown kid: after a rotation the issuer signs with a key we
        // have not seen yet, so fetch again — but at most once per interval,
        // or a stream of tokens with made-up kids would turn this service
        // into an amplifier against Tollgate.
        let mut last = self.inner.last_fetch.lock().await;
        if let (Some(key), _) = self.cached_key(kid) {
            // Someone else fetched while we waited for the lock.
            return Ok(key);
        }
        if last.elapsed() < self.inner.min_refetch {
            return Err(InvalidToken::UnknownKey.into());
        }
        *last = Instant::now();
        let keys = self.fetch().await?;
        let found = keys.get(kid).cloned();
        self.store(keys);
        found.ok_or_else(|| InvalidToken::UnknownKey.into())
    }

    /// Refetches a JWKS older than the maximum age, if no other task is
    /// already doing so and the minimum interval allows. A failure keeps
    /// the old keys: an outage of Tollgate should not stop tokens signed
    /// with known keys from being accepted.
    async fn refresh_stale(&self) {
        let Ok(mut last) = self.inner.last_fetch.try_lock() else {
            return;
        };
        if last.elapsed() < self.inner.min_refetch {
            return;
        }
        *last = Instant::now();
        if let Ok(keys) = self.fetch().await {
            self.store(keys);
        }
    }

    /// Fetches the JWKS now, whatever the minimum interval, and replaces the
    /// cached keys (e.g. from an admin endpoint after a known rotation).
    pub async fn refresh_keys(&self) -> Result<(), VerifyError> {
        let mut last = self.inner.last_fetch.lock().await;
        *last = Instant::now();
        let keys = self.fetch().await?;
        self.store(keys);
        Ok(())
    }
}
