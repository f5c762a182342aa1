//! The `opaque_tokens` table: opaque access tokens, each stored only as
//! the hash of the value handed out, with the claims a JWT would carry.

use super::schema::opaque_tokens::dsl as o;
use super::DbConnection;
use diesel::prelude::*;

/// A stored opaque access token.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::opaque_tokens)]
pub struct OpaqueRow {
    /// SHA-256 of the token.
    pub token_hash: String,
    /// Its `jti`, by which it is revoked.
    pub jti: String,
    /// The client it was issued to.
    pub client_id: String,
    /// Its claims, as the JSON object a JWT would carry.
    pub claims: String,
    /// Its `exp`.
    pub expires_at: i64,
}

/// Stores an opaque token.
pub fn insert(conn: &mut DbConnection, row: &OpaqueRow) -> QueryResult<()> {
    diesel::insert_into(o::opaque_tokens)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The token whose hash is `hash`.
pub fn by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<OpaqueRow>> {
    o::opaque_tokens
        .find(hash)
        .select(OpaqueRow::as_select())
        .first(conn)
        .optional()
}

/// Deletes the token with this `jti` (revoked); whether there was one.
pub fn delete_jti(conn: &mut DbConnection, jti: &str) -> QueryResult<bool> {
    diesel::delete(o::opaque_tokens.filter(o::jti.eq(jti)))
        .execute(conn)
        .map(|n| n > 0)
}

/// Deletes at most `limit` tokens that expired before `cutoff`.
pub fn purge(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    let expired = o::opaque_tokens
        .select(o::token_hash)
        .filter(o::expires_at.lt(cutoff))
        .limit(limit)
        .load::<String>(conn)?;
    diesel::delete(
        o::opaque_tokens
            .filter(o::token_hash.eq_any(&expired))
            .filter(o::expires_at.lt(cutoff)),
    )
    .execute(conn)
}
