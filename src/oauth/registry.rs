//! The client registry: the rules a registration must meet (the same for
//! the CLI, the developer portal and RFC 7591 dynamic registration, with
//! the limits of self-service on top), and the changes a registration can
//! go through: update, secret rotation, deletion, trust and suspension.
//!
//! Every change is announced to the other instances in the transaction that
//! writes it (`storage::notifications`), and forgotten by this instance's
//! cache once written.

use crate::domain::{display_text, GrantType, Invalid, RedirectUri, ScopeSet};
use crate::oauth::audit::{self, Actor, ClientFlag, Event};
use crate::oauth::clients::ClientCache;
use crate::oauth::secrets;
use crate::oauth::settings::ProtocolSettings;
use crate::storage::clients::{ClientDetails, ClientFlags, ClientRow, ClientSecrets};
use crate::storage::{self, Database, StorageError};
use secrecy::SecretString;
use std::fmt;

/// What a registration asks for, as received.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// Display name.
    pub name: String,
    /// Description shown to developers.
    pub description: String,
    /// Home page.
    pub homepage_uri: Option<String>,
    /// Logo.
    pub logo_uri: Option<String>,
    /// Redirect URIs, each checked by [`RedirectUri::parse`].
    pub redirect_uris: Vec<String>,
    /// Grant type names; empty means `authorization_code` and `refresh_token`.
    pub grant_types: Vec<String>,
    /// Scope names.
    pub scopes: Vec<String>,
    /// RFC 8707 resources (audiences) the client may ask tokens for.
    pub resources: Vec<String>,
    /// A public client has no secret.
    pub public: bool,
    /// First-party: skips consent, may be allowed the password grant.
    pub trusted: bool,
    /// The developer registering it.
    pub owner_id: Option<String>,
}

/// Who registers a client, and so which rules apply.
#[derive(Debug, Clone)]
pub enum Registrant {
    /// The operator (CLI): any grant, any scope, trust.
    Operator,
    /// A developer (portal) or a program (RFC 7591): no password grant, no
    /// trust, implicit only where the operator allows it, scopes from the
    /// catalogue only.
    SelfService {
        /// Whether the operator lets self-service clients use the implicit grant.
        implicit_allowed: bool,
        /// Whether the operator lets self-service clients use client credentials.
        client_credentials_allowed: bool,
        /// The scope catalogue's names.
        catalogue: Vec<String>,
    },
}

impl Registrant {
    /// The rules for a developer (portal) or a program (RFC 7591) on this
    /// server: the operator's switches and the scope catalogue's names.
    pub fn self_service(settings: &ProtocolSettings, catalogue: &[(String, String)]) -> Registrant {
        Registrant::SelfService {
            implicit_allowed: settings.self_service_implicit,
            client_credentials_allowed: settings.self_service_client_credentials,
            catalogue: catalogue.iter().map(|(name, _)| name.clone()).collect(),
        }
    }
}

/// A broken rule, and the field it concerns (for forms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field: `name`, `redirect_uris`, `grant_types`, `scopes`, …
    pub field: &'static str,
    /// What is wrong, in words for the person who filled it in.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

fn field(field: &'static str) -> impl Fn(Invalid) -> FieldError {
    move |e| FieldError { field, message: e.0 }
}

fn refuse(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

/// A registration that passed every rule.
#[derive(Debug, Clone)]
pub struct ValidClient {
    name: String,
    description: String,
    homepage_uri: Option<String>,
    logo_uri: Option<String>,
    redirect_uris: Vec<RedirectUri>,
    grant_types: Vec<GrantType>,
    scopes: ScopeSet,
    resources: Vec<String>,
    public: bool,
    trusted: bool,
    owner_id: Option<String>,
}

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

/// An https URL (or http on loopback) for a home page or logo.
fn web_uri(raw: &Option<String>, name: &'static str) -> Result<Option<String>, FieldError> {
    let Some(raw) = raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    // As registered is how it is shown: printable ASCII only (a URL's other
    // characters are percent-encoded), so nothing in it renders deceptively.
    if !raw.chars().all(|c| c.is_ascii_graphic()) {
        return Err(refuse(
            name,
            "must be printable ASCII (percent-encode other characters)",
        ));
    }
    let url = url::Url::parse(raw).map_err(|_| refuse(name, "must be an absolute https URL"))?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if raw.len() > 2000 || !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
        return Err(refuse(name, "must be an https URL of at most 2000 characters"));
    }
    Ok(Some(raw.to_string()))
}

impl NewClient {
    /// Checks every rule for `who`; the first broken one is returned.
    pub fn validate(self, who: &Registrant) -> Result<ValidClient, FieldError> {
        // Both are shown to users (consent, sign-out, portal): no invisible
        // or direction-changing characters.
        let name = display_text(&self.name, "the name", 100, true, false).map_err(field("name"))?;
        let description = display_text(&self.description, "the description", 1000, false, true)
            .map_err(field("description"))?;
        let homepage_uri = web_uri(&self.homepage_uri, "homepage_uri")?;
        let logo_uri = web_uri(&self.logo_uri, "logo_uri")?;
        if self.redirect_uris.len() > 20 {
            return Err(refuse("redirect_uris", "at most 20 redirect URIs"));
        }
        let mut redirect_uris = Vec::new();
        for raw in &self.redirect_uris {
            let uri = RedirectUri::parse(raw.trim()).map_err(field("redirect_uris"))?;
            if !redirect_uris.contains(&uri) {
                redirect_uris.push(uri);
            }
        }
        let mut grant_types: Vec<GrantType> = self
            .grant_types
            .iter()
            .map(|g| g.parse())
            .collect::<Result<_, _>>()
            .map_err(field("grant_types"))?;
        if grant_types.is_empty() {
            grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
        }
        grant_types.sort();
        grant_types.dedup();
        if grant_types.iter().any(|g| g.uses_redirect()) && redirect_uris.is_empty() {
            return Err(refuse(
                "redirect_uris",
                "the authorization_code and implicit grants need at least one redirect URI",
            ));
        }
        if self.public && grant_types.contains(&GrantType::ClientCredentials) {
            return Err(refuse(
                "grant_types",
                "a public client cannot use client_credentials: it has no secret to prove who it is",
            ));
        }
        // RFC 9700 §2.4: the password grant only for explicitly trusted clients.
        if grant_types.contains(&GrantType::Password) && !self.trusted {
            return Err(refuse(
                "grant_types",
                "the password grant is only for trusted (first-party) clients",
            ));
        }
        let scopes = ScopeSet::from_names(self.scopes.iter().map(String::as_str)).map_err(field("scopes"))?;
        let mut resources = Vec::new();
        for r in &self.resources {
            // RFC 8707 §2: an absolute URI without a fragment.
            let ok =
                url::Url::parse(r).is_ok_and(|u| u.fragment().is_none()) && !r.contains(char::is_whitespace);
            if !ok {
                return Err(refuse(
                    "resources",
                    format!("{r:?} is not an absolute URI without a fragment"),
                ));
            }
            if !resources.contains(r) {
                resources.push(r.clone());
            }
        }
        if let Registrant::SelfService {
            implicit_allowed,
            client_credentials_allowed,
            catalogue,
        } = who
        {
            if self.trusted {
                return Err(refuse(
                    "trusted",
                    "only an administrator can mark a client trusted",
                ));
            }
            if grant_types.contains(&GrantType::Password) {
                return Err(refuse(
                    "grant_types",
                    "the password grant is not available to self-registered clients",
                ));
            }
            // Client credentials skip every user's consent: with open
            // sign-up or registration, an operator may want them reviewed.
            if grant_types.contains(&GrantType::ClientCredentials) && !client_credentials_allowed {
                return Err(refuse(
                    "grant_types",
                    "client credentials are not available to self-registered clients on this server",
                ));
            }
            if grant_types.contains(&GrantType::Implicit) && !implicit_allowed {
                return Err(refuse(
                    "grant_types",
                    "the implicit grant is not enabled on this server",
                ));
            }
            if let Some(unknown) = scopes.iter().find(|s| !catalogue.iter().any(|c| c == s.as_str())) {
                return Err(refuse(
                    "scopes",
                    format!("{unknown} is not a scope this server offers"),
                ));
            }
        }
        Ok(ValidClient {
            name,
            description,
            homepage_uri,
            logo_uri,
            redirect_uris,
            grant_types,
            scopes,
            resources,
            public: self.public,
            trusted: self.trusted,
            owner_id: self.owner_id,
        })
    }
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

impl ValidClient {
    fn details(&self, now: i64) -> ClientDetails {
        ClientDetails {
            name: self.name.clone(),
            description: self.description.clone(),
            homepage_uri: self.homepage_uri.clone(),
            logo_uri: self.logo_uri.clone(),
            redirect_uris: join(&self.redirect_uris),
            grant_types: join(&self.grant_types),
            scopes: self.scopes.to_string(),
            resources: self.resources.join(" "),
            updated_at: now,
        }
    }
}

/// A new client id: 128 random bits in base64url, never starting with `-`,
/// so that an operator can pass it to the CLI (`tollgate client delete ID`)
/// without it being read as an option (one id in 64 would be).
fn new_client_id() -> String {
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
) -> Result<Registered, RegisterError> {
    let client_secret = (!client.public).then(secrets::random_secret);
    let registration_token = with_registration_token.then(secrets::random_secret);
    let now = storage::now();
    let details = client.details(now);
    let row = ClientRow {
        id: new_client_id(),
        name: details.name,
        description: details.description,
        homepage_uri: details.homepage_uri,
        logo_uri: details.logo_uri,
        secret_hash: client_secret.as_deref().map(secrets::hash),
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
        verified: client.owner_id.is_none() && !with_registration_token,
        owner_id: client.owner_id.clone(),
        registration_token_hash: registration_token.as_deref().map(secrets::hash),
        created_at: now,
        updated_at: now,
    };
    let id = row.id.clone();
    let actor = actor.clone();
    db.transaction(move |conn| {
        storage::clients::insert(conn, &row)?;
        let (client_id, owner_id) = (row.id, row.owner_id);
        audit::record_in(conn, &actor, Event::ClientRegistered { client_id, owner_id });
        Ok(())
    })
    .await?;
    Ok(Registered {
        client_id: id,
        client_secret: client_secret.map(SecretString::from),
        registration_access_token: registration_token.map(SecretString::from),
    })
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
    let owned = id.to_string();
    let actor = actor.clone();
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
            let details = valid.details(storage::now());
            let capabilities_changed = (&row.redirect_uris, &row.grant_types, &row.scopes)
                != (&details.redirect_uris, &details.grant_types, &details.scopes);
            let withdraw_trust = editor == Editor::SelfService && capabilities_changed && row.is_trusted;
            storage::clients::update_details(conn, &owned, &details, withdraw_trust)?;
            storage::notifications::client_changed(conn, &owned)?;
            let (client_id, trust_withdrawn) = (owned, withdraw_trust);
            audit::record_in(
                conn,
                &actor,
                Event::ClientUpdated {
                    client_id,
                    trust_withdrawn,
                },
            );
            Ok(Ok(()))
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
            let now = storage::now();
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
    let deleted = delete_from(clients.db(), actor, id).await;
    clients.invalidate(id);
    deleted
}

/// [`delete`] for a process with no cache of its own (the CLI): other
/// instances are told all the same.
pub async fn delete_from(db: &Database, actor: &Actor, id: &str) -> Result<bool, StorageError> {
    let owned = id.to_string();
    let actor = actor.clone();
    db.transaction(move |conn| {
        let deleted = storage::clients::delete(conn, &owned)?;
        storage::notifications::client_changed(conn, &owned)?;
        if deleted {
            audit::record_in(conn, &actor, Event::ClientDeleted { client_id: owned });
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
    let set = clients
        .db()
        .transaction(move |conn| {
            if !storage::clients::lock(conn, &owned)? {
                return Ok(false);
            }
            let before = storage::clients::by_id(conn, &owned)?;
            let set = storage::clients::set_flags(conn, &owned, flags, storage::now())?;
            storage::notifications::client_changed(conn, &owned)?;
            if let Some(before) = before {
                let changes = [
                    (ClientFlag::Trusted, before.is_trusted, flags.is_trusted),
                    (ClientFlag::Suspended, before.suspended, flags.suspended),
                    (ClientFlag::Verified, before.verified, flags.verified),
                ];
                for (flag, _, set) in changes.into_iter().filter(|(_, was, now)| was != now) {
                    let client_id = owned.clone();
                    audit::record_in(conn, &actor, Event::ClientFlagChanged { client_id, flag, set });
                }
            }
            Ok(set)
        })
        .await;
    clients.invalidate(id);
    set
}

/// What the developer portal's form offers, so that an edit keeps what the
/// form does not show.
#[derive(Debug, Clone)]
pub struct FormOffer {
    /// The scope catalogue's names.
    pub catalogue: Vec<String>,
    /// Whether the form offers the implicit grant.
    pub implicit: bool,
    /// Whether the form offers client credentials.
    pub client_credentials: bool,
}

/// A portal edit of the registration `row` as it stands: the client's type
/// stays; resources, operator-given grants the form does not offer, and
/// scopes outside the catalogue are kept; a developer's edit is held to
/// self-service rules, except that what the client already has counts as
/// offered; an administrator's keeps the client's trust.
pub fn portal_edit(
    row: &ClientRow,
    mut new: NewClient,
    offer: &FormOffer,
    by_admin: bool,
) -> Result<ValidClient, FieldError> {
    let had = |list: &str, item: &str| list.split_whitespace().any(|x| x == item);
    new.public = row.is_public;
    new.owner_id = row.owner_id.clone();
    new.resources = row.resources.split_whitespace().map(str::to_string).collect();
    for s in row.scopes.split_whitespace() {
        if !offer.catalogue.iter().any(|c| c == s) && !new.scopes.iter().any(|x| x == s) {
            new.scopes.push(s.to_string());
        }
    }
    for g in row.grant_types.split_whitespace() {
        let offered = matches!(g, "authorization_code" | "refresh_token")
            || (g == "client_credentials" && offer.client_credentials)
            || (g == "implicit" && offer.implicit);
        if !offered && !new.grant_types.iter().any(|x| x == g) {
            new.grant_types.push(g.to_string());
        }
    }
    if by_admin {
        new.trusted = row.is_trusted;
        return new.validate(&Registrant::Operator);
    }
    let mut catalogue = offer.catalogue.clone();
    catalogue.extend(row.scopes.split_whitespace().map(str::to_string));
    new.validate(&Registrant::SelfService {
        implicit_allowed: offer.implicit || had(&row.grant_types, "implicit"),
        client_credentials_allowed: offer.client_credentials || had(&row.grant_types, "client_credentials"),
        catalogue,
    })
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

    fn new(grants: &[&str], public: bool, trusted: bool) -> NewClient {
        NewClient {
            name: "App".into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            grant_types: grants.iter().map(|s| s.to_string()).collect(),
            public,
            trusted,
            ..Default::default()
        }
    }

    fn self_service() -> Registrant {
        Registrant::SelfService {
            implicit_allowed: false,
            client_credentials_allowed: true,
            catalogue: vec!["profile".into()],
        }
    }

    #[test]
    fn client_ids_never_start_with_a_dash() {
        assert!((0..2000).all(|_| !new_client_id().starts_with('-')));
    }

    #[test]
    fn a_public_client_cannot_have_client_credentials() {
        let err = new(&["client_credentials"], true, false)
            .validate(&Registrant::Operator)
            .unwrap_err();
        assert_eq!(err.field, "grant_types");
    }

    #[test]
    fn the_password_grant_needs_a_trusted_client() {
        assert!(new(&["password"], false, false)
            .validate(&Registrant::Operator)
            .is_err());
        assert!(new(&["password"], false, true)
            .validate(&Registrant::Operator)
            .is_ok());
    }

    #[test]
    fn a_redirect_grant_needs_a_redirect_uri() {
        let mut c = new(&["authorization_code"], false, false);
        c.redirect_uris.clear();
        assert_eq!(
            c.validate(&Registrant::Operator).unwrap_err().field,
            "redirect_uris"
        );
    }

    #[test]
    fn self_service_cannot_have_the_password_grant_trust_or_unknown_scopes() {
        assert!(new(&["password"], false, true).validate(&self_service()).is_err());
        assert!(new(&["implicit"], true, false).validate(&self_service()).is_err());
        let mut c = new(&[], false, false);
        c.scopes = vec!["admin".into()];
        assert_eq!(c.clone().validate(&self_service()).unwrap_err().field, "scopes");
        c.scopes = vec!["profile".into()];
        assert!(c.validate(&self_service()).is_ok());
    }
}
