//! The client registry: the rules a registration must meet (the same for
//! the CLI, the developer portal and RFC 7591 dynamic registration, with
//! the limits of self-service on top), and the changes a registration can
//! go through: update, secret rotation, deletion, trust and suspension.

use crate::domain::{GrantType, Invalid, RedirectUri, ScopeSet};
use crate::oauth::secrets;
use crate::storage::{self, clients::ClientRow, Database, StorageError};
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
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(refuse("name", "the name must be 1 to 100 printable characters"));
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > 1000 {
            return Err(refuse(
                "description",
                "the description must be at most 1000 characters",
            ));
        }
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
    fn apply(&self, row: &mut ClientRow) {
        row.name = self.name.clone();
        row.description = self.description.clone();
        row.homepage_uri = self.homepage_uri.clone();
        row.logo_uri = self.logo_uri.clone();
        row.redirect_uris = join(&self.redirect_uris);
        row.grant_types = join(&self.grant_types);
        row.scopes = self.scopes.to_string();
        row.resources = self.resources.join(" ");
        row.updated_at = storage::now();
    }
}

/// Registers a validated client; generates its id, its secret if it is
/// confidential, and an RFC 7592 registration access token if asked.
pub async fn register(
    db: &Database,
    client: ValidClient,
    with_registration_token: bool,
) -> Result<Registered, RegisterError> {
    let client_secret = (!client.public).then(secrets::random_secret);
    let registration_token = with_registration_token.then(secrets::random_secret);
    let now = storage::now();
    let mut row = ClientRow {
        id: secrets::random_token(16),
        name: String::new(),
        description: String::new(),
        homepage_uri: None,
        logo_uri: None,
        secret_hash: client_secret.as_deref().map(secrets::hash),
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        redirect_uris: String::new(),
        grant_types: String::new(),
        scopes: String::new(),
        resources: String::new(),
        is_public: client.public,
        is_trusted: client.trusted,
        require_pkce: true,
        allow_plain_pkce: false,
        suspended: false,
        owner_id: client.owner_id.clone(),
        registration_token_hash: registration_token.as_deref().map(secrets::hash),
        created_at: now,
        updated_at: now,
    };
    client.apply(&mut row);
    let id = row.id.clone();
    db.run(move |conn| storage::clients::insert(conn, &row)).await?;
    Ok(Registered {
        client_id: id,
        client_secret: client_secret.map(SecretString::from),
        registration_access_token: registration_token.map(SecretString::from),
    })
}

/// The stored registration of `id`.
pub async fn load(db: &Database, id: &str) -> Result<Option<ClientRow>, StorageError> {
    let id = id.to_string();
    db.run(move |conn| storage::clients::by_id(conn, &id)).await
}

/// Replaces what a registration says (name, URIs, grants, scopes…); its id,
/// secret, type, owner and suspension stay. A self-service change to what
/// the client may do (redirect URIs, grants, scopes) withdraws the trust an
/// administrator gave it: trust was given to what was reviewed. Returns
/// whether the client existed.
pub async fn update(
    db: &Database,
    id: &str,
    client: ValidClient,
    self_service: bool,
) -> Result<bool, StorageError> {
    let id = id.to_string();
    db.transaction(move |conn| {
        let Some(mut row) = storage::clients::by_id(conn, &id)? else {
            return Ok(false);
        };
        let before = (
            row.redirect_uris.clone(),
            row.grant_types.clone(),
            row.scopes.clone(),
        );
        client.apply(&mut row);
        let after = (
            row.redirect_uris.clone(),
            row.grant_types.clone(),
            row.scopes.clone(),
        );
        if self_service && before != after {
            row.is_trusted = false;
        }
        storage::clients::update(conn, &row)
    })
    .await
}

/// Gives a confidential client a new secret. The old one stops working at
/// once, or after `overlap` seconds so deployments can switch over.
pub async fn rotate_secret(
    db: &Database,
    id: &str,
    overlap: i64,
) -> Result<Option<SecretString>, StorageError> {
    let id = id.to_string();
    let secret = secrets::random_secret();
    let hash = secrets::hash(&secret);
    let rotated = db
        .transaction(move |conn| {
            let Some(mut row) = storage::clients::by_id(conn, &id)? else {
                return Ok(false);
            };
            if row.is_public {
                return Ok(false);
            }
            let now = storage::now();
            row.previous_secret_hash = (overlap > 0).then(|| row.secret_hash.clone()).flatten();
            row.previous_secret_expires_at = (overlap > 0).then_some(now + overlap);
            row.secret_hash = Some(hash);
            row.updated_at = now;
            storage::clients::update(conn, &row)
        })
        .await?;
    Ok(rotated.then(|| SecretString::from(secret)))
}

/// Deletes a client; its codes, refresh tokens and consents go with it, and
/// its access tokens introspect inactive. Returns whether it existed.
pub async fn delete(db: &Database, id: &str) -> Result<bool, StorageError> {
    let id = id.to_string();
    db.run(move |conn| storage::clients::delete(conn, &id)).await
}

/// Sets the administrator's flags: trusted (skips consent) and suspended
/// (no new tokens; its tokens introspect inactive).
pub async fn set_flags(
    db: &Database,
    id: &str,
    trusted: bool,
    suspended: bool,
) -> Result<bool, StorageError> {
    let id = id.to_string();
    db.transaction(move |conn| {
        let Some(mut row) = storage::clients::by_id(conn, &id)? else {
            return Ok(false);
        };
        row.is_trusted = trusted;
        row.suspended = suspended;
        row.updated_at = storage::now();
        storage::clients::update(conn, &row)
    })
    .await
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
