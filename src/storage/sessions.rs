//! The `sessions` table: browser login sessions. A session is found from
//! its cookie by the SHA-256 of the cookie value (the value itself is never
//! stored), and known everywhere else by its public id.

use super::schema::sessions::dsl as s;
use super::DbConnection;
use diesel::prelude::*;

/// A stored session.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::sessions)]
pub struct SessionRow {
    /// SHA-256 of the current cookie value; it changes when the user
    /// signs in again.
    pub id_hash: String,
    /// The session's public identifier: random, independent of the cookie,
    /// fixed for the session's life. It is the `sid` of tokens issued under
    /// the session and the key other services know the session by.
    pub public_id: String,
    /// The signed-in user.
    pub user_id: String,
    /// The secret CSRF tokens of this session's forms are derived from.
    pub csrf_secret: String,
    /// When the user last proved who they are (`auth_time`).
    pub authenticated_at: i64,
    /// When the session lapses.
    pub expires_at: i64,
    /// When it was ended by logout.
    pub ended_at: Option<i64>,
}

/// Stores a session.
pub fn insert(conn: &mut DbConnection, row: &SessionRow) -> QueryResult<()> {
    diesel::insert_into(s::sessions)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The live session whose cookie value hashes to `id_hash`.
pub fn live_by_cookie_hash(
    conn: &mut DbConnection,
    id_hash: &str,
    now: i64,
) -> QueryResult<Option<SessionRow>> {
    s::sessions
        .find(id_hash)
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()
}

/// Whether the session with this public id exists, has not ended and has
/// not lapsed.
pub fn is_live(conn: &mut DbConnection, public_id: &str, now: i64) -> QueryResult<bool> {
    s::sessions
        .filter(s::public_id.eq(public_id))
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

/// What a re-authentication changes in a live session.
pub struct Renewal<'a> {
    /// SHA-256 of the new cookie value.
    pub id_hash: &'a str,
    /// The new CSRF secret.
    pub csrf_secret: &'a str,
    /// The time of the sign-in.
    pub authenticated_at: i64,
    /// The new end of the session.
    pub expires_at: i64,
}

/// Renews the live session `public_id` of `user_id` after the user signed
/// in again: new cookie hash (the old cookie value no longer finds it), new
/// CSRF secret, new sign-in time. One conditional update; returns whether
/// the session was live and the user's.
pub fn renew(
    conn: &mut DbConnection,
    public_id: &str,
    user_id: &str,
    renewal: &Renewal<'_>,
) -> QueryResult<bool> {
    diesel::update(
        s::sessions
            .filter(s::public_id.eq(public_id))
            .filter(s::user_id.eq(user_id))
            .filter(s::ended_at.is_null())
            .filter(s::expires_at.gt(renewal.authenticated_at)),
    )
    .set((
        s::id_hash.eq(renewal.id_hash),
        s::csrf_secret.eq(renewal.csrf_secret),
        s::authenticated_at.eq(renewal.authenticated_at),
        s::expires_at.eq(renewal.expires_at),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends the session with this public id; returns whether it was live.
pub fn end(conn: &mut DbConnection, public_id: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        s::sessions
            .filter(s::public_id.eq(public_id))
            .filter(s::ended_at.is_null()),
    )
    .set(s::ended_at.eq(Some(now)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends every live session of a user.
pub fn end_all_for_user(conn: &mut DbConnection, user_id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        s::sessions
            .filter(s::user_id.eq(user_id))
            .filter(s::ended_at.is_null()),
    )
    .set(s::ended_at.eq(Some(now)))
    .execute(conn)
}

/// Whether the session with this public id was ended by logout (or is
/// unknown). Unlike [`is_live`], a session that merely lapsed has not
/// ended: tokens issued under it outlive the browser session until they
/// expire or are revoked.
pub fn has_ended(conn: &mut DbConnection, public_id: &str) -> QueryResult<bool> {
    let found: Option<Option<i64>> = s::sessions
        .filter(s::public_id.eq(public_id))
        .select(s::ended_at)
        .first(conn)
        .optional()?;
    Ok(!matches!(found, Some(None)))
}

/// Deletes up to `limit` sessions that ended (logout) before `cutoff`, or
/// lapsed before `cutoff` and are named by no refresh token any more. A
/// lapsed session still behind a refresh token must stay: a session that is
/// not found counts as ended ([`has_ended`]), which would end those tokens.
pub fn purge(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    use super::schema::refresh_tokens::dsl as rt;
    use diesel::dsl::{exists, not};
    let unreferenced = || {
        not(exists(
            rt::refresh_tokens.filter(rt::session_id.eq(s::public_id.nullable())),
        ))
    };
    let over = || {
        s::ended_at.lt(cutoff).or(s::ended_at
            .is_null()
            .and(s::expires_at.lt(cutoff))
            .and(unreferenced()))
    };
    let gone: Vec<String> = s::sessions
        .select(s::id_hash)
        .filter(over())
        .limit(limit)
        .load(conn)?;
    // The same condition again as the rows are deleted: one renewed or
    // named by a new token in between stays.
    diesel::delete(s::sessions.filter(s::id_hash.eq_any(&gone)).filter(over())).execute(conn)
}

/// Records that `client_id` was issued a code or tokens under the session
/// `public_id` (once per pair): the clients told when the session ends.
pub fn record_participant(
    conn: &mut DbConnection,
    public_id: &str,
    client_id: &str,
    now: i64,
) -> QueryResult<()> {
    use super::schema::session_clients::dsl as sc;
    let known = sc::session_clients
        .find((public_id, client_id))
        .count()
        .get_result::<i64>(conn)?;
    if known > 0 {
        return Ok(());
    }
    // A savepoint, so that losing the race does not abort an enclosing
    // PostgreSQL transaction.
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(sc::session_clients)
            .values((
                sc::session_id.eq(public_id),
                sc::client_id.eq(client_id),
                sc::created_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_)
        | Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The clients issued a code or tokens under the session `public_id`.
pub fn participants(conn: &mut DbConnection, public_id: &str) -> QueryResult<Vec<String>> {
    use super::schema::session_clients::dsl as sc;
    sc::session_clients
        .filter(sc::session_id.eq(public_id))
        .select(sc::client_id)
        .order(sc::client_id.asc())
        .load(conn)
}

/// Removes the record that `client_id` took part in the session
/// `public_id`; returns whether it was there. Whoever removes it is the
/// one who tells the client the session ended: of two transactions ending
/// the same session at once, only one removes the row.
pub fn take_participant(conn: &mut DbConnection, public_id: &str, client_id: &str) -> QueryResult<bool> {
    use super::schema::session_clients::dsl as sc;
    diesel::delete(sc::session_clients.find((public_id, client_id)))
        .execute(conn)
        .map(|n| n == 1)
}

/// The sessions of `user_id` that still have participants on record.
pub fn with_participants_of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<String>> {
    use super::schema::session_clients::dsl as sc;
    use diesel::dsl::exists;
    s::sessions
        .filter(s::user_id.eq(user_id))
        .filter(exists(
            sc::session_clients.filter(sc::session_id.eq(s::public_id)),
        ))
        .select(s::public_id)
        .order(s::public_id.asc())
        .load(conn)
}

/// Up to `limit` sessions that lapsed before `now` without being ended
/// and still have participants on record: (public id, user id).
pub fn lapsed_with_participants(
    conn: &mut DbConnection,
    now: i64,
    limit: i64,
) -> QueryResult<Vec<(String, String)>> {
    use super::schema::session_clients::dsl as sc;
    use diesel::dsl::exists;
    s::sessions
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.le(now))
        .filter(exists(
            sc::session_clients.filter(sc::session_id.eq(s::public_id)),
        ))
        .select((s::public_id, s::user_id))
        .order(s::expires_at.asc())
        .limit(limit)
        .load(conn)
}

/// The user of the session with this public id.
pub fn user_of(conn: &mut DbConnection, public_id: &str) -> QueryResult<Option<String>> {
    s::sessions
        .filter(s::public_id.eq(public_id))
        .select(s::user_id)
        .first(conn)
        .optional()
}

/// Deletes up to `limit` participant records whose session is gone
/// (purged, or deleted with its user).
pub fn purge_participants(conn: &mut DbConnection, limit: i64) -> QueryResult<usize> {
    use super::schema::session_clients::dsl as sc;
    use diesel::dsl::{exists, not};
    let orphan = || not(exists(s::sessions.filter(s::public_id.eq(sc::session_id))));
    let gone: Vec<(String, String)> = sc::session_clients
        .filter(orphan())
        .select((sc::session_id, sc::client_id))
        .limit(limit)
        .load(conn)?;
    let mut deleted = 0;
    for (session_id, client_id) in gone {
        deleted += diesel::delete(sc::session_clients.find((session_id, client_id)))
            .filter(orphan())
            .execute(conn)?;
    }
    Ok(deleted)
}

/// The public ids of the sessions of `user_id` that have neither ended nor lapsed.
pub fn live_ids_of(conn: &mut DbConnection, user_id: &str, now: i64) -> QueryResult<Vec<String>> {
    s::sessions
        .filter(s::user_id.eq(user_id))
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .select(s::public_id)
        .order(s::public_id.asc())
        .load(conn)
}

/// The public ids of the sessions of `user_id` not ended yet, lapsed or not.
pub fn open_ids_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<String>> {
    s::sessions
        .filter(s::user_id.eq(user_id))
        .filter(s::ended_at.is_null())
        .select(s::public_id)
        .order(s::public_id.asc())
        .load(conn)
}

/// The public ids of every stored session of `user_id`, ended or not.
pub fn public_ids_of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<String>> {
    s::sessions
        .filter(s::user_id.eq(user_id))
        .select(s::public_id)
        .load(conn)
}

/// Up to `limit` sessions that lapsed by `now` without being ended first
/// and whose end was not announced yet: (public id, user id).
pub fn lapsed_unannounced(
    conn: &mut DbConnection,
    now: i64,
    limit: i64,
) -> QueryResult<Vec<(String, String)>> {
    s::sessions
        .filter(s::lapse_announced.eq(false))
        .filter(s::expires_at.le(now))
        .filter(s::ended_at.is_null().or(s::ended_at.ge(s::expires_at.nullable())))
        .order(s::expires_at.asc())
        .limit(limit)
        .select((s::public_id, s::user_id))
        .load(conn)
}

/// Takes the announcement of the end of `public_id` (by a lapse, or by
/// anything that ends it and announces that): true for the one caller
/// that takes it.
pub fn take_lapse_announcement(conn: &mut DbConnection, public_id: &str) -> QueryResult<bool> {
    diesel::update(
        s::sessions
            .filter(s::public_id.eq(public_id))
            .filter(s::lapse_announced.eq(false)),
    )
    .set(s::lapse_announced.eq(true))
    .execute(conn)
    .map(|n| n > 0)
}

/// The sessions of `user_id` that have neither ended nor lapsed, newest
/// first, as stored.
pub fn live_rows_of_user(conn: &mut DbConnection, user_id: &str, now: i64) -> QueryResult<Vec<SessionRow>> {
    s::sessions
        .filter(s::user_id.eq(user_id))
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .order(s::authenticated_at.desc())
        .select(SessionRow::as_select())
        .load(conn)
}

/// The live session whose cookie value hashes to `id_hash`, with when it
/// was last used (`None` before the first use was recorded).
pub fn live_by_cookie_hash_with_use(
    conn: &mut DbConnection,
    id_hash: &str,
    now: i64,
) -> QueryResult<Option<(SessionRow, Option<i64>)>> {
    s::sessions
        .find(id_hash)
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .select((SessionRow::as_select(), s::last_used_at))
        .first(conn)
        .optional()
}

/// Records that the session `public_id` was used at `now`, unless that was
/// recorded less than `every` seconds ago: one conditional statement, so
/// two requests at once write it at most once.
pub fn touch(conn: &mut DbConnection, public_id: &str, now: i64, every: i64) -> QueryResult<bool> {
    diesel::update(
        s::sessions
            .filter(s::public_id.eq(public_id))
            .filter(s::last_used_at.is_null().or(s::last_used_at.le(now - every))),
    )
    .set(s::last_used_at.eq(Some(now)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records the browser a session was signed in from (at sign-in and at a
/// renewal): its User-Agent and address, and `now` as its last use.
pub fn record_device(
    conn: &mut DbConnection,
    public_id: &str,
    user_agent: Option<&str>,
    address: Option<&str>,
    now: i64,
) -> QueryResult<()> {
    diesel::update(s::sessions.filter(s::public_id.eq(public_id)))
        .set((
            s::user_agent.eq(user_agent),
            s::address.eq(address),
            s::last_used_at.eq(Some(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A live session as its user sees it on the account page.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::sessions)]
pub struct SessionListing {
    /// The session's public id.
    pub public_id: String,
    /// The User-Agent it was signed in with, if recorded.
    pub user_agent: Option<String>,
    /// The address it was signed in from, if recorded.
    pub address: Option<String>,
    /// When the user last signed in on it.
    pub authenticated_at: i64,
    /// When it was last used, if recorded.
    pub last_used_at: Option<i64>,
}

/// The live sessions of `user_id`, most recently signed in first (at most 100).
pub fn live_of_user(conn: &mut DbConnection, user_id: &str, now: i64) -> QueryResult<Vec<SessionListing>> {
    s::sessions
        .filter(s::user_id.eq(user_id))
        .filter(s::ended_at.is_null())
        .filter(s::expires_at.gt(now))
        .order((s::authenticated_at.desc(), s::public_id.asc()))
        .limit(100)
        .select(SessionListing::as_select())
        .load(conn)
}

/// Ends the session `public_id` if it is `user_id`'s and not ended yet;
/// returns whether it did. A session of another user is left alone.
pub fn end_of_user(conn: &mut DbConnection, public_id: &str, user_id: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        s::sessions
            .filter(s::public_id.eq(public_id))
            .filter(s::user_id.eq(user_id))
            .filter(s::ended_at.is_null()),
    )
    .set(s::ended_at.eq(Some(now)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Revokes the refresh tokens of `user_id` not issued under the session
/// `keep`: those of the user's other sessions and those issued outside
/// any session (the password and device grants).
pub fn revoke_tokens_outside(
    conn: &mut DbConnection,
    user_id: &str,
    keep: &str,
    now: i64,
) -> QueryResult<usize> {
    use super::schema::refresh_tokens::dsl as rt;
    diesel::update(
        rt::refresh_tokens
            .filter(rt::user_id.eq(user_id))
            .filter(rt::revoked_at.is_null())
            .filter(rt::session_id.is_null().or(rt::session_id.ne(keep))),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)
}
