//! The session check (feature `redis`): the token's login session must
//! still be in Tollgate's shared session store.
//!
//! Tollgate (with `session_store_url` set) keeps one Redis hash per live
//! login session, `tollgate:session:{sid}`, and deletes it within moments
//! of the session ending (logout, RP-initiated logout, suspension,
//! password change, the user's deletion, another user signing in on the
//! browser). [`SessionStore::check`] loads the hash named by the token's
//! `sid`: absent means the session ended and the token is refused, however
//! long its `exp` still runs — without a call to Tollgate.
//!
//! Tollgate owns the fields `sub`, `username`, `auth_time`, `expires_at`,
//! `amr` and `roles:{api identifier}` (space-separated roles). Any other
//! field (e.g. `attrs:plan`, written by an authorization service) is
//! returned in [`Session::fields`] as it is.
//!
//! **Public subjects only.** The check compares the hash's `sub` with the
//! token's. Tokens of clients registered with pairwise subjects carry a
//! pairwise `sub` and a sector-specific `sid`, which name no hash: use the
//! session check only with clients that get the public subject.
//!
//! ```no_run
//! # async fn demo(claims: tollgate_verify::Claims) -> Result<(), Box<dyn std::error::Error>> {
//! let store = tollgate_verify::session::SessionStore::connect("redis://127.0.0.1:6379/0").await?;
//! let session = store.check(&claims).await?;
//! session.require_role("https://notes.example.com", "editor")?;
//! println!("plan: {:?}", session.fields.get("attrs:plan"));
//! # Ok(()) }
//! ```

use crate::claims::{Claims, MissingRole};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashMap;
use std::time::Duration;

/// How long a session lookup may take before the store counts as unavailable.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// The key of the session `sid` in the store.
pub fn key(sid: &str) -> String {
    format!("tollgate:session:{sid}")
}

/// A live login session, as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session id (the token's `sid`).
    pub sid: String,
    /// The user's id (`sub`).
    pub sub: String,
    /// The user's login name.
    pub username: String,
    /// When the user signed in, seconds since the Unix epoch.
    pub auth_time: u64,
    /// When the session lapses, seconds since the Unix epoch.
    pub expires_at: u64,
    /// The user's roles per API identifier (from the `roles:{api}` fields).
    pub roles: HashMap<String, Vec<String>>,
    /// Every field of the hash, Tollgate's and others' (`attrs:*`…).
    pub fields: HashMap<String, String>,
}

impl Session {
    /// Whether the user has `role` for the API `api`.
    pub fn has_role(&self, api: &str, role: &str) -> bool {
        self.roles
            .get(api)
            .is_some_and(|roles| roles.iter().any(|r| r == role))
    }

    /// `Ok` when the user has `role` for `api`, else a [`MissingRole`] error
    /// (403 `insufficient_scope` with the `actix` feature).
    pub fn require_role(&self, api: &str, role: &str) -> Result<(), MissingRole> {
        if self.has_role(api, role) {
            Ok(())
        } else {
            Err(MissingRole {
                role: role.to_owned(),
            })
        }
    }
}

/// Why the session check refused a token, or could not decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The token names no session (no `sid`: a client-credentials token).
    #[error("the token belongs to no login session")]
    NoSession,
    /// The session is not in the store: it ended (or lapsed).
    #[error("the session has ended")]
    Ended,
    /// The session in the store belongs to another subject.
    #[error("the token's subject is not the session's")]
    WrongSubject,
    /// The store could not be reached in time: not the client's fault.
    #[error("the session store cannot be reached: {0}")]
    Unavailable(String),
}

impl SessionError {
    /// Whether this is an outage (answer 503) rather than a refused token (401).
    pub fn is_outage(&self) -> bool {
        matches!(self, SessionError::Unavailable(_))
    }
}

/// A handle on Tollgate's shared session store; cheap to clone (one
/// multiplexed connection, reconnected as needed).
#[derive(Clone)]
pub struct SessionStore {
    connection: ConnectionManager,
    timeout: Duration,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SessionStore {
    /// Connects to the store at `url` (`redis://host:port/db`, the
    /// `session_store_url` Tollgate is configured with); fails if Redis
    /// cannot be reached now.
    pub async fn connect(url: &str) -> Result<SessionStore, SessionError> {
        let store = SessionStore::lazy(url)?;
        let mut conn = store.connection.clone();
        store
            .bounded(redis::cmd("PING").query_async::<String>(&mut conn))
            .await?;
        Ok(store)
    }

    /// A store at `url` that connects at its first check (a service may start
    /// while Redis is down; its checks answer [`SessionError::Unavailable`]
    /// meanwhile).
    pub fn lazy(url: &str) -> Result<SessionStore, SessionError> {
        let unavailable = |e: redis::RedisError| SessionError::Unavailable(e.to_string());
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(DEFAULT_TIMEOUT))
            .set_response_timeout(Some(DEFAULT_TIMEOUT))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config).map_err(unavailable)?;
        Ok(SessionStore {
            connection,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// How long a lookup may take (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> SessionStore {
        self.timeout = timeout;
        self
    }

    /// The live session of a verified token: refused when the token has no
    /// `sid`, when the store holds no session under it, or when the
    /// session's `sub` is not the token's.
    pub async fn check(&self, claims: &Claims) -> Result<Session, SessionError> {
        let sid = claims.sid.as_deref().ok_or(SessionError::NoSession)?;
        let session = self.load(sid).await?.ok_or(SessionError::Ended)?;
        if session.sub != claims.sub {
            return Err(SessionError::WrongSubject);
        }
        Ok(session)
    }

    /// The session `sid`, if the store holds it (no token check).
    pub async fn load(&self, sid: &str) -> Result<Option<Session>, SessionError> {
        let mut conn = self.connection.clone();
        let fields: HashMap<String, String> = self
            .bounded(redis::cmd("HGETALL").arg(key(sid)).query_async(&mut conn))
            .await?;
        // A hash without Tollgate's `sub` is no session of Tollgate's (e.g.
        // only foreign fields written after it was deleted).
        let Some(sub) = fields.get("sub").cloned() else {
            return Ok(None);
        };
        let number = |name: &str| fields.get(name).and_then(|v| v.parse().ok()).unwrap_or(0);
        let roles = fields
            .iter()
            .filter_map(|(name, value)| {
                let api = name.strip_prefix("roles:")?;
                Some((
                    api.to_owned(),
                    value
                        .split(' ')
                        .filter(|r| !r.is_empty())
                        .map(str::to_owned)
                        .collect(),
                ))
            })
            .collect();
        Ok(Some(Session {
            sid: sid.to_owned(),
            sub,
            username: fields.get("username").cloned().unwrap_or_default(),
            auth_time: number("auth_time"),
            expires_at: number("expires_at"),
            roles,
            fields,
        }))
    }

    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, SessionError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(SessionError::Unavailable(e.to_string())),
            Err(_) => Err(SessionError::Unavailable("no answer in time".into())),
        }
    }
}
