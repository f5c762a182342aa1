//! The `device_authorizations` table (RFC 8628): one row from the device's
//! request to its single redemption. Every change of state is one
//! conditional update, so two polls, two decisions or two redemptions
//! sent at once cannot both win.

use super::schema::device_authorizations::dsl as d;
use super::DbConnection;
use diesel::prelude::*;

/// Waiting for the user.
pub const PENDING: &str = "pending";
/// The user approved; tokens may be issued once.
pub const APPROVED: &str = "approved";
/// The user denied.
pub const DENIED: &str = "denied";
/// Tokens were issued.
pub const REDEEMED: &str = "redeemed";

/// A stored device authorization.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::device_authorizations)]
pub struct DeviceRow {
    /// SHA-256 of the device code.
    pub device_code_hash: String,
    /// The user code, normalised (upper case, no separator).
    pub user_code: String,
    /// The client that asked.
    pub client_id: String,
    /// The scope asked for.
    pub scope: String,
    /// RFC 8707 resources asked for, space-separated.
    pub resources: String,
    /// [`PENDING`], [`APPROVED`], [`DENIED`] or [`REDEEMED`].
    pub status: String,
    /// Who decided.
    pub user_id: Option<String>,
    /// The session they decided in (its public id).
    pub session_id: Option<String>,
    /// The scope approved.
    pub granted_scope: Option<String>,
    /// When that session signed in.
    pub auth_time: Option<i64>,
    /// Seconds the device must wait between polls (RFC 8628 §3.5).
    pub interval_seconds: i64,
    /// When the device last polled.
    pub last_polled_at: Option<i64>,
    /// When the device asked.
    pub created_at: i64,
    /// When the codes stop working.
    pub expires_at: i64,
    /// When the user approved or denied.
    pub decided_at: Option<i64>,
}

/// Stores a new device authorization. A clash of user codes is a unique
/// violation the caller retries with another code.
pub fn insert(conn: &mut DbConnection, row: &DeviceRow) -> QueryResult<()> {
    // In a savepoint: on PostgreSQL a failed statement would otherwise
    // abort the caller's transaction.
    conn.transaction(|conn| {
        diesel::insert_into(d::device_authorizations)
            .values(row)
            .execute(conn)
    })
    .map(|_| ())
}

/// The authorization whose device code hashes to `hash`.
pub fn by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<DeviceRow>> {
    d::device_authorizations
        .find(hash)
        .select(DeviceRow::as_select())
        .first(conn)
        .optional()
}

/// The authorization still waiting for its user whose user code is
/// `user_code` (normalised), if it has not expired by `now`.
pub fn pending_by_user_code(
    conn: &mut DbConnection,
    user_code: &str,
    now: i64,
) -> QueryResult<Option<DeviceRow>> {
    d::device_authorizations
        .filter(d::user_code.eq(user_code))
        .filter(d::status.eq(PENDING))
        .filter(d::expires_at.gt(now))
        .select(DeviceRow::as_select())
        .first(conn)
        .optional()
}

/// Records a poll at `now` if the device waited its interval since the
/// last one; `false` if it did not. One statement: of two polls sent at
/// once, one passes.
pub fn take_poll(conn: &mut DbConnection, hash: &str, now: i64) -> QueryResult<bool> {
    diesel::update(
        d::device_authorizations.find(hash).filter(
            d::last_polled_at
                .is_null()
                .or((d::last_polled_at + d::interval_seconds.nullable()).le(now)),
        ),
    )
    .set(d::last_polled_at.eq(now))
    .execute(conn)
    .map(|n| n > 0)
}

/// RFC 8628 §3.5 `slow_down`: the interval grows by `step` seconds, and
/// the next poll is counted from `now`.
pub fn slow_down(conn: &mut DbConnection, hash: &str, step: i64, now: i64) -> QueryResult<()> {
    diesel::update(d::device_authorizations.find(hash))
        .set((
            d::interval_seconds.eq(d::interval_seconds + step),
            d::last_polled_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// What a user decided, for [`decide`].
#[derive(Debug, Clone)]
pub struct Decision {
    /// Who.
    pub user_id: String,
    /// In which session (its public id).
    pub session_id: String,
    /// When that session signed in.
    pub auth_time: i64,
    /// The scope approved; `None`: denied.
    pub granted_scope: Option<String>,
}

/// Records the user's decision on the pending, unexpired authorization
/// with `user_code`; the row decided, or `None` if there is no such
/// authorization (any more).
pub fn decide(
    conn: &mut DbConnection,
    user_code: &str,
    decision: &Decision,
    now: i64,
) -> QueryResult<Option<DeviceRow>> {
    let status = match decision.granted_scope {
        Some(_) => APPROVED,
        None => DENIED,
    };
    let updated = diesel::update(
        d::device_authorizations
            .filter(d::user_code.eq(user_code))
            .filter(d::status.eq(PENDING))
            .filter(d::expires_at.gt(now)),
    )
    .set((
        d::status.eq(status),
        d::user_id.eq(&decision.user_id),
        d::session_id.eq(&decision.session_id),
        d::auth_time.eq(decision.auth_time),
        d::granted_scope.eq(&decision.granted_scope),
        d::decided_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    d::device_authorizations
        .filter(d::user_code.eq(user_code))
        .select(DeviceRow::as_select())
        .first(conn)
        .optional()
}

/// Marks an approved authorization redeemed; `false` if it was not
/// approved (any more): another redemption won.
pub fn redeem(conn: &mut DbConnection, hash: &str) -> QueryResult<bool> {
    diesel::update(d::device_authorizations.find(hash).filter(d::status.eq(APPROVED)))
        .set(d::status.eq(REDEEMED))
        .execute(conn)
        .map(|n| n > 0)
}

/// Deletes at most `limit` authorizations that expired before `cutoff`.
pub fn purge(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    let expired = d::device_authorizations
        .select(d::device_code_hash)
        .filter(d::expires_at.lt(cutoff))
        .limit(limit)
        .load::<String>(conn)?;
    diesel::delete(
        d::device_authorizations
            .filter(d::device_code_hash.eq_any(&expired))
            .filter(d::expires_at.lt(cutoff)),
    )
    .execute(conn)
}
