//! `tollgate api …`: registering the APIs (resource servers) tokens are
//! issued for, with their scopes and roles.

use super::{block_on, open};
use crate::config::Settings;
use crate::domain::Clock;
use crate::oauth::apis::{self, ApiChanges, NewApi};
use crate::oauth::audit::Actor;
use clap::Subcommand;
use secrecy::ExposeSecret;
use serde_json::json;
use std::io::Write;

/// `tollgate api …`
#[derive(Debug, Subcommand)]
pub enum ApiCommand {
    /// Register an API: tokens asked for it (`resource=URI`, or a scope it
    /// owns) carry `aud` = its identifier.
    Create {
        /// Its identifier: an absolute https URI (http on loopback), no fragment.
        #[arg(long, value_name = "URI")]
        identifier: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// A scope it owns (added to the catalogue if absent; repeat for several).
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// A role it defines (repeat for several; at most 64).
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Create its introspection credentials (printed once).
        #[arg(long)]
        introspection: bool,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List APIs with their scopes and roles.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Change an API: only the options given change.
    Update {
        /// The API's identifier.
        #[arg(long, value_name = "URI")]
        identifier: String,
        /// A new display name.
        #[arg(long)]
        name: Option<String>,
        /// A scope it comes to own (repeat for several).
        #[arg(long = "add-scope", value_name = "SCOPE")]
        add_scopes: Vec<String>,
        /// A scope it gives up; it stays in the catalogue (repeat for several).
        #[arg(long = "remove-scope", value_name = "SCOPE")]
        remove_scopes: Vec<String>,
        /// A role it comes to define (repeat for several).
        #[arg(long = "add-role", value_name = "ROLE")]
        add_roles: Vec<String>,
        /// A role it stops defining: everyone who had it loses it (repeat for several).
        #[arg(long = "remove-role", value_name = "ROLE")]
        remove_roles: Vec<String>,
    },
    /// Delete an API with its roles and their assignments and its
    /// introspection client; its scopes stay in the catalogue.
    Delete {
        /// The API's identifier.
        #[arg(long, value_name = "URI")]
        identifier: String,
    },
}

/// Runs `tollgate api …`.
pub fn api(settings: &Settings, command: ApiCommand) -> anyhow::Result<()> {
    let db = open(settings)?;
    let now = Clock::system().now();
    let actor = Actor::operator();
    match command {
        ApiCommand::Create {
            identifier,
            name,
            scopes,
            roles,
            introspection,
            json,
        } => {
            let new = NewApi {
                identifier,
                name,
                scopes,
                roles,
                introspection,
            };
            let created = block_on(apis::create(&db, &actor, new, now))?;
            let secret = created
                .introspection_client_secret
                .as_ref()
                .map(|s| s.expose_secret().to_string());
            if json {
                let mut out = json!({ "identifier": created.identifier });
                if let (Some(id), Some(secret)) = (&created.introspection_client_id, &secret) {
                    out["introspection_client_id"] = json!(id);
                    out["introspection_client_secret"] = json!(secret);
                }
                out!("{out}");
            } else {
                out!("registered API {}", created.identifier);
                if let (Some(id), Some(secret)) = (&created.introspection_client_id, &secret) {
                    out!("introspection_client_id:     {id}");
                    out!("introspection_client_secret: {secret}");
                    out!("Keep the secret now: it is stored only as a hash and cannot be shown again.");
                }
            }
        }
        ApiCommand::List { json } => {
            let list = block_on(apis::list(&db))?;
            if json {
                let list: Vec<_> = list
                    .iter()
                    .map(|a| {
                        json!({
                            "identifier": a.identifier, "name": a.name, "scopes": a.scopes,
                            "roles": a.roles, "introspection_client_id": a.introspection_client_id,
                        })
                    })
                    .collect();
                out!("{}", serde_json::Value::Array(list));
            } else {
                for a in list {
                    out!(
                        "{}\t{}\tscopes: {}\troles: {}",
                        a.identifier,
                        a.name,
                        a.scopes.join(" "),
                        a.roles.join(" ")
                    );
                }
            }
        }
        ApiCommand::Update {
            identifier,
            name,
            add_scopes,
            remove_scopes,
            add_roles,
            remove_roles,
        } => {
            let changes = ApiChanges {
                name,
                add_scopes,
                remove_scopes,
                add_roles,
                remove_roles,
            };
            block_on(apis::update(&db, &actor, &identifier, changes, now))?;
            out!("updated API {identifier}");
        }
        ApiCommand::Delete { identifier } => {
            if !block_on(apis::delete(&db, &actor, &identifier, now))? {
                anyhow::bail!("no API with the identifier {identifier:?}");
            }
            out!("deleted API {identifier}");
        }
    }
    Ok(())
}
