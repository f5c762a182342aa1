//! The `login_failures` table: attempts per subject (an account, an
//! (account, address) pair, a client, an address) within a window, and the
//! lockout they lead to.
//!
//! An attempt is counted *before* the work it guards (a password check, a
//! registration). Each change is one statement: an upsert that counts the
//! attempt, restarts a window that ran out and sets the lock, all at once,
//! and returns the row it left. The first version read the row back with
//! `.first()` between statements, and a success deleting it in between
//! turned into a 500 for 0.4–6 % of concurrent sign-ins.
//!
//! diesel's `MultiConnection` has no `ON CONFLICT`, so the statement is
//! written once per backend (the same SQL, each with its own placeholders).

use super::schema::login_failures::dsl as lf;
use super::DbConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

/// What counting an attempt left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Attempts in the current window, this one included (those a lock
    /// refuses too, so the attempt that started the lock is the only one
    /// that leaves exactly `max + 1`).
    pub failures: i32,
    /// Seconds the subject must still wait, if it is locked (it may have
    /// been locked by this very attempt).
    pub locked_for: Option<i64>,
    /// Whether the lock started with this attempt.
    pub locked_now: bool,
}

#[derive(QueryableByName)]
struct Returned {
    #[diesel(sql_type = Integer)]
    failures: i32,
    #[diesel(sql_type = Nullable<BigInt>)]
    locked_until: Option<i64>,
}

/// `$n` placeholders for PostgreSQL; SQLite reads them as `?n`.
const COUNT_SQL: &str = "\
INSERT INTO login_failures (subject, failures, window_started_at, locked_until) \
VALUES ($1, 1, $2, CASE WHEN 1 > $3 THEN $2 + $4 ELSE NULL END) \
ON CONFLICT (subject) DO UPDATE SET \
 failures = CASE \
   WHEN login_failures.locked_until > $2 THEN login_failures.failures + 1 \
   WHEN login_failures.window_started_at <= $2 - $4 THEN 1 \
   ELSE login_failures.failures + 1 END, \
 window_started_at = CASE \
   WHEN login_failures.locked_until > $2 THEN login_failures.window_started_at \
   WHEN login_failures.window_started_at <= $2 - $4 THEN $2 \
   ELSE login_failures.window_started_at END, \
 locked_until = CASE \
   WHEN login_failures.locked_until > $2 THEN login_failures.locked_until \
   WHEN login_failures.window_started_at <= $2 - $4 \
     THEN CASE WHEN 1 > $3 THEN $2 + $4 ELSE NULL END \
   WHEN login_failures.failures + 1 > $3 THEN $2 + $4 \
   ELSE NULL END \
RETURNING failures, locked_until";

/// Counts one attempt for `subject`, in one statement. If this attempt
/// takes it past `max` within one `lockout` window, it is locked for
/// `lockout` seconds; attempts while it is locked are counted (an operator
/// sees them) but change nothing else.
pub fn count(
    conn: &mut DbConnection,
    subject: &str,
    now: i64,
    max: i32,
    lockout: i64,
) -> QueryResult<Counted> {
    let row: Returned = match conn {
        DbConnection::Pg(c) => diesel::sql_query(COUNT_SQL)
            .bind::<Text, _>(subject)
            .bind::<BigInt, _>(now)
            .bind::<Integer, _>(max)
            .bind::<BigInt, _>(lockout)
            .get_result(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(COUNT_SQL.replace('$', "?"))
            .bind::<Text, _>(subject)
            .bind::<BigInt, _>(now)
            .bind::<Integer, _>(max)
            .bind::<BigInt, _>(lockout)
            .get_result(c)?,
    };
    Ok(Counted {
        failures: row.failures,
        locked_for: row.locked_until.filter(|t| *t > now).map(|t| t - now),
        locked_now: row.locked_until.is_some_and(|t| t > now) && row.failures == max.saturating_add(1),
    })
}

/// Gives back one counted attempt (it succeeded, or another subject
/// refused it and nothing was tried).
pub fn release(conn: &mut DbConnection, subject: &str) -> QueryResult<()> {
    diesel::update(lf::login_failures.find(subject).filter(lf::failures.gt(0)))
        .set(lf::failures.eq(lf::failures - 1))
        .execute(conn)
        .map(|_| ())
}

/// Clears a subject (an account that signed in; an operator's unlock).
/// Returns whether there was one.
pub fn clear(conn: &mut DbConnection, subject: &str) -> QueryResult<bool> {
    diesel::delete(lf::login_failures.find(subject))
        .execute(conn)
        .map(|n| n > 0)
}

/// One row: a subject's count and lock.
#[derive(Debug, Clone, Queryable)]
pub struct FailureRow {
    /// The subject's key (`account:…`, `pair:…`, `client:…`, `address:…`).
    pub subject: String,
    /// Attempts in the window.
    pub failures: i32,
    /// When the window began (UTC seconds).
    pub window_started_at: i64,
    /// Locked until then (UTC seconds), if locked.
    pub locked_until: Option<i64>,
}

/// Rows whose key starts with `prefix`, up to `limit`. `prefix` may hold
/// `_` (a username may), which `LIKE` reads as any character: callers
/// filter the rows by their exact key.
pub fn with_prefix(conn: &mut DbConnection, prefix: &str, limit: i64) -> QueryResult<Vec<FailureRow>> {
    lf::login_failures
        .filter(lf::subject.like(format!("{prefix}%")))
        .order(lf::subject)
        .limit(limit)
        .load(conn)
}

/// Rows still in force at `now`: locked, or holding failures of a window
/// that has not run out.
pub fn in_force(conn: &mut DbConnection, now: i64, window: i64, limit: i64) -> QueryResult<Vec<FailureRow>> {
    lf::login_failures
        .filter(
            lf::locked_until
                .gt(now)
                .or(lf::window_started_at.gt(now - window).and(lf::failures.gt(0))),
        )
        .order(lf::subject)
        .limit(limit)
        .load(conn)
}

/// Deletes up to `limit` subjects whose window started at or before
/// `window_cutoff` and that are not locked at `now`: [`count`] would
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
