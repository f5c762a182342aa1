//! The `sessions` table: browser login sessions. A session is found by the
//! SHA-256 of its cookie value; the value itself is never stored.

use super::schema::sessions::dsl as s;
use super::DbConnection;
use diesel::prelude::*;

/// A stored session.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::sessions)]
pub struct SessionRow {
    /// SHA-256 of the cookie value; also the `sid` of tokens issued under it.
    pub id_hash: String,
    /// The signed-in user.
    pub user_id: String,
    /// The secret CSRF tokens of this session's forms are derived from.
    pub csrf_secret: String,
    /// When the user signed in.
    pub authenticated_at: i64,
    /// When the session lapses.
    pub expires_at: i64,
    /// When it was ended by logout.
    pub ended_at: Option<i64>,
}

/// Stores a session.
pub fn insert(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(s::sessions)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The live session with this id hash.
pub fn live(conn: &mut DbConnection, id_hash: &str, now: i64) -> QueryResult<Option<SessionRow>> {
    s::sessions
        .find(id_hash)
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// Whether the session exists and has not ended.
pub fn is_live(conn: &mut DbConnection, id_hash: &str, now: i64) -> QueryResult<bool> {
    live(conn, id_hash, now).map(|s| s.is_some())
}

/// Ends a session; returns whether it was live.
pub fn end(conn: &mut DbConnection, id_hash: &str, now: i64) -> QueryResult<bool> {
    diesel::update(s::sessions.find(id_hash).filter(s::ended_at.is_null()))
        .set(s::ended_at.eq(Some(now)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Ends every live session of a user.
pub fn end_all_for_user(conn: &mut DbConnection, user_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        s::sessions
            .filter(s::user_id.eq(user_id))
            .filter(s::ended_at.is_null()),
    )
    .set(s::ended_at.eq(Some(now)))
    .execute(conn)
}

/// Whether the session was ended by logout (or is unknown). Unlike
/// [`is_live`], a session that merely lapsed has not ended: tokens issued
/// under it outlive the browser session until they expire or are revoked.
pub fn has_ended(conn: &mut DbConnection, id_hash: &str) -> QueryResult<bool> {
    let found: Option<Option<i64>> = s::sessions
        .find(id_hash)
        .select(s::ended_at)
        .first(conn)
        .optional()?;
    Ok(!matches!(found, Some(None)))
}
