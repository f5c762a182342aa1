//! The command line: one clap subcommand tree, and one function per command.
//! Commands act in real time: their timestamps come from the system clock.

use crate::config::Settings;
use crate::domain::{Clock, SigningAlg};
use crate::oauth::audit::Actor;
use crate::oauth::{accounts, keys, registry};
use crate::startup::Application;
use crate::storage::{self, Database};
use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
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

mod profile;
pub use profile::{NewProfileArgs, UpdateUser};

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
    /// Manage the scope catalogue (what self-service clients may ask for).
    #[command(subcommand)]
    Scope(ScopeCommand),
    /// Read the audit trail of security events.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Delete expired rows now (what the server's sweeper does every
    /// `purge_interval` seconds), print how many per table, and exit.
    Purge,
}

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

/// `tollgate user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is asked for twice at the terminal, or
    /// read from the first line of standard input with `--password-stdin`.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Read the password from standard input (it never goes on the command line).
        #[arg(long)]
        password_stdin: bool,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
        /// The user's profile.
        #[command(flatten)]
        profile: NewProfileArgs,
    },
    /// Change a user's profile: only the options given change.
    Update(UpdateUser),
    /// Suspend a user (a ban): sessions end, refresh tokens are revoked,
    /// access tokens introspect inactive, sign-in is refused.
    Suspend {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Lift a suspension.
    Reinstate {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Lift the sign-in lockouts and slowdown on an account, from every address.
    Unlock {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// List users.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Set a user's password: their sessions end and their refresh tokens
    /// are revoked.
    Passwd {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Read the password from standard input instead of asking at the terminal.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Delete a user with their sessions, tokens and consents; the
    /// applications they registered stay, without an owner.
    Delete {
        /// Login name.
        #[arg(long)]
        username: String,
    },
}

/// `tollgate client …`
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client and print its id (and secret, once).
    Create(Box<CreateClient>),
    /// List clients.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Delete a client, with its codes, tokens and consents.
    Delete {
        /// The client id.
        client_id: String,
    },
}

/// `tollgate client create`'s arguments.
#[derive(Debug, clap::Args)]
pub struct CreateClient {
    /// Display name.
    #[arg(long)]
    name: String,
    /// A redirect URI (repeat for several).
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// An allowed grant type (repeat; default: authorization_code and refresh_token).
    #[arg(long = "grant-type", value_name = "GRANT")]
    grant_types: Vec<String>,
    /// An allowed scope (repeat for several).
    #[arg(long = "scope", value_name = "SCOPE")]
    scopes: Vec<String>,
    /// An RFC 8707 resource (audience) the client may ask tokens for (repeat for several).
    #[arg(long = "resource", value_name = "URI")]
    resources: Vec<String>,
    /// A public client (no secret): single-page and native apps.
    #[arg(long)]
    public: bool,
    /// A trusted first-party client: skips consent, may use the password grant.
    #[arg(long)]
    trusted: bool,
    /// Where RP-initiated logout may return the user (repeat for several).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uris: Vec<String>,
    /// Where back-channel logout tokens are posted (https; http on loopback).
    #[arg(long, value_name = "URI")]
    backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry the session id (`sid`).
    #[arg(long)]
    backchannel_logout_session_required: bool,
    /// The `sub` the client sees: `public` (the user id) or `pairwise` (one per redirect host).
    #[arg(long, value_name = "TYPE")]
    subject_type: Option<String>,
    /// Seconds after which the user must sign in again for this client.
    #[arg(long, value_name = "SECONDS")]
    default_max_age: Option<i64>,
    /// Id tokens always carry `auth_time`.
    #[arg(long)]
    require_auth_time: bool,
    /// The algorithm id tokens are signed with (one a signing key has).
    #[arg(long, value_name = "ALG")]
    id_token_signed_response_alg: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

impl CreateClient {
    /// The registration these arguments ask for (an operator's: no owner).
    pub fn new_client(&self) -> registry::NewClient {
        registry::NewClient {
            name: self.name.clone(),
            redirect_uris: self.redirect_uris.clone(),
            grant_types: self.grant_types.clone(),
            scopes: self.scopes.clone(),
            resources: self.resources.clone(),
            public: self.public,
            trusted: self.trusted,
            owner_id: None,
            openid: registry::NewOpenId {
                post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
                backchannel_logout_uri: self.backchannel_logout_uri.clone(),
                backchannel_logout_session_required: self.backchannel_logout_session_required,
                subject_type: self.subject_type.clone(),
                sector_identifier_uri: None,
                default_max_age: self.default_max_age,
                require_auth_time: self.require_auth_time,
                id_token_signed_response_alg: self.id_token_signed_response_alg.clone(),
            },
            ..Default::default()
        }
    }
}

/// `tollgate keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new active signing key; the old one stays published until its tokens expire.
    Rotate {
        /// Algorithm of the new key (default: the configured `signing_alg`).
        #[arg(long, value_parser = parse_alg)]
        alg: Option<SigningAlg>,
    },
    /// List signing keys.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn parse_alg(s: &str) -> Result<SigningAlg, String> {
    s.parse().map_err(|e: crate::domain::Invalid| e.0)
}

/// Opens the database and applies pending migrations.
fn open(settings: &Settings) -> anyhow::Result<Database> {
    let db = Database::open(&settings.database_url, settings.database_pool_size.min(2))?;
    db.migrate()?;
    Ok(db)
}

/// `tollgate serve`
pub fn serve(settings: Settings) -> anyhow::Result<()> {
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

/// A new password: the first line of standard input with
/// `--password-stdin`, else asked twice at the terminal without echo.
fn read_new_password(from_stdin: bool) -> anyhow::Result<SecretString> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        return Ok(SecretString::from(
            line.trim_end_matches(['\n', '\r']).to_string(),
        ));
    }
    if !std::io::stdin().is_terminal() {
        return Err(UsageError(
            "standard input is not a terminal: pass --password-stdin to read the password from it".into(),
        )
        .into());
    }
    let first =
        SecretString::from(rpassword::prompt_password("Password: ").context("cannot read the password")?);
    let again = SecretString::from(
        rpassword::prompt_password("Password (again): ").context("cannot read the password")?,
    );
    if first.expose_secret() != again.expose_secret() {
        anyhow::bail!("the two passwords differ; nothing was changed");
    }
    Ok(first)
}

/// `tollgate user create`
pub fn create_user(
    settings: &Settings,
    username: &str,
    password_stdin: bool,
    admin: bool,
    profile: &NewProfileArgs,
) -> anyhow::Result<()> {
    // Checked before the password is asked for: a typo costs no retyping.
    let checked = profile.checked()?;
    let password = read_new_password(password_stdin)?;
    let db = open(settings)?;
    let actor = Actor::operator();
    let id = match accounts::create_user_with_profile(
        &db,
        &actor,
        username,
        &password,
        admin,
        &checked,
        Clock::system().now(),
    ) {
        Ok(id) => id,
        Err(accounts::CreateUserError::Profile(errors)) => return Err(profile::usage(&errors)),
        Err(accounts::CreateUserError::EmailTaken) => return Err(profile::email_taken()),
        Err(e) => return Err(e.into()),
    };
    out!("created user {username} ({id})");
    Ok(())
}

/// `tollgate user update`
pub fn update_user(settings: &Settings, args: &UpdateUser) -> anyhow::Result<()> {
    profile::update_user(settings, args)
}

/// Runs an async storage call from the synchronous CLI.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime can be built")
        .block_on(f)
}

/// `tollgate user suspend` and `tollgate user reinstate`
pub fn suspend_user(settings: &Settings, username: &str, suspended: bool) -> anyhow::Result<()> {
    let db = open(settings)?;
    if !accounts::set_suspended(
        &db,
        &Actor::operator(),
        username,
        suspended,
        Clock::system().now(),
    )? {
        anyhow::bail!("no user named {username:?}");
    }
    out!(
        "{} user {username}",
        if suspended { "suspended" } else { "reinstated" }
    );
    Ok(())
}

/// `tollgate user unlock`
pub fn unlock_user(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    let cleared = crate::oauth::throttle::unlock(&db, &Actor::operator(), username, Clock::system().now())?;
    out!("unlocked {username} ({cleared} sign-in counters cleared)");
    Ok(())
}

/// `tollgate user list`
pub fn list_users(settings: &Settings, as_json: bool) -> anyhow::Result<()> {
    let db = open(settings)?;
    let users = db.run_sync(|conn| storage::users::list(conn, i64::MAX))?;
    if as_json {
        let list: Vec<_> = users
            .iter()
            .map(|u| {
                json!({
                    "id": u.id, "username": u.username, "admin": u.is_admin,
                    "suspended": u.suspended, "created_at": u.created_at,
                    "email": u.email, "email_verified": u.email_verified,
                    "name": u.name, "given_name": u.given_name,
                    "family_name": u.family_name, "updated_at": u.updated_at,
                })
            })
            .collect();
        out!("{}", serde_json::Value::Array(list));
    } else {
        for u in users {
            let role = if u.is_admin { "admin" } else { "user" };
            let state = if u.suspended { "suspended" } else { "active" };
            let email = match (&u.email, u.email_verified) {
                (Some(email), true) => format!("{email} (verified)"),
                (Some(email), false) => email.clone(),
                (None, _) => "-".to_string(),
            };
            out!("{}\t{}\t{role}\t{state}\t{email}", u.username, u.id);
        }
    }
    Ok(())
}

/// `tollgate user passwd`
pub fn change_password(settings: &Settings, username: &str, password_stdin: bool) -> anyhow::Result<()> {
    let password = read_new_password(password_stdin)?;
    let db = open(settings)?;
    accounts::change_password(
        &db,
        &Actor::operator(),
        username,
        &password,
        Clock::system().now(),
    )?;
    out!("changed the password of {username}; their sessions ended and their refresh tokens were revoked");
    Ok(())
}

/// `tollgate user delete`
pub fn delete_user(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    let Some(deleted) = accounts::delete_user(&db, &Actor::operator(), username, Clock::system().now())?
    else {
        anyhow::bail!("no user named {username:?}");
    };
    out!(
        "deleted user {username} ({}) with their sessions, tokens and consents",
        deleted.id
    );
    if deleted.clients_kept > 0 {
        out!(
            "the {} application(s) they registered stay, with no owner (`tollgate client delete` removes one)",
            deleted.clients_kept
        );
    }
    Ok(())
}

/// `tollgate client create`
pub fn create_client(settings: &Settings, new: registry::NewClient, as_json: bool) -> anyhow::Result<()> {
    let valid = new.clone().validate(&registry::Registrant::Operator)?;
    let db = open(settings)?;
    let registered = block_on(registry::register(
        &db,
        &Actor::operator(),
        valid,
        false,
        Clock::system().now(),
    ))?;
    let secret = registered
        .client_secret
        .as_ref()
        .map(|s| s.expose_secret().to_string());
    if as_json {
        let mut out = json!({ "client_id": registered.client_id, "client_name": new.name.trim() });
        if let Some(secret) = secret {
            out["client_secret"] = json!(secret);
        }
        out!("{out}");
    } else {
        out!("client_id:     {}", registered.client_id);
        match secret {
            Some(secret) => {
                out!("client_secret: {secret}");
                out!("Keep the secret now: it is stored only as a hash and cannot be shown again.");
            }
            None => out!("(public client: no secret)"),
        }
    }
    Ok(())
}

/// `tollgate client list`
pub fn list_clients(settings: &Settings, as_json: bool) -> anyhow::Result<()> {
    let db = open(settings)?;
    let clients = db.run_sync(storage::clients::all)?;
    if as_json {
        let list: Vec<_> = clients
            .iter()
            .map(|c| {
                json!({
                    "client_id": c.id, "client_name": c.name, "public": c.is_public,
                    "trusted": c.is_trusted, "suspended": c.suspended,
                    "grant_types": c.grant_types.split_whitespace().collect::<Vec<_>>(),
                    "redirect_uris": c.redirect_uris.split_whitespace().collect::<Vec<_>>(),
                    "scope": c.scopes,
                    "post_logout_redirect_uris": c.openid.post_logout_redirect_uris.split_whitespace().collect::<Vec<_>>(),
                    "backchannel_logout_uri": c.openid.backchannel_logout_uri,
                    "backchannel_logout_session_required": c.openid.backchannel_logout_session_required,
                    "subject_type": c.openid.subject_type,
                    "sector_identifier": c.openid.sector_identifier,
                    "default_max_age": c.openid.default_max_age,
                    "require_auth_time": c.openid.require_auth_time,
                    "id_token_signed_response_alg": c.openid.id_token_signed_response_alg,
                })
            })
            .collect();
        out!("{}", serde_json::Value::Array(list));
    } else {
        for c in clients {
            let kind = if c.is_public { "public" } else { "confidential" };
            out!("{}\t{}\t{kind}\t{}", c.id, c.name, c.grant_types);
        }
    }
    Ok(())
}

/// `tollgate client delete`
pub fn delete_client(settings: &Settings, client_id: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    if !block_on(registry::delete_from(
        &db,
        &Actor::operator(),
        client_id,
        Clock::system().now(),
    ))? {
        anyhow::bail!("no client with id {client_id:?}");
    }
    out!("deleted client {client_id}");
    Ok(())
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

/// A timestamp as people read it, in UTC: `2026-11-29 10:15:00 UTC`.
fn utc(ts: i64) -> String {
    crate::domain::utc_text(ts)
}

/// What a key is doing now: `pending` (published, not signing yet),
/// `active` (signing) or `retired` (superseded).
fn key_state(k: &keys::KeyInfo) -> &'static str {
    if k.active {
        "active"
    } else if k.retired_at.is_none() {
        "pending"
    } else {
        "retired"
    }
}

/// `tollgate keys rotate`
pub fn rotate_keys(settings: &Settings, alg: Option<SigningAlg>) -> anyhow::Result<()> {
    let db = open(settings)?;
    let key = keys::rotate(
        &db,
        &Actor::operator(),
        alg.unwrap_or(settings.signing_alg),
        Clock::system().now(),
    )?;
    let listed = keys::list(
        &db,
        crate::startup::protocol_settings(settings).key_lifecycle,
        Clock::system().now(),
    )?;
    let new = listed.iter().find(|k| k.kid == key.kid());
    match new {
        // The first key, or no activation delay: it signs at once.
        Some(k) if k.active => out!("new key {} ({}): published and signing now", key.kid(), key.alg()),
        _ => {
            let created = new.map_or_else(|| Clock::system().now(), |k| k.created_at);
            out!(
                "new key {} ({}): published now, signing from {} (key_activation_delay {} s; \
                 running servers switch to it within {} s after that)",
                key.kid(),
                key.alg(),
                utc(created + settings.key_activation_delay),
                settings.key_activation_delay,
                keys::CACHE_SECONDS
            );
        }
    }
    Ok(())
}

/// `tollgate keys list`
pub fn list_keys(settings: &Settings, as_json: bool) -> anyhow::Result<()> {
    let db = open(settings)?;
    let keys = keys::list(
        &db,
        crate::startup::protocol_settings(settings).key_lifecycle,
        Clock::system().now(),
    )?;
    if as_json {
        let mut list = Vec::new();
        for k in &keys {
            let mut value = serde_json::to_value(k)?;
            value["state"] = json!(key_state(k));
            list.push(value);
        }
        out!("{}", serde_json::Value::Array(list));
    } else {
        for k in &keys {
            let detail = match key_state(k) {
                "pending" => format!(
                    "pending, signs from {}",
                    utc(k.created_at + settings.key_activation_delay)
                ),
                "retired" if k.published => "retired, still published".to_string(),
                state => state.to_string(),
            };
            out!("{}\t{}\t{detail}", k.kid, k.alg);
        }
    }
    Ok(())
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
