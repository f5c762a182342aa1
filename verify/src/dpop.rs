//! DPoP proofs (RFC 9449): the checks a proof must pass wherever it is
//! presented, at the authorization server's token endpoint or at a
//! resource server, and the bounded in-memory `jti` cache a resource server
//! keeps against replays.
//!
//! [`check_proof`] is pure: it checks the proof's form, signature and
//! claims against the request it came with and the time given; replay
//! (`jti`) and server nonces are the caller's, since where they are kept
//! differs (a shared table at the authorization server, [`ReplayCache`] in
//! one resource-server process).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The `typ` of a DPoP proof (RFC 9449 §4.2).
pub const PROOF_TYP: &str = "dpop+jwt";

/// The asymmetric algorithms a proof may be signed with: what
/// `dpop_signing_alg_values_supported` lists (RFC 9449 §5.1).
pub const SIGNING_ALGS: &[&str] = &["ES256", "ES384", "EdDSA", "RS256", "PS256"];

/// Seconds a proof's `iat` may lie ahead of the checker's clock.
pub const CLOCK_SKEW: i64 = 5;

/// The longest proof accepted, in bytes (an RSA-4096 `jwk` fits well).
const MAX_PROOF: usize = 8192;

/// Why a proof was refused. The text is safe to send back as an
/// `error_description`: it never echoes a value taken from the proof.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProofError(pub &'static str);

/// What a valid proof tells: who holds the key, and what identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The RFC 7638 SHA-256 thumbprint of the proof's key, base64url: what a
    /// bound token's `cnf.jkt` carries.
    pub jkt: String,
    /// The proof's unique id, to be used once.
    pub jti: String,
    /// When the proof was made.
    pub iat: i64,
    /// The server nonce it carries, if any (RFC 9449 §8).
    pub nonce: Option<String>,
}

/// The request a proof must match.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The HTTP method (`htm`).
    pub method: &'a str,
    /// The request's URL (`htu`), compared without query and fragment
    /// (RFC 9449 §4.3).
    pub url: &'a str,
    /// The access token presented with it, whose hash `ath` must carry
    /// (RFC 9449 §4.3, at a resource); `None` at the token endpoint.
    pub access_token: Option<&'a str>,
    /// Now, seconds since the epoch.
    pub now: i64,
    /// How old a proof may be, seconds.
    pub lifetime: i64,
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: String,
    jwk: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ProofClaims {
    jti: Option<String>,
    htm: Option<String>,
    htu: Option<String>,
    iat: Option<i64>,
    ath: Option<String>,
    nonce: Option<String>,
}

/// The members of a JWK that only a private (or symmetric) key has.
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Checks `proof` (the `DPoP` header's value) against the request it came
/// with (RFC 9449 §4.3): a compact JWS typed `dpop+jwt`, signed with an
/// asymmetric algorithm by the public key in its header, whose `htm`,
/// `htu`, `iat` (and `ath`, at a resource) match. Replay and nonce are the
/// caller's to check.
pub fn check_proof(proof: &str, expected: &Expected<'_>) -> Result<Proof, ProofError> {
    if proof.len() > MAX_PROOF {
        return Err(ProofError("the DPoP proof is too long"));
    }
    let mut parts = proof.split('.');
    let (Some(head), Some(_), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ProofError("the DPoP proof is not a compact JWS"));
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(head)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(ProofError("the DPoP proof's header is malformed"))?;
    if header.typ.as_deref() != Some(PROOF_TYP) {
        return Err(ProofError("the DPoP proof's typ must be dpop+jwt"));
    }
    if header.crit.is_some() {
        return Err(ProofError("the DPoP proof uses unsupported critical extensions"));
    }
    if !SIGNING_ALGS.contains(&header.alg.as_str()) {
        return Err(ProofError(
            "the DPoP proof's alg is not a supported asymmetric algorithm",
        ));
    }
    let alg: Algorithm = header
        .alg
        .parse()
        .map_err(|_| ProofError("the DPoP proof's alg is not a supported asymmetric algorithm"))?;
    let jwk_members = header
        .jwk
        .ok_or(ProofError("the DPoP proof's header carries no jwk"))?;
    if PRIVATE_MEMBERS.iter().any(|m| jwk_members.contains_key(*m)) {
        return Err(ProofError("the DPoP proof's jwk must be a public key"));
    }
    let jwk: Jwk = serde_json::from_value(serde_json::Value::Object(jwk_members))
        .map_err(|_| ProofError("the DPoP proof's jwk is malformed"))?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| ProofError("the DPoP proof's jwk is malformed"))?;
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<ProofClaims>(proof, &key, &validation)
        .map_err(|_| ProofError("the DPoP proof's signature does not verify with its jwk"))?
        .claims;
    let jti = claims
        .jti
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or(ProofError("the DPoP proof has no valid jti"))?;
    if claims.htm.as_deref() != Some(expected.method) {
        return Err(ProofError(
            "the DPoP proof's htm does not match the request's method",
        ));
    }
    let htu = claims.htu.ok_or(ProofError("the DPoP proof has no htu"))?;
    match (normalize_htu(&htu), normalize_htu(expected.url)) {
        (Some(a), Some(b)) if a == b => {}
        _ => {
            return Err(ProofError(
                "the DPoP proof's htu does not match the request's URL",
            ))
        }
    }
    let iat = claims.iat.ok_or(ProofError("the DPoP proof has no iat"))?;
    if iat > expected.now + CLOCK_SKEW {
        return Err(ProofError("the DPoP proof's iat is in the future"));
    }
    if iat < expected.now - expected.lifetime - CLOCK_SKEW {
        return Err(ProofError("the DPoP proof is too old"));
    }
    if let Some(token) = expected.access_token {
        if claims.ath.as_deref() != Some(access_token_hash(token).as_str()) {
            return Err(ProofError("the DPoP proof's ath does not match the access token"));
        }
    }
    let jkt = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| ProofError("the DPoP proof's jwk is malformed"))?;
    Ok(Proof {
        jkt,
        jti,
        iat,
        nonce: claims.nonce,
    })
}

/// `ath`: the base64url SHA-256 of an access token (RFC 9449 §4.2).
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// A URL as RFC 9449 §4.3 compares `htu`: scheme and host lowercased, the
/// default port dropped, path kept, query and fragment removed
/// (RFC 3986 §6.2.2–6.2.3). `None` if it is not an absolute http(s) URL.
pub fn normalize_htu(raw: &str) -> Option<String> {
    let mut url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

/// A bounded, in-memory record of the proofs seen within their window, for
/// one resource-server process. Several instances behind one load balancer
/// need a shared one (a replay sent to another instance passes here): keep
/// it in a store they share, keyed the same way.
#[derive(Debug)]
pub struct ReplayCache {
    capacity: usize,
    inner: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    expiry: HashMap<String, i64>,
    order: VecDeque<(i64, String)>,
}

impl ReplayCache {
    /// A cache of at most `capacity` proofs.
    pub fn new(capacity: usize) -> ReplayCache {
        ReplayCache {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    /// Records `proof`, seen at `now`, until it is too old to be accepted
    /// (`lifetime` plus skew after its `iat`); `false` if it was seen
    /// already. When full, the oldest entry is dropped first.
    pub fn first_use(&self, proof: &Proof, now: i64, lifetime: i64) -> bool {
        let key = URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{}.{}", proof.jkt, proof.jti).as_bytes()));
        let until = proof.iat + lifetime + CLOCK_SKEW;
        let mut seen = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        while let Some((exp, _)) = seen.order.front() {
            if *exp >= now && seen.order.len() < self.capacity {
                break;
            }
            let (_, old) = seen.order.pop_front().expect("front exists");
            seen.expiry.remove(&old);
        }
        if seen.expiry.get(&key).is_some_and(|exp| *exp >= now) {
            return false;
        }
        seen.expiry.insert(key.clone(), until);
        seen.order.push_back((until, key));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_ignores_case_of_scheme_and_host_the_default_port_and_the_query() {
        assert_eq!(
            normalize_htu("HTTPS://Example.COM:443/token?x=1#f"),
            normalize_htu("https://example.com/token")
        );
        assert_ne!(
            normalize_htu("https://example.com/Token"),
            normalize_htu("https://example.com/token")
        );
        assert_eq!(normalize_htu("urn:x:y"), None);
    }

    #[test]
    fn a_proof_is_accepted_once_by_the_replay_cache() {
        let cache = ReplayCache::new(2);
        let proof = Proof {
            jkt: "k".into(),
            jti: "1".into(),
            iat: 100,
            nonce: None,
        };
        assert!(cache.first_use(&proof, 100, 60));
        assert!(!cache.first_use(&proof, 101, 60));
        // After its window it could not pass `check_proof` anyway.
        assert!(cache.first_use(&proof, 200, 60));
    }
}
