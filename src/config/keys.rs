//! The table of configuration keys: names, defaults and meanings.

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
        help: "database connections in the pool (1-256); also each worker's threads for blocking work, database calls included",
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
        name: "device_code_ttl",
        default: "600",
        help: "device authorization (RFC 8628) lifetime, seconds: how long the user has to enter the user code",
    },
    Key {
        name: "device_poll_interval",
        default: "5",
        help: "seconds a device must wait between two polls of the token endpoint (RFC 8628 interval); each poll too early adds 5",
    },
    Key {
        name: "par_ttl",
        default: "60",
        help: "lifetime of a pushed authorization request's request_uri, seconds (RFC 9126)",
    },
    Key {
        name: "require_pushed_authorization_requests",
        default: "false",
        help: "refuse every authorization request that was not pushed first (RFC 9126 §5), for all clients",
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
        name: "registration_access_token_format",
        default: "false",
        help: "whether dynamic registration heeds a client's `access_token_format` (`jwt` or `opaque`); otherwise it is ignored and every self-registered client gets JWTs",
    },
    Key {
        name: "token_exchange_policy",
        default: "",
        help: "token exchanges (RFC 8693) allowed by configuration, beside those `tollgate exchange allow` records: `CLIENT_ID=AUDIENCE` pairs, comma- or space-separated",
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
        default: "20",
        help: "attempts at one back-channel logout notice before it is abandoned (1-50)",
    },
    Key {
        name: "backchannel_logout_private_addresses",
        default: "false",
        help: "whether back-channel logout notices may be posted to loopback, private or link-local addresses (development only)",
    },
    Key {
        name: "outbound_private_addresses",
        default: "false",
        help: "whether jwks_uri and client ID metadata document fetches may reach loopback, private or link-local addresses, and plain http on loopback (development only)",
    },
    Key {
        name: "client_id_metadata_documents",
        default: "false",
        help: "whether a `client_id` that is an https URL is resolved by fetching its client ID metadata document (clients no one registered, e.g. MCP clients)",
    },
    Key {
        name: "session_store_url",
        default: "",
        help: "`redis://HOST:PORT/DB`: every login session is projected to this Redis for the services behind Tollgate (empty: none)",
    },
    Key {
        name: "smtp_url",
        default: "",
        help: "the SMTP server emails are sent through: `smtp://HOST:PORT` (plain, or `?tls=required` for STARTTLS), `smtps://USER:PASSWORD@HOST` (TLS); empty: every email is written to the log instead, marked as not sent (development only: the log then holds the links)",
    },
    Key {
        name: "email_from",
        default: "Tollgate <tollgate@localhost>",
        help: "the sender of every email, a mailbox such as `Example Login <login@example.com>`",
    },
    Key {
        name: "email_rate_limit",
        default: "5",
        help: "emails of one kind (verification, password reset) one address, account or recipient may cause per hour (1-1000); past it a reset request gets the same answer and sends nothing",
    },
    Key {
        name: "events_url",
        default: "",
        help: "`nats://HOST:PORT`: security events are published to this NATS JetStream (stream `TOLLGATE`) (empty: none)",
    },
    Key {
        name: "events_retention",
        default: "86400",
        help: "seconds a published event is kept in the outbox before it is purged",
    },
    Key {
        name: "gateway_check_path",
        default: "/gateway/check",
        help: "path of the forward-authentication check that nginx (`auth_request`) or Traefik (`ForwardAuth`) calls",
    },
    Key {
        name: "gateway_internal_token_ttl",
        default: "60",
        help: "seconds the internal token handed to services by the gateway check (`X-Auth-Token`) lives, at most (5-600; never past the outside token's expiry)",
    },
    Key {
        name: "dpop_proof_lifetime",
        default: "60",
        help: "seconds a DPoP proof is accepted after its `iat` (plus 5 s of clock skew), and the window its `jti` is remembered in (RFC 9449 §11.1)",
    },
    Key {
        name: "dpop_nonce_required",
        default: "false",
        help: "`true`: every DPoP proof at the token endpoint must carry the nonce last sent in `DPoP-Nonce` (RFC 9449 §8)",
    },
    Key {
        name: "dpop_nonce_secret",
        default: "",
        help: "key of the DPoP nonces' HMAC, at least 16 characters; instances behind one issuer must share it (empty: random at start, for one instance)",
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
