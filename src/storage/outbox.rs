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
