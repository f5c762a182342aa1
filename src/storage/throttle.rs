//! The `login_failures` table: failed attempts per subject (an account, a
//! client, an address) and the lockout they lead to.

use super::schema::login_failures::dsl as lf;
use super::DbConnection;
use diesel::prelude::*;

/// Seconds left on `subject`'s lockout, if it is locked.
pub fn locked_for(conn: &mut DbConnection, subject: &str, now: i64) -> QueryResult<Option<i64>> {
    let until: Option<Option<i64>> = lf::login_failures
        .find(subject)
        .select(lf::locked_until)
        .first(conn)
        .optional()?;
    Ok(until.flatten().filter(|t| *t > now).map(|t| t - now))
}

/// Counts a failure; locks the subject for `lockout` seconds once it has
/// `max_failures` within one `lockout` window.
pub fn record_failure(
    conn: &mut DbConnection,
    subject: &str,
    now: i64,
    max_failures: i32,
    lockout: i64,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        let current: Option<(i32, i64)> = lf::login_failures
            .find(subject)
            .select((lf::failures, lf::window_started_at))
            .first(conn)
            .optional()?;
        let (failures, window) = match current {
            Some((n, start)) if now - start < lockout => (n + 1, start),
            _ => (1, now),
        };
        let locked_until = (failures >= max_failures).then_some(now + lockout);
        let (failures, window) = if locked_until.is_some() {
            (0, now)
        } else {
            (failures, window)
        };
        if current.is_some() {
            diesel::update(lf::login_failures.find(subject))
                .set((
                    lf::failures.eq(failures),
                    lf::window_started_at.eq(window),
                    lf::locked_until.eq(locked_until),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(lf::login_failures)
                .values((
                    lf::subject.eq(subject),
                    lf::failures.eq(failures),
                    lf::window_started_at.eq(window),
                    lf::locked_until.eq(locked_until),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Clears a subject's failures after a success.
pub fn clear(conn: &mut DbConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(lf::login_failures.find(subject))
        .execute(conn)
        .map(|_| ())
}
