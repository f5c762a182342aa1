-- The operator's scope catalogue: the scopes self-service clients may ask
-- for, with the words consent pages show for them.
CREATE TABLE scopes (
    name TEXT PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
