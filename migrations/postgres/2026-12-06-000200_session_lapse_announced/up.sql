-- Whether the end of a session that lapsed (ran out without being ended) has
-- been announced (`session.ended`, reason `expired`): the sweeper announces
-- each lapsed session once. Sessions that lapsed before this migration are
-- taken as announced: nobody was listening then.
ALTER TABLE sessions ADD COLUMN lapse_announced BOOLEAN NOT NULL DEFAULT false;
UPDATE sessions SET lapse_announced = true WHERE expires_at <= CAST(extract(epoch FROM now()) AS BIGINT);
CREATE INDEX sessions_lapse ON sessions(lapse_announced, expires_at);
