//! Registered APIs (resource servers): what an operator can do with them
//! (create, list, change, delete, give their roles to users and clients),
//! the rules they follow ([`rules`]), and the cached view the endpoints
//! read ([`directory`]).
//!
//! Every change to someone's roles happens in one transaction with what
//! must follow it: the holder's sessions are queued for the session store,
//! a `user.roles_changed` / `client.roles_changed` event is written to the
//! outbox, and the audit trail records it.

pub mod directory;
mod roles;
pub mod rules;

pub use directory::{audience, user_roles, ApiCache, Directory};
pub use roles::{change_roles, Holder, RoleChange};

use crate::domain::Invalid;
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::registry;
use crate::oauth::secrets;
use crate::storage::apis::ApiRow;
use crate::storage::clients::ClientRow;
use crate::storage::{self, Database, DbConnection, QueryError, StorageError};
use secrecy::SecretString;

/// Why a change to an API was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A rule was broken; it says which (in English, and by its rule for
    /// pages).
    #[error("{0}")]
    Invalid(Invalid),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// An API to register.
#[derive(Debug, Clone, Default)]
pub struct NewApi {
    /// The URI its tokens carry as `aud`.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// Catalogue scopes it owns (added to the catalogue if absent).
    pub scopes: Vec<String>,
    /// Role names it defines.
    pub roles: Vec<String>,
    /// Whether to create its introspection credentials.
    pub introspection: bool,
}

/// A registered API and, if asked for, its introspection credentials,
/// shown this once.
pub struct CreatedApi {
    /// Its identifier.
    pub identifier: String,
    /// The client id it introspects with.
    pub introspection_client_id: Option<String>,
    /// That client's secret.
    pub introspection_client_secret: Option<SecretString>,
}

/// A registered API as operators see it.
#[derive(Debug, Clone)]
pub struct ApiView {
    /// Its identifier.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// The scopes it owns.
    pub scopes: Vec<String>,
    /// The roles it defines.
    pub roles: Vec<String>,
    /// The client it introspects with, if it has credentials.
    pub introspection_client_id: Option<String>,
}

/// What [`update`] changes.
#[derive(Debug, Clone, Default)]
pub struct ApiChanges {
    /// A new name.
    pub name: Option<String>,
    /// Scopes it comes to own.
    pub add_scopes: Vec<String>,
    /// Scopes it gives up (they stay in the catalogue).
    pub remove_scopes: Vec<String>,
    /// Roles it comes to define.
    pub add_roles: Vec<String>,
    /// Roles it stops defining (every assignment of them ends).
    pub remove_roles: Vec<String>,
}

fn check_all(items: &[String], rule: fn(&str) -> Result<String, Invalid>) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = items
        .iter()
        .map(|i| rule(i).map_err(ApiError::Invalid))
        .collect::<Result<_, _>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Scopes owned by another API than `api_id`, as an error naming them.
fn foreign_scopes(
    conn: &mut DbConnection,
    api_id: &str,
    scopes: &[String],
) -> Result<Option<Invalid>, QueryError> {
    for scope in scopes {
        if let Some(Some(owner)) = storage::apis::scope_owner(conn, scope)? {
            if owner != api_id {
                let why = format!("the scope {scope:?} belongs to another API");
                return Ok(Some(
                    Invalid::rule("rule-api-scope-taken", why).with("scope", format!("{scope:?}")),
                ));
            }
        }
    }
    Ok(None)
}

fn too_many_roles() -> Invalid {
    let most = rules::MAX_ROLES;
    Invalid::rule(
        "rule-api-too-many-roles",
        format!("an API defines at most {most} roles"),
    )
    .with("max", most)
}

/// No API is registered as `identifier`.
pub(super) fn no_such_api(identifier: &str) -> Invalid {
    Invalid::rule(
        "rule-api-unknown",
        format!("no API with the identifier {identifier:?}"),
    )
    .with("identifier", format!("{identifier:?}"))
}

/// Registers an API.
pub async fn create(db: &Database, actor: &Actor, new: NewApi, now: i64) -> Result<CreatedApi, ApiError> {
    let identifier = rules::identifier(new.identifier.trim()).map_err(ApiError::Invalid)?;
    let name = rules::name(&new.name).map_err(ApiError::Invalid)?;
    let scopes = check_all(&new.scopes, rules::scope)?;
    let roles = check_all(&new.roles, rules::role)?;
    if roles.len() > rules::MAX_ROLES {
        return Err(ApiError::Invalid(too_many_roles()));
    }
    let secret = new.introspection.then(secrets::random_secret);
    let client_id = new.introspection.then(registry::new_client_id);
    let row = ApiRow {
        id: secrets::random_token(16),
        identifier: identifier.clone(),
        name: name.clone(),
        introspection_client_id: client_id.clone(),
        created_at: now,
        updated_at: now,
    };
    let actor = actor.clone();
    let client = client_id.clone().zip(secret.clone()).map(|(id, secret)| {
        introspection_client(id, &format!("{name} (introspection)"), &identifier, &secret, now)
    });
    db.transaction(move |conn| {
        if storage::apis::by_identifier(conn, &row.identifier)?.is_some() {
            return Ok(Err(ApiError::Invalid(
                Invalid::rule(
                    "rule-api-exists",
                    format!("an API with the identifier {:?} already exists", row.identifier),
                )
                .with("identifier", format!("{:?}", row.identifier)),
            )));
        }
        if let Some(why) = foreign_scopes(conn, &row.id, &scopes)? {
            return Ok(Err(ApiError::Invalid(why)));
        }
        if let Some(client) = client {
            storage::clients::insert(conn, &client)?;
            let event = Event::ClientRegistered {
                client_id: client.id.clone(),
                owner_id: None,
            };
            audit::record_in(conn, &actor, event, now);
        }
        storage::apis::insert(conn, &row)?;
        for scope in &scopes {
            storage::apis::own_scope(conn, &row.id, scope, now)?;
        }
        for role in &roles {
            storage::apis::add_role(conn, &row.id, role)?;
        }
        Ok(Ok(()))
    })
    .await??;
    Ok(CreatedApi {
        identifier: new.identifier.trim().to_string(),
        introspection_client_id: client_id,
        introspection_client_secret: secret.map(SecretString::from),
    })
}

/// The confidential client an API introspects with: no grant types, no
/// redirect URIs, allowed to introspect the API's tokens only.
fn introspection_client(id: String, name: &str, identifier: &str, secret: &str, now: i64) -> ClientRow {
    ClientRow {
        id,
        name: name.chars().take(100).collect(),
        description: String::new(),
        homepage_uri: None,
        logo_uri: None,
        secret_hash: Some(secrets::hash(secret)),
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        redirect_uris: String::new(),
        grant_types: String::new(),
        scopes: String::new(),
        resources: String::new(),
        is_public: false,
        is_trusted: false,
        require_pkce: true,
        allow_plain_pkce: false,
        suspended: false,
        owner_id: None,
        registration_token_hash: None,
        created_at: now,
        updated_at: now,
        verified: true,
        openid: Default::default(),
        introspection_audiences: identifier.to_string(),
        access_token_format: "jwt".into(),
    }
}

fn view_of(conn: &mut DbConnection, row: ApiRow) -> Result<ApiView, QueryError> {
    Ok(ApiView {
        scopes: storage::apis::scopes(conn, &row.id)?,
        roles: storage::apis::roles(conn, &row.id)?,
        identifier: row.identifier,
        name: row.name,
        introspection_client_id: row.introspection_client_id,
    })
}

/// Every registered API, by identifier.
pub async fn list(db: &Database) -> Result<Vec<ApiView>, StorageError> {
    db.run(|conn| {
        storage::apis::all(conn)?
            .into_iter()
            .map(|row| view_of(conn, row))
            .collect()
    })
    .await
}

/// The API with this identifier.
pub async fn view(db: &Database, identifier: &str) -> Result<Option<ApiView>, StorageError> {
    let identifier = identifier.to_string();
    db.run(
        move |conn| match storage::apis::by_identifier(conn, &identifier)? {
            Some(row) => view_of(conn, row).map(Some),
            None => Ok(None),
        },
    )
    .await
}

/// Changes an API's name, scopes and roles, all or nothing. A role it
/// stops defining is taken from everyone who had it.
pub async fn update(
    db: &Database,
    actor: &Actor,
    identifier: &str,
    changes: ApiChanges,
    now: i64,
) -> Result<(), ApiError> {
    let name = changes
        .name
        .as_deref()
        .map(rules::name)
        .transpose()
        .map_err(ApiError::Invalid)?;
    let add_scopes = check_all(&changes.add_scopes, rules::scope)?;
    let add_roles = check_all(&changes.add_roles, rules::role)?;
    let (remove_scopes, remove_roles) = (changes.remove_scopes, changes.remove_roles);
    let (identifier, actor) = (identifier.to_string(), actor.clone());
    db.transaction(move |conn| {
        let Some(api) = storage::apis::by_identifier(conn, &identifier)? else {
            return Ok(Err(ApiError::Invalid(no_such_api(&identifier))));
        };
        if let Some(why) = foreign_scopes(conn, &api.id, &add_scopes)? {
            return Ok(Err(ApiError::Invalid(why)));
        }
        let mut roles = storage::apis::roles(conn, &api.id)?;
        roles.retain(|r| !remove_roles.contains(r));
        roles.extend(add_roles.iter().cloned());
        roles.sort();
        roles.dedup();
        if roles.len() > rules::MAX_ROLES {
            return Ok(Err(ApiError::Invalid(too_many_roles())));
        }
        if let Some(name) = &name {
            storage::apis::set_name(conn, &api.id, name, now)?;
        }
        for scope in &add_scopes {
            storage::apis::own_scope(conn, &api.id, scope, now)?;
        }
        for scope in &remove_scopes {
            storage::apis::release_scope(conn, &api.id, scope)?;
        }
        for role in &add_roles {
            storage::apis::add_role(conn, &api.id, role)?;
        }
        for role in &remove_roles {
            let holders = storage::roles::holders(conn, &api.id, role)?;
            if storage::apis::remove_role(conn, &api.id, role)? {
                roles::announce_all(conn, &actor, &api, holders, now)?;
            }
        }
        Ok(Ok(()))
    })
    .await?
}

/// Deletes an API: its roles and their assignments end, its scopes stay in
/// the catalogue unowned, its introspection client is deleted. Returns
/// whether it existed.
pub async fn delete(db: &Database, actor: &Actor, identifier: &str, now: i64) -> Result<bool, StorageError> {
    let (identifier, actor) = (identifier.to_string(), actor.clone());
    db.transaction(move |conn| {
        let Some(api) = storage::apis::by_identifier(conn, &identifier)? else {
            return Ok(false);
        };
        let mut holders = Vec::new();
        for role in storage::apis::roles(conn, &api.id)? {
            holders.extend(storage::roles::holders(conn, &api.id, &role)?);
        }
        holders.sort();
        holders.dedup();
        storage::apis::delete(conn, &api.id)?;
        roles::announce_all(conn, &actor, &api, holders, now)?;
        if let Some(client_id) = &api.introspection_client_id {
            if storage::clients::delete(conn, client_id)? {
                storage::notifications::client_changed(conn, client_id)?;
                let event = Event::ClientDeleted {
                    client_id: client_id.clone(),
                };
                audit::record_in(conn, &actor, event, now);
            }
        }
        Ok(true)
    })
    .await
}
