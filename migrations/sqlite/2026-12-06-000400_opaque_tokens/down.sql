DROP INDEX opaque_tokens_expires_at;
DROP TABLE opaque_tokens;
ALTER TABLE clients DROP COLUMN access_token_format;
