//! The `login_failures` table: attempts per subject (an account, a client,
//! an address) within a window, and the lockout they lead to.
//!
//! An attempt is counted *before* the work it guards (a password check, a
//! registration), with an atomic increment, so that requests arriving
//! together cannot all slip past the limit before any of them is counted.

use super::schema::login_failures::dsl as lf;
use super::DbConnection;
use diesel::prelude::*;

/// Counts one attempt for `subject`. Returns the seconds it must wait if it
/// is locked, or if this attempt takes it past `max` within one `lockout`
/// window (it is then locked for `lockout` seconds).
///
/// Runs statement by statement, outside any transaction: each statement is
/// atomic on both backends, and a lost race to create the row is harmless.
pub fn reserve(
    conn: &mut DbConnection,
    subject: &str,
    now: i64,
    max: i32,
    lockout: i64,
) -> QueryResult<Option<i64>> {
    let created = diesel::insert_into(lf::login_failures)
        .values((
            lf::subject.eq(subject),
            lf::failures.eq(0),
            lf::window_started_at.eq(now),
            lf::locked_until.eq(None::<i64>),
        ))
        .execute(conn);
    match created {
        Ok(_) => {}
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(e) => return Err(e),
    }
    // A window that has run out (and is not locked) starts again.
    diesel::update(
        lf::login_failures
            .find(subject)
            .filter(lf::window_started_at.le(now - lockout))
            .filter(lf::locked_until.is_null().or(lf::locked_until.le(now))),
    )
    .set((
        lf::failures.eq(0),
        lf::window_started_at.eq(now),
        lf::locked_until.eq(None::<i64>),
    ))
    .execute(conn)?;
    let locked: Option<i64> = lf::login_failures
        .find(subject)
        .select(lf::locked_until)
        .first(conn)?;
    if let Some(until) = locked.filter(|t| *t > now) {
        return Ok(Some(until - now));
    }
    diesel::update(lf::login_failures.find(subject))
        .set(lf::failures.eq(lf::failures + 1))
        .execute(conn)?;
    let count: i32 = lf::login_failures
        .find(subject)
        .select(lf::failures)
        .first(conn)?;
    if count > max {
        diesel::update(lf::login_failures.find(subject))
            .set(lf::locked_until.eq(Some(now + lockout)))
            .execute(conn)?;
        return Ok(Some(lockout));
    }
    Ok(None)
}

/// Gives back an attempt that succeeded (an address or a client is limited
/// in failures, not in successful sign-ins).
pub fn release(conn: &mut DbConnection, subject: &str) -> QueryResult<()> {
    diesel::update(lf::login_failures.find(subject).filter(lf::failures.gt(0)))
        .set(lf::failures.eq(lf::failures - 1))
        .execute(conn)
        .map(|_| ())
}

/// Clears a subject after a success (an account that signed in).
pub fn clear(conn: &mut DbConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(lf::login_failures.find(subject))
        .execute(conn)
        .map(|_| ())
}

/// Deletes up to `limit` subjects whose window started at or before
/// `window_cutoff` and that are not locked at `now`: [`reserve`] would
/// start them afresh anyway.
pub fn purge(conn: &mut DbConnection, window_cutoff: i64, now: i64, limit: i64) -> QueryResult<usize> {
    let over: Vec<String> = lf::login_failures
        .select(lf::subject)
        .filter(lf::window_started_at.le(window_cutoff))
        .filter(lf::locked_until.is_null().or(lf::locked_until.le(now)))
        .limit(limit)
        .load(conn)?;
    // Checked again as they are deleted: an attempt in between starts a
    // new window, and that row stays.
    diesel::delete(
        lf::login_failures
            .filter(lf::subject.eq_any(&over))
            .filter(lf::window_started_at.le(window_cutoff))
            .filter(lf::locked_until.is_null().or(lf::locked_until.le(now))),
    )
    .execute(conn)
}
