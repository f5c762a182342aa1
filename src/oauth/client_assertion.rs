//! `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OpenID
//! Connect Core §9): the client signs a short-lived JWT with a key whose
//! public part it registered, inline (`jwks`) or at a URL (`jwks_uri`).
//!
//! What is checked, and why:
//! - the algorithm is pinned to the key's type (RS256/PS256 for RSA, ES256
//!   for P-256, EdDSA for Ed25519): never `none`, never HMAC, so a public
//!   key can never serve as a shared secret (RFC 8725 §2.1, §3.1);
//! - `iss` = `sub` = the client id (RFC 7523 §3 items 1–2);
//! - `aud` is the issuer or one of the endpoints that accept assertions
//!   (§3 item 3: a string or an array containing one);
//! - `exp` is present, not past and at most [`MAX_LIFETIME`] ahead, so
//!   the replay cache below need only remember a `jti` for that long;
//!   `nbf` and `iat` are not in the future (both with [`SKEW`]);
//! - `jti` is present and used once within the assertion's lifetime,
//!   across every instance (§3 item 7, RFC 9700 §4.x "replay").
//!
//! A `jwks_uri` is fetched through [`crate::oauth::outbound`] and cached
//! for [`JWKS_TTL`]; an assertion naming a `kid` the cached set lacks
//! refetches it once, at most every [`JWKS_REFETCH`] (a client rotating its
//! key is seen at once, an attacker inventing `kid`s cannot make us fetch).

use crate::oauth::metadata::{INTROSPECTION_PATH, REVOCATION_PATH, TOKEN_PATH};
use crate::oauth::outbound::{self, HttpScheme, Policy};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The `token_endpoint_auth_method` of such clients.
pub const PRIVATE_KEY_JWT: &str = "private_key_jwt";
/// The algorithms accepted, as metadata lists them.
pub const SIGNING_ALGS: &[&str] = &["RS256", "PS256", "ES256", "EdDSA"];
/// Longest an assertion may still be valid, seconds.
pub const MAX_LIFETIME: i64 = 300;
/// Clock skew tolerated on `exp`, `nbf` and `iat`, seconds.
pub const SKEW: i64 = 30;
/// How long a fetched JWK Set is used.
pub const JWKS_TTL: Duration = Duration::from_secs(300);
/// Shortest time between two fetches of one `jwks_uri`.
pub const JWKS_REFETCH: Duration = Duration::from_secs(10);
/// Largest JWK Set accepted, inline or fetched, bytes.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Bound on one fetch of a `jwks_uri`.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
const CACHE_MAX_ENTRIES: usize = 1_000;

/// Why an assertion was refused: a description for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refused(why: impl Into<String>) -> Refused {
    Refused(why.into())
}

/// The claims read from an assertion.
#[derive(Debug, Deserialize)]
pub struct AssertionClaims {
    iss: Option<String>,
    sub: Option<String>,
    #[serde(default)]
    aud: Option<serde_json::Value>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    jti: Option<String>,
}

/// The `iss` of an assertion, read without verifying it: which client the
/// assertion claims to be from, when the request names none (RFC 7523
/// §3: `client_id` is optional next to an assertion).
pub fn unverified_issuer(assertion: &str) -> Option<String> {
    let payload = assertion.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: AssertionClaims = serde_json::from_slice(&bytes).ok()?;
    claims.iss
}

/// Checks a JWK Set a client registers: valid JSON, at most
/// [`MAX_JWKS_BYTES`], at least one key, every key public and of a
/// supported type (RSA of 2048 bits or more, EC P-256, OKP Ed25519), and a
/// declared `alg` one of [`SIGNING_ALGS`] that fits the key.
pub fn validate_jwks(jwks: &str) -> Result<JwkSet, String> {
    if jwks.len() > MAX_JWKS_BYTES {
        return Err(format!("the JWK Set exceeds {MAX_JWKS_BYTES} bytes"));
    }
    let raw: serde_json::Value =
        serde_json::from_str(jwks).map_err(|_| "the JWK Set is not JSON".to_string())?;
    let keys = raw
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("a JWK Set is an object with a \"keys\" array")?;
    if keys.is_empty() {
        return Err("the JWK Set has no key".into());
    }
    for key in keys {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
            if key.get(private).is_some() {
                return Err(format!(
                    "the JWK Set holds a private or symmetric key (member {private:?}): register public keys only"
                ));
            }
        }
    }
    let set: JwkSet = serde_json::from_value(raw).map_err(|e| format!("the JWK Set is not valid: {e}"))?;
    for key in &set.keys {
        let algs = algorithms_for(key);
        if algs.is_empty() {
            return Err(
                "a key is of an unsupported type: RSA, EC P-256 and OKP Ed25519 are supported".into(),
            );
        }
        if let AlgorithmParameters::RSA(rsa) = &key.algorithm {
            let bits = URL_SAFE_NO_PAD.decode(&rsa.n).map(|n| n.len() * 8).unwrap_or(0);
            if bits < 2048 {
                return Err("an RSA key is shorter than 2048 bits".into());
            }
        }
        if let Some(declared) = &key.common.key_algorithm {
            if !algs.iter().any(|a| declared.to_string() == format!("{a:?}")) {
                return Err(format!(
                    "a key declares the algorithm {declared}, which does not fit it"
                ));
            }
        }
        if DecodingKey::from_jwk(key).is_err() {
            return Err("a key cannot be read".into());
        }
    }
    Ok(set)
}

/// The algorithms a key verifies: pinned to its type.
fn algorithms_for(key: &Jwk) -> Vec<Algorithm> {
    match &key.algorithm {
        AlgorithmParameters::RSA(_) => vec![Algorithm::RS256, Algorithm::PS256],
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => vec![Algorithm::ES256],
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            vec![Algorithm::EdDSA]
        }
        _ => Vec::new(),
    }
}

/// Verifies assertions for one server: its accepted audiences and the
/// cache of fetched JWK Sets.
pub struct Verifier {
    audiences: Vec<String>,
    policy: Policy,
    fetched: RwLock<HashMap<String, Fetched>>,
}

#[derive(Clone)]
struct Fetched {
    set: Arc<JwkSet>,
    at: Instant,
}

/// Where a client's keys are.
pub enum Keys<'a> {
    /// Inline, a JWK Set as JSON.
    Inline(&'a str),
    /// At this URL.
    Uri(&'a str),
}

/// What a verified assertion leaves to record: its `jti`'s replay key and
/// until when it must be remembered.
#[derive(Debug)]
pub struct Verified {
    /// A hash of the client id and `jti`.
    pub replay_key: String,
    /// The assertion's `exp`.
    pub expires_at: i64,
}

impl Verifier {
    /// A verifier for the server whose issuer is `issuer`;
    /// `private_addresses` lets `jwks_uri` reach loopback, private and
    /// link-local addresses, and plain http on loopback (development).
    pub fn new(issuer: &str, private_addresses: bool) -> Verifier {
        let base = issuer.trim_end_matches('/');
        let mut audiences = vec![issuer.to_string()];
        for path in [TOKEN_PATH, REVOCATION_PATH, INTROSPECTION_PATH, PUSHED_PATH] {
            audiences.push(format!("{base}{path}"));
        }
        Verifier {
            audiences,
            policy: Policy {
                private_addresses,
                http: if private_addresses {
                    HttpScheme::Loopback
                } else {
                    HttpScheme::Refused
                },
                timeout: FETCH_TIMEOUT,
                max_bytes: MAX_JWKS_BYTES,
            },
            fetched: RwLock::new(HashMap::new()),
        }
    }

    /// The policy `jwks_uri` fetches follow.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Verifies `assertion` as `client_id`'s at time `now`; the `jti` is
    /// not yet recorded (see [`Verified`]).
    pub async fn verify(
        &self,
        client_id: &str,
        keys: Keys<'_>,
        assertion: &str,
        now: i64,
    ) -> Result<Verified, Refused> {
        let header = jsonwebtoken::decode_header(assertion)
            .map_err(|_| refused("the client assertion is not a signed JWT with a supported algorithm"))?;
        let alg = header.alg;
        if !matches!(
            alg,
            Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 | Algorithm::EdDSA
        ) {
            return Err(refused(format!(
                "the client assertion is signed with {alg:?}; accepted: {}",
                SIGNING_ALGS.join(", ")
            )));
        }
        let set = match keys {
            Keys::Inline(json) => Arc::new(
                serde_json::from_str::<JwkSet>(json)
                    .map_err(|_| refused("the client's registered keys cannot be read"))?,
            ),
            Keys::Uri(uri) => self.jwks_from(uri, header.kid.as_deref()).await?,
        };
        let candidates: Vec<&Jwk> = set
            .keys
            .iter()
            .filter(|k| header.kid.is_none() || k.common.key_id == header.kid)
            .filter(|k| algorithms_for(k).contains(&alg))
            .filter(|k| {
                k.common
                    .key_algorithm
                    .as_ref()
                    .is_none_or(|declared| declared.to_string() == format!("{alg:?}"))
            })
            .collect();
        if candidates.is_empty() {
            return Err(refused(match &header.kid {
                Some(_) => "no registered key of the client has the assertion's kid and fits its alg",
                None => "no registered key of the client fits the assertion's alg",
            }));
        }
        let mut validation = Validation::new(alg);
        // Times are checked below against the server's clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims = candidates
            .iter()
            .filter_map(|k| DecodingKey::from_jwk(k).ok())
            .find_map(|key| jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation).ok())
            .ok_or_else(|| {
                refused("the client assertion's signature does not verify with the client's keys")
            })?
            .claims;
        self.check_claims(client_id, &claims, now)
    }

    fn check_claims(&self, client_id: &str, claims: &AssertionClaims, now: i64) -> Result<Verified, Refused> {
        if claims.iss.as_deref() != Some(client_id) || claims.sub.as_deref() != Some(client_id) {
            return Err(refused(
                "the client assertion's iss and sub must both be the client id",
            ));
        }
        let audience_ok = match &claims.aud {
            Some(serde_json::Value::String(a)) => self.audiences.contains(a),
            Some(serde_json::Value::Array(all)) => all.iter().any(|a| {
                a.as_str()
                    .is_some_and(|a| self.audiences.iter().any(|ours| ours == a))
            }),
            _ => false,
        };
        if !audience_ok {
            return Err(refused(
                "the client assertion's aud must be the issuer or the URL of the endpoint it is sent to",
            ));
        }
        let exp = claims
            .exp
            .ok_or_else(|| refused("the client assertion has no exp"))?;
        if exp + SKEW < now {
            return Err(refused("the client assertion has expired"));
        }
        if exp > now + MAX_LIFETIME + SKEW {
            return Err(refused(format!(
                "the client assertion's exp is more than {MAX_LIFETIME} seconds ahead"
            )));
        }
        if claims.nbf.is_some_and(|nbf| nbf > now + SKEW) {
            return Err(refused("the client assertion is not valid yet (nbf)"));
        }
        if claims.iat.is_some_and(|iat| iat > now + SKEW) {
            return Err(refused("the client assertion was issued in the future (iat)"));
        }
        let jti = claims
            .jti
            .as_deref()
            .filter(|j| !j.is_empty())
            .ok_or_else(|| refused("the client assertion has no jti"))?;
        let mut hash = Sha256::new();
        hash.update(client_id.as_bytes());
        hash.update([0]);
        hash.update(jti.as_bytes());
        Ok(Verified {
            replay_key: URL_SAFE_NO_PAD.encode(hash.finalize()),
            // Remembered until it could no longer be accepted.
            expires_at: exp + SKEW,
        })
    }

    /// The JWK Set at `uri`: cached, fetched when absent or stale, and
    /// fetched again when it lacks `kid` (at most every [`JWKS_REFETCH`]).
    async fn jwks_from(&self, uri: &str, kid: Option<&str>) -> Result<Arc<JwkSet>, Refused> {
        let cached = self.fetched.read().ok().and_then(|m| m.get(uri).cloned());
        if let Some(c) = &cached {
            let fresh = c.at.elapsed() < JWKS_TTL;
            let has_kid =
                kid.is_none_or(|kid| c.set.keys.iter().any(|k| k.common.key_id.as_deref() == Some(kid)));
            if fresh && (has_kid || c.at.elapsed() < JWKS_REFETCH) {
                return Ok(c.set.clone());
            }
        }
        let fetched = outbound::get(uri, &self.policy, "application/jwk-set+json, application/json").await;
        let set = fetched
            .map_err(|e| e.0)
            .and_then(|f| String::from_utf8(f.body).map_err(|_| "not UTF-8".to_string()))
            .and_then(|body| validate_jwks(&body));
        let set = match set {
            Ok(set) => Arc::new(set),
            Err(why) => {
                tracing::warn!(jwks_uri = %uri, error = %why, "cannot fetch a client's jwks_uri");
                return Err(refused(
                    "the client's jwks_uri could not be fetched or holds no usable key set",
                ));
            }
        };
        if let Ok(mut map) = self.fetched.write() {
            if map.len() >= CACHE_MAX_ENTRIES {
                map.clear();
            }
            map.insert(
                uri.to_string(),
                Fetched {
                    set: set.clone(),
                    at: Instant::now(),
                },
            );
        }
        Ok(set)
    }
}

/// Where a `private_key_jwt` client's keys are, as registered: exactly one
/// of `jwks` and `jwks_uri` (RFC 7591 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWK Set, inline (checked by [`validate_jwks`]).
    Jwks(String),
    /// An `https` URL (plain `http` only on a loopback host, for
    /// development; fetching it still needs `outbound_private_addresses`).
    JwksUri(String),
}

impl KeySource {
    /// Checks what a registrant sent.
    pub fn parse(jwks: Option<&str>, jwks_uri: Option<&str>) -> Result<KeySource, String> {
        match (jwks, jwks_uri) {
            (Some(_), Some(_)) => Err("jwks and jwks_uri are exclusive: register one".into()),
            (None, None) => Err("private_key_jwt needs the client's public keys: jwks or jwks_uri".into()),
            (Some(jwks), None) => {
                validate_jwks(jwks)?;
                Ok(KeySource::Jwks(jwks.to_string()))
            }
            (None, Some(uri)) => {
                let parsed = url::Url::parse(uri).map_err(|_| "jwks_uri is not a URL".to_string())?;
                let loopback = match parsed.host() {
                    Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                    Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                    Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                    None => false,
                };
                let scheme_ok = parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback);
                if !scheme_ok
                    || parsed.fragment().is_some()
                    || !parsed.username().is_empty()
                    || uri.len() > 2000
                {
                    return Err("jwks_uri must be an https URL without userinfo or fragment".into());
                }
                Ok(KeySource::JwksUri(uri.to_string()))
            }
        }
    }
}

/// Makes client `id` authenticate with `private_key_jwt` and keys at
/// `source` (or, with `None`, by its secret again), in one transaction
/// that announces the change to other instances. `false` if there is no
/// such client. The caller invalidates its own cache.
pub async fn set_keys(
    db: &crate::storage::Database,
    id: &str,
    source: Option<KeySource>,
) -> Result<bool, crate::storage::StorageError> {
    use crate::storage;
    let id = id.to_string();
    db.transaction(move |conn| {
        if storage::clients::by_id(conn, &id)?.is_none() {
            return Ok(false);
        }
        let mut security = storage::clients::security_of(conn, &id)?;
        security.token_endpoint_auth_method = source.as_ref().map(|_| PRIVATE_KEY_JWT.to_string());
        (security.jwks, security.jwks_uri) = match source {
            Some(KeySource::Jwks(j)) => (Some(j), None),
            Some(KeySource::JwksUri(u)) => (None, Some(u)),
            None => (None, None),
        };
        storage::clients::set_security(conn, &id, &security)?;
        storage::notifications::client_changed(conn, &id)?;
        Ok(true)
    })
    .await
}

/// The pushed authorization request endpoint (RFC 9126), also an audience.
const PUSHED_PATH: &str = "/oauth2/par";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jwks_with_a_private_key_is_refused() {
        let err =
            validate_jwks(r#"{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}]}"#).unwrap_err();
        assert!(err.contains("private"), "{err}");
    }

    #[test]
    fn a_symmetric_key_is_refused() {
        assert!(validate_jwks(r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#).is_err());
    }

    #[test]
    fn an_empty_or_malformed_jwks_is_refused() {
        assert!(validate_jwks(r#"{"keys":[]}"#).is_err());
        assert!(validate_jwks(r#"[]"#).is_err());
        assert!(validate_jwks("nope").is_err());
    }

    #[test]
    fn the_issuer_is_read_from_an_unverified_assertion() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"iss":"app"}"#);
        assert_eq!(
            unverified_issuer(&format!("e30.{payload}.sig")).as_deref(),
            Some("app")
        );
        assert_eq!(unverified_issuer("garbage"), None);
    }
}

#[cfg(test)]
mod props;
