-- The audit trail: security events, appended by the application and never
-- updated or deleted by it (the sweeper leaves this table alone). No
-- secret, password, token or code is ever written here: `detail_json` holds
-- only typed, non-secret details (scopes, key ids, flags).
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_user_id TEXT,
    actor_kind TEXT NOT NULL,
    user_id TEXT,
    client_id TEXT,
    address TEXT,
    detail_json TEXT NOT NULL DEFAULT '{}'
);
-- The filters of `tollgate audit list` and the admin page; newest first.
CREATE INDEX audit_events_user ON audit_events(user_id, id);
CREATE INDEX audit_events_actor ON audit_events(actor_user_id, id);
CREATE INDEX audit_events_client ON audit_events(client_id, id);
CREATE INDEX audit_events_at ON audit_events(at);
