//! The protocol: accounts, the client registry, grants and tokens, signing
//! keys, revocation, introspection, server metadata and secrets. Reaches
//! the database only through `storage`.

pub mod accounts;
pub mod audit;
pub mod authorize;
pub mod clients;
pub mod dynamic_registration;
pub mod error;
pub mod form;
pub mod grants;
pub mod introspection;
pub mod keys;
pub mod metadata;
pub mod registry;
pub mod revocation;
pub mod secrets;
pub mod sessions;
pub mod sweeper;
pub mod throttle;
pub mod tokens;

use crate::config::Settings;
use crate::storage::Database;
use std::sync::Arc;

/// Everything the protocol needs at run time, built once at start-up.
pub struct Context {
    /// The validated settings.
    pub settings: Arc<Settings>,
    /// The database.
    pub db: Database,
    /// Signing and verification keys.
    pub keys: keys::KeyRing,
    /// Registered clients, cached briefly.
    pub clients: clients::ClientCache,
    /// Bounds the argon2 work running at once.
    pub password_checks: tokio::sync::Semaphore,
}

impl Context {
    /// A context over `db` with `settings`.
    pub fn new(settings: Arc<Settings>, db: Database) -> Context {
        Context {
            keys: keys::KeyRing::new(db.clone(), settings.key_lifecycle()),
            clients: clients::ClientCache::new(db.clone()),
            password_checks: tokio::sync::Semaphore::new(settings.password_hash_concurrency as usize),
            settings,
            db,
        }
    }
}
