//! How keys come and go: rotation, the activation delay, publication.

use super::{KeyError, SigningKey, CACHE_SECONDS};
use crate::domain::SigningAlg;
use crate::oauth::audit::{self, Actor, Event};
use crate::storage::{self, keys::KeyRow, Database};

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

    pub(super) fn is_published(&self, row: &KeyRow, now: i64) -> bool {
        row.retired_at.is_none_or(|t| self.published_until(t) > now)
    }

    /// The key that signs at `now`: the newest one published at least
    /// `activation_delay` ago; if none is that old (a first start), the
    /// oldest.
    pub(super) fn signing<'a>(&self, rows: &'a [KeyRow], now: i64) -> Option<&'a KeyRow> {
        // Newest first; within one second, the superseding key before the superseded.
        let mut ordered: Vec<&KeyRow> = rows.iter().collect();
        ordered.sort_by_key(|r| (std::cmp::Reverse(r.created_at), r.retired_at.is_some()));
        let eligible = ordered
            .iter()
            .find(|r| r.created_at <= now - self.activation_delay);
        eligible.or(ordered.last()).copied()
    }
}

pub(super) fn row_to_key(row: &KeyRow) -> Result<SigningKey, KeyError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
