//! The registered APIs as the token and authorization endpoints see them,
//! cached in memory, and the one rule that picks a token's audience.

use crate::domain::ScopeSet;
use crate::oauth::clients::Client;
use crate::oauth::error::OAuthError;
use crate::storage::{self, Database};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long the cached directory is used before it is read again. Changes
/// made through this instance (the admin pages) show at once; the CLI's and
/// other instances' within this time. Only new tokens' audiences and client
/// roles depend on it: no dead token looks alive because of it.
pub const CACHE_TTL: Duration = Duration::from_secs(5);

/// What is known about the registered APIs.
#[derive(Debug, Default)]
pub struct Directory {
    identifiers: HashSet<String>,
    scope_owner: HashMap<String, String>,
    client_roles: HashMap<(String, String), Vec<String>>,
}

impl Directory {
    /// Whether `identifier` is a registered API's.
    pub fn is_api(&self, identifier: &str) -> bool {
        self.identifiers.contains(identifier)
    }

    /// The identifier of the API owning `scope`, if one does.
    pub fn owner_of(&self, scope: &str) -> Option<&str> {
        self.scope_owner.get(scope).map(String::as_str)
    }

    /// The roles the client `client_id` holds for the API `identifier`.
    pub fn client_roles(&self, client_id: &str, identifier: &str) -> Vec<String> {
        self.client_roles
            .get(&(client_id.to_string(), identifier.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

/// The [`Directory`], read at most once per [`CACHE_TTL`].
pub struct ApiCache {
    db: Database,
    cached: RwLock<Option<(Instant, Arc<Directory>)>>,
}

impl ApiCache {
    /// A cache over `db`.
    pub fn new(db: Database) -> ApiCache {
        ApiCache {
            db,
            cached: RwLock::new(None),
        }
    }

    /// The directory: one read of the database when the cached one is
    /// older than [`CACHE_TTL`], none otherwise.
    pub async fn get(&self) -> Result<Arc<Directory>, OAuthError> {
        if let Some((at, dir)) = self.cached.read().expect("api cache lock").as_ref() {
            if at.elapsed() < CACHE_TTL {
                return Ok(dir.clone());
            }
        }
        let began = Instant::now();
        let (identifiers, scopes, roles) = self.db.run(storage::apis::directory).await?;
        let mut client_roles: HashMap<(String, String), Vec<String>> = HashMap::new();
        for (client, api, role) in roles {
            client_roles.entry((client, api)).or_default().push(role);
        }
        let dir = Arc::new(Directory {
            identifiers: identifiers.into_iter().collect(),
            scope_owner: scopes.into_iter().collect(),
            client_roles,
        });
        *self.cached.write().expect("api cache lock") = Some((began, dir.clone()));
        Ok(dir)
    }

    /// Forgets the cached directory (after a change made here).
    pub fn invalidate(&self) {
        *self.cached.write().expect("api cache lock") = None;
    }
}

/// The audience of a token for `client` with `scope`, asked with the RFC
/// 8707 `resources` (at most one). One token is for one API: scopes owned
/// by two APIs are `invalid_scope`. Then:
/// - a `resource` that is a registered API's identifier: allowed when the
///   scope includes a scope that API owns (the client is allowed it, and a
///   user consented to it), or when the operator put it on the client's own
///   list of resources or gave the client roles of that API; never with another API's scopes (`invalid_target`):
///   a token must not carry a user's roles for an API they were never asked
///   about;
/// - another `resource`: only one on the client's list, and not with an
///   API's scopes;
/// - no `resource`: the API whose scopes were asked for, else the configured
///   default audience.
pub fn audience(
    dir: &Directory,
    default_audience: &str,
    client: &Client,
    scope: &ScopeSet,
    resources: &[String],
) -> Result<String, OAuthError> {
    let owner = single_owner(dir, scope)?;
    let resource = match resources {
        [] => return Ok(owner.unwrap_or(default_audience).to_string()),
        [resource] => resource,
        _ => {
            return Err(OAuthError::invalid_target(
                "only one resource may be named per token request",
            ))
        }
    };
    let absolute = url::Url::parse(resource).is_ok_and(|u| u.fragment().is_none());
    if !absolute {
        return Err(OAuthError::invalid_target(
            "a resource must be an absolute URI without a fragment",
        ));
    }
    if let Some(api) = owner.filter(|api| *api != resource) {
        return Err(OAuthError::invalid_target(format!(
            "the scopes asked for belong to {api}, not to that resource"
        )));
    }
    // The operator's word: the resource on the client's list, or roles of
    // that API given to the client.
    let listed = client.resources.iter().any(|r| r == resource)
        || (dir.is_api(resource) && !dir.client_roles(&client.id, resource).is_empty());
    if dir.is_api(resource) && owner.is_none() && !listed {
        return Err(OAuthError::invalid_target(
            "a token for that API needs one of its scopes in the request",
        ));
    }
    if !dir.is_api(resource) && !listed {
        return Err(OAuthError::invalid_target(
            "this client may not request tokens for that resource",
        ));
    }
    Ok(resource.clone())
}

/// The one API that owns scopes of `scope`, if any; scopes of two APIs are
/// `invalid_scope`.
fn single_owner<'d>(dir: &'d Directory, scope: &ScopeSet) -> Result<Option<&'d str>, OAuthError> {
    let mut owners: Vec<&str> = scope.iter().filter_map(|s| dir.owner_of(s.as_str())).collect();
    owners.sort_unstable();
    owners.dedup();
    match owners.as_slice() {
        [] => Ok(None),
        [api] => Ok(Some(api)),
        _ => {
            let mut by_api: Vec<String> = owners
                .iter()
                .map(|api| {
                    let scopes: Vec<&str> = scope
                        .iter()
                        .map(|s| s.as_str())
                        .filter(|s| dir.owner_of(s) == Some(api))
                        .collect();
                    format!("{} for {api}", scopes.join(" "))
                })
                .collect();
            by_api.sort();
            Err(OAuthError::invalid_scope(format!(
                "one token is for one API; ask for {} in separate requests",
                by_api.join(", and ")
            )))
        }
    }
}

/// The roles the user `user_id` has for `aud`: none unless `aud` is a
/// registered API. Read afresh for every token, so a change shows in the
/// next one; never more than [`MAX_ROLES`](super::rules::MAX_ROLES).
pub async fn user_roles(
    ctx: &crate::oauth::Context,
    dir: &Directory,
    user_id: &str,
    aud: &str,
) -> Result<Vec<String>, OAuthError> {
    if !dir.is_api(aud) {
        return Ok(Vec::new());
    }
    let (user, aud) = (user_id.to_string(), aud.to_string());
    let mut roles = ctx
        .db
        .run(move |conn| storage::roles::of_user_for(conn, &user, &aud))
        .await?;
    roles.truncate(super::rules::MAX_ROLES);
    Ok(roles)
}
