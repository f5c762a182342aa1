//! Signing keys: generated here, stored in the database (so every instance
//! signs with the same keys), parsed once and kept in memory, published as a
//! JWKS.
//!
//! A JWS is assembled here around the cached key pair rather than through
//! `jsonwebtoken::encode`, which parses the private key again on every call:
//! that way a token costs one signature and nothing more.

use crate::domain::{Clock, SigningAlg};
use crate::oauth::audit::{self, Actor, Event};
use crate::storage::{self, keys::KeyRow, Database, StorageError};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long an instance keeps using its cached active key before it reads
/// the table again; a rotation made elsewhere is picked up within this.
pub const CACHE_SECONDS: i64 = 30;

/// A key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The crypto library refused.
    #[error("cryptographic operation failed: {0}")]
    Crypto(String),
    /// A stored key has an algorithm this build does not know.
    #[error("stored key {kid} has unknown algorithm {alg:?}")]
    UnknownAlg {
        /// Key id.
        kid: String,
        /// Stored algorithm name.
        alg: String,
    },
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A private key, parsed once, with its id and public JWK.
pub struct SigningKey {
    kid: String,
    alg: SigningAlg,
    pair: Pair,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn crypto<E: std::fmt::Debug>(e: E) -> KeyError {
    KeyError::Crypto(format!("{e:?}"))
}

impl SigningKey {
    /// Generates a new key; returns it and its PKCS#8 DER for storage.
    pub fn generate(alg: SigningAlg) -> Result<(SigningKey, Vec<u8>), KeyError> {
        let der: Vec<u8> = match alg {
            SigningAlg::Rs256 => {
                let pair = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(crypto)?;
                let der: aws_lc_rs::encoding::Pkcs8V1Der = pair.as_der().map_err(crypto)?;
                der.as_ref().to_vec()
            }
            SigningAlg::Es256 => {
                let pair =
                    EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).map_err(crypto)?;
                pair.to_pkcs8v1().map_err(crypto)?.as_ref().to_vec()
            }
            SigningAlg::EdDsa => Ed25519KeyPair::generate()
                .map_err(crypto)?
                .to_pkcs8()
                .map_err(crypto)?
                .as_ref()
                .to_vec(),
        };
        let kid = crate::oauth::secrets::random_token(12);
        let key = SigningKey::from_pkcs8(kid, alg, &der)?;
        Ok((key, der))
    }

    /// Parses a stored key.
    pub fn from_pkcs8(kid: String, alg: SigningAlg, der: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = match alg {
            SigningAlg::Rs256 => Pair::Rsa(RsaKeyPair::from_pkcs8(der).map_err(crypto)?),
            SigningAlg::Es256 => Pair::Ec(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der).map_err(crypto)?,
            ),
            SigningAlg::EdDsa => Pair::Ed(Ed25519KeyPair::from_pkcs8(der).map_err(crypto)?),
        };
        Ok(SigningKey { kid, alg, pair })
    }

    /// The key id (`kid`).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm (`alg`).
    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// The public key as a JWK (RFC 7517), with `kid`, `alg` and `use`.
    /// Built from the public half only: no private member can slip in.
    pub fn public_jwk(&self) -> Value {
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
                // An uncompressed point: 0x04, then x and y, 32 bytes each.
                let point = p.public_key().as_ref();
                json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]) })
            }
            Pair::Ed(p) => json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(p.public_key().as_ref()) }),
        };
        jwk["kid"] = json!(self.kid);
        jwk["alg"] = json!(self.alg.as_str());
        jwk["use"] = json!("sig");
        jwk
    }

    /// Signs `message` with this key.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            Pair::Rsa(p) => {
                let mut sig = vec![0u8; p.public_modulus_len()];
                let rng = aws_lc_rs::rand::SystemRandom::new();
                p.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(crypto)?;
                Ok(sig)
            }
            Pair::Ec(p) => {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                Ok(p.sign(&rng, message).map_err(crypto)?.as_ref().to_vec())
            }
            Pair::Ed(p) => Ok(p.sign(message).as_ref().to_vec()),
        }
    }

    /// A compact JWS over `claims` with header `{alg, typ, kid}`.
    pub fn sign_jwt(&self, typ: &str, claims: &impl serde::Serialize) -> Result<String, KeyError> {
        let header = json!({ "alg": self.alg.as_str(), "typ": typ, "kid": self.kid });
        let claims = serde_json::to_vec(claims).map_err(crypto)?;
        let mut jws = b64(header.to_string().as_bytes());
        jws.push('.');
        jws.push_str(&b64(&claims));
        let sig = self.sign(jws.as_bytes())?;
        jws.push('.');
        jws.push_str(&b64(&sig));
        Ok(jws)
    }
}

/// A key as the operator sees it (`tollgate keys list`).
#[derive(Debug, serde::Serialize)]
pub struct KeyInfo {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: String,
    /// When it was made.
    pub created_at: i64,
    /// When it stopped signing, if it has.
    pub retired_at: Option<i64>,
    /// Whether it signs new tokens.
    pub active: bool,
    /// Whether the JWKS still lists it.
    pub published: bool,
}

/// How keys come and go: a new key is published at once but signs only
/// `activation_delay` seconds later, so resource servers holding a JWKS
/// fetched just before a rotation do not meet an unknown `kid`; a
/// superseded key stays published until every token it may have signed has
/// expired.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle {
    /// Seconds between publishing a key and signing with it.
    pub activation_delay: i64,
    /// Access token lifetime, seconds.
    pub access_token_ttl: i64,
}

impl Lifecycle {
    /// Until when a key superseded at `retired_at` must stay in the JWKS: it
    /// may sign for `activation_delay` more seconds (plus other instances'
    /// cache time), and its last token lives `access_token_ttl`.
    fn published_until(&self, retired_at: i64) -> i64 {
        retired_at + self.activation_delay + CACHE_SECONDS + self.access_token_ttl + 60
    }

    fn is_published(&self, row: &KeyRow, now: i64) -> bool {
        row.retired_at.is_none_or(|t| self.published_until(t) > now)
    }

    /// The key that signs at `now`: the newest one published at least
    /// `activation_delay` ago; if none is that old (a first start), the
    /// oldest.
    fn signing<'a>(&self, rows: &'a [KeyRow], now: i64) -> Option<&'a KeyRow> {
        // Newest first; within one second, the superseding key before the superseded.
        let mut ordered: Vec<&KeyRow> = rows.iter().collect();
        ordered.sort_by_key(|r| (std::cmp::Reverse(r.created_at), r.retired_at.is_some()));
        let eligible = ordered
            .iter()
            .find(|r| r.created_at <= now - self.activation_delay);
        eligible.or(ordered.last()).copied()
    }
}

fn row_to_key(row: &KeyRow) -> Result<SigningKey, KeyError> {
    let alg = row.alg.parse().map_err(|_| KeyError::UnknownAlg {
        kid: row.kid.clone(),
        alg: row.alg.clone(),
    })?;
    SigningKey::from_pkcs8(row.kid.clone(), alg, &row.private_pkcs8)
}

/// Creates a key: published at once, signing after the activation delay;
/// the keys before it are marked superseded.
pub fn rotate(db: &Database, actor: &Actor, alg: SigningAlg, now: i64) -> Result<SigningKey, KeyError> {
    let (key, der) = SigningKey::generate(alg)?;
    let row = KeyRow {
        kid: key.kid.clone(),
        alg: alg.as_str().to_string(),
        private_pkcs8: der,
        public_jwk: key.public_jwk().to_string(),
        created_at: now,
        retired_at: None,
    };
    db.transaction_sync(|conn| {
        storage::keys::insert_active(conn, &row)?;
        let (kid, alg) = (row.kid.clone(), alg.as_str());
        audit::record_in(conn, actor, Event::KeyRotated { kid, alg }, now);
        Ok(())
    })?;
    Ok(key)
}

/// Makes sure a signing key exists, generating one with `alg` if not.
pub fn ensure_active(db: &Database, alg: SigningAlg, now: i64) -> Result<(), KeyError> {
    if db.run_sync(storage::keys::all)?.is_empty() {
        let key = rotate(db, &Actor::system(), alg, now)?;
        tracing::info!(kid = %key.kid, alg = %alg, "generated the first signing key");
    }
    Ok(())
}

/// Every key with its state at `now`.
pub fn list(db: &Database, lifecycle: Lifecycle, now: i64) -> Result<Vec<KeyInfo>, KeyError> {
    let rows = db.run_sync(storage::keys::all)?;
    let active_kid = lifecycle.signing(&rows, now).map(|r| r.kid.clone());
    Ok(rows
        .into_iter()
        .map(|r| KeyInfo {
            active: Some(&r.kid) == active_kid.as_ref(),
            published: lifecycle.is_published(&r, now),
            kid: r.kid,
            alg: r.alg,
            created_at: r.created_at,
            retired_at: r.retired_at,
        })
        .collect())
}

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
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_signs_a_token_that_jsonwebtoken_verifies() {
        for alg in [SigningAlg::Rs256, SigningAlg::Es256, SigningAlg::EdDsa] {
            let (key, _) = SigningKey::generate(alg).unwrap();
            let token = key
                .sign_jwt("at+jwt", &json!({ "sub": "x", "exp": 4_000_000_000u64 }))
                .unwrap();
            let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(key.public_jwk()).unwrap();
            let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
            let jalg = match alg {
                SigningAlg::Rs256 => jsonwebtoken::Algorithm::RS256,
                SigningAlg::Es256 => jsonwebtoken::Algorithm::ES256,
                SigningAlg::EdDsa => jsonwebtoken::Algorithm::EdDSA,
            };
            let mut validation = jsonwebtoken::Validation::new(jalg);
            validation.validate_aud = false;
            validation.required_spec_claims.clear();
            let data = jsonwebtoken::decode::<Value>(&token, &decoding, &validation).unwrap();
            assert_eq!(data.claims["sub"], "x");
            assert_eq!(data.header.kid.as_deref(), Some(key.kid()));
        }
    }

    fn row(kid: &str, created_at: i64, retired_at: Option<i64>) -> KeyRow {
        KeyRow {
            kid: kid.into(),
            alg: "ES256".into(),
            private_pkcs8: Vec::new(),
            public_jwk: String::new(),
            created_at,
            retired_at,
        }
    }

    #[test]
    fn a_new_key_signs_only_once_it_is_older_than_the_activation_delay() {
        let lifecycle = Lifecycle {
            activation_delay: 60,
            access_token_ttl: 600,
        };
        let rows = [row("new", 1000, None), row("old", 0, Some(1000))];
        assert_eq!(lifecycle.signing(&rows, 1030).unwrap().kid, "old");
        assert_eq!(lifecycle.signing(&rows, 1060).unwrap().kid, "new");
        let same_second = [row("new", 1000, None), row("old", 1000, Some(1000))];
        assert_eq!(lifecycle.signing(&same_second, 1010).unwrap().kid, "old");
        assert_eq!(lifecycle.signing(&same_second, 1060).unwrap().kid, "new");
        let first = [row("first", 1000, None)];
        assert_eq!(
            lifecycle.signing(&first, 1000).unwrap().kid,
            "first",
            "a first key signs at once"
        );
    }

    #[test]
    fn a_superseded_key_stays_published_past_its_last_tokens_lifetime() {
        let lifecycle = Lifecycle {
            activation_delay: 60,
            access_token_ttl: 600,
        };
        let old = row("old", 0, Some(1000));
        assert!(lifecycle.is_published(&old, 1000 + 60 + 600));
        assert!(!lifecycle.is_published(&old, 1000 + 60 + CACHE_SECONDS + 600 + 61));
    }

    #[test]
    fn a_stored_key_parses_back_to_the_same_public_key() {
        let (key, der) = SigningKey::generate(SigningAlg::Es256).unwrap();
        let again = SigningKey::from_pkcs8(key.kid().to_string(), SigningAlg::Es256, &der).unwrap();
        assert_eq!(key.public_jwk(), again.public_jwk());
    }
}
