DROP TABLE session_store_queue;
DROP TABLE event_outbox;
ALTER TABLE clients DROP COLUMN introspection_audiences;
DROP TABLE client_roles;
DROP TABLE user_roles;
DROP TABLE api_roles;
ALTER TABLE scopes DROP COLUMN api_id;
DROP TABLE apis;
