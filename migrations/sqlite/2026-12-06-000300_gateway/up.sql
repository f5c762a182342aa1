-- What can make a valid-looking access token dead, in the order it was
-- written: a revoked jti, an ended session, a deleted user, a withdrawn
-- consent. Written in the transaction of the change; every instance reads
-- what is new into its in-memory revocation view (the gateway check), so
-- the check never reads the database per request. An entry matters only
-- while a token issued before it can still be unexpired: the view forgets
-- it, and the table is purged, an access-token lifetime (and a margin)
-- after `at`.
CREATE TABLE revocation_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX revocation_log_at ON revocation_log(at);

-- The view reloads the suspended users at every refresh.
CREATE INDEX users_suspended ON users(suspended);

-- Token exchange (RFC 8693): which client may exchange a user's access
-- token for a token for which audience. An operator writes these
-- (`tollgate exchange allow|deny`); a client with none may not exchange.
CREATE TABLE token_exchange_policies (
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, audience)
);
