//! The operator's token-exchange policy (RFC 8693): which clients may
//! exchange a user's token for which audiences. Each change is audited.

use crate::domain::ExchangeGrant;
use crate::oauth::audit::{self, Actor, Event};
use crate::storage::{self, Database, StorageError};

/// Why a policy change was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The audience is not an absolute URI without a fragment.
    #[error("the audience must be an absolute URI without a fragment, got {0:?}")]
    BadAudience(String),
    /// No client has that id.
    #[error("no client {0:?}")]
    UnknownClient(String),
    /// Denying what was never allowed.
    #[error("{0:?} was not allowed to exchange tokens for {1:?}")]
    NotAllowed(String, String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Allows `client_id` to exchange tokens for `audience`.
pub fn allow(
    db: &Database,
    actor: &Actor,
    client_id: &str,
    audience: &str,
    now: i64,
) -> Result<(), PolicyError> {
    if ExchangeGrant::new(client_id, audience).is_err() {
        return Err(PolicyError::BadAudience(audience.to_string()));
    }
    let known = db.transaction_sync(|conn| {
        if storage::clients::by_id(conn, client_id)?.is_none() {
            return Ok(false);
        }
        storage::exchange_policies::allow(conn, client_id, audience, now)?;
        let event = Event::ExchangePolicyChanged {
            client_id: client_id.to_string(),
            audience: audience.to_string(),
            allowed: true,
        };
        audit::record_in(conn, actor, event, now);
        Ok(true)
    })?;
    if !known {
        return Err(PolicyError::UnknownClient(client_id.to_string()));
    }
    Ok(())
}

/// Takes back `client_id`'s permission to exchange tokens for `audience`.
pub fn deny(
    db: &Database,
    actor: &Actor,
    client_id: &str,
    audience: &str,
    now: i64,
) -> Result<(), PolicyError> {
    let had = db.transaction_sync(|conn| {
        if !storage::exchange_policies::deny(conn, client_id, audience)? {
            return Ok(false);
        }
        let event = Event::ExchangePolicyChanged {
            client_id: client_id.to_string(),
            audience: audience.to_string(),
            allowed: false,
        };
        audit::record_in(conn, actor, event, now);
        Ok(true)
    })?;
    if !had {
        return Err(PolicyError::NotAllowed(
            client_id.to_string(),
            audience.to_string(),
        ));
    }
    Ok(())
}

/// Every (client, audience) the policy allows.
pub fn list(db: &Database) -> Result<Vec<(String, String)>, StorageError> {
    db.run_sync(storage::exchange_policies::all)
}
