//! The `clients` table. List-valued columns (redirect URIs, grant types,
//! scopes, resources) are space-separated: none of their items may contain
//! a space.
//!
//! Every write changes only the columns it means to change: a developer's
//! edit writes the registration's details, an administrator's decision its
//! flags, a rotation its secrets. None of them writes a whole row read
//! earlier, so none can undo a concurrent change to another part (an edit
//! racing a suspension once reverted the suspension on PostgreSQL).

use super::schema::clients::dsl as c;
use super::DbConnection;
use diesel::prelude::*;

/// A stored client registration.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
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
    /// An administrator vouches for it (operator-registered clients are).
    pub verified: bool,
    /// What the client registered as an OpenID Connect relying party.
    #[diesel(embed)]
    pub openid: OpenIdSettings,
    /// The audiences whose access tokens it may introspect, space-separated
    /// (empty: none).
    pub introspection_audiences: String,
    /// `jwt` or `opaque`: the form of its access tokens.
    pub access_token_format: String,
}

/// How a client authenticates (RFC 7523, OpenID Core §9), whether its
/// requests must be pushed (RFC 9126 §6) and its tokens DPoP-bound
/// (RFC 9449 §5.2), and whether it was resolved from a client ID metadata
/// document rather than registered. The defaults are a registered client
/// authenticating with its secret (or none, if public), as before.
///
/// Kept in `client_security`, one row per client that departs from the
/// defaults (the `clients` table is at diesel's 32-column limit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::client_security, treat_none_as_null = true)]
pub struct ClientSecurity {
    /// `private_key_jwt`, or none: by its secret (or no authentication,
    /// if public).
    pub token_endpoint_auth_method: Option<String>,
    /// Its public keys, inline: a JWK Set (JSON).
    pub jwks: Option<String>,
    /// Where its public keys are fetched from.
    pub jwks_uri: Option<String>,
    /// Every authorization request must be pushed first.
    pub require_pushed_authorization_requests: bool,
    /// Every access token must be DPoP-bound.
    pub dpop_bound_access_tokens: bool,
    /// Set for a client resolved from its client ID metadata document:
    /// when the fetched document stops being fresh.
    pub metadata_document_expires_at: Option<i64>,
}

/// What a client registered as an OpenID Connect relying party (Dynamic
/// Client Registration 1.0 §2, RP-Initiated Logout 1.0 §3.1, Back-Channel
/// Logout 1.0 §2.2). Part of the registration's details: its developer
/// edits them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = super::schema::clients, treat_none_as_null = true)]
pub struct OpenIdSettings {
    /// Where the user may be sent after RP-initiated logout, space-separated.
    pub post_logout_redirect_uris: String,
    /// Where back-channel logout tokens are posted.
    pub backchannel_logout_uri: Option<String>,
    /// Whether the logout token must carry `sid`.
    pub backchannel_logout_session_required: bool,
    /// `public` or `pairwise`.
    pub subject_type: String,
    /// The host pairwise subjects are computed for (Core §8.1); set for
    /// pairwise clients.
    pub sector_identifier: Option<String>,
    /// Seconds after which the user must sign in again for this client.
    pub default_max_age: Option<i64>,
    /// Whether id tokens always carry `auth_time`.
    pub require_auth_time: bool,
    /// The algorithm the client wants id tokens signed with; none: the
    /// active key's.
    pub id_token_signed_response_alg: Option<String>,
}

impl Default for OpenIdSettings {
    fn default() -> Self {
        OpenIdSettings {
            post_logout_redirect_uris: String::new(),
            backchannel_logout_uri: None,
            backchannel_logout_session_required: false,
            subject_type: "public".into(),
            sector_identifier: None,
            default_max_age: None,
            require_auth_time: false,
            id_token_signed_response_alg: None,
        }
    }
}

/// What a registration says about itself: the part its developer edits.
/// `None` clears a column (`treat_none_as_null`): an edit that removes the
/// logo removes it.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = super::schema::clients, treat_none_as_null = true)]
pub struct ClientDetails {
    /// Display name.
    pub name: String,
    /// Description shown to developers.
    pub description: String,
    /// Home page.
    pub homepage_uri: Option<String>,
    /// Logo.
    pub logo_uri: Option<String>,
    /// Registered redirect URIs, space-separated.
    pub redirect_uris: String,
    /// Allowed grant types, space-separated.
    pub grant_types: String,
    /// Allowed scopes, space-separated.
    pub scopes: String,
    /// Allowed RFC 8707 resources, space-separated.
    pub resources: String,
    /// Time of the change.
    pub updated_at: i64,
    /// What it registered as an OpenID Connect relying party.
    #[diesel(embed)]
    pub openid: OpenIdSettings,
}

/// A client's secrets after a rotation. `None` clears the previous secret,
/// so a rotation that takes effect at once ends every earlier secret.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = super::schema::clients, treat_none_as_null = true)]
pub struct ClientSecrets {
    /// SHA-256 of the new secret.
    pub secret_hash: Option<String>,
    /// SHA-256 of the secret it replaces, during the overlap.
    pub previous_secret_hash: Option<String>,
    /// End of the overlap.
    pub previous_secret_expires_at: Option<i64>,
    /// Time of the change.
    pub updated_at: i64,
}

/// An administrator's decisions about a client.
#[derive(Debug, Clone, Copy, AsChangeset)]
#[diesel(table_name = super::schema::clients)]
pub struct ClientFlags {
    /// First-party: skips consent.
    pub is_trusted: bool,
    /// No new tokens; existing ones introspect inactive.
    pub suspended: bool,
    /// Vouched for by an administrator.
    pub verified: bool,
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

/// Locks the client's row until the end of the transaction; returns whether
/// it exists. Call it first in a transaction that reads the row to decide
/// what to write: a no-op update takes the row lock on PostgreSQL (as
/// `SELECT … FOR UPDATE` would) and, as the transaction's first statement,
/// SQLite's write lock, waiting on the busy timeout rather than failing on
/// a stale snapshot.
pub fn lock(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::update(c::clients.find(id))
        .set(c::id.eq(c::id))
        .execute(conn)
        .map(|n| n == 1)
}

/// Writes a registration's details; returns whether the client exists.
/// `withdraw_trust` also clears the trusted flag, in the same statement.
pub fn update_details(
    conn: &mut DbConnection,
    id: &str,
    details: &ClientDetails,
    withdraw_trust: bool,
) -> QueryResult<bool> {
    let n = if withdraw_trust {
        diesel::update(c::clients.find(id))
            .set((details, c::is_trusted.eq(false)))
            .execute(conn)?
    } else {
        diesel::update(c::clients.find(id)).set(details).execute(conn)?
    };
    Ok(n == 1)
}

/// Sets whether a client is public (has no secret to present).
pub fn set_public(conn: &mut DbConnection, id: &str, public: bool) -> QueryResult<bool> {
    diesel::update(c::clients.find(id))
        .set(c::is_public.eq(public))
        .execute(conn)
        .map(|n| n == 1)
}

/// Writes a client's secrets; returns whether the client exists.
pub fn set_secrets(conn: &mut DbConnection, id: &str, secrets: &ClientSecrets) -> QueryResult<bool> {
    diesel::update(c::clients.find(id))
        .set(secrets)
        .execute(conn)
        .map(|n| n == 1)
}

/// Writes an administrator's flags; returns whether the client exists.
pub fn set_flags(conn: &mut DbConnection, id: &str, flags: ClientFlags, now: i64) -> QueryResult<bool> {
    diesel::update(c::clients.find(id))
        .set((flags, c::updated_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}

/// How many clients a user registered.
pub fn count_owned_by(conn: &mut DbConnection, owner: &str) -> QueryResult<i64> {
    c::clients.filter(c::owner_id.eq(owner)).count().get_result(conn)
}

/// Sets the audiences whose access tokens the client may introspect
/// (space-separated; empty: none); returns whether the client exists.
pub fn set_introspection_audiences(
    conn: &mut DbConnection,
    id: &str,
    audiences: &str,
    now: i64,
) -> QueryResult<bool> {
    diesel::update(c::clients.find(id))
        .set((c::introspection_audiences.eq(audiences), c::updated_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Sets the form of the client's access tokens (`jwt` or `opaque`);
/// returns whether the client exists.
pub fn set_access_token_format(
    conn: &mut DbConnection,
    id: &str,
    format: &str,
    now: i64,
) -> QueryResult<bool> {
    diesel::update(c::clients.find(id))
        .set((c::access_token_format.eq(format), c::updated_at.eq(now)))
        .execute(conn)
        .map(|n| n == 1)
}

/// What the client `id` departs from the defaults in (see
/// [`ClientSecurity`]); the defaults if nothing.
pub fn security_of(conn: &mut DbConnection, id: &str) -> QueryResult<ClientSecurity> {
    use super::schema::client_security::dsl as cs;
    Ok(cs::client_security
        .find(id)
        .select(ClientSecurity::as_select())
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// Sets the client `id`'s [`ClientSecurity`] as a whole; the caller read
/// it in the same transaction and changed only what it means to change.
pub fn set_security(conn: &mut DbConnection, id: &str, security: &ClientSecurity) -> QueryResult<()> {
    use super::schema::client_security::dsl as cs;
    let updated = diesel::update(cs::client_security.find(id))
        .set(security)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(cs::client_security)
            .values((cs::client_id.eq(id), security))
            .execute(conn)?;
    }
    Ok(())
}

/// Sets whether the client `id` gets DPoP-bound access tokens only
/// (RFC 9449 §5.2), leaving the rest of its [`ClientSecurity`] as it is;
/// `false` if there is no such client.
pub fn set_dpop_bound_access_tokens(conn: &mut DbConnection, id: &str, required: bool) -> QueryResult<bool> {
    conn.transaction(|conn| {
        let exists = c::clients
            .find(id)
            .select(c::id)
            .first::<String>(conn)
            .optional()?
            .is_some();
        if !exists {
            return Ok(false);
        }
        let mut security = security_of(conn, id)?;
        security.dpop_bound_access_tokens = required;
        set_security(conn, id, &security)?;
        super::notifications::client_changed(conn, id)?;
        Ok(true)
    })
}
