-- What a consent page shows about an application besides its registration
-- (the clients table has no room left): the organisation an administrator
-- names as its owner, and the logo its developer uploaded, kept here and
-- served from this server's own origin. A client without a row has none.
CREATE TABLE client_branding (
    client_id TEXT PRIMARY KEY NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    organisation TEXT,
    logo BYTEA,
    logo_content_type TEXT,
    logo_updated_at BIGINT
);

-- A new client secret on its way to the one page that shows it once: the
-- secret sealed (AES-256-GCM) under a key that lives only in the
-- developer's cookie, so the database never holds it readable. The row is
-- deleted by the read that shows it, or by the sweeper once expired.
CREATE TABLE secret_handoffs (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    nonce BYTEA NOT NULL,
    sealed BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX secret_handoffs_expires_at ON secret_handoffs (expires_at);
