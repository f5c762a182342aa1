//! The `session_store_queue` table: sessions whose copy in the shared
//! session store is out of date. A session is queued in the transaction
//! that changes it (start, renewal, end, a change of its user's roles), so
//! the store learns every committed change, even across a restart or a
//! store outage; the projector takes it off the queue once the store holds
//! the session's current state, or its absence.
//!
//! `version` grows with every change: the projector takes a session off
//! only at the version it wrote, so a change made meanwhile stays queued.

use super::schema::session_store_queue::dsl as q;
use super::schema::sessions::dsl as s;
use super::DbConnection;
use diesel::prelude::*;

/// A queued session.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::session_store_queue)]
pub struct QueueRow {
    /// The session's public id (`sid`).
    pub session_id: String,
    /// Grows with every change of the session.
    pub version: i64,
    /// Failed attempts at bringing the store up to date.
    pub attempts: i32,
    /// When the row is due (or its lease ends).
    pub next_attempt_at: i64,
}

/// What the store holds for a live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    /// The user's id.
    pub user_id: String,
    /// The user's login name.
    pub username: String,
    /// When the user signed in.
    pub auth_time: i64,
    /// When the session lapses.
    pub expires_at: i64,
    /// The user's roles, as (API identifier, role), sorted.
    pub roles: Vec<(String, String)>,
}

/// Queues the session `public_id` (its `sid`): the store must be brought up
/// to date with it. A session already queued gets a new version and is due
/// again at once.
pub fn enqueue(conn: &mut DbConnection, public_id: &str, now: i64) -> QueryResult<()> {
    if bump(conn, public_id, now)? > 0 {
        return Ok(());
    }
    // A savepoint, so that losing the race to another writer does not abort
    // an enclosing PostgreSQL transaction.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(q::session_store_queue)
            .values((
                q::session_id.eq(public_id),
                q::version.eq(0),
                q::queued_at.eq(now),
                q::attempts.eq(0),
                q::next_attempt_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            bump(conn, public_id, now).map(|_| ())
        }
        Err(e) => Err(e),
    }
}

/// A queued session's next version; returns how many rows changed. A row
/// that is due stays due; one that is leased or backing off keeps its time:
/// the projector holding it sees the new version when it finishes and makes
/// the row due again ([`release`]), so two projectors never work on one
/// session at once.
fn bump(conn: &mut DbConnection, public_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(q::session_store_queue.find(public_id))
        .set((q::version.eq(q::version + 1), q::queued_at.eq(now)))
        .execute(conn)
}

/// Queues every session of `user_id` that has not ended or lapsed (its
/// roles changed, say); returns how many.
pub fn enqueue_user(conn: &mut DbConnection, user_id: &str, now: i64) -> QueryResult<usize> {
    let live: Vec<String> = s::sessions
        .filter(s::user_id.eq(user_id))
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .select(s::public_id)
        .load(conn)?;
    for sid in &live {
        enqueue(conn, sid, now)?;
    }
    Ok(live.len())
}

/// Up to `limit` rows due at `now`, oldest due first.
pub fn due(conn: &mut DbConnection, now: i64, limit: i64) -> QueryResult<Vec<QueueRow>> {
    q::session_store_queue
        .filter(q::next_attempt_at.le(now))
        .order((q::next_attempt_at.asc(), q::session_id.asc()))
        .limit(limit)
        .select(QueueRow::as_select())
        .load(conn)
}

/// Claims `row` until `lease_until`, only if nobody moved it since it was
/// read: of several instances reading the same due row exactly one gets
/// it; if the claimant dies, the row is due again when the lease ends.
pub fn claim(conn: &mut DbConnection, row: &QueueRow, lease_until: i64) -> QueryResult<bool> {
    diesel::update(
        q::session_store_queue
            .find(&row.session_id)
            .filter(q::next_attempt_at.eq(row.next_attempt_at))
            .filter(q::version.eq(row.version)),
    )
    .set(q::next_attempt_at.eq(lease_until))
    .execute(conn)
    .map(|n| n == 1)
}

/// The store holds `version` of the session: the row goes, unless the
/// session changed meanwhile. Returns whether it went.
pub fn done(conn: &mut DbConnection, session_id: &str, version: i64) -> QueryResult<bool> {
    diesel::delete(
        q::session_store_queue
            .find(session_id)
            .filter(q::version.eq(version)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// The session changed while it was being projected: due again at once.
pub fn release(conn: &mut DbConnection, session_id: &str, now: i64) -> QueryResult<()> {
    diesel::update(q::session_store_queue.find(session_id))
        .set((q::attempts.eq(0), q::next_attempt_at.eq(now)))
        .execute(conn)
        .map(|_| ())
}

/// The store could not be brought up to date: tried again at `retry_at`.
pub fn reschedule(
    conn: &mut DbConnection,
    session_id: &str,
    attempts: i32,
    retry_at: i64,
) -> QueryResult<()> {
    diesel::update(q::session_store_queue.find(session_id))
        .set((q::attempts.eq(attempts), q::next_attempt_at.eq(retry_at)))
        .execute(conn)
        .map(|_| ())
}

/// How many sessions are queued.
pub fn depth(conn: &mut DbConnection) -> QueryResult<i64> {
    q::session_store_queue.count().get_result(conn)
}

/// Deletes up to `limit` rows (no store is configured, so nobody takes
/// them off); returns how many.
pub fn purge(conn: &mut DbConnection, limit: i64) -> QueryResult<usize> {
    let ids: Vec<String> = q::session_store_queue
        .select(q::session_id)
        .order(q::session_id.asc())
        .limit(limit)
        .load(conn)?;
    diesel::delete(q::session_store_queue.filter(q::session_id.eq_any(&ids))).execute(conn)
}

/// What the store should hold for the session `session_id` at `now`: its
/// user, sign-in time, end and roles if it has not ended or lapsed and its
/// user exists and is not suspended; `None` otherwise (the store drops it).
pub fn projection(conn: &mut DbConnection, session_id: &str, now: i64) -> QueryResult<Option<Projection>> {
    let found: Option<(String, i64, i64)> = s::sessions
        .filter(s::public_id.eq(session_id))
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .select((s::user_id, s::authenticated_at, s::expires_at))
        .first(conn)
        .optional()?;
    let Some((user_id, auth_time, expires_at)) = found else {
        return Ok(None);
    };
    let Some(user) = super::users::by_id(conn, &user_id)? else {
        return Ok(None);
    };
    if user.suspended {
        return Ok(None);
    }
    let roles = super::roles::of_user(conn, &user_id)?;
    Ok(Some(Projection {
        user_id,
        username: user.username,
        auth_time,
        expires_at,
        roles,
    }))
}
