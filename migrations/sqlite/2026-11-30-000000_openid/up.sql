-- OpenID Connect: who a user is (profile claims), what a relying party
-- registered about id tokens and logout, and what the provider must keep
-- to answer it (nonce and auth_time across the code and refresh grants,
-- pairwise subjects, which clients took part in a session, back-channel
-- logout deliveries still owed).

ALTER TABLE users ADD COLUMN email TEXT;
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN name TEXT;
ALTER TABLE users ADD COLUMN given_name TEXT;
ALTER TABLE users ADD COLUMN family_name TEXT;
ALTER TABLE users ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE users SET updated_at = created_at;
-- An address belongs to one account at most, whatever its letter case.
CREATE UNIQUE INDEX users_email ON users(lower(email));

ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT;
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN subject_type TEXT NOT NULL DEFAULT 'public';
ALTER TABLE clients ADD COLUMN sector_identifier TEXT;
ALTER TABLE clients ADD COLUMN default_max_age BIGINT;
ALTER TABLE clients ADD COLUMN require_auth_time BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT;

ALTER TABLE authorization_codes ADD COLUMN nonce TEXT;
ALTER TABLE authorization_codes ADD COLUMN auth_time BIGINT;
ALTER TABLE refresh_tokens ADD COLUMN auth_time BIGINT;

-- A pairwise subject (OpenID Connect Core §8.1): random, one per sector
-- and user, so clients of different sectors cannot correlate a user.
CREATE TABLE pairwise_subjects (
    sector TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sub TEXT NOT NULL UNIQUE,
    PRIMARY KEY (sector, user_id)
);

-- Which clients were issued a code or tokens under a login session: the
-- ones told by back-channel logout when the session ends.
CREATE TABLE session_clients (
    session_id TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, client_id)
);

-- Back-channel logout notices owed to clients (at-least-once): written in
-- the transaction that ends the session, sent by a background task.
CREATE TABLE logout_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    uri TEXT NOT NULL,
    sub TEXT,
    sid TEXT,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    abandoned_at BIGINT,
    last_error TEXT
);
CREATE INDEX logout_deliveries_due ON logout_deliveries(next_attempt_at);

-- The OpenID Connect scopes, with the words consent pages show for them.
INSERT INTO scopes (name, description, created_at) VALUES
    ('openid', 'Sign you in and learn your account identifier', 0),
    ('profile', 'See your name and username', 0),
    ('email', 'See your email address', 0)
ON CONFLICT (name) DO NOTHING;
