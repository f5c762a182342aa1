//! The audit trail: security events, each written as a row of
//! `audit_events` and as one structured log line (target `audit`).
//!
//! An [`Event`] carries typed fields only — ids, usernames, scopes, flags —
//! never a free-form string, so nothing a secret, password, token or code
//! could travel in. A refused sign-in names the account only when the name
//! is an account's: a password typed into the username field must not end
//! up in the trail.
//!
//! Where a change is made in a database transaction, its event is recorded
//! in that transaction ([`record_in`]): a change rolled back leaves no
//! event, a committed one always has its event. Elsewhere the event is
//! recorded right after the change ([`record`]). Recording never fails the
//! change it records: an event that cannot be written (in its own savepoint)
//! is logged at error level with everything it would have said.

use crate::domain::ScopeSet;
use crate::oauth::sessions::Session;
use crate::storage::audit::{AuditFilter, AuditRow, NewAuditRow};
use crate::storage::{self, Database, DbConnection, StorageError};
use serde_json::{json, Value};

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    kind: ActorKind,
    user_id: Option<String>,
    address: Option<String>,
}

/// The kinds of actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A user acting for themselves.
    User,
    /// An administrator acting through the portal.
    Admin,
    /// The operator, through the command line.
    Operator,
    /// A client acting on its own registration (RFC 7592).
    Client,
    /// Tollgate itself (reuse detection, for instance).
    System,
}

impl ActorKind {
    /// The name stored in `actor_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::Admin => "admin",
            ActorKind::Operator => "operator-cli",
            ActorKind::Client => "client",
            ActorKind::System => "system",
        }
    }
}

impl Actor {
    fn new(kind: ActorKind, user_id: Option<&str>) -> Actor {
        Actor {
            kind,
            user_id: user_id.map(str::to_string),
            address: None,
        }
    }

    /// A user acting for themselves.
    pub fn user(user_id: &str) -> Actor {
        Actor::new(ActorKind::User, Some(user_id))
    }

    /// An administrator.
    pub fn admin(user_id: &str) -> Actor {
        Actor::new(ActorKind::Admin, Some(user_id))
    }

    /// The signed-in user of `session`: an administrator if they are one.
    pub fn session(session: &Session) -> Actor {
        if session.is_admin {
            Actor::admin(&session.user_id)
        } else {
            Actor::user(&session.user_id)
        }
    }

    /// Someone not known yet, at a sign-in or sign-up page: a user (the
    /// one they become, once a sign-up creates their account).
    pub fn anonymous() -> Actor {
        Actor::new(ActorKind::User, None)
    }

    /// The actor of an account's creation: someone signing up is the new user.
    pub(crate) fn creating(&self, new_user_id: &str) -> Actor {
        let mut actor = self.clone();
        if actor.kind == ActorKind::User && actor.user_id.is_none() {
            actor.user_id = Some(new_user_id.to_string());
        }
        actor
    }

    /// The operator at the command line.
    pub fn operator() -> Actor {
        Actor::new(ActorKind::Operator, None)
    }

    /// A client acting on its own registration (the client is the event's).
    pub fn client() -> Actor {
        Actor::new(ActorKind::Client, None)
    }

    /// Tollgate itself.
    pub fn system() -> Actor {
        Actor::new(ActorKind::System, None)
    }

    /// The same actor, acting from `address` (as `web::body::client_address` gives it).
    pub fn from_address(mut self, address: impl Into<String>) -> Actor {
        let address = address.into();
        self.address = (!address.is_empty()).then_some(address);
        self
    }

    /// Its kind.
    pub fn kind(&self) -> ActorKind {
        self.kind
    }
}

/// How a user signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The sign-in page.
    Page,
    /// The password grant.
    PasswordGrant,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Page => "page",
            Via::PasswordGrant => "password_grant",
        }
    }
}

/// A security event. Every field is an id, a name or a flag.
#[derive(Debug, Clone)]
pub enum Event {
    /// A user signed in.
    SignedIn {
        /// The user.
        user_id: String,
        /// The client they signed in for, if one asked.
        client_id: Option<String>,
        /// How.
        via: Via,
    },
    /// A sign-in was refused (unknown user or wrong password).
    SignInFailed {
        /// The account named, if the name is an account's.
        user_id: Option<String>,
        /// The client, if one asked.
        client_id: Option<String>,
        /// How.
        via: Via,
    },
    /// A sign-in was refused because the account, client or address is locked out.
    LockedOut {
        /// The account named, if the name is an account's.
        user_id: Option<String>,
        /// The client, if one asked.
        client_id: Option<String>,
        /// How.
        via: Via,
    },
    /// A user signed out (their session ended).
    LoggedOut {
        /// The user.
        user_id: String,
        /// The session's public id.
        session_id: String,
    },
    /// A user allowed a client scopes.
    ConsentGranted {
        /// The user.
        user_id: String,
        /// The client.
        client_id: String,
        /// What they allowed (all of it, with what they allowed before).
        scope: ScopeSet,
    },
    /// A user withdrew their consent to a client.
    ConsentWithdrawn {
        /// The user.
        user_id: String,
        /// The client.
        client_id: String,
    },
    /// A client was registered.
    ClientRegistered {
        /// The client.
        client_id: String,
        /// Its owner, if a developer registered it.
        owner_id: Option<String>,
    },
    /// A client's registration was edited.
    ClientUpdated {
        /// The client.
        client_id: String,
        /// Whether the edit withdrew the trust an administrator gave.
        trust_withdrawn: bool,
    },
    /// An administrator's flag on a client changed.
    ClientFlagChanged {
        /// The client.
        client_id: String,
        /// Which flag.
        flag: ClientFlag,
        /// Its new value.
        set: bool,
    },
    /// A client's secret was rotated.
    ClientSecretRotated {
        /// The client.
        client_id: String,
        /// Seconds the old secret keeps working.
        overlap: i64,
    },
    /// A client was deleted.
    ClientDeleted {
        /// The client.
        client_id: String,
    },
    /// A user account was created.
    UserCreated {
        /// The user.
        user_id: String,
        /// Their login name.
        username: String,
        /// Whether they administer the registry.
        admin: bool,
    },
    /// A user was suspended (banned).
    UserSuspended {
        /// The user.
        user_id: String,
    },
    /// A suspension was lifted.
    UserReinstated {
        /// The user.
        user_id: String,
    },
    /// An account's sign-in lockouts and slowdowns were lifted.
    UserUnlocked {
        /// The user.
        user_id: String,
        /// How many throttle counters were cleared.
        cleared: usize,
    },
    /// A user's password was set by the operator.
    PasswordChanged {
        /// The user.
        user_id: String,
    },
    /// A user's profile changed (the names of the fields, not their values).
    ProfileUpdated {
        /// The user.
        user_id: String,
        /// The fields that changed: `email`, `email_verified`, `name`, …
        fields: Vec<&'static str>,
        /// Whether the address is verified now.
        email_verified: bool,
    },
    /// A user was deleted.
    UserDeleted {
        /// The user.
        user_id: String,
        /// Their login name.
        username: String,
    },
    /// A new signing key was made.
    KeyRotated {
        /// The key's id.
        kid: String,
        /// Its algorithm.
        alg: &'static str,
    },
    /// A rotated-out refresh token was presented again; its family was revoked.
    RefreshReuseDetected {
        /// The client.
        client_id: String,
        /// The user, unless the family is a client's own.
        user_id: Option<String>,
        /// The refresh token family (an id, not a token).
        family_id: String,
    },
}

/// The flags only an administrator sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientFlag {
    /// First-party: skips consent.
    Trusted,
    /// No new tokens.
    Suspended,
    /// Vouched for.
    Verified,
}

impl Event {
    /// The stored `kind`.
    pub fn kind(&self) -> &'static str {
        use ClientFlag::*;
        match self {
            Event::SignedIn { .. } => "signin.succeeded",
            Event::SignInFailed { .. } => "signin.failed",
            Event::LockedOut { .. } => "signin.locked_out",
            Event::LoggedOut { .. } => "session.logged_out",
            Event::ConsentGranted { .. } => "consent.granted",
            Event::ConsentWithdrawn { .. } => "consent.withdrawn",
            Event::ClientRegistered { .. } => "client.registered",
            Event::ClientUpdated { .. } => "client.updated",
            Event::ClientFlagChanged { flag, set, .. } => match (flag, set) {
                (Trusted, true) => "client.trusted",
                (Trusted, false) => "client.untrusted",
                (Suspended, true) => "client.suspended",
                (Suspended, false) => "client.reinstated",
                (Verified, true) => "client.verified",
                (Verified, false) => "client.unverified",
            },
            Event::ClientSecretRotated { .. } => "client.secret_rotated",
            Event::ClientDeleted { .. } => "client.deleted",
            Event::UserCreated { .. } => "user.created",
            Event::UserSuspended { .. } => "user.suspended",
            Event::UserReinstated { .. } => "user.reinstated",
            Event::UserUnlocked { .. } => "user.unlocked",
            Event::PasswordChanged { .. } => "user.password_changed",
            Event::ProfileUpdated { .. } => "user.profile_updated",
            Event::UserDeleted { .. } => "user.deleted",
            Event::KeyRotated { .. } => "key.rotated",
            Event::RefreshReuseDetected { .. } => "refresh.reuse_detected",
        }
    }

    /// The user it concerns, the client it concerns, and its details.
    fn parts(&self) -> (Option<&str>, Option<&str>, Value) {
        fn s(v: &str) -> Option<&str> {
            Some(v)
        }
        fn o(v: &Option<String>) -> Option<&str> {
            v.as_deref()
        }
        match self {
            Event::SignedIn {
                user_id,
                client_id,
                via,
            } => (s(user_id), o(client_id), json!({"via": via.as_str()})),
            Event::SignInFailed {
                user_id,
                client_id,
                via,
            }
            | Event::LockedOut {
                user_id,
                client_id,
                via,
            } => (o(user_id), o(client_id), json!({"via": via.as_str()})),
            Event::LoggedOut { user_id, session_id } => (s(user_id), None, json!({"session_id": session_id})),
            Event::ConsentGranted {
                user_id,
                client_id,
                scope,
            } => (s(user_id), s(client_id), json!({"scope": scope.to_string()})),
            Event::ConsentWithdrawn { user_id, client_id } => (s(user_id), s(client_id), json!({})),
            Event::ClientRegistered { client_id, owner_id } => (o(owner_id), s(client_id), json!({})),
            Event::ClientUpdated {
                client_id,
                trust_withdrawn,
            } => (None, s(client_id), json!({"trust_withdrawn": trust_withdrawn})),
            Event::ClientFlagChanged { client_id, .. } | Event::ClientDeleted { client_id } => {
                (None, s(client_id), json!({}))
            }
            Event::ClientSecretRotated { client_id, overlap } => {
                (None, s(client_id), json!({"overlap_seconds": overlap}))
            }
            Event::UserCreated {
                user_id,
                username,
                admin,
            } => (s(user_id), None, json!({"username": username, "admin": admin})),
            Event::UserSuspended { user_id }
            | Event::UserReinstated { user_id }
            | Event::PasswordChanged { user_id } => (s(user_id), None, json!({})),
            Event::UserUnlocked { user_id, cleared } => (s(user_id), None, json!({"cleared": cleared})),
            Event::ProfileUpdated {
                user_id,
                fields,
                email_verified,
            } => (
                s(user_id),
                None,
                json!({"fields": fields, "email_verified": email_verified}),
            ),
            Event::UserDeleted { user_id, username } => (s(user_id), None, json!({"username": username})),
            Event::KeyRotated { kid, alg } => (None, None, json!({"kid": kid, "alg": alg})),
            Event::RefreshReuseDetected {
                client_id,
                user_id,
                family_id,
            } => (o(user_id), s(client_id), json!({"family_id": family_id})),
        }
    }

    fn row(&self, actor: &Actor, at: i64) -> NewAuditRow {
        let (user_id, client_id, detail) = self.parts();
        NewAuditRow {
            at,
            kind: self.kind().to_string(),
            actor_user_id: actor.user_id.clone(),
            actor_kind: actor.kind.as_str().to_string(),
            user_id: user_id.map(str::to_string),
            client_id: client_id.map(str::to_string),
            address: actor.address.clone(),
            detail_json: detail.to_string(),
        }
    }
}

/// The structured log line of an event (or of its failure to be stored).
fn log(row: &NewAuditRow, failure: Option<&dyn std::fmt::Display>) {
    let field = |v: &Option<String>| v.clone().unwrap_or_default();
    match failure {
        None => tracing::info!(
            target: "audit",
            kind = %row.kind,
            actor_kind = %row.actor_kind,
            actor_user_id = %field(&row.actor_user_id),
            user_id = %field(&row.user_id),
            client_id = %field(&row.client_id),
            address = %field(&row.address),
            detail = %row.detail_json,
            "audit event"
        ),
        Some(error) => tracing::error!(
            target: "audit",
            kind = %row.kind,
            actor_kind = %row.actor_kind,
            actor_user_id = %field(&row.actor_user_id),
            user_id = %field(&row.user_id),
            client_id = %field(&row.client_id),
            address = %field(&row.address),
            detail = %row.detail_json,
            error = %error,
            "AUDIT EVENT NOT STORED"
        ),
    }
}

/// Records `event`, which happened at `at`, on `conn`, inside the caller's transaction, in a
/// savepoint of its own: a failure to write it is logged and leaves the
/// caller's transaction as it was.
pub fn record_in(conn: &mut DbConnection, actor: &Actor, event: Event, at: i64) {
    use diesel::Connection;
    let row = event.row(actor, at);
    match conn.transaction(|conn| storage::audit::insert(conn, &row)) {
        Ok(()) => log(&row, None),
        Err(e) => log(&row, Some(&e)),
    }
}

/// Records `event` (at `at`) right after the change it reports, in a statement of
/// its own. A failure is logged, never returned.
pub async fn record(db: &Database, actor: &Actor, event: Event, at: i64) {
    let row = event.row(actor, at);
    let stored = row.clone();
    match db.run(move |conn| storage::audit::insert(conn, &stored)).await {
        Ok(()) => log(&row, None),
        Err(e) => log(&row, Some(&e)),
    }
}

/// [`record`] for the command line and other synchronous callers.
pub fn record_sync(db: &Database, actor: &Actor, event: Event, at: i64) {
    let row = event.row(actor, at);
    match db.run_sync(|conn| storage::audit::insert(conn, &row)) {
        Ok(()) => log(&row, None),
        Err(e) => log(&row, Some(&e)),
    }
}

/// Up to `limit` events matching `filter`, newest first.
pub async fn list(db: &Database, filter: AuditFilter, limit: i64) -> Result<Vec<AuditRow>, StorageError> {
    db.run(move |conn| storage::audit::list(conn, &filter, limit))
        .await
}

/// [`list`] for the command line.
pub fn list_sync(db: &Database, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditRow>, StorageError> {
    db.run_sync(|conn| storage::audit::list(conn, filter, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_row_carries_the_actor_and_what_it_concerns() {
        let actor = Actor::admin("user_a").from_address("192.0.2.1");
        let row = Event::ClientFlagChanged {
            client_id: "c1".into(),
            flag: ClientFlag::Suspended,
            set: true,
        }
        .row(&actor, 0);
        assert_eq!(row.kind, "client.suspended");
        assert_eq!(row.actor_kind, "admin");
        assert_eq!(row.actor_user_id.as_deref(), Some("user_a"));
        assert_eq!(row.client_id.as_deref(), Some("c1"));
        assert_eq!(row.address.as_deref(), Some("192.0.2.1"));
    }

    #[test]
    fn an_empty_address_is_no_address() {
        let row = Event::ClientDeleted {
            client_id: "c".into(),
        }
        .row(&Actor::operator().from_address(""), 0);
        assert_eq!(row.address, None);
        assert_eq!(row.actor_kind, "operator-cli");
    }
}
