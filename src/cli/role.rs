//! `tollgate user role …` and `tollgate client role …`: giving roles of an
//! API to users and to clients (service accounts).

use super::{block_on, open};
use crate::config::Settings;
use crate::domain::Clock;
use crate::oauth::apis::{self, Holder, RoleChange};
use crate::oauth::audit::Actor;
use crate::storage;
use clap::Subcommand;
use std::io::Write;

/// `tollgate user role …`
#[derive(Debug, Subcommand)]
pub enum UserRoleCommand {
    /// Give a user a role of an API.
    Add(UserRole),
    /// Take a role of an API from a user.
    Remove(UserRole),
}

/// Which user, API and role.
#[derive(Debug, clap::Args)]
pub struct UserRole {
    /// Login name.
    #[arg(long)]
    username: String,
    /// The API's identifier.
    #[arg(long, value_name = "URI")]
    api: String,
    /// A role the API defines.
    #[arg(long)]
    role: String,
}

/// `tollgate client role …`
#[derive(Debug, Subcommand)]
pub enum ClientRoleCommand {
    /// Give a client a role of an API (it shows in its client-credentials tokens).
    Add(ClientRole),
    /// Take a role of an API from a client.
    Remove(ClientRole),
}

/// Which client, API and role.
#[derive(Debug, clap::Args)]
pub struct ClientRole {
    /// The client id.
    #[arg(long)]
    client_id: String,
    /// The API's identifier.
    #[arg(long, value_name = "URI")]
    api: String,
    /// A role the API defines.
    #[arg(long)]
    role: String,
}

/// Runs `tollgate user role …`.
pub fn user_role(settings: &Settings, command: UserRoleCommand) -> anyhow::Result<()> {
    let (args, change) = match command {
        UserRoleCommand::Add(a) => (a, RoleChange::Add),
        UserRoleCommand::Remove(a) => (a, RoleChange::Remove),
    };
    let db = open(settings)?;
    let name = args.username.clone();
    let Some(user) = db.run_sync(move |conn| storage::users::by_username(conn, &name))? else {
        anyhow::bail!("no user named {:?}", args.username);
    };
    let roles = block_on(apis::change_roles(
        &db,
        &Actor::operator(),
        Holder::User(user.id),
        &args.api,
        &args.role,
        change,
        Clock::system().now(),
    ))?;
    out!("{} now has for {}: {}", args.username, args.api, roles.join(" "));
    Ok(())
}

/// Runs `tollgate client role …`.
pub fn client_role(settings: &Settings, command: ClientRoleCommand) -> anyhow::Result<()> {
    let (args, change) = match command {
        ClientRoleCommand::Add(a) => (a, RoleChange::Add),
        ClientRoleCommand::Remove(a) => (a, RoleChange::Remove),
    };
    let db = open(settings)?;
    let id = args.client_id.clone();
    if db
        .run_sync(move |conn| storage::clients::by_id(conn, &id))?
        .is_none()
    {
        anyhow::bail!("no client with id {:?}", args.client_id);
    }
    let roles = block_on(apis::change_roles(
        &db,
        &Actor::operator(),
        Holder::Client(args.client_id.clone()),
        &args.api,
        &args.role,
        change,
        Clock::system().now(),
    ))?;
    out!("{} now has for {}: {}", args.client_id, args.api, roles.join(" "));
    Ok(())
}
