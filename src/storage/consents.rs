//! The `consents` table: what a user approved for a client.

use super::schema::{clients::dsl as c, consents::dsl as co};
use super::DbConnection;
use diesel::prelude::*;

/// The scope a user approved for a client, if any.
pub fn scope_for(conn: &mut DbConnection, user_id: &str, client_id: &str) -> QueryResult<Option<String>> {
    co::consents
        .find((user_id, client_id))
        .select(co::scope)
        .first(conn)
        .optional()
}

/// Records approval of `scope` (replacing an earlier approval). Two
/// approvals at once both succeed: the later one's scope stands.
pub fn grant(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
    scope: &str,
    now: i64,
) -> QueryResult<()> {
    let updated = diesel::update(co::consents.find((user_id, client_id)))
        .set((co::scope.eq(scope), co::granted_at.eq(now)))
        .execute(conn)?;
    if updated > 0 {
        return Ok(());
    }
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(co::consents)
            .values((
                co::user_id.eq(user_id),
                co::client_id.eq(client_id),
                co::scope.eq(scope),
                co::granted_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            diesel::update(co::consents.find((user_id, client_id)))
                .set((co::scope.eq(scope), co::granted_at.eq(now)))
                .execute(conn)
                .map(|_| ())
        }
        Err(e) => Err(e),
    }
}

/// Withdraws a consent; returns whether there was one.
pub fn withdraw(conn: &mut DbConnection, user_id: &str, client_id: &str) -> QueryResult<bool> {
    diesel::delete(co::consents.find((user_id, client_id)))
        .execute(conn)
        .map(|n| n > 0)
}

/// A user's consents with the client names: (client id, client name, scope, granted at).
pub fn for_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<(String, String, String, i64)>> {
    co::consents
        .inner_join(c::clients)
        .filter(co::user_id.eq(user_id))
        .select((co::client_id, c::name, co::scope, co::granted_at))
        .order(c::name.asc())
        .load(conn)
}
