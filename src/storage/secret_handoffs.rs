//! The `secret_handoffs` table: a new client secret between the POST that
//! made it and the one GET that shows it, sealed under a key the database
//! never sees (see `web::secret_handoff`).

use super::schema::secret_handoffs::dsl as h;
use super::DbConnection;
use diesel::prelude::*;

/// A sealed secret on its way to its page.
pub struct Handoff {
    /// A random handle, also in the developer's cookie.
    pub id: String,
    /// The application whose secret it is.
    pub client_id: String,
    /// The developer who may see it.
    pub user_id: String,
    /// The AES-GCM nonce.
    pub nonce: Vec<u8>,
    /// The secret, encrypted and authenticated.
    pub sealed: Vec<u8>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Stores a sealed secret.
pub fn insert(conn: &mut DbConnection, handoff: &Handoff) -> QueryResult<()> {
    diesel::insert_into(h::secret_handoffs)
        .values((
            h::id.eq(&handoff.id),
            h::client_id.eq(&handoff.client_id),
            h::user_id.eq(&handoff.user_id),
            h::nonce.eq(&handoff.nonce),
            h::sealed.eq(&handoff.sealed),
            h::expires_at.eq(handoff.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the hand-off `id` of `client_id` for `user_id` if it has not
/// expired: it is deleted in the same step, and only the caller whose
/// delete removed it gets it (two tabs, two instances: one wins).
/// Run it inside a transaction.
pub fn take(
    conn: &mut DbConnection,
    id: &str,
    client_id: &str,
    user_id: &str,
    now: i64,
) -> QueryResult<Option<(Vec<u8>, Vec<u8>)>> {
    let found = h::secret_handoffs
        .find(id)
        .filter(h::client_id.eq(client_id))
        .filter(h::user_id.eq(user_id))
        .filter(h::expires_at.gt(now))
        .select((h::nonce, h::sealed))
        .first::<(Vec<u8>, Vec<u8>)>(conn)
        .optional()?;
    let Some(found) = found else {
        return Ok(None);
    };
    let deleted = diesel::delete(h::secret_handoffs.find(id)).execute(conn)?;
    Ok((deleted == 1).then_some(found))
}

/// Deletes at most `limit` hand-offs that expired before `now`.
pub fn purge(conn: &mut DbConnection, now: i64, limit: i64) -> QueryResult<usize> {
    let expired = h::secret_handoffs
        .select(h::id)
        .filter(h::expires_at.lt(now))
        .limit(limit)
        .load::<String>(conn)?;
    diesel::delete(h::secret_handoffs.filter(h::id.eq_any(expired))).execute(conn)
}
