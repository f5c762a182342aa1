//! `tollgate scope …`: the scope catalogue.

use super::open;
use crate::config::Settings;
use crate::domain::Clock;
use crate::oauth::audit::Actor;
use crate::oauth::registry::catalogue;
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
    // The name and description are checked before the database is opened.
    catalogue::check_name(name)?;
    let description = catalogue::check_description(description)?;
    let db = open(settings)?;
    catalogue::put_sync(&db, &Actor::operator(), name, &description, Clock::system().now())?;
    out!("scope {name}: {description}");
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
    if !catalogue::remove_sync(&db, &Actor::operator(), name, Clock::system().now())? {
        anyhow::bail!("no scope {name:?} in the catalogue");
    }
    out!("removed scope {name}");
    Ok(())
}
