//! The client registry: the changes a registration can go through —
//! registration, update, secret rotation, deletion, an administrator's
//! flags — and the views of it the portal reads. The rules a registration
//! must meet are in [`rules`].
//!
//! Every change is announced to the other instances in the transaction that
//! writes it (`storage::notifications`), and forgotten by this instance's
//! cache once written.

pub mod catalogue;
mod documents;
mod rules;

pub use documents::store_document_client;
pub use rules::{portal_edit, FieldError, FormOffer, NewClient, NewOpenId, Registrant, ValidClient};

use crate::oauth::audit::{self, Actor, ClientFlag, Event};
use crate::oauth::clients::ClientCache;
use crate::oauth::secrets;
use crate::storage::clients::{ClientFlags, ClientRow, ClientSecrets};
use crate::storage::{self, Database, StorageError};
use secrecy::SecretString;

/// A registered client's id and, for a confidential client, its secret:
/// the only time the secret exists outside the requester's hands.
pub struct Registered {
    /// The new client id.
    pub client_id: String,
    /// The secret, shown once.
    pub client_secret: Option<SecretString>,
    /// RFC 7592 registration access token, when one was asked for.
    pub registration_access_token: Option<SecretString>,
}

/// Why a registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// A rule was broken; the error says which field.
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A new client id: 128 random bits in base64url, never starting with `-`,
/// so that an operator can pass it to the CLI (`tollgate client delete ID`)
/// without it being read as an option (one id in 64 would be).
pub(crate) fn new_client_id() -> String {
    loop {
        let id = secrets::random_token(16);
        if !id.starts_with('-') {
            return id;
        }
    }
}

/// Registers a validated client; generates its id, its secret if it is
/// confidential, and an RFC 7592 registration access token if asked. A
/// client an operator registers (no owner, no registration token) is
/// verified; a self-registered one waits for an administrator.
pub async fn register(
    db: &Database,
    actor: &Actor,
    client: ValidClient,
    with_registration_token: bool,
    now: i64,
) -> Result<Registered, RegisterError> {
    // A private_key_jwt client proves itself with its keys: a secret it
    // never uses would only be one more thing to steal.
    let client_secret = (!client.public && !client.by_assertion()).then(secrets::random_secret);
    let security = client.security.clone();
    let registration_token = with_registration_token.then(secrets::random_secret);
    let mut row = new_row(&client, new_client_id(), now);
    row.secret_hash = client_secret.as_deref().map(secrets::hash);
    row.registration_token_hash = registration_token.as_deref().map(secrets::hash);
    row.verified = client.owner_id.is_none() && !with_registration_token;
    let id = row.id.clone();
    let actor = actor.clone();
    db.transaction(move |conn| {
        if let Err(e) = rules::check_signing_alg(&row.openid, &signing_algs(conn)?) {
            return Ok(Err(e));
        }
        storage::clients::insert(conn, &row)?;
        if let Some(security) = security.filter(|s| *s != Default::default()) {
            storage::clients::set_security(conn, &row.id, &security)?;
        }
        let (client_id, owner_id) = (row.id, row.owner_id);
        audit::record_in(conn, &actor, Event::ClientRegistered { client_id, owner_id }, now);
        Ok(Ok(()))
    })
    .await??;
    Ok(Registered {
        client_id: id,
        client_secret: client_secret.map(SecretString::from),
        registration_access_token: registration_token.map(SecretString::from),
    })
}

/// The stored row of a new registration `id`: no secret, no registration
/// access token, not suspended, not verified.
fn new_row(client: &ValidClient, id: String, now: i64) -> ClientRow {
    let details = client.details(now);
    ClientRow {
        id,
        name: details.name,
        description: details.description,
        homepage_uri: details.homepage_uri,
        logo_uri: details.logo_uri,
        secret_hash: None,
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        redirect_uris: details.redirect_uris,
        grant_types: details.grant_types,
        scopes: details.scopes,
        resources: details.resources,
        is_public: client.public,
        is_trusted: client.trusted,
        require_pkce: true,
        allow_plain_pkce: false,
        suspended: false,
        verified: false,
        owner_id: client.owner_id.clone(),
        registration_token_hash: None,
        created_at: now,
        updated_at: now,
        openid: details.openid,
        introspection_audiences: String::new(),
        access_token_format: client.access_token_format.as_str().into(),
    }
}

/// The algorithms of the signing keys that sign or will sign.
fn signing_algs(conn: &mut storage::DbConnection) -> Result<Vec<String>, storage::QueryError> {
    let mut algs: Vec<String> = storage::keys::all(conn)?
        .into_iter()
        .filter(|k| k.retired_at.is_none())
        .map(|k| k.alg)
        .collect();
    algs.sort();
    algs.dedup();
    Ok(algs)
}

/// A registration as the developer portal shows it: lists split, no
/// secrets, the administrator's flags.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Client id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Description shown to developers.
    pub description: String,
    /// Home page.
    pub homepage_uri: Option<String>,
    /// Logo.
    pub logo_uri: Option<String>,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Allowed grant types.
    pub grant_types: Vec<String>,
    /// Allowed scopes.
    pub scopes: Vec<String>,
    /// No secret.
    pub is_public: bool,
    /// First-party: skips consent.
    pub is_trusted: bool,
    /// No new tokens.
    pub suspended: bool,
    /// Vouched for by an administrator.
    pub verified: bool,
    /// The developer who registered it.
    pub owner_id: Option<String>,
    /// What it registered as an OpenID Connect relying party.
    pub openid: crate::storage::clients::OpenIdSettings,
    /// The form of its access tokens (an operator's decision).
    pub access_token_format: crate::domain::AccessTokenFormat,
}

impl Registration {
    fn of(row: ClientRow) -> Registration {
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        Registration {
            redirect_uris: words(&row.redirect_uris),
            grant_types: words(&row.grant_types),
            scopes: words(&row.scopes),
            id: row.id,
            name: row.name,
            description: row.description,
            homepage_uri: row.homepage_uri,
            logo_uri: row.logo_uri,
            is_public: row.is_public,
            is_trusted: row.is_trusted,
            suspended: row.suspended,
            verified: row.verified,
            owner_id: row.owner_id,
            openid: row.openid,
            // Checked when set; anything else is read as the default.
            access_token_format: row.access_token_format.parse().unwrap_or_default(),
        }
    }

    /// Whether `user_id` may see and change it: its owner, or an administrator.
    pub fn is_managed_by(&self, user_id: &str, is_admin: bool) -> bool {
        is_admin || self.owner_id.as_deref() == Some(user_id)
    }
}

/// The registration of `id`, as the portal shows it.
pub async fn registration(db: &Database, id: &str) -> Result<Option<Registration>, StorageError> {
    Ok(load(db, id).await?.map(Registration::of))
}

/// Every registration (`owner` none), or those a developer registered; oldest first.
pub async fn registrations(db: &Database, owner: Option<&str>) -> Result<Vec<Registration>, StorageError> {
    let owner = owner.map(str::to_string);
    let rows = db
        .run(move |conn| match &owner {
            None => storage::clients::all(conn),
            Some(o) => storage::clients::by_owner(conn, o),
        })
        .await?;
    Ok(rows.into_iter().map(Registration::of).collect())
}

/// The stored registration of `id`.
pub async fn load(db: &Database, id: &str) -> Result<Option<ClientRow>, StorageError> {
    let id = id.to_string();
    db.run(move |conn| storage::clients::by_id(conn, &id)).await
}

/// Who edits a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    /// An administrator: the client's trust stays as it is.
    Operator,
    /// Its developer or the program itself (RFC 7592): a change to what the
    /// client may do (redirect URIs, grants, scopes) withdraws the trust an
    /// administrator gave, since trust was given to what was reviewed.
    SelfService,
}

/// Why an update did not happen.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// There is no such client.
    #[error("no such client")]
    NotFound,
    /// The edit broke a rule.
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Edits a registration: `edit` is given the registration as it stands,
/// with its row locked, and says what it becomes (merging what its form
/// does not show, validating). Only the registration's details are written
/// (name, URIs, grants, scopes, resources); its id, secret, type, owner
/// and an administrator's flags are never written here, so a concurrent
/// suspension or verification cannot be undone by an edit read before it.
pub async fn update<F>(
    clients: &ClientCache,
    actor: &Actor,
    id: &str,
    editor: Editor,
    edit: F,
) -> Result<(), UpdateError>
where
    F: FnOnce(&ClientRow) -> Result<ValidClient, FieldError> + Send + 'static,
{
    update_with_credentials(clients, actor, id, editor, edit)
        .await
        .map(|_| ())
}

/// [`update`], also writing the security settings the new registration
/// carries ([`ValidClient::with_security`]) in the same transaction, with
/// the credentials they imply: leaving `private_key_jwt` for a secret
/// method issues a new secret (returned: the only time it is seen);
/// moving to `private_key_jwt` removes the secret.
pub async fn update_with_credentials<F>(
    clients: &ClientCache,
    actor: &Actor,
    id: &str,
    editor: Editor,
    edit: F,
) -> Result<Option<SecretString>, UpdateError>
where
    F: FnOnce(&ClientRow) -> Result<ValidClient, FieldError> + Send + 'static,
{
    let fresh_secret = secrets::random_secret();
    let owned = id.to_string();
    let actor = actor.clone();
    let clock = clients.clock().clone();
    let result = clients
        .db()
        .transaction(move |conn| {
            if !storage::clients::lock(conn, &owned)? {
                return Ok(Err(UpdateError::NotFound));
            }
            let Some(row) = storage::clients::by_id(conn, &owned)? else {
                return Ok(Err(UpdateError::NotFound));
            };
            let valid = match edit(&row) {
                Ok(v) => v,
                Err(e) => return Ok(Err(UpdateError::Invalid(e))),
            };
            let checked = rules::check_signing_alg(valid.openid(), &signing_algs(conn)?)
                .and_then(|()| rules::check_sector_kept(&row.openid, valid.openid()));
            if let Err(e) = checked {
                return Ok(Err(UpdateError::Invalid(e)));
            }
            let now = clock.now();
            let details = valid.details(now);
            let capabilities_changed = (&row.redirect_uris, &row.grant_types, &row.scopes)
                != (&details.redirect_uris, &details.grant_types, &details.scopes);
            let withdraw_trust = editor == Editor::SelfService && capabilities_changed && row.is_trusted;
            storage::clients::update_details(conn, &owned, &details, withdraw_trust)?;
            let mut issued = None;
            if let Some(security) = &valid.security {
                let current = storage::clients::security_of(conn, &owned)?;
                let was_by_assertion = current.token_endpoint_auth_method.is_some();
                let by_assertion = valid.by_assertion();
                let new_secret = match (row.is_public, by_assertion) {
                    (true, _) => None,
                    (false, true) => Some(None),
                    // A secret it could not have seen (none, or one never
                    // shown) is replaced by one it now sees.
                    (false, false) if was_by_assertion || row.secret_hash.is_none() => {
                        issued = Some(SecretString::from(fresh_secret.clone()));
                        Some(Some(secrets::hash(&fresh_secret)))
                    }
                    (false, false) => None,
                };
                if let Some(secret_hash) = new_secret {
                    let written = ClientSecrets {
                        secret_hash,
                        previous_secret_hash: None,
                        previous_secret_expires_at: None,
                        updated_at: now,
                    };
                    storage::clients::set_secrets(conn, &owned, &written)?;
                }
                let security = storage::clients::ClientSecurity {
                    metadata_document_expires_at: current.metadata_document_expires_at,
                    ..security.clone()
                };
                storage::clients::set_security(conn, &owned, &security)?;
            }
            storage::notifications::client_changed(conn, &owned)?;
            let (client_id, trust_withdrawn) = (owned, withdraw_trust);
            audit::record_in(
                conn,
                &actor,
                Event::ClientUpdated {
                    client_id,
                    trust_withdrawn,
                },
                now,
            );
            Ok(Ok(issued))
        })
        .await;
    clients.invalidate(id);
    result?
}

/// Gives a confidential client a new secret. The old one stops working at
/// once, or after `overlap` seconds so deployments can switch over; either
/// way no earlier secret survives the rotation. `None` for a public client.
pub async fn rotate_secret(
    clients: &ClientCache,
    actor: &Actor,
    id: &str,
    overlap: i64,
) -> Result<Option<SecretString>, StorageError> {
    let owned = id.to_string();
    let actor = actor.clone();
    let secret = secrets::random_secret();
    let hash = secrets::hash(&secret);
    let clock = clients.clock().clone();
    let rotated = clients
        .db()
        .transaction(move |conn| {
            if !storage::clients::lock(conn, &owned)? {
                return Ok(false);
            }
            let Some(row) = storage::clients::by_id(conn, &owned)? else {
                return Ok(false);
            };
            if row.is_public {
                return Ok(false);
            }
            let now = clock.now();
            let keep_previous = overlap > 0 && row.secret_hash.is_some();
            let new = ClientSecrets {
                secret_hash: Some(hash),
                previous_secret_hash: row.secret_hash.filter(|_| keep_previous),
                previous_secret_expires_at: keep_previous.then_some(now + overlap),
                updated_at: now,
            };
            let set = storage::clients::set_secrets(conn, &owned, &new)?;
            storage::notifications::client_changed(conn, &owned)?;
            audit::record_in(
                conn,
                &actor,
                Event::ClientSecretRotated {
                    client_id: owned,
                    overlap,
                },
                now,
            );
            Ok(set)
        })
        .await;
    clients.invalidate(id);
    Ok(rotated?.then(|| SecretString::from(secret)))
}

/// Deletes a client; its codes, refresh tokens and consents go with it, and
/// its access tokens introspect inactive. Returns whether it existed.
pub async fn delete(clients: &ClientCache, actor: &Actor, id: &str) -> Result<bool, StorageError> {
    let deleted = delete_from(clients.db(), actor, id, clients.clock().now()).await;
    clients.invalidate(id);
    deleted
}

/// [`delete`] for a process with no cache of its own (the CLI): other
/// instances are told all the same.
pub async fn delete_from(db: &Database, actor: &Actor, id: &str, now: i64) -> Result<bool, StorageError> {
    let owned = id.to_string();
    let actor = actor.clone();
    db.transaction(move |conn| {
        let deleted = storage::clients::delete(conn, &owned)?;
        storage::notifications::client_changed(conn, &owned)?;
        if deleted {
            audit::record_in(conn, &actor, Event::ClientDeleted { client_id: owned }, now);
        }
        Ok(deleted)
    })
    .await
}

/// An administrator's decisions about a client, as [`set_flags`] takes them.
pub use crate::storage::clients::ClientFlags as AdminFlags;

/// Sets the administrator's flags: trusted (skips consent), suspended (no
/// new tokens; its tokens introspect inactive) and verified (vouched for:
/// shown as such, and trusted with error redirects before sign-in). Writes
/// nothing else. Returns whether the client exists.
pub async fn set_flags(
    clients: &ClientCache,
    actor: &Actor,
    id: &str,
    flags: ClientFlags,
) -> Result<bool, StorageError> {
    let owned = id.to_string();
    let actor = actor.clone();
    let now = clients.clock().now();
    let set = clients
        .db()
        .transaction(move |conn| {
            if !storage::clients::lock(conn, &owned)? {
                return Ok(false);
            }
            let before = storage::clients::by_id(conn, &owned)?;
            let set = storage::clients::set_flags(conn, &owned, flags, now)?;
            storage::notifications::client_changed(conn, &owned)?;
            if let Some(before) = before {
                let changes = [
                    (ClientFlag::Trusted, before.is_trusted, flags.is_trusted),
                    (ClientFlag::Suspended, before.suspended, flags.suspended),
                    (ClientFlag::Verified, before.verified, flags.verified),
                ];
                for (flag, _, set) in changes.into_iter().filter(|(_, was, now)| was != now) {
                    let client_id = owned.clone();
                    audit::record_in(
                        conn,
                        &actor,
                        Event::ClientFlagChanged { client_id, flag, set },
                        now,
                    );
                }
            }
            Ok(set)
        })
        .await;
    clients.invalidate(id);
    set
}

/// Sets one of the administrator's flags and leaves the other two as they
/// stand when the row is locked ([`set_flags`] writes all three): two
/// administrators changing different flags at once both get their way.
/// Returns whether the client exists.
pub async fn set_flag(
    clients: &ClientCache,
    actor: &Actor,
    id: &str,
    flag: ClientFlag,
    value: bool,
) -> Result<bool, StorageError> {
    let owned = id.to_string();
    let actor = actor.clone();
    let now = clients.clock().now();
    let set = clients
        .db()
        .transaction(move |conn| {
            if !storage::clients::lock(conn, &owned)? {
                return Ok(false);
            }
            let Some(before) = storage::clients::by_id(conn, &owned)? else {
                return Ok(false);
            };
            let was = match flag {
                ClientFlag::Trusted => before.is_trusted,
                ClientFlag::Suspended => before.suspended,
                ClientFlag::Verified => before.verified,
            };
            if was == value {
                return Ok(true);
            }
            let mut flags = ClientFlags {
                is_trusted: before.is_trusted,
                suspended: before.suspended,
                verified: before.verified,
            };
            match flag {
                ClientFlag::Trusted => flags.is_trusted = value,
                ClientFlag::Suspended => flags.suspended = value,
                ClientFlag::Verified => flags.verified = value,
            }
            storage::clients::set_flags(conn, &owned, flags, now)?;
            storage::notifications::client_changed(conn, &owned)?;
            let client_id = owned.clone();
            let event = Event::ClientFlagChanged {
                client_id,
                flag,
                set: value,
            };
            audit::record_in(conn, &actor, event, now);
            Ok(true)
        })
        .await;
    clients.invalidate(id);
    set
}

/// The account name of the developer `owner_id` names, if the account exists.
pub async fn owner_name(db: &Database, owner_id: &str) -> Result<Option<String>, StorageError> {
    let owner_id = owner_id.to_string();
    db.run(move |conn| storage::users::by_id(conn, &owner_id))
        .await
        .map(|u| u.map(|u| u.username))
}

/// The scope catalogue: (name, description), by name.
pub async fn catalogue(db: &Database) -> Result<Vec<(String, String)>, StorageError> {
    db.run(storage::scopes::all).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_never_start_with_a_dash() {
        assert!((0..2000).all(|_| !new_client_id().starts_with('-')));
    }
}
