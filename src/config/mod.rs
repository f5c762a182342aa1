//! Configuration: defaults, overridden by a TOML file (`--config FILE`),
//! overridden by one `TOLLGATE_<KEY>` environment variable per key.
//!
//! Every key is read through one table ([`KEYS`]) so the file, the
//! environment and the README cannot disagree on the names. A bad value
//! stops start-up with the key's name and the reason.

mod error;
mod keys;
mod load;
mod source;
#[cfg(test)]
mod tests;
mod values;

pub use error::ConfigError;
pub use keys::{Key, KEYS};

use crate::domain::SigningAlg;
use secrecy::SecretString;
use std::net::SocketAddr;

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
    /// Lifetime of a device authorization (RFC 8628), seconds.
    pub device_code_ttl: i64,
    /// Seconds a device waits between polls (RFC 8628 §3.2 `interval`).
    pub device_poll_interval: i64,
    /// Lifetime of a pushed authorization request, seconds (RFC 9126).
    pub par_ttl: i64,
    /// Whether every authorization request must be pushed (RFC 9126 §5).
    pub require_pushed_authorization_requests: bool,
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
    /// Whether dynamic registration heeds `access_token_format`.
    pub registration_access_token_format: bool,
    /// Token exchanges allowed by configuration.
    pub token_exchange_policy: Vec<crate::domain::ExchangeGrant>,
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
    /// Whether fetches on a registrant's behalf (`jwks_uri`) may reach
    /// loopback, private or link-local addresses, and http on loopback.
    pub outbound_private_addresses: bool,
    /// Whether an https `client_id` is resolved from its metadata document.
    pub client_id_metadata_documents: bool,
    /// The Redis sessions are projected to (`redis://…`); `None`: none.
    pub session_store_url: Option<String>,
    /// The SMTP server emails go through (its URL may hold a password);
    /// `None`: emails are logged, not sent.
    pub smtp_url: Option<SecretString>,
    /// The sender of every email.
    pub email_from: lettre::message::Mailbox,
    /// Emails one subject may cause per hour.
    pub email_rate_limit: i32,
    /// The NATS server events are published to (`nats://…`); `None`: none.
    pub events_url: Option<String>,
    /// Seconds a published event stays in the outbox.
    pub events_retention: i64,
    /// The path of the gateway check.
    pub gateway_check_path: String,
    /// Seconds an internal token from the gateway check lives at most.
    pub gateway_internal_token_ttl: i64,
    /// Seconds a DPoP proof is accepted after its `iat`.
    pub dpop_proof_lifetime: i64,
    /// Whether DPoP proofs must carry a server nonce.
    pub dpop_nonce_required: bool,
    /// Key of the DPoP nonces' HMAC; `None`: random at start.
    pub dpop_nonce_secret: Option<SecretString>,
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
