//! The `consents` table: what a user approved for a client; and the
//! `consent_withdrawals` table: when they last took it back.

use super::schema::{clients::dsl as c, consent_withdrawals::dsl as cw, consents::dsl as co};
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

/// Records that a user withdrew their consent to a client at `now` (a later
/// withdrawal replaces an earlier one). Two at once both succeed.
pub fn record_withdrawal(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
    now: i64,
) -> QueryResult<()> {
    super::revocations::record(conn, super::revocations::Kind::Consent, user_id, client_id, now)?;
    let update = |conn: &mut DbConnection| {
        diesel::update(cw::consent_withdrawals.find((user_id, client_id)))
            .set(cw::withdrawn_at.eq(now))
            .execute(conn)
    };
    if update(conn)? > 0 {
        return Ok(());
    }
    // A savepoint, so that losing the race to insert does not abort an
    // enclosing PostgreSQL transaction.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(cw::consent_withdrawals)
            .values((
                cw::user_id.eq(user_id),
                cw::client_id.eq(client_id),
                cw::withdrawn_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            update(conn).map(|_| ())
        }
        Err(e) => Err(e),
    }
}

/// Whether what was issued to `client_id` for `user_id` at `issued_at`
/// (an access token's `iat`, a refresh token's or a code's creation) was
/// taken back by a withdrawal of consent: the one rule every liveness check
/// applies. Times are whole seconds, so something issued in the very second
/// of a withdrawal counts as issued before it: a token is never left alive
/// by a tie.
pub fn withdrawn_since(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
    issued_at: i64,
) -> QueryResult<bool> {
    cw::consent_withdrawals
        .find((user_id, client_id))
        .filter(cw::withdrawn_at.ge(issued_at))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// Deletes up to `limit` consent withdrawals recorded before `cutoff`.
pub fn purge_withdrawals(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    // The key is two columns: pick old rows by user and client together.
    let old: Vec<(String, String)> = cw::consent_withdrawals
        .select((cw::user_id, cw::client_id))
        .filter(cw::withdrawn_at.lt(cutoff))
        .limit(limit)
        .load(conn)?;
    let mut deleted = 0;
    for (user, client) in &old {
        deleted += diesel::delete(
            cw::consent_withdrawals
                .find((user, client))
                .filter(cw::withdrawn_at.lt(cutoff)),
        )
        .execute(conn)?;
    }
    Ok(deleted)
}
