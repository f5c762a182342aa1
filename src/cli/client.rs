//! `tollgate client …`: registering, listing and deleting clients.

use super::{block_on, open};
use crate::config::Settings;
use crate::domain::{AccessTokenFormat, Clock};
use crate::oauth::audit::Actor;
use crate::oauth::registry;
use crate::storage;
use clap::Subcommand;
use secrecy::ExposeSecret;
use serde_json::json;
use std::io::Write;

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
    /// Change what an operator decides about a client.
    Update {
        /// The client id.
        #[arg(long)]
        client_id: String,
        /// An audience whose access tokens the client may introspect (repeat
        /// for several; replaces the list; `''` alone clears it).
        #[arg(long = "introspect-for", value_name = "URI")]
        introspect_for: Vec<String>,
        /// The form of the access tokens it is given from now on: `jwt` or
        /// `opaque` (tokens already issued keep theirs).
        #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
        access_token_format: Option<AccessTokenFormat>,
        /// `true`: the client gets DPoP-bound access tokens only, and a
        /// token request without a DPoP proof is refused (RFC 9449 §5.2).
        #[arg(long, value_name = "BOOL")]
        dpop_bound_access_tokens: Option<bool>,
    },
    /// Give or take roles of an API (shown in its client-credentials tokens).
    #[command(subcommand)]
    Role(super::role::ClientRoleCommand),
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
    /// An audience whose access tokens the client may introspect (repeat
    /// for several; none: it may not introspect).
    #[arg(long = "introspect-for", value_name = "URI")]
    pub introspect_for: Vec<String>,
    /// The form of its access tokens: `jwt` (the default; verifiable
    /// offline) or `opaque` (a random reference only this server reads).
    #[arg(long, value_name = "FORMAT", value_parser = parse_format)]
    pub access_token_format: Option<AccessTokenFormat>,
    /// Every access token must be DPoP-bound: a token request without a
    /// DPoP proof is refused (RFC 9449 §5.2).
    #[arg(long)]
    pub dpop_bound_access_tokens: bool,
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

fn parse_format(s: &str) -> Result<AccessTokenFormat, String> {
    s.parse().map_err(|e: crate::domain::Invalid| e.0)
}

/// `tollgate client create`
pub fn create_client(
    settings: &Settings,
    new: registry::NewClient,
    introspect_for: &[String],
    format: Option<AccessTokenFormat>,
    dpop_bound: bool,
    as_json: bool,
) -> anyhow::Result<()> {
    let valid = new.clone().validate(&registry::Registrant::Operator)?;
    let db = open(settings)?;
    let registered = block_on(registry::register(
        &db,
        &Actor::operator(),
        valid,
        false,
        Clock::system().now(),
    ))?;
    if !introspect_for.is_empty() {
        set_introspection(&db, &registered.client_id, introspect_for)?;
    }
    if let Some(format) = format.filter(|f| *f != AccessTokenFormat::Jwt) {
        set_format(&db, &registered.client_id, format)?;
    }
    if dpop_bound {
        set_dpop_bound(&db, &registered.client_id, true)?;
    }
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
                    "access_token_format": c.access_token_format,
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

fn set_introspection(db: &storage::Database, client_id: &str, audiences: &[String]) -> anyhow::Result<()> {
    let now = Clock::system().now();
    let set = block_on(crate::oauth::introspection::allow(
        db,
        &Actor::operator(),
        client_id,
        audiences,
        now,
    ))?
    .map_err(anyhow::Error::msg)?;
    if !set {
        anyhow::bail!("no client with id {client_id:?}");
    }
    Ok(())
}

fn set_format(db: &storage::Database, client_id: &str, format: AccessTokenFormat) -> anyhow::Result<()> {
    let now = Clock::system().now();
    let set = block_on(crate::oauth::opaque::set_format(
        db,
        &Actor::operator(),
        client_id,
        format,
        now,
    ))?;
    if !set {
        anyhow::bail!("no client with id {client_id:?}");
    }
    Ok(())
}

fn set_dpop_bound(db: &storage::Database, client_id: &str, required: bool) -> anyhow::Result<()> {
    let id = client_id.to_string();
    let set = db.run_sync(move |conn| storage::clients::set_dpop_bound_access_tokens(conn, &id, required))?;
    if !set {
        anyhow::bail!("no client with id {client_id:?}");
    }
    Ok(())
}

/// `tollgate client update`
pub fn update_client(
    settings: &Settings,
    client_id: &str,
    introspect_for: &[String],
    format: Option<AccessTokenFormat>,
    dpop_bound: Option<bool>,
) -> anyhow::Result<()> {
    if introspect_for.is_empty() && format.is_none() && dpop_bound.is_none() {
        anyhow::bail!(
            "nothing to change: give --introspect-for, --access-token-format or --dpop-bound-access-tokens"
        );
    }
    let db = open(settings)?;
    if let Some(required) = dpop_bound {
        set_dpop_bound(&db, client_id, required)?;
        match required {
            true => out!("client {client_id} gets DPoP-bound access tokens only"),
            false => out!("client {client_id} may get bearer access tokens"),
        }
    }
    if let Some(format) = format {
        set_format(&db, client_id, format)?;
        out!("client {client_id} is given {format} access tokens");
    }
    if introspect_for.is_empty() {
        return Ok(());
    }
    set_introspection(&db, client_id, introspect_for)?;
    let list: Vec<&str> = introspect_for
        .iter()
        .map(String::as_str)
        .filter(|a| !a.is_empty())
        .collect();
    match list.as_slice() {
        [] => out!("client {client_id} may not introspect tokens"),
        _ => out!("client {client_id} may introspect tokens for: {}", list.join(" ")),
    }
    Ok(())
}
