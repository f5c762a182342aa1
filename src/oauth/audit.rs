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
//!
//! The events other services are told of ([`Event::published`]) are
//! written to the outbox (`oauth::events`) together with the audit row: in
//! the same savepoint, so the trail and the outbox hold both or neither.

use crate::oauth::events;
use crate::oauth::sessions::Session;
use crate::storage::audit::{AuditFilter, AuditRow, NewAuditRow};
use crate::storage::{self, Database, DbConnection, QueryError, StorageError};

mod event;

pub use event::{CatalogueChange, ClientFlag, Event};

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

impl Event {
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

/// Writes the audit row of `event` and, if it is published, its outbox row.
fn write(conn: &mut DbConnection, row: &NewAuditRow, event: &Event, at: i64) -> Result<(), QueryError> {
    storage::audit::insert(conn, row)?;
    match event.published() {
        Some((kind, subject, data)) => events::emit_in(conn, kind, subject, data, at),
        None => Ok(()),
    }
}

/// Records `event`, which happened at `at`, on `conn`, inside the caller's
/// transaction, in a savepoint of its own (the audit row and, if the event
/// is published, its outbox row): a failure to write them is logged and
/// leaves the caller's transaction as it was.
///
/// Why the change is not failed instead: both rows are plain inserts with
/// no constraint a caller can break, in the transaction that already wrote
/// the change, so the savepoint fails only when the database does — and
/// then the commit fails too and the change is gone with them. Failing
/// every account, client and consent change for a trail write would make
/// the trail a new way for them to fail, with nothing gained.
pub fn record_in(conn: &mut DbConnection, actor: &Actor, event: Event, at: i64) {
    use diesel::Connection;
    let row = event.row(actor, at);
    match conn.transaction(|conn| write(conn, &row, &event, at)) {
        Ok(()) => log(&row, None),
        Err(e) => log(&row, Some(&e)),
    }
}

/// Records `event` (at `at`) right after the change it reports, in a
/// transaction of its own (the audit row and, if it is published, its
/// outbox row). A failure is logged, never returned.
pub async fn record(db: &Database, actor: &Actor, event: Event, at: i64) {
    let row = event.row(actor, at);
    let stored = row.clone();
    match db.transaction(move |conn| write(conn, &stored, &event, at)).await {
        Ok(()) => log(&row, None),
        Err(e) => log(&row, Some(&e)),
    }
}

/// [`record`] for the command line and other synchronous callers.
pub fn record_sync(db: &Database, actor: &Actor, event: Event, at: i64) {
    let row = event.row(actor, at);
    match db.transaction_sync(|conn| write(conn, &row, &event, at)) {
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
