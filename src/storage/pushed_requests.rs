//! The `pushed_authorization_requests` table (RFC 9126): an authorization
//! request a client pushed, kept under the hash of its `request_uri` until
//! the flow it starts issues something, or it expires.

use super::schema::pushed_authorization_requests::dsl as p;
use super::DbConnection;
use diesel::prelude::*;

/// A pushed request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::pushed_authorization_requests)]
pub struct PushedRow {
    /// SHA-256 of the `request_uri` (never the URI itself).
    pub request_uri_hash: String,
    /// The client that pushed it: the only one that may use it.
    pub client_id: String,
    /// The pushed parameters, a JSON array of `[name, value]` pairs.
    pub parameters: String,
    /// Unix seconds after which it is refused.
    pub expires_at: i64,
}

/// Stores a pushed request.
pub fn insert(conn: &mut DbConnection, row: &PushedRow) -> QueryResult<()> {
    diesel::insert_into(p::pushed_authorization_requests)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The parameters of the unexpired request `hash` pushed by `client_id`;
/// `None` if there is none (unknown, used, expired, or another client's).
pub fn find(conn: &mut DbConnection, hash: &str, client_id: &str, now: i64) -> QueryResult<Option<String>> {
    p::pushed_authorization_requests
        .find(hash)
        .filter(p::client_id.eq(client_id))
        .filter(p::expires_at.gt(now))
        .select(p::parameters)
        .first(conn)
        .optional()
}

/// Takes the request `hash` out of use, in one statement: `true` for the
/// one caller that took it, `false` for every other (already used, or
/// expired). Two consent decisions racing on one request get one code.
pub fn consume(conn: &mut DbConnection, hash: &str, now: i64) -> QueryResult<bool> {
    let deleted = diesel::delete(
        p::pushed_authorization_requests
            .find(hash)
            .filter(p::expires_at.gt(now)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Deletes at most `limit` requests that expired before `cutoff`.
pub fn purge(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    let expired = p::pushed_authorization_requests
        .select(p::request_uri_hash)
        .filter(p::expires_at.lt(cutoff))
        .limit(limit)
        .load::<String>(conn)?;
    diesel::delete(
        p::pushed_authorization_requests
            .filter(p::request_uri_hash.eq_any(&expired))
            .filter(p::expires_at.lt(cutoff)),
    )
    .execute(conn)
}

/// The clients that must push every authorization request (RFC 9126 §6).
pub fn required_by(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use super::schema::client_security::dsl as cs;
    cs::client_security
        .filter(cs::require_pushed_authorization_requests.eq(true))
        .select(cs::client_id)
        .load(conn)
}
