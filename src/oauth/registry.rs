//! The client registry: the rules a registration must meet, and the typed
//! view of a stored client.

use crate::domain::{GrantType, Invalid, RedirectUri, ScopeSet};
use crate::oauth::secrets;
use crate::storage::{self, clients::ClientRow, Database, StorageError};
use secrecy::SecretString;

/// What a registration asks for, as received (CLI, portal or RFC 7591).
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    /// Display name.
    pub name: String,
    /// Redirect URIs, each checked by [`RedirectUri::parse`].
    pub redirect_uris: Vec<String>,
    /// Grant type names; empty means `authorization_code` (+ `refresh_token`).
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

/// A registration that passed every rule.
#[derive(Debug, Clone)]
pub struct ValidClient {
    name: String,
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
}

/// Why a registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// A rule was broken; the message says which.
    #[error("{0}")]
    Invalid(#[from] Invalid),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl NewClient {
    /// Checks every rule; the first broken one is returned.
    pub fn validate(self) -> Result<ValidClient, Invalid> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Invalid::new(
                "the client name must be 1 to 100 printable characters",
            ));
        }
        let mut redirect_uris = Vec::new();
        for raw in &self.redirect_uris {
            let uri = RedirectUri::parse(raw)?;
            if !redirect_uris.contains(&uri) {
                redirect_uris.push(uri);
            }
        }
        let mut grant_types: Vec<GrantType> = self
            .grant_types
            .iter()
            .map(|g| g.parse())
            .collect::<Result<_, _>>()?;
        if grant_types.is_empty() {
            grant_types = vec![GrantType::AuthorizationCode, GrantType::RefreshToken];
        }
        grant_types.sort();
        grant_types.dedup();
        if grant_types.iter().any(|g| g.uses_redirect()) && redirect_uris.is_empty() {
            return Err(Invalid::new(
                "the authorization_code and implicit grants need at least one redirect URI",
            ));
        }
        if self.public && grant_types.contains(&GrantType::ClientCredentials) {
            return Err(Invalid::new(
                "a public client cannot use client_credentials: it has no secret to prove who it is",
            ));
        }
        // RFC 9700 §2.4: the password grant only for explicitly trusted clients.
        if grant_types.contains(&GrantType::Password) && !self.trusted {
            return Err(Invalid::new(
                "the password grant is only for trusted (first-party) clients",
            ));
        }
        let scopes = ScopeSet::from_names(self.scopes.iter().map(String::as_str))?;
        let mut resources = Vec::new();
        for r in &self.resources {
            // RFC 8707 §2: an absolute URI without a fragment.
            let ok =
                url::Url::parse(r).is_ok_and(|u| u.fragment().is_none()) && !r.contains(char::is_whitespace);
            if !ok {
                return Err(Invalid::new(format!(
                    "{r:?} is not an absolute URI without a fragment"
                )));
            }
            if !resources.contains(r) {
                resources.push(r.clone());
            }
        }
        Ok(ValidClient {
            resources,
            name,
            redirect_uris,
            grant_types,
            scopes,
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

/// Registers a validated client; generates its id and, if confidential, its secret.
pub fn register(db: &Database, client: ValidClient) -> Result<Registered, RegisterError> {
    let client_secret = (!client.public).then(secrets::random_secret);
    let now = storage::now();
    let row = ClientRow {
        id: secrets::random_token(16),
        name: client.name,
        description: String::new(),
        homepage_uri: None,
        logo_uri: None,
        secret_hash: client_secret.as_deref().map(secrets::hash),
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        redirect_uris: join(&client.redirect_uris),
        grant_types: join(&client.grant_types),
        scopes: client.scopes.to_string(),
        resources: client.resources.join(" "),
        is_public: client.public,
        is_trusted: client.trusted,
        require_pkce: true,
        allow_plain_pkce: false,
        suspended: false,
        owner_id: client.owner_id,
        registration_token_hash: None,
        created_at: now,
        updated_at: now,
    };
    db.run_sync(|conn| storage::clients::insert(conn, &row))?;
    Ok(Registered {
        client_id: row.id,
        client_secret: client_secret.map(SecretString::from),
    })
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

    #[test]
    fn a_public_client_cannot_have_client_credentials() {
        assert!(new(&["client_credentials"], true, false).validate().is_err());
    }

    #[test]
    fn the_password_grant_needs_a_trusted_client() {
        assert!(new(&["password"], false, false).validate().is_err());
        assert!(new(&["password"], false, true).validate().is_ok());
    }

    #[test]
    fn a_redirect_grant_needs_a_redirect_uri() {
        let mut c = new(&["authorization_code"], false, false);
        c.redirect_uris.clear();
        assert!(c.validate().is_err());
    }
}
