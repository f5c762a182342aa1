//! The `revocation_log` table: what can make a valid-looking access token
//! dead, written in the transaction of the change ([`record`]) and read by
//! every instance's in-memory revocation view ([`after`], [`recent`]).
//! Each write is also announced on PostgreSQL's
//! [`REVOCATIONS_CHANNEL`](super::notifications::REVOCATIONS_CHANNEL), so
//! the views read it at once rather than at their next poll.
//!
//! Suspensions are not logged: a reinstated user's tokens live again (the
//! liveness rule asks whether the user is suspended *now*), so the view
//! reloads the set of suspended users ([`suspended_users`]) instead; a
//! suspension is only announced.

use super::schema::{revocation_log::dsl as rl, users::dsl as u};
use super::{notifications, DbConnection};
use diesel::prelude::*;

/// What an entry says died.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An access token, by `jti` (`subject`); `at` is when it expires.
    Jti,
    /// A login session, by public id (`subject`), of the user `detail`.
    Session,
    /// A deleted user (`subject`).
    UserDeleted,
    /// The user `subject` withdrew consent from the client `detail` at `at`.
    Consent,
}

impl Kind {
    /// Its name in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Jti => "jti",
            Kind::Session => "sid",
            Kind::UserDeleted => "user",
            Kind::Consent => "consent",
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(name: &str) -> Option<Kind> {
        [Kind::Jti, Kind::Session, Kind::UserDeleted, Kind::Consent]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// A stored entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::revocation_log)]
pub struct Entry {
    /// Its place in the order of writing.
    pub seq: i64,
    /// [`Kind::as_str`].
    pub kind: String,
    /// What died.
    pub subject: String,
    /// What else identifies it ([`Kind`]).
    pub detail: String,
    /// When (for a `jti`: when the token expires).
    pub at: i64,
}

/// Logs, in the caller's transaction, that `subject` died, and announces it.
pub fn record(conn: &mut DbConnection, kind: Kind, subject: &str, detail: &str, at: i64) -> QueryResult<()> {
    diesel::insert_into(rl::revocation_log)
        .values((
            rl::kind.eq(kind.as_str()),
            rl::subject.eq(subject),
            rl::detail.eq(detail),
            rl::at.eq(at),
        ))
        .execute(conn)?;
    notifications::revoked(conn, &format!("{}:{subject}", kind.as_str()))
}

/// Announces, in the caller's transaction, that the user `user_id` was
/// suspended or reinstated (see the module's note).
pub fn user_suspension_changed(conn: &mut DbConnection, user_id: &str) -> QueryResult<()> {
    notifications::revoked(conn, &format!("user:{user_id}"))
}

/// Up to `limit` entries written after `seq`, in order.
pub fn after(conn: &mut DbConnection, seq: i64, limit: i64) -> QueryResult<Vec<Entry>> {
    rl::revocation_log
        .filter(rl::seq.gt(seq))
        .order(rl::seq)
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)
}

/// Every entry from `since` on, in order: what a view starts from.
pub fn recent(conn: &mut DbConnection, since: i64) -> QueryResult<Vec<Entry>> {
    rl::revocation_log
        .filter(rl::at.ge(since))
        .order(rl::seq)
        .select(Entry::as_select())
        .load(conn)
}

/// The last `seq` written, 0 if none.
pub fn last_seq(conn: &mut DbConnection) -> QueryResult<i64> {
    rl::revocation_log
        .select(diesel::dsl::max(rl::seq))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}

/// The ids of the users suspended now.
pub fn suspended_users(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    u::users.filter(u::suspended.eq(true)).select(u::id).load(conn)
}

/// The ids of the clients suspended now.
pub fn suspended_clients(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    use super::schema::clients::dsl as c;
    c::clients.filter(c::suspended.eq(true)).select(c::id).load(conn)
}

/// Deletes entries from before `cutoff`: they concern only expired tokens.
pub fn purge(conn: &mut DbConnection, cutoff: i64) -> QueryResult<usize> {
    diesel::delete(rl::revocation_log.filter(rl::at.lt(cutoff))).execute(conn)
}
