//! Configuration: defaults, overridden by a TOML file (`--config FILE`),
//! overridden by one `TOLLGATE_<KEY>` environment variable per key.
//!
//! Every key is read through one table ([`KEYS`]) so the file, the
//! environment and the README cannot disagree on the names. A bad value
//! stops start-up with the key's name and the reason.

use crate::domain::SigningAlg;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

/// Tollgate's settings, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Where Prometheus metrics are served; `None`: nowhere.
    pub metrics_bind: Option<SocketAddr>,
    /// The issuer identifier (RFC 8414 §2): the `iss` of every token.
    pub issuer: String,
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    /// Connections in the pool.
    pub database_pool_size: u32,
    /// Seconds to open one database connection (libpq `connect_timeout`).
    pub database_connect_timeout: u64,
    /// Seconds one database call (checkout and query or transaction) may take.
    pub database_query_timeout: u64,
    /// Seconds a client has to send a request's head (line and headers).
    pub client_request_timeout: u64,
    /// Seconds a client has to send a request's body, once its head is in.
    pub client_body_timeout: u64,
    /// Seconds an idle keep-alive connection stays open; 0 disables keep-alive.
    pub keep_alive: u64,
    /// Open connections each worker accepts; `None` derives it from the
    /// file-descriptor limit.
    pub max_connections_per_worker: Option<usize>,
    /// Algorithm of newly generated signing keys.
    pub signing_alg: SigningAlg,
    /// Seconds between publishing a new signing key and signing with it.
    pub key_activation_delay: i64,
    /// Lifetime of access tokens, seconds.
    pub access_token_ttl: i64,
    /// Lifetime of refresh tokens, seconds.
    pub refresh_token_ttl: i64,
    /// Seconds during which a just-rotated refresh token still refreshes.
    pub refresh_grace_period: i64,
    /// Lifetime of authorization codes, seconds.
    pub authorization_code_ttl: i64,
    /// Lifetime of a browser login session, seconds.
    pub session_ttl: i64,
    /// Failed sign-ins before an account is locked for `login_lockout`.
    pub login_max_failures: i32,
    /// Seconds an account (or client, or address) stays locked.
    pub login_lockout: i64,
    /// Sign-ups and dynamic registrations per address per `login_lockout` window.
    pub registration_rate_limit: i32,
    /// Password hashes computed at once; more wait their turn.
    pub password_hash_concurrency: u32,
    /// Password checks that may wait for a hashing thread.
    pub password_queue_length: u32,
    /// Seconds a password check may wait for a hashing thread.
    pub password_queue_wait: i64,
    /// Longest delay, in seconds, before an attempt on an account with many failures.
    pub login_max_delay: i64,
    /// `aud` of access tokens when the request names no resource; `None`
    /// means the issuer.
    pub default_audience: Option<String>,
    /// Whether developers may create their own accounts at `/signup`.
    pub signup_enabled: bool,
    /// Whether self-service clients (portal, RFC 7591) may use the implicit grant.
    pub self_service_implicit: bool,
    /// Whether self-service clients may use client credentials.
    pub self_service_client_credentials: bool,
    /// RFC 7591 initial access token dynamic registration requires.
    pub registration_initial_access_token: Option<SecretString>,
    /// Whether anyone may register a client dynamically without an initial
    /// access token.
    pub open_registration: bool,
    /// Reverse proxies whose `Forwarded` / `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Seconds between two sweeps of expired rows; 0 turns the sweeper off.
    pub purge_interval: i64,
    /// Rows one sweep deletes per statement.
    pub purge_batch_size: i64,
    /// Seconds ended or lapsed sessions are kept before they are purged.
    pub session_retention: i64,
    /// Seconds one back-channel logout attempt may take.
    pub backchannel_logout_timeout: u64,
    /// Attempts at one back-channel logout notice before it is abandoned.
    pub backchannel_logout_max_attempts: i32,
    /// Whether back-channel logout may reach loopback, private or link-local addresses.
    pub backchannel_logout_private_addresses: bool,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// A `tracing` filter directive, e.g. `info` or `tollgate=debug`.
    pub log_filter: String,
    /// What was odd but not wrong in the configuration (an unknown
    /// `TOLLGATE_*` variable, `bind` changed without `issuer`), to be
    /// logged once logging is set up.
    pub warnings: Vec<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// One configuration key: its name, default and meaning (the README's table).
pub struct Key {
    /// The name in the TOML file; the environment variable is `TOLLGATE_` + upper case.
    pub name: &'static str,
    /// The default, as text.
    pub default: &'static str,
    /// What it does.
    pub help: &'static str,
}

/// Every configuration key.
pub const KEYS: &[Key] = &[
    Key {
        name: "bind",
        default: "127.0.0.1:8080",
        help: "address and port to listen on",
    },
    Key {
        name: "metrics_bind",
        default: "",
        help: "address and port of a second listener serving Prometheus metrics at /metrics (empty: none)",
    },
    Key {
        name: "issuer",
        default: "http://127.0.0.1:8080",
        help: "issuer identifier: the public base URL of this server, no trailing slash",
    },
    Key {
        name: "database_url",
        default: "sqlite://./tollgate-data/tollgate.db",
        help: "`sqlite://PATH` (its directory must exist, except for the default) or `postgres://USER@HOST/DB` (`postgresql://` too)",
    },
    Key {
        name: "database_pool_size",
        default: "8",
        help: "database connections in the pool (1-256)",
    },
    Key {
        name: "database_connect_timeout",
        default: "2",
        help: "seconds to open one database connection (PostgreSQL; 1-60)",
    },
    Key {
        name: "database_query_timeout",
        default: "5",
        help: "seconds one database call (waiting for a connection, then a query or transaction) may take before the request is answered 503 (1-300)",
    },
    Key {
        name: "client_request_timeout",
        default: "5",
        help: "seconds a client has to send a request's line and headers; then 408 and the connection is closed (1-300)",
    },
    Key {
        name: "client_body_timeout",
        default: "5",
        help: "seconds a client has to send a request's body once its headers are in; then 408 and the connection is closed (1-300)",
    },
    Key {
        name: "keep_alive",
        default: "5",
        help: "seconds an idle keep-alive connection stays open; 0 closes every connection after its response (0-3600)",
    },
    Key {
        name: "max_connections_per_worker",
        default: "auto",
        help: "open connections each worker thread accepts (1-100000); `auto`: the file-descriptor limit shared among the workers, less a reserve",
    },
    Key {
        name: "signing_alg",
        default: "RS256",
        help: "algorithm of generated signing keys: RS256, ES256 or EdDSA",
    },
    Key {
        name: "key_activation_delay",
        default: "60",
        help: "seconds a rotated-in signing key is published before it signs (resource servers see it first)",
    },
    Key {
        name: "access_token_ttl",
        default: "600",
        help: "access token lifetime, seconds",
    },
    Key {
        name: "refresh_token_ttl",
        default: "2592000",
        help: "refresh token lifetime, seconds",
    },
    Key {
        name: "refresh_grace_period",
        default: "10",
        help: "seconds during which a just-rotated refresh token may be used once more, getting a sibling token (two tabs refreshing at once); any other reuse revokes the family",
    },
    Key {
        name: "authorization_code_ttl",
        default: "60",
        help: "authorization code lifetime, seconds",
    },
    Key {
        name: "session_ttl",
        default: "86400",
        help: "browser login session lifetime, seconds",
    },
    Key {
        name: "login_max_failures",
        default: "5",
        help: "failed sign-ins to one account from one address before that pair is locked; past it, the account itself is slowed, never locked (clients and addresses get 10 times as many)",
    },
    Key {
        name: "login_lockout",
        default: "300",
        help: "seconds a locked (account, address) pair, client or address waits; the window failures are counted in",
    },
    Key {
        name: "registration_rate_limit",
        default: "20",
        help: "sign-ups and dynamic client registrations allowed per address per login_lockout window",
    },
    Key {
        name: "password_hash_concurrency",
        default: "2",
        help: "password hashes computed at once, each on a thread of its own that keeps one 19 MiB argon2id buffer; further sign-ins queue",
    },
    Key {
        name: "password_queue_length",
        default: "32",
        help: "password checks that may wait for a hashing thread (1-10000); beyond it sign-ins get 503 and Retry-After at once",
    },
    Key {
        name: "password_queue_wait",
        default: "2",
        help: "seconds a password check may wait for a hashing thread before it is answered 503 and Retry-After",
    },
    Key {
        name: "login_max_delay",
        default: "10",
        help: "longest delay, in seconds, before an attempt on an account past login_max_failures failures (the delay doubles per failure)",
    },
    Key {
        name: "default_audience",
        default: "",
        help: "`aud` of access tokens when no resource is named (empty: the issuer)",
    },
    Key {
        name: "signup_enabled",
        default: "true",
        help: "whether developers may create their own accounts at /signup",
    },
    Key {
        name: "self_service_implicit",
        default: "false",
        help: "whether self-registered clients (portal, dynamic registration) may use the implicit grant",
    },
    Key {
        name: "self_service_client_credentials",
        default: "false",
        help: "whether self-registered confidential clients may use client credentials (tokens no user consented to)",
    },
    Key {
        name: "registration_initial_access_token",
        default: "",
        help: "bearer token required by dynamic client registration (RFC 7591)",
    },
    Key {
        name: "trusted_proxies",
        default: "",
        help: "reverse proxies (IP addresses or CIDR ranges, comma-separated) whose Forwarded / X-Forwarded-For header names the client's address",
    },
    Key {
        name: "open_registration",
        default: "false",
        help: "whether dynamic client registration is open to anyone without an initial access token",
    },
    Key {
        name: "purge_interval",
        default: "300",
        help: "seconds between two sweeps that delete expired rows (see Retention); 0 turns the sweeper off (`tollgate purge` still works)",
    },
    Key {
        name: "purge_batch_size",
        default: "1000",
        help: "rows the sweeper deletes per statement (1-10000)",
    },
    Key {
        name: "session_retention",
        default: "604800",
        help: "seconds an ended or lapsed session is kept before it is purged",
    },
    Key {
        name: "backchannel_logout_timeout",
        default: "5",
        help: "seconds one back-channel logout attempt (name resolution, then the POST) may take (1-60)",
    },
    Key {
        name: "backchannel_logout_max_attempts",
        default: "8",
        help: "attempts at one back-channel logout notice before it is abandoned (1-50)",
    },
    Key {
        name: "backchannel_logout_private_addresses",
        default: "false",
        help: "whether back-channel logout notices may be posted to loopback, private or link-local addresses (development only)",
    },
    Key {
        name: "log_format",
        default: "text",
        help: "`text` or `json`",
    },
    Key {
        name: "log_filter",
        default: "info",
        help: "tracing filter, e.g. `info` or `tollgate=debug,info`",
    },
];

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("configuration file {path} is not valid TOML (line {line}, column {column}): {reason}")]
    Syntax {
        /// The file.
        path: String,
        /// Where the parser stopped, counted from 1.
        line: usize,
        /// The column on that line, in characters, counted from 1.
        column: usize,
        /// The parser's message.
        reason: String,
    },
    /// The file names a key Tollgate does not know (a typo would otherwise go unnoticed).
    #[error("unknown configuration key `{key}` in {path}")]
    UnknownKey {
        /// The key.
        key: String,
        /// The file.
        path: String,
    },
    /// A value was refused.
    #[error("invalid value for `{key}` (from {origin}): {reason}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// Where the value came from: the file or the environment variable.
        origin: String,
        /// Why.
        reason: String,
    },
}

/// The origin of a value nobody set.
const DEFAULT_ORIGIN: &str = "the default";

struct Source {
    file: BTreeMap<String, String>,
    file_name: String,
}

impl Source {
    /// The value of `key` and where it came from: environment, file or default.
    fn get(&self, key: &'static str) -> (String, String) {
        let env_name = format!("TOLLGATE_{}", key.to_ascii_uppercase());
        if let Ok(v) = std::env::var(&env_name) {
            return (v, format!("environment variable {env_name}"));
        }
        if let Some(v) = self.file.get(key) {
            return (v.clone(), self.file_name.clone());
        }
        let default = KEYS
            .iter()
            .find(|k| k.name == key)
            .map(|k| k.default)
            .unwrap_or("");
        (default.to_string(), DEFAULT_ORIGIN.to_string())
    }

    fn parse<T>(
        &self,
        key: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        let (value, origin) = self.get(key);
        parse(value.trim()).map_err(|reason| ConfigError::Invalid { key, origin, reason })
    }
}

fn seconds(min: i64, max: i64) -> impl Fn(&str) -> Result<i64, String> {
    move |v| match v.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of seconds from {min} to {max}, got {v:?}"
        )),
    }
}

fn whole_seconds(min: u64, max: u64) -> impl Fn(&str) -> Result<u64, String> {
    move |v| seconds(min as i64, max as i64)(v).map(|n| n as u64)
}

/// A comma- or space-separated list of IP addresses and CIDR ranges.
fn networks(v: &str) -> Result<Vec<ipnet::IpNet>, String> {
    v.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or a CIDR range such as 10.0.0.0/8"))
        })
        .collect()
}

fn boolean(v: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("expected true or false, got {v:?}")),
    }
}

/// Where the data directory is created if missing: only for the default URL.
const DEFAULT_DATABASE_URL: &str = "sqlite://./tollgate-data/tollgate.db";

fn database_url(v: &str) -> Result<String, String> {
    if v.is_empty() {
        return Err("the database URL cannot be empty".into());
    }
    let Some(path) = v.strip_prefix("sqlite://") else {
        if v.starts_with("postgres://") || v.starts_with("postgresql://") {
            return Ok(v.to_string());
        }
        // Only the scheme: the rest may hold a password.
        let scheme = v.split_once("://").map_or("no scheme", |(s, _)| s);
        return Err(format!(
            "expected a URL starting with sqlite://, postgres:// or postgresql://, got one with {}",
            if scheme == "no scheme" {
                scheme.to_string()
            } else {
                format!("the scheme {scheme:?}")
            }
        ));
    };
    if path.is_empty() {
        return Err("expected sqlite://PATH, with the path of the database file".into());
    }
    // The default data directory is created on first start; a directory
    // named explicitly must exist (a typo would otherwise make a new,
    // empty database somewhere unexpected).
    if v != DEFAULT_DATABASE_URL {
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(format!(
                    "the directory {} does not exist (only the default ./tollgate-data is created)",
                    dir.display()
                ));
            }
        }
    }
    Ok(v.to_string())
}

/// Variables named like settings that name none: a typo would otherwise go
/// unnoticed. The test suite's own variables are not settings.
fn unknown_variables() -> Vec<String> {
    let mut unknown: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("TOLLGATE_"))
        .filter(|name| !name.starts_with("TOLLGATE_TEST_") && name != "TOLLGATE_REQUIRE_BROWSER")
        .filter(|name| {
            !KEYS
                .iter()
                .any(|k| format!("TOLLGATE_{}", k.name.to_ascii_uppercase()) == *name)
        })
        .collect();
    unknown.sort();
    unknown
}

fn issuer(v: &str) -> Result<String, String> {
    let url = url::Url::parse(v).map_err(|e| format!("{v:?} is not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err("the issuer must be an http or https URL with a host".into());
    }
    // RFC 8414 §2: no query, no fragment. A trailing slash would make
    // `iss` differ from the URL clients discover metadata from.
    if url.query().is_some() || url.fragment().is_some() || v.ends_with('/') {
        return Err("the issuer cannot have a query, a fragment or a trailing slash".into());
    }
    Ok(v.to_string())
}

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

fn read_file(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: name.clone(),
        source,
    })?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let before = &text[..e.span().map_or(0, |s| s.start).min(text.len())];
        ConfigError::Syntax {
            path: name.clone(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
            reason: e.message().to_string(),
        }
    })?;
    let mut values = BTreeMap::new();
    for (key, value) in table {
        let Some(known) = KEYS.iter().find(|k| k.name == key) else {
            return Err(ConfigError::UnknownKey { key, path: name });
        };
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError::Invalid {
                    key: known.name,
                    origin: name,
                    reason: format!("expected a string, number or boolean, got a {}", other.type_str()),
                })
            }
        };
        values.insert(key, text);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_a_valid_default() {
        // Every key parsed by `load` must be in KEYS, or its default is "".
        let settings = Settings::load(None).unwrap();
        assert_eq!(settings.login_max_failures, 5);
        assert_eq!(
            settings.default_audience, None,
            "tokens are for the issuer unless told otherwise"
        );
    }

    #[test]
    fn the_readme_documents_every_key() {
        let readme = include_str!("../README.md");
        for key in KEYS {
            assert!(
                readme.contains(&format!("| `{}` |", key.name)),
                "README lacks `{}`",
                key.name
            );
        }
    }
}
