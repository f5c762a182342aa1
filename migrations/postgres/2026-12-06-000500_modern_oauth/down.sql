DROP TABLE used_jtis;
DROP TABLE pushed_authorization_requests;
DROP TABLE device_authorizations;
ALTER TABLE refresh_tokens DROP COLUMN dpop_jkt;
ALTER TABLE authorization_codes DROP COLUMN dpop_jkt;
DROP TABLE client_security;
