//! `tollgate exchange …`: the token-exchange policy (RFC 8693), which
//! client may swap a user's access token for one for which audience.

use super::open;
use crate::config::Settings;
use crate::domain::Clock;
use crate::oauth::audit::Actor;
use crate::oauth::exchange_policy;
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
    /// List the permissions, one `client_id<TAB>audience` a line; those of
    /// the configuration's `token_exchange_policy` end in
    /// `<TAB>(configuration)`.
    List,
}

/// Runs one `tollgate exchange` command.
pub fn run_exchange(settings: &Settings, command: &ExchangeCommand) -> anyhow::Result<()> {
    let db = open(settings)?;
    let (actor, now) = (Actor::operator(), Clock::system().now());
    match command {
        ExchangeCommand::Allow { client_id, audience } => {
            exchange_policy::allow(&db, &actor, client_id, audience, now)?;
            out!("{client_id} may exchange tokens for {audience}");
        }
        ExchangeCommand::Deny { client_id, audience } => {
            let configured = settings
                .token_exchange_policy
                .iter()
                .any(|g| &g.client_id == client_id && &g.audience == audience);
            if configured {
                anyhow::bail!(
                    "{client_id} may exchange tokens for {audience} by the configuration \
                     (token_exchange_policy): remove it there"
                );
            }
            exchange_policy::deny(&db, &actor, client_id, audience, now)?;
            out!("{client_id} may no longer exchange tokens for {audience}");
        }
        ExchangeCommand::List => {
            for (client_id, audience) in exchange_policy::list(&db)? {
                out!("{client_id}\t{audience}");
            }
            for g in &settings.token_exchange_policy {
                out!("{}\t{}\t(configuration)", g.client_id, g.audience);
            }
        }
    }
    Ok(())
}
