DROP TABLE token_exchange_policies;
DROP INDEX users_suspended;
DROP TABLE revocation_log;
