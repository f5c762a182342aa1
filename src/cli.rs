//! The command line: one clap subcommand tree, and one function per command.

use crate::config::Settings;
use crate::domain::SigningAlg;
use crate::oauth::{accounts, keys, registry};
use crate::startup::Application;
use crate::storage::{self, Database};
use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::io::BufRead;
use std::path::PathBuf;

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
    /// Create a user; the password is read from the first line of standard input.
    Create {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Read the password from standard input (it never goes on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
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
}

/// `tollgate client …`
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client and print its id (and secret, once).
    Create {
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
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
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
        println!("the database is up to date");
    }
    for name in applied {
        println!("applied {name}");
    }
    Ok(())
}

/// `tollgate user create`
pub fn create_user(settings: &Settings, username: &str, admin: bool) -> anyhow::Result<()> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = SecretString::from(line.trim_end_matches(['\n', '\r']).to_string());
    let db = open(settings)?;
    let id = accounts::create_user(&db, username, &password, admin)?;
    println!("created user {username} ({id})");
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

/// `tollgate user suspend` and `tollgate user reinstate`
pub fn suspend_user(settings: &Settings, username: &str, suspended: bool) -> anyhow::Result<()> {
    let db = open(settings)?;
    if !accounts::set_suspended(&db, username, suspended)? {
        anyhow::bail!("no user named {username:?}");
    }
    println!(
        "{} user {username}",
        if suspended { "suspended" } else { "reinstated" }
    );
    Ok(())
}

/// `tollgate user unlock`
pub fn unlock_user(settings: &Settings, username: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    let cleared = crate::oauth::throttle::unlock(&db, username)?;
    println!("unlocked {username} ({cleared} sign-in counters cleared)");
    Ok(())
}

/// `tollgate client create`
pub fn create_client(settings: &Settings, new: registry::NewClient, as_json: bool) -> anyhow::Result<()> {
    let valid = new.clone().validate(&registry::Registrant::Operator)?;
    let db = open(settings)?;
    let registered = block_on(registry::register(&db, valid, false))?;
    let secret = registered
        .client_secret
        .as_ref()
        .map(|s| s.expose_secret().to_string());
    if as_json {
        let mut out = json!({ "client_id": registered.client_id, "client_name": new.name.trim() });
        if let Some(secret) = secret {
            out["client_secret"] = json!(secret);
        }
        println!("{out}");
    } else {
        println!("client_id:     {}", registered.client_id);
        match secret {
            Some(secret) => {
                println!("client_secret: {secret}");
                println!("Keep the secret now: it is stored only as a hash and cannot be shown again.");
            }
            None => println!("(public client: no secret)"),
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
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        for c in clients {
            let kind = if c.is_public { "public" } else { "confidential" };
            println!("{}\t{}\t{kind}\t{}", c.id, c.name, c.grant_types);
        }
    }
    Ok(())
}

/// `tollgate client delete`
pub fn delete_client(settings: &Settings, client_id: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    if !db.run_sync(|conn| storage::clients::delete(conn, client_id))? {
        anyhow::bail!("no client with id {client_id:?}");
    }
    println!("deleted client {client_id}");
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
    db.run_sync(|conn| storage::scopes::put(conn, scope.as_str(), description, storage::now()))?;
    println!("scope {scope}: {description}");
    Ok(())
}

/// `tollgate scope list`
pub fn list_scopes(settings: &Settings) -> anyhow::Result<()> {
    let db = open(settings)?;
    for (name, description) in db.run_sync(storage::scopes::all)? {
        println!("{name}\t{description}");
    }
    Ok(())
}

/// `tollgate scope remove`
pub fn remove_scope(settings: &Settings, name: &str) -> anyhow::Result<()> {
    let db = open(settings)?;
    if !db.run_sync(|conn| storage::scopes::remove(conn, name))? {
        anyhow::bail!("no scope {name:?} in the catalogue");
    }
    println!("removed scope {name}");
    Ok(())
}

/// `tollgate keys rotate`
pub fn rotate_keys(settings: &Settings, alg: Option<SigningAlg>) -> anyhow::Result<()> {
    let db = open(settings)?;
    let key = keys::rotate(&db, alg.unwrap_or(settings.signing_alg))?;
    println!(
        "new key {} ({}): published now, signing in {} seconds (key_activation_delay)",
        key.kid(),
        key.alg(),
        settings.key_activation_delay
    );
    Ok(())
}

/// `tollgate keys list`
pub fn list_keys(settings: &Settings, as_json: bool) -> anyhow::Result<()> {
    let db = open(settings)?;
    let keys = keys::list(&db, settings.key_lifecycle())?;
    if as_json {
        println!("{}", serde_json::to_string(&keys)?);
    } else {
        for k in keys {
            let state = if k.active {
                "active"
            } else if k.published {
                "retired, published"
            } else {
                "retired"
            };
            println!("{}\t{}\t{state}", k.kid, k.alg);
        }
    }
    Ok(())
}
