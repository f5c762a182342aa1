//! Signing keys: generated here, stored in the database (so every instance
//! signs with the same keys), parsed once and kept in memory, published as a
//! JWKS.
//!
//! A JWS is assembled here around the cached key pair rather than through
//! `jsonwebtoken::encode`, which parses the private key again on every call:
//! that way a token costs one signature and nothing more.

mod lifecycle;
mod ring;
mod signing_key;

pub use lifecycle::{ensure_active, list, rotate, KeyInfo, Lifecycle};
pub use ring::KeyRing;
pub use signing_key::SigningKey;

use crate::storage::StorageError;

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
