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

/// A catalogue entry as the administrators' page shows it.
#[derive(Debug, Clone)]
pub struct CatalogueEntry {
    /// The scope's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The identifier of the API owning it, if one does.
    pub api: Option<String>,
}

/// Every scope in the catalogue with its description and owning API, by name.
pub fn with_owners(conn: &mut DbConnection) -> QueryResult<Vec<CatalogueEntry>> {
    use super::schema::apis::dsl as a;
    let rows: Vec<(String, String, Option<String>)> = s::scopes
        .left_join(a::apis)
        .select((s::name, s::description, a::identifier.nullable()))
        .order(s::name.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(name, description, api)| CatalogueEntry {
            name,
            description,
            api,
        })
        .collect())
}

/// The catalogue entry `name`, if it is in the catalogue.
pub fn entry(conn: &mut DbConnection, name: &str) -> QueryResult<Option<CatalogueEntry>> {
    Ok(with_owners(conn)?.into_iter().find(|e| e.name == name))
}

/// Changes the description of the scope `name`; returns whether it exists.
pub fn describe(conn: &mut DbConnection, name: &str, description: &str) -> QueryResult<bool> {
    diesel::update(s::scopes.find(name))
        .set(s::description.eq(description))
        .execute(conn)
        .map(|n| n == 1)
}
