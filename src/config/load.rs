//! Reading the settings: each key through its parser.

use super::source::{read_file, unknown_variables, Source, DEFAULT_ORIGIN};
use super::values::{boolean, database_url, issuer, networks, seconds, whole_seconds};
use super::{ConfigError, LogFormat, Settings, KEYS};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::path::Path;

impl Settings {
    /// Reads the settings: defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let (file, file_name) = match file {
            Some(path) => (read_file(path)?, path.display().to_string()),
            None => (BTreeMap::new(), String::new()),
        };
        let src = Source { file, file_name };
        let issuer = src.parse("issuer", issuer)?;
        let default_audience = src.parse("default_audience", |v| Ok(v.to_string()))?;
        let mut warnings: Vec<String> = unknown_variables()
            .into_iter()
            .map(|name| {
                format!("unknown environment variable {name} is ignored: it names no configuration key")
            })
            .collect();
        let (bind, bind_origin) = src.get("bind");
        let (_, issuer_origin) = src.get("issuer");
        if bind_origin != DEFAULT_ORIGIN && issuer_origin == DEFAULT_ORIGIN && bind.trim() != KEYS[0].default
        {
            warnings.push(format!(
                "`bind` is set to {} but `issuer` is not: tokens and metadata still name {issuer}; \
                 set `issuer` to the URL clients reach this server at",
                bind.trim()
            ));
        }
        Ok(Settings {
            warnings,
            bind: src.parse("bind", |v| {
                v.parse()
                    .map_err(|_| format!("expected an address like 127.0.0.1:8080, got {v:?}"))
            })?,
            metrics_bind: src.parse("metrics_bind", |v| match v {
                "" => Ok(None),
                _ => v
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("expected empty or an address like 127.0.0.1:9090, got {v:?}")),
            })?,
            default_audience: Some(default_audience).filter(|a| !a.is_empty()),
            issuer,
            database_url: src.parse("database_url", database_url)?,
            database_pool_size: src.parse("database_pool_size", |v| match v.parse::<u32>() {
                Ok(n) if (1..=256).contains(&n) => Ok(n),
                _ => Err(format!("expected a number from 1 to 256, got {v:?}")),
            })?,
            database_connect_timeout: src.parse("database_connect_timeout", whole_seconds(1, 60))?,
            database_query_timeout: src.parse("database_query_timeout", whole_seconds(1, 300))?,
            client_request_timeout: src.parse("client_request_timeout", whole_seconds(1, 300))?,
            client_body_timeout: src.parse("client_body_timeout", whole_seconds(1, 300))?,
            keep_alive: src.parse("keep_alive", whole_seconds(0, 3600))?,
            max_connections_per_worker: src.parse("max_connections_per_worker", |v| {
                if v == "auto" {
                    return Ok(None);
                }
                match v.parse::<usize>() {
                    Ok(n) if (1..=100_000).contains(&n) => Ok(Some(n)),
                    _ => Err(format!("expected `auto` or a number from 1 to 100000, got {v:?}")),
                }
            })?,
            signing_alg: src.parse("signing_alg", |v| {
                v.parse().map_err(|e: crate::domain::Invalid| e.0)
            })?,
            access_token_ttl: src.parse("access_token_ttl", seconds(10, 86_400))?,
            key_activation_delay: src.parse("key_activation_delay", seconds(0, 86_400))?,
            refresh_token_ttl: src.parse("refresh_token_ttl", seconds(60, 31_536_000))?,
            refresh_grace_period: src.parse("refresh_grace_period", seconds(0, 300))?,
            authorization_code_ttl: src.parse("authorization_code_ttl", seconds(5, 600))?,
            device_code_ttl: src.parse("device_code_ttl", seconds(60, 3600))?,
            device_poll_interval: src.parse("device_poll_interval", seconds(1, 60))?,
            par_ttl: src.parse("par_ttl", seconds(5, 600))?,
            require_pushed_authorization_requests: src
                .parse("require_pushed_authorization_requests", boolean)?,
            session_ttl: src.parse("session_ttl", seconds(60, 31_536_000))?,
            login_max_failures: src.parse("login_max_failures", |v| match v.parse::<i32>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(n),
                _ => Err(format!("expected a number from 1 to 1000, got {v:?}")),
            })?,
            login_lockout: src.parse("login_lockout", seconds(1, 86_400))?,
            registration_rate_limit: src.parse("registration_rate_limit", |v| match v.parse::<i32>() {
                Ok(n) if (1..=100_000).contains(&n) => Ok(n),
                _ => Err(format!("expected a number from 1 to 100000, got {v:?}")),
            })?,
            password_hash_concurrency: src.parse("password_hash_concurrency", |v| {
                match v.parse::<u32>() {
                    Ok(n) if (1..=64).contains(&n) => Ok(n),
                    _ => Err(format!("expected a number from 1 to 64, got {v:?}")),
                }
            })?,
            password_queue_length: src.parse("password_queue_length", |v| match v.parse::<u32>() {
                Ok(n) if (1..=10_000).contains(&n) => Ok(n),
                _ => Err(format!("expected a number from 1 to 10000, got {v:?}")),
            })?,
            password_queue_wait: src.parse("password_queue_wait", seconds(1, 60))?,
            login_max_delay: src.parse("login_max_delay", seconds(0, 60))?,
            signup_enabled: src.parse("signup_enabled", boolean)?,
            self_service_implicit: src.parse("self_service_implicit", boolean)?,
            self_service_client_credentials: src.parse("self_service_client_credentials", boolean)?,
            registration_initial_access_token: src.parse("registration_initial_access_token", |v| {
                if !v.is_empty() && v.len() < 16 {
                    return Err("an initial access token must be at least 16 characters".into());
                }
                Ok((!v.is_empty()).then(|| SecretString::from(v.to_string())))
            })?,
            open_registration: src.parse("open_registration", boolean)?,
            registration_access_token_format: src.parse("registration_access_token_format", boolean)?,
            token_exchange_policy: src.parse("token_exchange_policy", |v| {
                crate::domain::ExchangeGrant::parse_list(v).map_err(|e| e.0)
            })?,
            trusted_proxies: src.parse("trusted_proxies", networks)?,
            purge_interval: src.parse("purge_interval", seconds(0, 86_400))?,
            purge_batch_size: src.parse("purge_batch_size", |v| match v.parse::<i64>() {
                Ok(n) if (1..=10_000).contains(&n) => Ok(n),
                _ => Err(format!("expected a number from 1 to 10000, got {v:?}")),
            })?,
            session_retention: src.parse("session_retention", seconds(0, 31_536_000))?,
            backchannel_logout_timeout: src.parse("backchannel_logout_timeout", whole_seconds(1, 60))?,
            backchannel_logout_max_attempts: src.parse("backchannel_logout_max_attempts", |v| {
                match v.parse::<i32>() {
                    Ok(n) if (1..=50).contains(&n) => Ok(n),
                    _ => Err(format!("expected a number from 1 to 50, got {v:?}")),
                }
            })?,
            backchannel_logout_private_addresses: src
                .parse("backchannel_logout_private_addresses", boolean)?,
            outbound_private_addresses: src.parse("outbound_private_addresses", boolean)?,
            client_id_metadata_documents: src.parse("client_id_metadata_documents", boolean)?,
            session_store_url: src.parse("session_store_url", |v| url_of(v, &["redis", "rediss"]))?,
            smtp_url: src.parse("smtp_url", smtp_url)?,
            email_from: src.parse("email_from", |v| {
                v.parse::<lettre::message::Mailbox>().map_err(|e| {
                    format!("expected a mailbox such as `Tollgate <login@example.com>`, got {v:?}: {e}")
                })
            })?,
            email_rate_limit: src.parse("email_rate_limit", |v| match v.parse::<i32>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(n),
                _ => Err(format!("expected a number from 1 to 1000, got {v:?}")),
            })?,
            events_url: src.parse("events_url", |v| url_of(v, &["nats", "tls"]))?,
            events_retention: src.parse("events_retention", seconds(0, 31_536_000))?,
            gateway_check_path: src.parse("gateway_check_path", check_path)?,
            gateway_internal_token_ttl: src.parse("gateway_internal_token_ttl", seconds(5, 600))?,
            dpop_proof_lifetime: src.parse("dpop_proof_lifetime", seconds(5, 600))?,
            dpop_nonce_required: src.parse("dpop_nonce_required", boolean)?,
            dpop_nonce_secret: src.parse("dpop_nonce_secret", |v| {
                if !v.is_empty() && v.len() < 16 {
                    return Err("a DPoP nonce secret must be at least 16 characters".into());
                }
                Ok((!v.is_empty()).then(|| SecretString::from(v.to_string())))
            })?,
            log_format: src.parse("log_format", |v| match v {
                "text" => Ok(LogFormat::Text),
                "json" => Ok(LogFormat::Json),
                _ => Err(format!("expected `text` or `json`, got {v:?}")),
            })?,
            log_filter: src.parse("log_filter", |v| {
                tracing_subscriber::EnvFilter::try_new(v)
                    .map(|_| v.to_string())
                    .map_err(|e| format!("not a valid tracing filter: {e}"))
            })?,
        })
    }
}

/// An absolute path of plain characters.
fn check_path(v: &str) -> Result<String, String> {
    let plain = v.len() > 1
        && v.starts_with('/')
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b));
    if !plain {
        return Err(format!("expected a path like /gateway/check, got {v:?}"));
    }
    Ok(v.to_string())
}

/// Empty, or an `smtp://` or `smtps://` URL lettre accepts. Only the
/// scheme is ever shown in an error: the rest may hold a password.
fn smtp_url(v: &str) -> Result<Option<SecretString>, String> {
    if v.is_empty() {
        return Ok(None);
    }
    let scheme = v.split_once("://").map(|(s, _)| s);
    if !matches!(scheme, Some("smtp" | "smtps")) {
        return Err("expected empty or a URL like smtp://127.0.0.1:25 or smtps://user:password@host".into());
    }
    use lettre::{AsyncSmtpTransport, Tokio1Executor};
    match AsyncSmtpTransport::<Tokio1Executor>::from_url(v) {
        Ok(_) => Ok(Some(SecretString::from(v.to_string()))),
        Err(_) => Err(format!(
            "not a usable {} URL (host, port, user and password, tls=required|opportunistic)",
            scheme.unwrap_or("smtp")
        )),
    }
}

/// Empty, or a URL with one of `schemes`.
fn url_of(v: &str, schemes: &[&str]) -> Result<Option<String>, String> {
    if v.is_empty() {
        return Ok(None);
    }
    match url::Url::parse(v) {
        Ok(u) if schemes.contains(&u.scheme()) && u.host_str().is_some_and(|h| !h.is_empty()) => {
            Ok(Some(v.to_string()))
        }
        _ => Err(format!(
            "expected empty or a URL like {}://127.0.0.1, got {v:?}",
            schemes[0]
        )),
    }
}
