//! The `audit_events` table: appended to and read, never updated or
//! deleted (the sweeper leaves it alone; rows stay until an operator
//! deletes them).

use super::schema::audit_events::dsl as a;
use super::DbConnection;
use diesel::prelude::*;

/// An event to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = super::schema::audit_events)]
pub struct NewAuditRow {
    /// When, UTC seconds.
    pub at: i64,
    /// What happened: `client.suspended`, `signin.failed`, …
    pub kind: String,
    /// The user who acted (a user or an administrator), if a user did.
    pub actor_user_id: Option<String>,
    /// Who acted: `user`, `admin`, `operator-cli`, `client` or `system`.
    pub actor_kind: String,
    /// The user the event concerns.
    pub user_id: Option<String>,
    /// The client the event concerns.
    pub client_id: Option<String>,
    /// The address the request came from.
    pub address: Option<String>,
    /// Typed, non-secret details as a JSON object.
    pub detail_json: String,
}

/// A recorded event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::audit_events)]
pub struct AuditRow {
    /// Increasing with each event.
    pub id: i64,
    /// When, UTC seconds.
    pub at: i64,
    /// What happened.
    pub kind: String,
    /// The user who acted, if a user did.
    pub actor_user_id: Option<String>,
    /// Who acted.
    pub actor_kind: String,
    /// The user the event concerns.
    pub user_id: Option<String>,
    /// The client the event concerns.
    pub client_id: Option<String>,
    /// The address the request came from.
    pub address: Option<String>,
    /// Details, a JSON object.
    pub detail_json: String,
}

/// Which events to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Events about this user or done by them.
    pub user_id: Option<String>,
    /// Events about this client.
    pub client_id: Option<String>,
    /// Events at or after this time.
    pub since: Option<i64>,
    /// Events older than this one (the next page).
    pub before_id: Option<i64>,
}

/// Appends an event.
pub fn insert(conn: &mut DbConnection, row: &NewAuditRow) -> QueryResult<()> {
    diesel::insert_into(a::audit_events)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Up to `limit` events matching `filter`, newest first.
pub fn list(conn: &mut DbConnection, filter: &AuditFilter, limit: i64) -> QueryResult<Vec<AuditRow>> {
    let mut query = a::audit_events.select(AuditRow::as_select()).into_boxed();
    if let Some(user) = &filter.user_id {
        query = query.filter(a::user_id.eq(user).or(a::actor_user_id.eq(user)));
    }
    if let Some(client) = &filter.client_id {
        query = query.filter(a::client_id.eq(client));
    }
    if let Some(since) = filter.since {
        query = query.filter(a::at.ge(since));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(a::id.lt(before));
    }
    query.order(a::id.desc()).limit(limit).load(conn)
}

/// Takes the personal data out of the events about or by `user_id` (a
/// user who deleted their account): the address they came from, and a
/// login name their details name. The rows stay, with the user's id, so
/// the trail still tells what happened to that account. Returns how many
/// rows were changed.
pub fn anonymise_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    let about = || a::user_id.eq(user_id).or(a::actor_user_id.eq(user_id));
    let mut changed = diesel::update(a::audit_events.filter(about()).filter(a::address.is_not_null()))
        .set(a::address.eq(None::<String>))
        .execute(conn)?;
    let named: Vec<(i64, String)> = a::audit_events
        .filter(about())
        .filter(a::detail_json.like("%\"username\"%"))
        .select((a::id, a::detail_json))
        .load(conn)?;
    for (id, detail) in named {
        let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_str::<serde_json::Value>(&detail)
        else {
            continue;
        };
        if fields.remove("username").is_some() {
            let detail = serde_json::Value::Object(fields).to_string();
            changed += diesel::update(a::audit_events.find(id))
                .set(a::detail_json.eq(detail))
                .execute(conn)?;
        }
    }
    Ok(changed)
}
