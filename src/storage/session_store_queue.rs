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

/// A queued session's next version, due at once; returns how many rows changed.
fn bump(conn: &mut DbConnection, public_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(q::session_store_queue.find(public_id))
        .set((
            q::version.eq(q::version + 1),
            q::queued_at.eq(now),
            q::next_attempt_at.eq(now),
        ))
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
