ALTER TABLE device_authorizations DROP COLUMN decided_at;
