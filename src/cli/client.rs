//! `tollgate client …`: registering, listing and deleting clients.

use super::{block_on, open};
use crate::config::Settings;
use crate::domain::{AccessTokenFormat, Clock};
use crate::oauth::audit::Actor;
use crate::oauth::client_assertion::{KeySource, PRIVATE_KEY_JWT};
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
        /// Whether every authorization request must be pushed first (RFC
        /// 9126): `--require-par` or `--require-par=false`.
        #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
        require_par: Option<bool>,
        /// How it authenticates from now on: `private_key_jwt` (with
        /// `--jwks-file` or `--jwks-uri`) or `client_secret` (its secret again).
        #[command(flatten)]
        keys: AuthMethodArgs,
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
    /// Every authorization request must be pushed first (RFC 9126).
    #[arg(long)]
    pub require_par: bool,
    /// How it authenticates.
    #[command(flatten)]
    pub keys: AuthMethodArgs,
    /// Every access token must be DPoP-bound: a token request without a
    /// DPoP proof is refused (RFC 9449 §5.2).
    #[arg(long)]
    pub dpop_bound_access_tokens: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `--auth-method private_key_jwt --jwks-file F | --jwks-uri U` (RFC 7523).
#[derive(Debug, Default, clap::Args)]
pub struct AuthMethodArgs {
    /// `private_key_jwt`: the client authenticates with a JWT signed by one
    /// of its keys, never a secret (`client_secret`: by its secret).
    #[arg(long, value_name = "METHOD")]
    pub auth_method: Option<String>,
    /// A file holding its public keys (a JWK Set).
    #[arg(long, value_name = "FILE", conflicts_with = "jwks_uri")]
    pub jwks_file: Option<std::path::PathBuf>,
    /// Where its public keys (a JWK Set) are fetched from (https).
    #[arg(long, value_name = "URL")]
    pub jwks_uri: Option<String>,
}

impl AuthMethodArgs {
    /// `None`: nothing asked; `Some(None)`: back to its secret;
    /// `Some(Some(keys))`: private_key_jwt with these keys.
    pub fn source(&self) -> anyhow::Result<Option<Option<KeySource>>> {
        let jwks = match &self.jwks_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?,
            ),
            None => None,
        };
        match self.auth_method.as_deref() {
            None if jwks.is_none() && self.jwks_uri.is_none() => Ok(None),
            None | Some(PRIVATE_KEY_JWT) => Ok(Some(Some(
                KeySource::parse(jwks.as_deref(), self.jwks_uri.as_deref()).map_err(anyhow::Error::msg)?,
            ))),
            Some("client_secret" | "client_secret_basic" | "client_secret_post")
                if jwks.is_none() && self.jwks_uri.is_none() =>
            {
                Ok(Some(None))
            }
            Some(other) => anyhow::bail!(
                "--auth-method {other:?}: expected private_key_jwt (with --jwks-file or --jwks-uri) or client_secret"
            ),
        }
    }
}

fn set_keys(db: &storage::Database, client_id: &str, source: Option<KeySource>) -> anyhow::Result<()> {
    if !block_on(crate::oauth::client_assertion::set_keys(db, client_id, source))? {
        anyhow::bail!("no client with id {client_id:?}");
    }
    Ok(())
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
pub fn create_client(settings: &Settings, args: &CreateClient) -> anyhow::Result<()> {
    let (new, introspect_for, format) = (args.new_client(), &args.introspect_for, args.access_token_format);
    let (require_par, dpop_bound, as_json) = (args.require_par, args.dpop_bound_access_tokens, args.json);
    let keys = args.keys.source()?.flatten();
    if keys.is_some() && new.public {
        anyhow::bail!("a public client has no credentials: private_key_jwt is for confidential clients");
    }
    let valid = new
        .clone()
        .validate(&registry::Registrant::Operator)?
        .with_access_token_format(format.unwrap_or_default());
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
    if require_par {
        set_require_par(&db, &registered.client_id, true)?;
    }
    let by_assertion = keys.is_some();
    if by_assertion {
        set_keys(&db, &registered.client_id, keys)?;
    }
    // A private_key_jwt client never uses a secret: none is shown.
    if dpop_bound {
        set_dpop_bound(&db, &registered.client_id, true)?;
    }
    let secret = registered
        .client_secret
        .as_ref()
        .filter(|_| !by_assertion)
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
            None if by_assertion => out!("(private_key_jwt: no secret)"),
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
        let par_required = db.run_sync(storage::pushed_requests::required_by)?;
        let list: Vec<_> = clients
            .iter()
            .map(|c| {
                let mut entry = json!({
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
                });
                entry["require_pushed_authorization_requests"] = json!(par_required.contains(&c.id));
                entry
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

fn set_require_par(db: &storage::Database, client_id: &str, required: bool) -> anyhow::Result<()> {
    let now = Clock::system().now();
    let actor = Actor::operator();
    if !block_on(crate::oauth::authorize::set_pushed_required(
        db, &actor, client_id, required, now,
    ))? {
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
    require_par: Option<bool>,
    keys: &AuthMethodArgs,
    dpop_bound: Option<bool>,
) -> anyhow::Result<()> {
    let keys = keys.source()?;
    let nothing = introspect_for.is_empty()
        && format.is_none()
        && require_par.is_none()
        && keys.is_none()
        && dpop_bound.is_none();
    if nothing {
        anyhow::bail!(
            "nothing to change: give --introspect-for, --access-token-format, --require-par, --auth-method \
             or --dpop-bound-access-tokens"
        );
    }
    let db = open(settings)?;
    if let Some(keys) = keys {
        let by_assertion = keys.is_some();
        set_keys(&db, client_id, keys)?;
        match by_assertion {
            true => out!("client {client_id} authenticates with private_key_jwt"),
            false => out!("client {client_id} authenticates with its secret"),
        }
    }
    if let Some(required) = dpop_bound {
        set_dpop_bound(&db, client_id, required)?;
        match required {
            true => out!("client {client_id} gets DPoP-bound access tokens only"),
            false => out!("client {client_id} may get bearer access tokens"),
        }
    }
    if let Some(required) = require_par {
        set_require_par(&db, client_id, required)?;
        match required {
            true => out!("client {client_id} must push its authorization requests"),
            false => out!("client {client_id} may send authorization requests unpushed"),
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
