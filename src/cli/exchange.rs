//! `tollgate exchange …`: the token-exchange policy (RFC 8693), which
//! client may swap a user's access token for one for which audience.

use super::open;
use crate::config::Settings;
use crate::domain::Clock;
use crate::storage;
use clap::Subcommand;
use std::io::Write;

/// `tollgate exchange …`
#[derive(Debug, Subcommand)]
pub enum ExchangeCommand {
    /// Allow a confidential client to exchange users' access tokens for
    /// tokens for an audience (the next service it calls).
    Allow {
        /// The client.
        #[arg(long)]
        client_id: String,
        /// The audience (an API's identifier or resource URI).
        #[arg(long)]
        audience: String,
    },
    /// Take such a permission back.
    Deny {
        /// The client.
        #[arg(long)]
        client_id: String,
        /// The audience.
        #[arg(long)]
        audience: String,
    },
    /// List the permissions, one `client_id<TAB>audience` a line.
    List,
}

/// Runs one `tollgate exchange` command.
pub fn run_exchange(settings: &Settings, command: &ExchangeCommand) -> anyhow::Result<()> {
    let db = open(settings)?;
    match command {
        ExchangeCommand::Allow { client_id, audience } => {
            if audience.trim().is_empty() || audience.len() > 512 || audience.chars().any(char::is_control) {
                anyhow::bail!("the audience must be 1 to 512 printable characters");
            }
            let known = db.run_sync(|conn| storage::clients::by_id(conn, client_id))?;
            if known.is_none() {
                anyhow::bail!("no client {client_id:?}");
            }
            let now = Clock::system().now();
            db.run_sync(|conn| storage::exchange_policies::allow(conn, client_id, audience, now))?;
            out!("{client_id} may exchange tokens for {audience}");
        }
        ExchangeCommand::Deny { client_id, audience } => {
            if !db.run_sync(|conn| storage::exchange_policies::deny(conn, client_id, audience))? {
                anyhow::bail!("{client_id:?} was not allowed to exchange tokens for {audience:?}");
            }
            out!("{client_id} may no longer exchange tokens for {audience}");
        }
        ExchangeCommand::List => {
            for (client_id, audience) in db.run_sync(storage::exchange_policies::all)? {
                out!("{client_id}\t{audience}");
            }
        }
    }
    Ok(())
}
