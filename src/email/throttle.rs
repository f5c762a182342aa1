//! How many emails a subject may cause: `email_rate_limit` per hour for
//! each of a client address (an IPv6 address by its /64), an account and a
//! recipient address, each kind of email counted apart. Counted before the
//! email is sent, in the database (every instance shares the counts), one
//! statement per subject.

use crate::oauth::throttle::address_key;
use crate::storage::{self, DbConnection};

/// The window the limit applies to.
pub const WINDOW: i64 = 3600;

/// One throttled subject.
#[derive(Debug, Clone)]
pub struct Subject(String);

impl Subject {
    /// Emails of `kind` asked for from one client address.
    pub fn address(kind: &str, address: &str) -> Subject {
        Subject(format!("{kind}:address:{}", address_key(address)))
    }

    /// Emails of `kind` about one account.
    pub fn account(kind: &str, user_id: &str) -> Subject {
        Subject(format!("{kind}:account:{user_id}"))
    }

    /// Emails of `kind` to one address, whatever its case (counted for
    /// addresses no account has too, so that probing costs the same).
    pub fn recipient(kind: &str, email: &str) -> Subject {
        Subject(format!("{kind}:to:{}", email.to_lowercase()))
    }
}

/// Counts one email against each of `subjects`; `Err(seconds)` if one of
/// them has had `max` this hour already (then none of them is counted).
pub fn reserve(
    conn: &mut DbConnection,
    subjects: &[Subject],
    max: i32,
    now: i64,
) -> Result<Result<(), i64>, diesel::result::Error> {
    for (i, subject) in subjects.iter().enumerate() {
        let (sent, started) = storage::email::count(conn, &subject.0, now, WINDOW)?;
        if sent > max {
            for counted in &subjects[..=i] {
                storage::email::uncount(conn, &counted.0)?;
            }
            return Ok(Err((started + WINDOW - now).max(1)));
        }
    }
    Ok(Ok(()))
}
