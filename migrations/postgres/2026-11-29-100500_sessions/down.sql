DROP TABLE consent_withdrawals;
UPDATE authorization_codes
SET session_id = COALESCE(
    (SELECT s.id_hash FROM sessions s WHERE s.public_id = authorization_codes.session_id),
    session_id)
WHERE session_id IS NOT NULL;
ALTER TABLE authorization_codes RENAME COLUMN session_id TO session_id_hash;
UPDATE refresh_tokens
SET session_id = COALESCE(
    (SELECT s.id_hash FROM sessions s WHERE s.public_id = refresh_tokens.session_id),
    session_id)
WHERE session_id IS NOT NULL;
ALTER TABLE refresh_tokens RENAME COLUMN session_id TO session_id_hash;
DROP INDEX sessions_public_id;
ALTER TABLE sessions DROP COLUMN public_id;
