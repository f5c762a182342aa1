//! The `logout_deliveries` table: back-channel logout notices owed to
//! clients (Back-Channel Logout 1.0 §2.5). A row is written in the
//! transaction that ends a session and is then delivered at least once:
//! claimed with a lease, posted, and marked delivered, rescheduled or
//! abandoned.

use super::schema::logout_deliveries::dsl as d;
use super::DbConnection;
use diesel::prelude::*;

/// A delivery owed, or done.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::logout_deliveries)]
pub struct DeliveryRow {
    /// Random id.
    pub id: String,
    /// The client told.
    pub client_id: String,
    /// Its `backchannel_logout_uri` when the session ended.
    pub uri: String,
    /// The user as that client sees them (public or pairwise).
    pub sub: Option<String>,
    /// The public id of the session that ended.
    pub sid: Option<String>,
    /// When the session ended.
    pub created_at: i64,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (or the current attempt's lease ends).
    pub next_attempt_at: i64,
    /// When the client acknowledged it.
    pub delivered_at: Option<i64>,
    /// When it was given up.
    pub abandoned_at: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// Stores a delivery owed.
pub fn insert(conn: &mut DbConnection, row: &DeliveryRow) -> QueryResult<()> {
    diesel::insert_into(d::logout_deliveries)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Up to `limit` deliveries due at `now` (neither delivered nor abandoned),
/// oldest due first.
pub fn due(conn: &mut DbConnection, now: i64, limit: i64) -> QueryResult<Vec<DeliveryRow>> {
    d::logout_deliveries
        .filter(d::delivered_at.is_null())
        .filter(d::abandoned_at.is_null())
        .filter(d::next_attempt_at.le(now))
        .order((d::next_attempt_at.asc(), d::id.asc()))
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)
}

/// Claims the delivery `row` for one attempt: moves its `next_attempt_at`
/// to `lease_until`, only if nobody moved it since `row` was read. One
/// conditional update, so of several instances reading the same due row
/// exactly one gets it; if the claimant dies, the row is due again when
/// the lease ends.
pub fn claim(conn: &mut DbConnection, row: &DeliveryRow, lease_until: i64) -> QueryResult<bool> {
    diesel::update(
        d::logout_deliveries
            .find(&row.id)
            .filter(d::next_attempt_at.eq(row.next_attempt_at))
            .filter(d::attempts.eq(row.attempts))
            .filter(d::delivered_at.is_null())
            .filter(d::abandoned_at.is_null()),
    )
    .set(d::next_attempt_at.eq(lease_until))
    .execute(conn)
    .map(|n| n == 1)
}

/// Records that the client acknowledged the delivery.
pub fn mark_delivered(conn: &mut DbConnection, id: &str, attempts: i32, now: i64) -> QueryResult<()> {
    diesel::update(d::logout_deliveries.find(id))
        .set((
            d::attempts.eq(attempts),
            d::delivered_at.eq(Some(now)),
            d::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed attempt; the next is due at `next_attempt_at`.
pub fn reschedule(
    conn: &mut DbConnection,
    id: &str,
    attempts: i32,
    next_attempt_at: i64,
    error: &str,
) -> QueryResult<()> {
    diesel::update(d::logout_deliveries.find(id))
        .set((
            d::attempts.eq(attempts),
            d::next_attempt_at.eq(next_attempt_at),
            d::last_error.eq(Some(error)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Records a failed last attempt: the delivery is given up.
pub fn abandon(conn: &mut DbConnection, id: &str, attempts: i32, now: i64, error: &str) -> QueryResult<()> {
    diesel::update(d::logout_deliveries.find(id))
        .set((
            d::attempts.eq(attempts),
            d::abandoned_at.eq(Some(now)),
            d::last_error.eq(Some(error)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The deliveries owed to or made to `client_id`, oldest first.
pub fn for_client(conn: &mut DbConnection, client_id: &str) -> QueryResult<Vec<DeliveryRow>> {
    d::logout_deliveries
        .filter(d::client_id.eq(client_id))
        .order((d::created_at.asc(), d::id.asc()))
        .select(DeliveryRow::as_select())
        .load(conn)
}

/// Deletes up to `limit` deliveries that were delivered or abandoned
/// before `cutoff`. Owed ones stay, however old.
pub fn purge(conn: &mut DbConnection, cutoff: i64, limit: i64) -> QueryResult<usize> {
    let over = || d::delivered_at.lt(cutoff).or(d::abandoned_at.lt(cutoff));
    let gone: Vec<String> = d::logout_deliveries
        .select(d::id)
        .filter(over())
        .limit(limit)
        .load(conn)?;
    diesel::delete(d::logout_deliveries.filter(d::id.eq_any(&gone)).filter(over())).execute(conn)
}
