//! Roles: the `user_roles` and `client_roles` tables, read with the
//! identifier of the API each role belongs to.

use super::schema::{apis::dsl as a, client_roles::dsl as cr, user_roles::dsl as ur};
use super::DbConnection;
use diesel::prelude::*;

/// The roles given to `user_id`, as (API identifier, role), sorted.
pub fn of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<(String, String)>> {
    ur::user_roles
        .inner_join(a::apis)
        .filter(ur::user_id.eq(user_id))
        .select((a::identifier, ur::role))
        .order((a::identifier.asc(), ur::role.asc()))
        .load(conn)
}

/// The roles given to the client `client_id`, as (API identifier, role), sorted.
pub fn of_client(conn: &mut DbConnection, client_id: &str) -> QueryResult<Vec<(String, String)>> {
    cr::client_roles
        .inner_join(a::apis)
        .filter(cr::client_id.eq(client_id))
        .select((a::identifier, cr::role))
        .order((a::identifier.asc(), cr::role.asc()))
        .load(conn)
}

/// Whose roles: a user's or a client's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// A user, by id.
    User(String),
    /// A client, by id.
    Client(String),
}

/// Everyone holding the role `role` of `api_id`.
pub fn holders(conn: &mut DbConnection, api_id: &str, role: &str) -> QueryResult<Vec<Holder>> {
    let users: Vec<String> = ur::user_roles
        .filter(ur::api_id.eq(api_id).and(ur::role.eq(role)))
        .select(ur::user_id)
        .load(conn)?;
    let clients: Vec<String> = cr::client_roles
        .filter(cr::api_id.eq(api_id).and(cr::role.eq(role)))
        .select(cr::client_id)
        .load(conn)?;
    Ok(users
        .into_iter()
        .map(Holder::User)
        .chain(clients.into_iter().map(Holder::Client))
        .collect())
}

/// The roles `holder` has for the API `api_id`, sorted.
pub fn for_api(conn: &mut DbConnection, holder: &Holder, api_id: &str) -> QueryResult<Vec<String>> {
    match holder {
        Holder::User(id) => ur::user_roles
            .filter(ur::user_id.eq(id).and(ur::api_id.eq(api_id)))
            .select(ur::role)
            .order(ur::role.asc())
            .load(conn),
        Holder::Client(id) => cr::client_roles
            .filter(cr::client_id.eq(id).and(cr::api_id.eq(api_id)))
            .select(cr::role)
            .order(cr::role.asc())
            .load(conn),
    }
}

/// The roles the user `user_id` has for the API identified by `identifier`
/// (what a token for that audience carries), sorted.
pub fn of_user_for(conn: &mut DbConnection, user_id: &str, identifier: &str) -> QueryResult<Vec<String>> {
    ur::user_roles
        .inner_join(a::apis)
        .filter(ur::user_id.eq(user_id).and(a::identifier.eq(identifier)))
        .select(ur::role)
        .order(ur::role.asc())
        .load(conn)
}

/// Gives `holder` a role of `api_id`; returns whether it was new.
pub fn grant(
    conn: &mut DbConnection,
    holder: &Holder,
    api_id: &str,
    role: &str,
    now: i64,
) -> QueryResult<bool> {
    if for_api(conn, holder, api_id)?.iter().any(|r| r == role) {
        return Ok(false);
    }
    match holder {
        Holder::User(id) => diesel::insert_into(ur::user_roles)
            .values((
                ur::user_id.eq(id),
                ur::api_id.eq(api_id),
                ur::role.eq(role),
                ur::granted_at.eq(now),
            ))
            .execute(conn)?,
        Holder::Client(id) => diesel::insert_into(cr::client_roles)
            .values((
                cr::client_id.eq(id),
                cr::api_id.eq(api_id),
                cr::role.eq(role),
                cr::granted_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(true)
}

/// Takes a role of `api_id` from `holder`; returns whether it had it.
pub fn revoke(conn: &mut DbConnection, holder: &Holder, api_id: &str, role: &str) -> QueryResult<bool> {
    let n = match holder {
        Holder::User(id) => diesel::delete(
            ur::user_roles.filter(
                ur::user_id
                    .eq(id)
                    .and(ur::api_id.eq(api_id))
                    .and(ur::role.eq(role)),
            ),
        )
        .execute(conn)?,
        Holder::Client(id) => diesel::delete(
            cr::client_roles.filter(
                cr::client_id
                    .eq(id)
                    .and(cr::api_id.eq(api_id))
                    .and(cr::role.eq(role)),
            ),
        )
        .execute(conn)?,
    };
    Ok(n > 0)
}
