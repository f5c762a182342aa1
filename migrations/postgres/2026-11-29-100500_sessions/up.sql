-- A session's public identifier: random, unique and independent of the
-- cookie. It is the `sid` of the session's tokens and the key other services
-- know the session by, so the cookie value (kept as its SHA-256 in id_hash)
-- can change at re-authentication while the session stays the same one.
ALTER TABLE sessions ADD COLUMN public_id TEXT;
UPDATE sessions SET public_id = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE sessions ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX sessions_public_id ON sessions(public_id);

-- Refresh tokens and codes name their session by its public id. A row whose
-- session is gone keeps the old value, which names no session: it stays
-- refused, as before.
ALTER TABLE refresh_tokens RENAME COLUMN session_id_hash TO session_id;
UPDATE refresh_tokens
SET session_id = COALESCE(
    (SELECT s.public_id FROM sessions s WHERE s.id_hash = refresh_tokens.session_id),
    session_id)
WHERE session_id IS NOT NULL;
ALTER TABLE authorization_codes RENAME COLUMN session_id_hash TO session_id;
UPDATE authorization_codes
SET session_id = COALESCE(
    (SELECT s.public_id FROM sessions s WHERE s.id_hash = authorization_codes.session_id),
    session_id)
WHERE session_id IS NOT NULL;

-- When a user last withdrew their consent to a client: what was issued to
-- the client for the user at or before that second (access tokens by `iat`,
-- refresh tokens and codes by their creation) is dead.
CREATE TABLE consent_withdrawals (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    withdrawn_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
