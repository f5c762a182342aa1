//! The events other services learn of security-relevant changes by
//! (README, "For the services behind Tollgate"): each is written to the
//! outbox in the transaction of the change it reports, and published later
//! by the relay (`crate::events`). This module is the catalogue's writing
//! side: the one place an event row is made.
//!
//! No secret, password, token or code ever goes into an event: callers
//! pass ids, names, reasons and flags.

use crate::oauth::secrets;
use crate::storage::outbox::NewOutboxRow;
use crate::storage::{self, DbConnection, QueryError};
use serde_json::Value;

/// Writes the event `event_type` (e.g. `session.created`) about `subject`
/// (a user's or a client's id) with `data` (a JSON object), which happened
/// at `now`, to the outbox, in the caller's transaction.
pub fn emit_in(
    conn: &mut DbConnection,
    event_type: &'static str,
    subject: Option<&str>,
    data: Value,
    now: i64,
) -> Result<(), QueryError> {
    storage::outbox::insert(
        conn,
        &NewOutboxRow {
            id: secrets::random_token(16),
            event_type: event_type.to_string(),
            subject: subject.map(str::to_string),
            data: data.to_string(),
            created_at: now,
        },
    )
}
