//! The `email_tokens` and `email_throttle` tables: the single-use links
//! sent by email (kept as SHA-256 hashes) and how many emails a subject
//! was sent within a window.

use super::schema::email_throttle::dsl as et;
use super::schema::email_tokens::dsl as t;
use super::DbConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

/// A stored link token (its hash, never the token).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::email_tokens)]
pub struct EmailTokenRow {
    /// SHA-256 of the token, lower-case hex.
    pub token_hash: String,
    /// `verify` or `reset`.
    pub purpose: String,
    /// The user it was sent to.
    pub user_id: String,
    /// The address it was sent to.
    pub email: String,
    /// When it was issued.
    pub created_at: i64,
    /// When it stops working.
    pub expires_at: i64,
    /// When it was used (a token works once).
    pub used_at: Option<i64>,
}

/// Stores a new token after deleting the user's unused tokens of the same
/// purpose: only the latest link sent works.
pub fn replace(conn: &mut DbConnection, row: &EmailTokenRow) -> QueryResult<()> {
    diesel::delete(
        t::email_tokens
            .filter(t::user_id.eq(&row.user_id))
            .filter(t::purpose.eq(&row.purpose))
            .filter(t::used_at.is_null()),
    )
    .execute(conn)?;
    diesel::insert_into(t::email_tokens)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The token with this hash and purpose, used or not, expired or not.
pub fn find(conn: &mut DbConnection, token_hash: &str, purpose: &str) -> QueryResult<Option<EmailTokenRow>> {
    t::email_tokens
        .find(token_hash)
        .filter(t::purpose.eq(purpose))
        .select(EmailTokenRow::as_select())
        .first(conn)
        .optional()
}

/// Marks the token used, in one statement; `true` only for the one caller
/// that found it unused and unexpired (two tabs posting at once: one wins).
pub fn take(conn: &mut DbConnection, token_hash: &str, purpose: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        t::email_tokens
            .find(token_hash)
            .filter(t::purpose.eq(purpose))
            .filter(t::used_at.is_null())
            .filter(t::expires_at.gt(now)),
    )
    .set(t::used_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// Deletes the user's unused tokens of `purpose` (a reset used ends the
/// other reset links too).
pub fn discard_unused(conn: &mut DbConnection, user_id: &str, purpose: &str) -> QueryResult<usize> {
    diesel::delete(
        t::email_tokens
            .filter(t::user_id.eq(user_id))
            .filter(t::purpose.eq(purpose))
            .filter(t::used_at.is_null()),
    )
    .execute(conn)
}

/// Deletes tokens that expired before `cutoff` and throttle windows that
/// started before `window_cutoff`.
pub fn purge(conn: &mut DbConnection, cutoff: i64, window_cutoff: i64) -> QueryResult<usize> {
    let tokens = diesel::delete(t::email_tokens.filter(t::expires_at.lt(cutoff))).execute(conn)?;
    let windows =
        diesel::delete(et::email_throttle.filter(et::window_started_at.lt(window_cutoff))).execute(conn)?;
    Ok(tokens + windows)
}

mod sql {
    diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
}
use sql::lower;

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Integer)]
    sent: i32,
    #[diesel(sql_type = BigInt)]
    window_started_at: i64,
}

/// `$n` placeholders for PostgreSQL; SQLite reads them as `?n`. One
/// statement counts the email and restarts a window that ran out, so that
/// requests sent together cannot all slip past the limit.
const COUNT_SQL: &str = "\
INSERT INTO email_throttle (subject, sent, window_started_at) VALUES ($1, 1, $2) \
ON CONFLICT (subject) DO UPDATE SET \
 sent = CASE WHEN email_throttle.window_started_at <= $2 - $3 THEN 1 \
   ELSE email_throttle.sent + 1 END, \
 window_started_at = CASE WHEN email_throttle.window_started_at <= $2 - $3 THEN $2 \
   ELSE email_throttle.window_started_at END \
RETURNING sent, window_started_at";

/// Counts one email for `subject` within a `window` of seconds; returns
/// how many it was sent in the current window (this one included) and
/// when that window started.
pub fn count(conn: &mut DbConnection, subject: &str, now: i64, window: i64) -> QueryResult<(i32, i64)> {
    let row: Counted = match conn {
        DbConnection::Pg(c) => diesel::sql_query(COUNT_SQL)
            .bind::<Text, _>(subject)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(window)
            .get_result(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(COUNT_SQL.replace('$', "?"))
            .bind::<Text, _>(subject)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(window)
            .get_result(c)?,
    };
    Ok((row.sent, row.window_started_at))
}

/// Gives one counted email back (another subject refused it).
pub fn uncount(conn: &mut DbConnection, subject: &str) -> QueryResult<()> {
    diesel::update(et::email_throttle.find(subject).filter(et::sent.gt(0)))
        .set(et::sent.eq(et::sent - 1))
        .execute(conn)
        .map(|_| ())
}

/// The user whose address is `email`, whatever its case (the unique index
/// on `lower(email)` allows one at most).
pub fn user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<super::users::UserRow>> {
    use super::schema::users::dsl as u;
    u::users
        .filter(lower(u::email.assume_not_null()).eq(lower(email)))
        .select(super::users::UserRow::as_select())
        .first(conn)
        .optional()
}

/// Marks the user's address verified and the profile changed at `now`.
pub fn set_verified(conn: &mut DbConnection, user_id: &str, now: i64) -> QueryResult<bool> {
    use super::schema::users::dsl as u;
    diesel::update(u::users.find(user_id))
        .set((u::email_verified.eq(true), u::updated_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}
