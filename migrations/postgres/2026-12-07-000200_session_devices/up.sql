-- What the account page shows of each session: the browser it was signed
-- in from (its User-Agent, cut to 256 characters), the address, and when it
-- was last used (written at most once a minute). Sessions from before this
-- migration show none of these.
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
ALTER TABLE sessions ADD COLUMN last_used_at BIGINT;
