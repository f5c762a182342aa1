//! Black-box tests: each starts the real server on a random port with a
//! database of its own (a fresh SQLite file, or a fresh PostgreSQL database
//! when `TOLLGATE_TEST_DATABASE_URL` names a server).

mod browser;
mod helpers;

mod audit;
mod authorization_code_grant;
mod authorization_endpoint;
mod backchannel_logout;
mod cleanup;
mod cli;
mod client_authentication;
mod client_credentials;
mod configuration;
mod database_faults;
mod discovery;
mod dynamic_registration;
mod hostile_input;
mod hostile_pages;
mod in_chromium;
mod instances;
mod introspection;
mod lifecycle;
mod login_flow;
mod logout_support;
mod metrics;
mod migrations;
mod oidc;
mod openid_discovery;
mod openid_id_token;
mod openid_registration;
mod openid_relying_party;
mod openid_request;
mod password_grant;
mod portal;
mod profile;
mod proxies;
mod readiness;
mod refresh_grant;
mod registry_integrity;
mod relay;
mod resource_server;
mod resource_server_sessions;
mod revocation;
mod rp_initiated_logout;
mod session_store;
mod session_store_faults;
mod sessions;
mod sign_in_throttle;
mod slow_clients;
mod unverified_clients;
mod userinfo;
