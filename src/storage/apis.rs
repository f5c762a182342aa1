//! The `apis` table (registered resource servers), the role names each
//! defines (`api_roles`) and the scopes each owns (`scopes.api_id`).
//! Deleting an API deletes its roles and every assignment of them through
//! foreign keys, and leaves its scopes in the catalogue, owned by no one.

use super::schema::{api_roles::dsl as r, apis::dsl as a, client_roles::dsl as cr, scopes::dsl as s};
use super::DbConnection;
use diesel::prelude::*;

/// A registered API.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::apis)]
pub struct ApiRow {
    /// Internal id.
    pub id: String,
    /// The URI tokens for it carry as `aud`.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// The client whose credentials the API introspects with.
    pub introspection_client_id: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

/// Inserts an API.
pub fn insert(conn: &mut DbConnection, row: &ApiRow) -> QueryResult<()> {
    diesel::insert_into(a::apis).values(row).execute(conn).map(|_| ())
}

/// The API with this identifier.
pub fn by_identifier(conn: &mut DbConnection, identifier: &str) -> QueryResult<Option<ApiRow>> {
    a::apis
        .filter(a::identifier.eq(identifier))
        .select(ApiRow::as_select())
        .first(conn)
        .optional()
}

/// Every API, by identifier.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ApiRow>> {
    a::apis
        .select(ApiRow::as_select())
        .order(a::identifier.asc())
        .load(conn)
}

/// Renames an API; returns whether it exists.
pub fn set_name(conn: &mut DbConnection, id: &str, name: &str, now: i64) -> QueryResult<bool> {
    diesel::update(a::apis.find(id))
        .set((a::name.eq(name), a::updated_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Deletes an API: its roles and their assignments go with it, its scopes
/// stay in the catalogue unowned. Returns whether it existed.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(s::scopes.filter(s::api_id.eq(id)))
        .set(s::api_id.eq(None::<String>))
        .execute(conn)?;
    diesel::delete(a::apis.find(id)).execute(conn).map(|n| n == 1)
}

/// The role names an API defines, sorted.
pub fn roles(conn: &mut DbConnection, api_id: &str) -> QueryResult<Vec<String>> {
    r::api_roles
        .filter(r::api_id.eq(api_id))
        .select(r::role)
        .order(r::role.asc())
        .load(conn)
}

/// Defines a role (a no-op if it exists).
pub fn add_role(conn: &mut DbConnection, api_id: &str, role: &str) -> QueryResult<()> {
    if roles(conn, api_id)?.iter().any(|r| r == role) {
        return Ok(());
    }
    diesel::insert_into(r::api_roles)
        .values((r::api_id.eq(api_id), r::role.eq(role)))
        .execute(conn)
        .map(|_| ())
}

/// Removes a role and every assignment of it; returns whether it existed.
pub fn remove_role(conn: &mut DbConnection, api_id: &str, role: &str) -> QueryResult<bool> {
    diesel::delete(r::api_roles.filter(r::api_id.eq(api_id)).filter(r::role.eq(role)))
        .execute(conn)
        .map(|n| n == 1)
}

/// The scopes an API owns, sorted.
pub fn scopes(conn: &mut DbConnection, api_id: &str) -> QueryResult<Vec<String>> {
    s::scopes
        .filter(s::api_id.eq(api_id))
        .select(s::name)
        .order(s::name.asc())
        .load(conn)
}

/// The API owning the catalogue scope `name`: `None` if the scope is not in
/// the catalogue, `Some(None)` if it is and no API owns it.
pub fn scope_owner(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Option<String>>> {
    s::scopes.find(name).select(s::api_id).first(conn).optional()
}

/// Makes `api_id` the owner of the scope `name`, adding it to the catalogue
/// (described by its name) if absent.
pub fn own_scope(conn: &mut DbConnection, api_id: &str, name: &str, now: i64) -> QueryResult<()> {
    let n = diesel::update(s::scopes.find(name))
        .set(s::api_id.eq(api_id))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(s::scopes)
            .values((
                s::name.eq(name),
                s::description.eq(name),
                s::created_at.eq(now),
                s::api_id.eq(api_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Releases the scope `name` from `api_id` (it stays in the catalogue);
/// returns whether the API owned it.
pub fn release_scope(conn: &mut DbConnection, api_id: &str, name: &str) -> QueryResult<bool> {
    diesel::update(s::scopes.find(name).filter(s::api_id.eq(api_id)))
        .set(s::api_id.eq(None::<String>))
        .execute(conn)
        .map(|n| n == 1)
}

/// Everything the token endpoint needs to know about APIs, in one read:
/// every identifier, every owned scope as (scope, identifier), and every
/// client role as (client id, identifier, role).
pub type Directory = (Vec<String>, Vec<(String, String)>, Vec<(String, String, String)>);

/// Reads the [`Directory`].
pub fn directory(conn: &mut DbConnection) -> QueryResult<Directory> {
    let identifiers = a::apis.select(a::identifier).load(conn)?;
    let scopes = s::scopes
        .inner_join(a::apis)
        .select((s::name, a::identifier))
        .load(conn)?;
    let client_roles = cr::client_roles
        .inner_join(a::apis)
        .select((cr::client_id, a::identifier, cr::role))
        .order((cr::client_id.asc(), a::identifier.asc(), cr::role.asc()))
        .load(conn)?;
    Ok((identifiers, scopes, client_roles))
}
