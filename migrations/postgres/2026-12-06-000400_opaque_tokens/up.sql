-- Per client, the form of the access tokens it is given: `jwt` (signed,
-- verifiable offline) or `opaque` (a random reference; only its hash is
-- stored, with the claims a JWT would carry). An operator decides.
ALTER TABLE clients ADD COLUMN access_token_format TEXT NOT NULL DEFAULT 'jwt';

CREATE TABLE opaque_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    jti TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    claims TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX opaque_tokens_expires_at ON opaque_tokens(expires_at);
