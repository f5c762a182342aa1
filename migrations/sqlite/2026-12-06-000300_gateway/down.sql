DROP INDEX users_suspended;
DROP TABLE revocation_log;
