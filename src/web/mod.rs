//! The HTTP side: routes, error responses and (later) pages and sessions.
//! Each route module exposes a `routes` function; this one only merges them.

mod discovery;
mod error;
mod health;

pub use error::ApiError;

use crate::config::Settings;
use crate::oauth::keys::KeyRing;
use crate::storage::Database;
use actix_web::web;
use std::sync::Arc;

/// What every handler can reach.
pub struct AppState {
    /// The validated settings.
    pub settings: Arc<Settings>,
    /// The database pool.
    pub db: Database,
    /// Signing keys.
    pub keys: Arc<KeyRing>,
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    discovery::routes(cfg);
}
