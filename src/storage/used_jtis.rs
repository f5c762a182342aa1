//! The `used_jtis` table: identifiers that may be used once within their
//! lifetime (DPoP proofs' `jti`, RFC 9449 §11.1; client assertions' `jti`,
//! RFC 7523 §3). Several instances share it, so a replay is refused
//! whichever instance it reaches.

use super::schema::used_jtis::dsl as u;
use super::DbConnection;
use diesel::prelude::*;

/// Records the use of `key` for `purpose` until `expires_at`; `true` if it
/// is the first use (or the earlier one has expired), `false` if it is a
/// replay. `key` should be a hash of what identifies the use (the key or
/// client, and the `jti`), never a secret.
pub fn first_use(
    conn: &mut DbConnection,
    purpose: &str,
    key: &str,
    expires_at: i64,
    now: i64,
) -> QueryResult<bool> {
    // An expired record no longer forbids anything: the proof or assertion
    // it was for is refused by its own age.
    diesel::delete(u::used_jtis.find((purpose, key)).filter(u::expires_at.lt(now))).execute(conn)?;
    // In a savepoint: on PostgreSQL a failed statement would otherwise
    // abort the caller's transaction.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(u::used_jtis)
            .values((
                u::purpose.eq(purpose),
                u::key.eq(key),
                u::expires_at.eq(expires_at),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// Deletes at most `limit` records that expired before `cutoff`.
pub fn purge(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    let expired = u::used_jtis
        .select((u::purpose, u::key))
        .filter(u::expires_at.lt(cutoff))
        .limit(limit)
        .load::<(String, String)>(conn)?;
    let mut deleted = 0;
    for (purpose, key) in expired {
        deleted += diesel::delete(
            u::used_jtis
                .find((&purpose, &key))
                .filter(u::expires_at.lt(cutoff)),
        )
        .execute(conn)?;
    }
    Ok(deleted)
}
