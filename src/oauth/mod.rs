//! The protocol: accounts, the client registry, grants and tokens, signing
//! keys, revocation, introspection, server metadata and secrets. Reaches
//! the database only through `storage`.

pub mod accounts;
pub mod apis;
pub mod audit;
pub mod authorize;
pub mod client_assertion;
pub mod clients;
pub mod device;
pub mod dpop;
pub mod dynamic_registration;
pub mod error;
pub mod events;
pub mod exchange_policy;
pub mod form;
pub mod grants;
pub mod hasher;
pub mod introspection;
pub mod keys;
pub mod liveness;
pub mod metadata;
pub mod metadata_documents;
pub mod opaque;
pub mod openid;
pub mod outbound;
pub mod profile;
#[cfg(test)]
mod protocol_tests;
pub mod registry;
pub mod revocation;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod sweeper;
pub mod throttle;
pub mod tokens;

use crate::domain::Clock;
use crate::storage::Database;
use std::sync::Arc;

/// Everything the protocol needs at run time, built once at start-up.
pub struct Context {
    /// What the protocol is configured with.
    pub settings: Arc<settings::ProtocolSettings>,
    /// The database.
    pub db: Database,
    /// Signing and verification keys.
    pub keys: keys::KeyRing,
    /// Registered clients, cached briefly.
    pub clients: clients::ClientCache,
    /// Registered APIs (audiences, owned scopes, client roles), cached briefly.
    pub apis: apis::ApiCache,
    /// Password hashing: a fixed set of threads behind a bounded, fair queue.
    pub passwords: hasher::HashPool,
    /// This server's Prometheus series.
    pub metrics: crate::telemetry::metrics::Metrics,
    /// Woken when a session ends here, so its back-channel logout notices
    /// go out at once (`openid::backchannel::deliver`).
    pub logout_wake: tokio::sync::Notify,
    /// The shared session store's state as its projector last saw it
    /// (`crate::session_store`), for `/readyz`.
    pub session_store: crate::session_store::Health,
    /// Where "now" comes from: every timestamp written or compared.
    pub clock: Clock,
}

impl Context {
    /// A context over `db` with `settings`, on the system's clock.
    pub fn new(settings: settings::ProtocolSettings, db: Database) -> Context {
        Context::with_clock(settings, db, Clock::system())
    }

    /// A context over `db` with `settings` whose time comes from `clock`.
    pub fn with_clock(settings: settings::ProtocolSettings, db: Database, clock: Clock) -> Context {
        let settings = Arc::new(settings);
        Context {
            keys: keys::KeyRing::new(db.clone(), settings.key_lifecycle, clock.clone()),
            clients: {
                let clients = clients::ClientCache::new(db.clone(), clock.clone()).accepting_assertions(
                    client_assertion::Verifier::new(&settings.issuer, settings.outbound_private_addresses),
                );
                match settings.client_id_metadata_documents {
                    true => clients.resolving_documents(metadata_documents::Resolver::new(
                        settings.outbound_private_addresses,
                    )),
                    false => clients,
                }
            },
            apis: apis::ApiCache::new(db.clone()),
            passwords: hasher::HashPool::new(
                settings.password_hash_concurrency as usize,
                settings.password_queue_length as usize,
                std::time::Duration::from_secs(settings.password_queue_wait as u64),
            ),
            metrics: Default::default(),
            logout_wake: tokio::sync::Notify::new(),
            session_store: Default::default(),
            settings,
            db,
            clock,
        }
    }
}
