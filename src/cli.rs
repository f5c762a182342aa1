//! The command line: one clap subcommand tree, and one function per command.
//! Commands act in real time: their timestamps come from the system clock.

use crate::config::Settings;
use crate::domain::Clock;
use crate::startup::Application;
use crate::storage::Database;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

mod audit;
pub use audit::{list_audit, AuditCommand};

/// Writes a line to standard output, returning the error instead of
/// panicking as `println!` does: a reader that went away (`| head`) ends
/// the command quietly (see [`is_broken_pipe`]).
macro_rules! out {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

mod api;
mod client;
mod exchange;
mod keys;
mod profile;
mod role;
mod scope;
mod user;
pub use api::{api, ApiCommand};
pub use client::{create_client, delete_client, list_clients, update_client, ClientCommand, CreateClient};
pub use exchange::{run_exchange, ExchangeCommand};
pub use keys::{list_keys, rotate_keys, KeysCommand};
pub use profile::{NewProfileArgs, UpdateUser};
pub use role::{client_role, user_role, ClientRoleCommand, UserRoleCommand};
pub use scope::{add_scope, list_scopes, remove_scope, ScopeCommand};
pub use user::{
    change_password, create_user, delete_user, list_users, suspend_user, unlock_user, update_user,
    UserCommand,
};

/// A mistake in how the command was called: exit code 2, like a usage error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Whether `e` is standard output closed by its reader: nothing to report.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes on one line, each cause once: an error that
/// already quotes its cause (`cannot listen on …: Address already in use`)
/// does not get it repeated.
pub fn error_message(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// Tollgate, an OAuth 2.0 authorization server.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about)]
pub struct Cli {
    /// TOML configuration file; `TOLLGATE_*` environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage OAuth clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage the APIs (resource servers) tokens are issued for.
    #[command(subcommand)]
    Api(ApiCommand),
    /// Manage the scope catalogue (what self-service clients may ask for).
    #[command(subcommand)]
    Scope(ScopeCommand),
    /// Manage the token-exchange policy (RFC 8693): which client may swap a
    /// user's access token for one for which audience.
    #[command(subcommand)]
    Exchange(ExchangeCommand),
    /// Read the audit trail of security events.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Delete expired rows now (what the server's sweeper does every
    /// `purge_interval` seconds), print how many per table, and exit.
    Purge,
}

/// Opens the database and applies pending migrations.
fn open(settings: &Settings) -> anyhow::Result<Database> {
    let db = Database::open(&settings.database_url, settings.database_pool_size.min(2))?;
    db.migrate()?;
    Ok(db)
}

/// `tollgate serve`
pub fn serve(settings: Settings) -> anyhow::Result<()> {
    crate::allocator::configure();
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings)?;
        app.run_until_stopped()
            .await
            .context("the server stopped with an error")
    })
}

/// `tollgate migrate`
pub fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = Database::open(&settings.database_url, 1)?;
    let applied = db.migrate()?;
    if applied.is_empty() {
        out!("the database is up to date");
    }
    for name in applied {
        out!("applied {name}");
    }
    Ok(())
}

/// `tollgate purge`
pub fn purge(settings: &Settings) -> anyhow::Result<()> {
    let db = open(settings)?;
    let report = crate::oauth::sweeper::sweep_sync(
        &db,
        &crate::startup::protocol_settings(settings),
        Clock::system().now(),
    )
    .context("purging expired rows")?;
    for (table, deleted) in &report.deleted {
        out!("{table}\t{deleted}");
    }
    Ok(())
}

/// Runs an async storage call from the synchronous CLI.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime can be built")
        .block_on(f)
}

/// A timestamp as people read it, in UTC: `2026-11-29 10:15:00 UTC`.
fn utc(ts: i64) -> String {
    crate::domain::utc_text(ts)
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn timestamps_are_shown_as_utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }
}
