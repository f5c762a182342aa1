//! What the protocol is configured with: only what `oauth` uses, built by
//! `startup` from the operator's configuration (so `oauth` never names the
//! configuration module, and the listener, logging and database settings
//! stay out of its reach). Secrets are wrapped: this type can be printed.

use crate::oauth::keys::Lifecycle;
use secrecy::SecretString;

/// The protocol's settings.
#[derive(Debug, Clone)]
pub struct ProtocolSettings {
    /// The issuer identifier (RFC 8414 §2): the `iss` of every token.
    pub issuer: String,
    /// `aud` of access tokens when a request names no resource; `None`: the issuer.
    pub default_audience: Option<String>,
    /// When rotated signing keys start signing and stop being published.
    pub key_lifecycle: Lifecycle,
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
    /// Failed sign-ins before the throttle steps in.
    pub login_max_failures: i32,
    /// Seconds a throttle lasts.
    pub login_lockout: i64,
    /// Sign-ups and dynamic registrations per address per `login_lockout` window.
    pub registration_rate_limit: i32,
    /// Password hashes computed at once.
    pub password_hash_concurrency: u32,
    /// Password checks that may wait for a hashing thread, in all.
    pub password_queue_length: u32,
    /// Seconds a password check may wait for a hashing thread.
    pub password_queue_wait: i64,
    /// Longest delay, seconds, an account's failures impose on its next attempt.
    pub login_max_delay: i64,
    /// Whether self-service clients (portal, RFC 7591) may use the implicit grant.
    pub self_service_implicit: bool,
    /// Whether self-service clients may use client credentials.
    pub self_service_client_credentials: bool,
    /// RFC 7591 initial access token dynamic registration requires.
    pub registration_initial_access_token: Option<SecretString>,
    /// Whether anyone may register a client without an initial access token.
    pub open_registration: bool,
    /// Whether dynamic registration heeds `access_token_format`.
    pub registration_access_token_format: bool,
    /// Token exchanges the configuration allows (beside the database's).
    pub token_exchange_policy: Vec<crate::domain::ExchangeGrant>,
    /// Seconds between two sweeps of expired rows; 0: no sweeper.
    pub purge_interval: i64,
    /// Rows one sweep deletes per statement.
    pub purge_batch_size: i64,
    /// Seconds ended or lapsed sessions are kept before they are purged;
    /// also how long delivered or abandoned back-channel logout notices stay.
    pub session_retention: i64,
    /// Seconds one back-channel logout attempt (resolution, then the POST) may take.
    pub backchannel_logout_timeout: u64,
    /// Attempts at one back-channel logout notice before it is abandoned.
    pub backchannel_logout_max_attempts: i32,
    /// Whether back-channel logout notices may go to loopback, private or
    /// link-local addresses (development).
    pub backchannel_logout_private_addresses: bool,
    /// Whether fetches on a registrant's behalf (`jwks_uri`) may reach
    /// loopback, private or link-local addresses, and http on loopback
    /// (development).
    pub outbound_private_addresses: bool,
    /// Whether a `client_id` that is an https URL is resolved by fetching
    /// its client ID metadata document.
    pub client_id_metadata_documents: bool,
    /// Whether events are published (`events_url` is set): if not, the
    /// sweeper deletes unpublished events too.
    pub events_enabled: bool,
    /// Seconds a published event stays in the outbox.
    pub events_retention: i64,
    /// Whether a shared session store is configured (`session_store_url`):
    /// without one, the sweeper deletes the queue of sessions to project.
    pub session_store: bool,
    /// Seconds a DPoP proof is accepted after its `iat` (RFC 9449 §11.1).
    pub dpop_proof_lifetime: i64,
    /// Whether DPoP proofs must carry a server nonce (RFC 9449 §8).
    pub dpop_nonce_required: bool,
    /// Key of the DPoP nonces' HMAC.
    pub dpop_nonce_secret: SecretString,
}

impl ProtocolSettings {
    /// `aud` of access tokens when the request names no resource.
    pub fn default_audience(&self) -> &str {
        self.default_audience.as_deref().unwrap_or(&self.issuer)
    }

    /// Whether RFC 7591 dynamic registration is offered at all: with an
    /// initial access token (required then), or opened to anyone.
    pub fn dynamic_registration_enabled(&self) -> bool {
        self.registration_initial_access_token.is_some() || self.open_registration
    }
}
