//! The scope catalogue: the scopes self-registered apps may ask for, each
//! with the words consent pages show. One set of rules for the command line
//! (`tollgate scope …`) and the administrators' page: a name is one RFC 6749
//! §3.3 scope token, a description 1 to 200 characters. Removing a scope
//! is never refused: the apps allowed it keep it (shown by its name from
//! then on), and an API owning it stops owning it.

use crate::domain::{Invalid, Scope};
use crate::oauth::audit::{self, Actor, CatalogueChange, Event};
use crate::storage::scopes::CatalogueEntry;
use crate::storage::{self, Database, StorageError};

/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// Why a change of the catalogue was not made.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The name or description broke a rule.
    #[error("{0}")]
    Invalid(String),
    /// Adding a scope the catalogue has already.
    #[error("the scope {0:?} is in the catalogue already")]
    Exists(String),
    /// Changing a scope the catalogue does not have.
    #[error("no scope {0:?} in the catalogue")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<Invalid> for CatalogueError {
    fn from(e: Invalid) -> Self {
        CatalogueError::Invalid(e.0)
    }
}

/// A scope's name, checked.
pub fn check_name(name: &str) -> Result<Scope, Invalid> {
    Scope::parse(name)
}

/// A description, trimmed and checked.
pub fn check_description(description: &str) -> Result<String, Invalid> {
    let description = description.trim();
    if description.is_empty() || description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Invalid::rule(
            "rule-scope-description-length",
            format!("the description must be 1 to {MAX_DESCRIPTION_CHARS} characters"),
        )
        .with("max", MAX_DESCRIPTION_CHARS));
    }
    Ok(description.to_string())
}

/// The catalogue with each scope's owning API, by name.
pub async fn entries(db: &Database) -> Result<Vec<CatalogueEntry>, StorageError> {
    db.run(storage::scopes::with_owners).await
}

/// The catalogue entry `name`, if any.
pub async fn entry(db: &Database, name: &str) -> Result<Option<CatalogueEntry>, StorageError> {
    let name = name.to_string();
    db.run(move |conn| storage::scopes::entry(conn, &name)).await
}

/// What [`put_sync`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// The scope was added.
    Added,
    /// It was there; its description changed.
    Described,
}

/// Adds a scope, or changes its description if the catalogue has it (the
/// command line's `scope add`). Returns which.
pub fn put_sync(
    db: &Database,
    actor: &Actor,
    name: &str,
    description: &str,
    now: i64,
) -> Result<Put, CatalogueError> {
    let scope = check_name(name)?;
    let description = check_description(description)?;
    let done = db.transaction_sync(|conn| {
        let existed = storage::scopes::describe(conn, scope.as_str(), &description)?;
        if !existed {
            storage::scopes::put(conn, scope.as_str(), &description, now)?;
        }
        let (put, change) = match existed {
            true => (Put::Described, CatalogueChange::Described),
            false => (Put::Added, CatalogueChange::Added),
        };
        let scope = scope.as_str().to_string();
        audit::record_in(conn, actor, Event::ScopeCatalogueChanged { scope, change }, now);
        Ok(put)
    })?;
    Ok(done)
}

/// Adds a scope the catalogue does not have yet.
pub async fn add(
    db: &Database,
    actor: &Actor,
    name: &str,
    description: &str,
    now: i64,
) -> Result<(), CatalogueError> {
    let scope = check_name(name)?;
    let description = check_description(description)?;
    let actor = actor.clone();
    let added = db
        .transaction(move |conn| {
            if storage::apis::scope_owner(conn, scope.as_str())?.is_some() {
                return Ok(false);
            }
            storage::scopes::put(conn, scope.as_str(), &description, now)?;
            let event = Event::ScopeCatalogueChanged {
                scope: scope.as_str().to_string(),
                change: CatalogueChange::Added,
            };
            audit::record_in(conn, &actor, event, now);
            Ok(true)
        })
        .await;
    match added {
        Ok(true) => Ok(()),
        Ok(false) => Err(CatalogueError::Exists(name.to_string())),
        // Added at the same moment by someone else.
        Err(e) if e.is_unique_violation() => Err(CatalogueError::Exists(name.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Changes the description of a scope the catalogue has.
pub async fn describe(
    db: &Database,
    actor: &Actor,
    name: &str,
    description: &str,
    now: i64,
) -> Result<(), CatalogueError> {
    let description = check_description(description)?;
    let (owned, actor) = (name.to_string(), actor.clone());
    let found = db
        .transaction(move |conn| {
            if !storage::scopes::describe(conn, &owned, &description)? {
                return Ok(false);
            }
            let event = Event::ScopeCatalogueChanged {
                scope: owned,
                change: CatalogueChange::Described,
            };
            audit::record_in(conn, &actor, event, now);
            Ok(true)
        })
        .await?;
    if !found {
        return Err(CatalogueError::NotFound(name.to_string()));
    }
    Ok(())
}

/// Removes a scope from the catalogue; returns whether it was there.
pub fn remove_sync(db: &Database, actor: &Actor, name: &str, now: i64) -> Result<bool, StorageError> {
    db.transaction_sync(|conn| removed_in(conn, actor, name, now))
}

/// [`remove_sync`] on the server's pool.
pub async fn remove(db: &Database, actor: &Actor, name: &str, now: i64) -> Result<bool, StorageError> {
    let (name, actor) = (name.to_string(), actor.clone());
    db.transaction(move |conn| removed_in(conn, &actor, &name, now))
        .await
}

fn removed_in(
    conn: &mut storage::DbConnection,
    actor: &Actor,
    name: &str,
    now: i64,
) -> Result<bool, storage::QueryError> {
    if !storage::scopes::remove(conn, name)? {
        return Ok(false);
    }
    let event = Event::ScopeCatalogueChanged {
        scope: name.to_string(),
        change: CatalogueChange::Removed,
    };
    audit::record_in(conn, actor, event, now);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_is_trimmed_and_bounded() {
        assert_eq!(check_description("  See your name ").unwrap(), "See your name");
        assert!(check_description("   ").is_err());
        assert!(check_description(&"é".repeat(200)).is_ok());
        assert!(check_description(&"é".repeat(201)).is_err());
    }

    #[test]
    fn a_name_is_one_scope_token() {
        assert!(check_name("orders:read").is_ok());
        assert!(check_name("two words").is_err());
        assert!(check_name("quote\"").is_err());
        assert!(check_name("").is_err());
    }
}
