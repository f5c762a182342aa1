//! Giving roles of an API to users and clients, and taking them away.

use super::{no_such_api, rules, ApiError};
use crate::domain::Invalid;
use crate::oauth::audit::{self, Actor, Event};
use crate::oauth::events;
use crate::storage::apis::ApiRow;
use crate::storage::{self, Database, DbConnection, QueryError};
use serde_json::json;

pub use crate::storage::roles::Holder;

/// Whether a role is given or taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    /// Give it.
    Add,
    /// Take it away.
    Remove,
}

/// Gives or takes the role `role` of the API `identifier` to or from
/// `holder`, and returns all of the holder's roles for that API after the
/// change. An unknown API, a role the API does not define, or more than
/// [`rules::MAX_ROLES`] roles of one API for one holder are refused.
pub async fn change_roles(
    db: &Database,
    actor: &Actor,
    holder: Holder,
    identifier: &str,
    role: &str,
    change: RoleChange,
    now: i64,
) -> Result<Vec<String>, ApiError> {
    let (identifier, role, actor) = (identifier.to_string(), role.to_string(), actor.clone());
    db.transaction(move |conn| {
        let Some(api) = storage::apis::by_identifier(conn, &identifier)? else {
            return Ok(Err(ApiError::Invalid(no_such_api(&identifier))));
        };
        if !storage::apis::roles(conn, &api.id)?.contains(&role) {
            return Ok(Err(ApiError::Invalid(
                Invalid::rule(
                    "rule-api-no-such-role",
                    format!("the API {identifier:?} defines no role {role:?}"),
                )
                .with("identifier", format!("{identifier:?}"))
                .with("role", format!("{role:?}")),
            )));
        }
        let changed = match change {
            RoleChange::Add => {
                let held = storage::roles::for_api(conn, &holder, &api.id)?;
                if !held.contains(&role) && held.len() >= rules::MAX_ROLES {
                    let most = rules::MAX_ROLES;
                    return Ok(Err(ApiError::Invalid(
                        Invalid::rule(
                            "rule-api-too-many-held-roles",
                            format!("one user or client holds at most {most} roles of one API"),
                        )
                        .with("max", most),
                    )));
                }
                storage::roles::grant(conn, &holder, &api.id, &role, now)?
            }
            RoleChange::Remove => storage::roles::revoke(conn, &holder, &api.id, &role)?,
        };
        if changed {
            announce(conn, &actor, &api, &holder, now)?;
        }
        Ok(Ok(storage::roles::for_api(conn, &holder, &api.id)?))
    })
    .await?
}

/// What follows a change to `holder`'s roles of `api`, in the change's
/// transaction: a user's sessions are queued for the session store, the
/// event goes to the outbox, the audit trail records it.
fn announce(
    conn: &mut DbConnection,
    actor: &Actor,
    api: &ApiRow,
    holder: &Holder,
    now: i64,
) -> Result<(), QueryError> {
    let roles = storage::roles::for_api(conn, holder, &api.id)?;
    let data = json!({"api": api.identifier, "roles": roles});
    let (user_id, client_id) = match holder {
        Holder::User(id) => {
            storage::session_store_queue::enqueue_user(conn, id, now)?;
            events::emit_in(conn, "user.roles_changed", Some(id), data, now)?;
            (Some(id.clone()), None)
        }
        Holder::Client(id) => {
            events::emit_in(conn, "client.roles_changed", Some(id), data, now)?;
            (None, Some(id.clone()))
        }
    };
    let api = api.identifier.clone();
    audit::record_in(
        conn,
        actor,
        Event::RolesChanged {
            user_id,
            client_id,
            api,
            roles,
        },
        now,
    );
    Ok(())
}

/// [`announce`] for each of `holders`, whose roles of `api` just changed.
pub(super) fn announce_all(
    conn: &mut DbConnection,
    actor: &Actor,
    api: &ApiRow,
    holders: Vec<Holder>,
    now: i64,
) -> Result<(), QueryError> {
    for holder in &holders {
        announce(conn, actor, api, holder, now)?;
    }
    Ok(())
}
