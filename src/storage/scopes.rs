//! The `scopes` table: the operator's scope catalogue.

use super::schema::scopes::dsl as s;
use super::DbConnection;
use diesel::prelude::*;

/// Every scope in the catalogue with its description, by name.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    s::scopes
        .select((s::name, s::description))
        .order(s::name.asc())
        .load(conn)
}

/// Adds a scope or changes its description (the API owning it, if any,
/// stays its owner).
pub fn put(conn: &mut DbConnection, name: &str, description: &str, now: i64) -> QueryResult<()> {
    conn.transaction(|conn| {
        let n = diesel::update(s::scopes.find(name))
            .set(s::description.eq(description))
            .execute(conn)?;
        if n == 0 {
            diesel::insert_into(s::scopes)
                .values((
                    s::name.eq(name),
                    s::description.eq(description),
                    s::created_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Removes a scope; returns whether it existed.
pub fn remove(conn: &mut DbConnection, name: &str) -> QueryResult<bool> {
    diesel::delete(s::scopes.find(name)).execute(conn).map(|n| n > 0)
}
