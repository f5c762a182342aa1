-- The services behind Tollgate: registered APIs (resource servers) with
-- their roles, roles given to users and to clients, which clients may
-- introspect tokens for which audiences, and the two queues the database
-- feeds the outside world from (the event outbox and the session store's).

-- An API: a resource server tokens are issued for (`aud` = identifier).
CREATE TABLE apis (
    id TEXT PRIMARY KEY NOT NULL,
    identifier TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- The client whose credentials the API introspects tokens with.
    introspection_client_id TEXT REFERENCES clients(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The API a scope belongs to, if any.
ALTER TABLE scopes ADD COLUMN api_id TEXT REFERENCES apis(id) ON DELETE SET NULL;

-- The role names an API defines.
CREATE TABLE api_roles (
    api_id TEXT NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (api_id, role)
);

-- Roles of an API given to a user; gone with the user, the API or the role.
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    api_id TEXT NOT NULL,
    role TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, api_id, role),
    FOREIGN KEY (api_id, role) REFERENCES api_roles(api_id, role) ON DELETE CASCADE
);
CREATE INDEX user_roles_api ON user_roles(api_id, role);

-- Roles of an API given to a client (a service account's own tokens).
CREATE TABLE client_roles (
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    api_id TEXT NOT NULL,
    role TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (client_id, api_id, role),
    FOREIGN KEY (api_id, role) REFERENCES api_roles(api_id, role) ON DELETE CASCADE
);
CREATE INDEX client_roles_api ON client_roles(api_id, role);

-- The audiences whose tokens a client may introspect (space-separated;
-- empty: it may not introspect access tokens).
ALTER TABLE clients ADD COLUMN introspection_audiences TEXT NOT NULL DEFAULT '';

-- Events owed to the broker: written in the transaction of the change they
-- report, published by a background relay, marked sent after the broker's
-- acknowledgement, pruned after the retention period.
CREATE TABLE event_outbox (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    subject TEXT,
    data TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at BIGINT
);
CREATE INDEX event_outbox_unsent ON event_outbox(sent_at, seq);

-- Sessions whose copy in the shared session store is out of date: written
-- in the transaction that changes the session (or the user's roles), taken
-- off once the store holds the session's current state (or its deletion).
-- `version` grows with every change, so a change made while the store is
-- being written is not taken off with the older one.
CREATE TABLE session_store_queue (
    session_id TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    queued_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX session_store_queue_due ON session_store_queue(next_attempt_at);
