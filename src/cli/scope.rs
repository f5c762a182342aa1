//! `tollgate scope …`: the scope catalogue.

use super::open;
use crate::config::Settings;
use crate::domain::Clock;
use crate::storage;
use clap::Subcommand;
use std::io::Write;

/// `tollgate scope …`
#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Add a scope to the catalogue, or change its description.
    Add {
        /// The scope's name.
        name: String,
        /// What it lets an application do, in words shown on consent pages.
        #[arg(long)]
        description: String,
    },
    /// List the catalogue.
    List,
    /// Remove a scope from the catalogue (clients that have it keep it).
    Remove {
        /// The scope's name.
        name: String,
    },
}

/// `tollgate scope add`
pub fn add_scope(settings: &Settings, name: &str, description: &str) -> anyhow::Result<()> {
    let scope = crate::domain::Scope::parse(name)?;
    let description = description.trim();
    if description.is_empty() || description.chars().count() > 200 {
        anyhow::bail!("the description must be 1 to 200 characters");
    }
    let db = open(settings)?;
    db.run_sync(|conn| storage::scopes::put(conn, scope.as_str(), description, Clock::system().now()))?;
    out!("scope {scope}: {description}");
    Ok(())
}

/// `tollgate scope list`
pub fn list_scopes(settings: &Settings) -> anyhow::Result<()> {
    let db = open(settings)?;
    for (name, description) in db.run_sync(storage::scopes::all)? {
        out!("{name}\t{description}");
    }
    Ok(())
}

/// `tollgate scope remove`
pub fn remove_scope(settings: &Settings, name: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    if !db.run_sync(|conn| storage::scopes::remove(conn, name))? {
        anyhow::bail!("no scope {name:?} in the catalogue");
    }
    out!("removed scope {name}");
    Ok(())
}
