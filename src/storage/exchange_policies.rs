//! The `token_exchange_policies` table: which client may exchange a user's
//! access token (RFC 8693) for a token for which audience.

use super::schema::token_exchange_policies::dsl as p;
use super::DbConnection;
use diesel::prelude::*;

/// Allows `client_id` to exchange tokens for `audience` (again: no error).
pub fn allow(conn: &mut DbConnection, client_id: &str, audience: &str, now: i64) -> QueryResult<()> {
    if audiences_of(conn, client_id)?.iter().any(|a| a == audience) {
        return Ok(());
    }
    diesel::insert_into(p::token_exchange_policies)
        .values((
            p::client_id.eq(client_id),
            p::audience.eq(audience),
            p::created_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Takes the permission back; returns whether there was one.
pub fn deny(conn: &mut DbConnection, client_id: &str, audience: &str) -> QueryResult<bool> {
    diesel::delete(p::token_exchange_policies.find((client_id, audience)))
        .execute(conn)
        .map(|n| n == 1)
}

/// The audiences `client_id` may exchange tokens for.
pub fn audiences_of(conn: &mut DbConnection, client_id: &str) -> QueryResult<Vec<String>> {
    p::token_exchange_policies
        .filter(p::client_id.eq(client_id))
        .order(p::audience)
        .select(p::audience)
        .load(conn)
}

/// Every permission, by client then audience.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    p::token_exchange_policies
        .order((p::client_id, p::audience))
        .select((p::client_id, p::audience))
        .load(conn)
}
