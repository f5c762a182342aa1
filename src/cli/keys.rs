//! `tollgate keys …`: rotating and listing signing keys.

use super::{open, utc};
use crate::config::Settings;
use crate::domain::{Clock, SigningAlg};
use crate::oauth::audit::Actor;
use crate::oauth::keys;
use clap::Subcommand;
use serde_json::json;
use std::io::Write;

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
