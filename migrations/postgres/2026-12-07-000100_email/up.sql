-- Links sent by email: address verification (24 h) and password reset
-- (30 min). Only the SHA-256 of a token is kept; each is bound to the user
-- and to the address it was sent to, and used once (`used_at`).
CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);
CREATE INDEX email_tokens_expiry ON email_tokens (expires_at);

-- Emails sent per subject (a client address, an account, a recipient)
-- within a window: counted in one upsert, shared by every instance.
CREATE TABLE email_throttle (
    subject TEXT PRIMARY KEY NOT NULL,
    sent INTEGER NOT NULL,
    window_started_at BIGINT NOT NULL
);
CREATE INDEX email_throttle_window ON email_throttle (window_started_at);
