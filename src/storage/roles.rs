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
