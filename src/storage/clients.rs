//! The `clients` table. List-valued columns (redirect URIs, grant types,
//! scopes, resources) are space-separated: none of their items may contain
//! a space.

use super::schema::clients::dsl as c;
use super::DbConnection;
use diesel::prelude::*;

/// A stored client registration.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::clients)]
pub struct ClientRow {
    /// The client id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description shown to developers.
    pub description: String,
    /// Home page.
    pub homepage_uri: Option<String>,
    /// Logo.
    pub logo_uri: Option<String>,
    /// SHA-256 of the secret; none for public clients.
    pub secret_hash: Option<String>,
    /// SHA-256 of the secret before the last rotation, during its overlap.
    pub previous_secret_hash: Option<String>,
    /// End of the overlap.
    pub previous_secret_expires_at: Option<i64>,
    /// Registered redirect URIs, space-separated.
    pub redirect_uris: String,
    /// Allowed grant types, space-separated.
    pub grant_types: String,
    /// Allowed scopes, space-separated.
    pub scopes: String,
    /// Allowed RFC 8707 resources (audiences), space-separated.
    pub resources: String,
    /// Cannot keep a secret (SPA, native app).
    pub is_public: bool,
    /// First-party: skips consent, may use the password grant.
    pub is_trusted: bool,
    /// PKCE required on the authorization code grant.
    pub require_pkce: bool,
    /// PKCE `plain` accepted.
    pub allow_plain_pkce: bool,
    /// No new tokens; existing ones introspect inactive.
    pub suspended: bool,
    /// The developer who registered it.
    pub owner_id: Option<String>,
    /// SHA-256 of the RFC 7592 registration access token.
    pub registration_token_hash: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// Last change.
    pub updated_at: i64,
}

/// Inserts a client.
pub fn insert(conn: &mut DbConnection, row: &ClientRow) -> QueryResult<()> {
    diesel::insert_into(c::clients)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The client with this id.
pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ClientRow>> {
    c::clients
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()
}

/// Every client, oldest first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ClientRow>> {
    c::clients
        .select(ClientRow::as_select())
        .order((c::created_at.asc(), c::id.asc()))
        .load(conn)
}

/// Deletes a client (its codes, tokens and consents go with it through
/// foreign keys); returns whether it existed.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::delete(c::clients.find(id)).execute(conn).map(|n| n > 0)
}

/// The clients a developer registered, oldest first.
pub fn by_owner(conn: &mut DbConnection, owner: &str) -> QueryResult<Vec<ClientRow>> {
    c::clients
        .filter(c::owner_id.eq(owner))
        .select(ClientRow::as_select())
        .order((c::created_at.asc(), c::id.asc()))
        .load(conn)
}

/// Replaces a client's registration; returns whether it existed.
pub fn update(conn: &mut DbConnection, row: &ClientRow) -> QueryResult<bool> {
    diesel::update(c::clients.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|n| n == 1)
}
