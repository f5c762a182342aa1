-- Beyond RFC 6749: the device authorization grant (RFC 8628), pushed
-- authorization requests (RFC 9126), DPoP (RFC 9449), private_key_jwt
-- (RFC 7523) and client ID metadata documents.

-- Per client, what the newer specifications add, in a table of its own
-- (a client without a row has the defaults): how it authenticates (NULL:
-- by its secret, client_secret_basic or client_secret_post, or none if
-- public; 'private_key_jwt': by an assertion signed with a key of jwks or
-- jwks_uri), its public keys (a JWK Set, inline, or where to fetch it),
-- whether every authorization request must be pushed (RFC 9126 §6) and
-- every access token DPoP-bound (RFC 9449 §5.2), and, for a client
-- resolved from its client ID metadata document (its id is the document's
-- URL), when the fetched document stops being fresh.
CREATE TABLE client_security (
    client_id TEXT PRIMARY KEY NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    token_endpoint_auth_method TEXT,
    jwks TEXT,
    jwks_uri TEXT,
    require_pushed_authorization_requests BOOLEAN NOT NULL DEFAULT FALSE,
    dpop_bound_access_tokens BOOLEAN NOT NULL DEFAULT FALSE,
    metadata_document_expires_at BIGINT
);

-- RFC 9449: the thumbprint of the key a code (§10, dpop_jkt) or a refresh
-- token family (§5, public clients) is bound to.
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt TEXT;
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;

-- RFC 8628: one device authorization, from the device's request to its
-- single redemption. Only the device code's hash is kept; the user code is
-- short and typed by people, so it is stored as typed-normalised (upper
-- case, no separator) and guessing it is throttled.
CREATE TABLE device_authorizations (
    device_code_hash TEXT PRIMARY KEY NOT NULL,
    user_code TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    resources TEXT NOT NULL DEFAULT '',
    -- pending, approved, denied or redeemed
    status TEXT NOT NULL DEFAULT 'pending',
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    session_id TEXT,
    granted_scope TEXT,
    auth_time BIGINT,
    interval_seconds BIGINT NOT NULL,
    last_polled_at BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX device_authorizations_expires_at ON device_authorizations(expires_at);

-- RFC 9126: a pushed authorization request, until its single use.
CREATE TABLE pushed_authorization_requests (
    request_uri_hash TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    -- the pushed parameters, a JSON array of [name, value] pairs
    parameters TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pushed_authorization_requests_expires_at ON pushed_authorization_requests(expires_at);

-- Identifiers that may be used once within their lifetime: DPoP proofs'
-- jti (RFC 9449 §11.1) and client assertions' jti (RFC 7523 §3). key is a
-- hash of what identifies the use (the key or client, and the jti).
CREATE TABLE used_jtis (
    purpose TEXT NOT NULL,
    key TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (purpose, key)
);
CREATE INDEX used_jtis_expires_at ON used_jtis(expires_at);
