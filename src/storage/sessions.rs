//! The `sessions` table: browser login sessions.

use super::schema::sessions::dsl as s;
use super::DbConnection;
use diesel::prelude::*;

/// Whether the session exists and has not ended.
pub fn is_live(conn: &mut DbConnection, id_hash: &str, now: i64) -> QueryResult<bool> {
    let found: Option<(Option<i64>, i64)> = s::sessions
        .find(id_hash)
        .select((s::ended_at, s::expires_at))
        .first(conn)
        .optional()?;
    Ok(matches!(found, Some((None, expires)) if expires > now))
}
