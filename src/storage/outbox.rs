//! The `event_outbox` table: events owed to the broker. A row is written in
//! the transaction of the change it reports (so a rolled-back change
//! reports nothing and a committed one is never lost), published by the
//! relay and marked sent after the broker acknowledged it.

use super::schema::event_outbox::dsl as o;
use super::DbConnection;
use diesel::prelude::*;

/// An event to publish.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::event_outbox)]
pub struct NewOutboxRow {
    /// The event's id: unique, and the same at every publishing attempt.
    pub id: String,
    /// Its type without the prefix, e.g. `session.created`.
    pub event_type: String,
    /// The user or client it concerns.
    pub subject: Option<String>,
    /// Its data, a JSON object.
    pub data: String,
    /// When the change happened.
    pub created_at: i64,
}

/// A stored event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::event_outbox)]
pub struct OutboxRow {
    /// Its place in the order of writing.
    pub seq: i64,
    /// The event's id.
    pub id: String,
    /// Its type without the prefix, e.g. `session.created`.
    pub event_type: String,
    /// The user or client it concerns.
    pub subject: Option<String>,
    /// Its data, a JSON object.
    pub data: String,
    /// When the change happened.
    pub created_at: i64,
    /// How many publishing attempts failed.
    pub attempts: i32,
    /// When the broker acknowledged it.
    pub sent_at: Option<i64>,
}

/// Stores an event to publish.
pub fn insert(conn: &mut DbConnection, row: &NewOutboxRow) -> QueryResult<()> {
    diesel::insert_into(o::event_outbox)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Up to `limit` events not sent yet, oldest first.
pub fn unsent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    o::event_outbox
        .filter(o::sent_at.is_null())
        .order(o::seq.asc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// How many events are not sent yet.
pub fn count_unsent(conn: &mut DbConnection) -> QueryResult<i64> {
    o::event_outbox
        .filter(o::sent_at.is_null())
        .count()
        .get_result(conn)
}

/// Marks the events `seqs` sent at `now` (the broker acknowledged them).
pub fn mark_sent(conn: &mut DbConnection, seqs: &[i64], now: i64) -> QueryResult<usize> {
    diesel::update(
        o::event_outbox
            .filter(o::seq.eq_any(seqs))
            .filter(o::sent_at.is_null()),
    )
    .set(o::sent_at.eq(now))
    .execute(conn)
}

/// Counts a failed publishing attempt for the events `seqs`.
pub fn count_attempt(conn: &mut DbConnection, seqs: &[i64]) -> QueryResult<usize> {
    diesel::update(
        o::event_outbox
            .filter(o::seq.eq_any(seqs))
            .filter(o::sent_at.is_null()),
    )
    .set(o::attempts.eq(o::attempts + 1))
    .execute(conn)
}

/// Deletes up to `limit` events sent before `cutoff`, or, with `unsent`,
/// any events written before `cutoff`, sent or not (nobody publishes
/// them). Returns how many went.
pub fn purge(conn: &mut DbConnection, cutoff: i64, unsent: bool, limit: i64) -> QueryResult<usize> {
    let seqs: Vec<i64> = if unsent {
        o::event_outbox
            .filter(o::created_at.lt(cutoff))
            .select(o::seq)
            .order(o::seq.asc())
            .limit(limit)
            .load(conn)?
    } else {
        o::event_outbox
            .filter(o::sent_at.lt(cutoff))
            .select(o::seq)
            .order(o::seq.asc())
            .limit(limit)
            .load(conn)?
    };
    if seqs.is_empty() {
        return Ok(0);
    }
    diesel::delete(o::event_outbox.filter(o::seq.eq_any(&seqs))).execute(conn)
}
