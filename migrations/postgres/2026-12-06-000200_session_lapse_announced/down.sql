DROP INDEX sessions_lapse;
ALTER TABLE sessions DROP COLUMN lapse_announced;
