//! The running server's keys: the cached active key and the JWKS.

use super::lifecycle::row_to_key;
use super::{KeyError, Lifecycle, SigningKey, CACHE_SECONDS};
use crate::domain::Clock;
use crate::storage::{self, Database};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Most bytes a JWT of this server's may have when it comes back.
pub const MAX_OWN_JWT_LEN: usize = 8192;

type VerificationKeys = HashMap<String, (jsonwebtoken::DecodingKey, jsonwebtoken::Algorithm)>;

struct Cached {
    key: Arc<SigningKey>,
    created_at: i64,
    loaded: Instant,
}

/// The keys of a running server: the active signing key, cached for
/// [`CACHE_SECONDS`], and the JWKS, read from the table. Which key signs
/// and which are published follow the context's clock; the caches' own
/// freshness is measured with `Instant` (real time), as it bounds real
/// database reads, not protocol time.
pub struct KeyRing {
    db: Database,
    lifecycle: Lifecycle,
    clock: Clock,
    active: RwLock<Option<Cached>>,
    verifying: RwLock<(Arc<VerificationKeys>, Option<Instant>)>,
}

impl KeyRing {
    /// A key ring over `db`, on `clock`.
    pub fn new(db: Database, lifecycle: Lifecycle, clock: Clock) -> Self {
        KeyRing {
            db,
            lifecycle,
            clock,
            active: RwLock::new(None),
            verifying: RwLock::new((Arc::new(HashMap::new()), None)),
        }
    }

    /// The key that signs new tokens.
    pub async fn active(&self) -> Result<Arc<SigningKey>, KeyError> {
        if let Ok(guard) = self.active.read() {
            if let Some(c) = guard.as_ref() {
                if c.loaded.elapsed() < Duration::from_secs(CACHE_SECONDS as u64) {
                    return Ok(c.key.clone());
                }
            }
        }
        let rows = self.db.run(storage::keys::all).await?;
        let row = self
            .lifecycle
            .signing(&rows, self.clock.now())
            .ok_or_else(|| KeyError::Crypto("no signing key".into()))?;
        let key = Arc::new(row_to_key(row)?);
        if let Ok(mut guard) = self.active.write() {
            *guard = Some(Cached {
                key: key.clone(),
                created_at: row.created_at,
                loaded: Instant::now(),
            });
        }
        Ok(key)
    }

    /// When the key that signs new tokens was created (UTC seconds), for
    /// the key-age metric: as last read if the table cannot be read now.
    pub async fn active_created_at(&self) -> Option<i64> {
        let _ = self.active().await;
        self.active.read().ok()?.as_ref().map(|c| c.created_at)
    }

    /// The claims of `token` if this server signed it as a JWT of type
    /// `typ`: at most [`MAX_OWN_JWT_LEN`] bytes, the key its `kid` names with
    /// the one algorithm that key has (RFC 8725 §3.1), `iss` this `issuer`,
    /// and the `required` claims present. No time claim is checked here:
    /// callers compare `exp` with the context's clock where it matters. The
    /// one place this server's own JWTs are read back (access tokens,
    /// id-token hints).
    pub async fn verify_own<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        typ: &str,
        issuer: &str,
        required: &[&str],
    ) -> Option<T> {
        if token.len() > MAX_OWN_JWT_LEN {
            return None;
        }
        let header = jsonwebtoken::decode_header(token).ok()?;
        if header.typ.as_deref() != Some(typ) {
            return None;
        }
        let (key, alg) = self.verification_key(header.kid.as_deref()?).await?;
        if header.alg != alg {
            return None;
        }
        let mut validation = jsonwebtoken::Validation::new(alg);
        validation.set_issuer(&[issuer]);
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.set_required_spec_claims(required);
        jsonwebtoken::decode::<T>(token, &key, &validation)
            .ok()
            .map(|d| d.claims)
    }

    /// The public key with id `kid` and the one algorithm it verifies, if
    /// the key is published. An unknown `kid` re-reads the table at most
    /// once a second, so forged ids cannot turn into a query each.
    pub async fn verification_key(
        &self,
        kid: &str,
    ) -> Option<(jsonwebtoken::DecodingKey, jsonwebtoken::Algorithm)> {
        let (keys, loaded) = self.verifying.read().ok()?.clone();
        let fresh = loaded.is_some_and(|t| t.elapsed() < Duration::from_secs(CACHE_SECONDS as u64));
        if let Some(found) = keys.get(kid) {
            if fresh {
                return Some(found.clone());
            }
        }
        if loaded.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
            return None;
        }
        let jwks = self.jwks().await.ok()?;
        let mut reloaded = HashMap::new();
        for jwk in jwks["keys"].as_array().into_iter().flatten() {
            let Ok(parsed) = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(jwk.clone()) else {
                continue;
            };
            let alg = match jwk["alg"].as_str() {
                Some("RS256") => jsonwebtoken::Algorithm::RS256,
                Some("ES256") => jsonwebtoken::Algorithm::ES256,
                Some("EdDSA") => jsonwebtoken::Algorithm::EdDSA,
                _ => continue,
            };
            if let (Some(id), Ok(key)) = (jwk["kid"].as_str(), jsonwebtoken::DecodingKey::from_jwk(&parsed)) {
                reloaded.insert(id.to_string(), (key, alg));
            }
        }
        let found = reloaded.get(kid).cloned();
        if let Ok(mut guard) = self.verifying.write() {
            *guard = (Arc::new(reloaded), Some(Instant::now()));
        }
        found
    }

    /// The JWKS document: the active key and the retired keys still needed
    /// to verify tokens in their lifetime. Public parts only.
    pub async fn jwks(&self) -> Result<Value, KeyError> {
        let rows = self.db.run(storage::keys::all).await?;
        let now = self.clock.now();
        let keys: Vec<Value> = rows
            .into_iter()
            .filter(|r| self.lifecycle.is_published(r, now))
            .filter_map(|r| serde_json::from_str(&r.public_jwk).ok())
            .collect();
        Ok(json!({ "keys": keys }))
    }
}

#[cfg(test)]
mod props;
