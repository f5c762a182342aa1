//! The HTTP side: routes, error responses and (later) pages and sessions.
//! Each route module exposes a `routes` function; this one only merges them.

mod account;
mod account_delete;
mod account_password;
mod account_sessions;
mod admin;
mod admin_apis;
mod admin_apps;
mod admin_scopes;
mod admin_users;
mod app_form;
mod authorize;
mod body;
mod device;
mod discovery;
mod email_verification;
mod field_errors;
mod forwarded;
mod gateway;
mod health;
mod home;
pub mod language;
mod login;
mod logos;
mod logout;
pub mod nav;
mod oauth_endpoints;
mod page_error;
mod pages;
mod password_reset;
mod portal;
mod registration_endpoint;
mod secret_handoff;
mod session;
mod signup;
mod switch_account;
mod userinfo;

pub use body::client_address;
pub use gateway::routes as gateway_routes;

use crate::oauth::Context;
use actix_web::web;
use std::sync::Arc;

/// What every handler can reach.
pub struct AppState {
    /// The protocol's context: settings, database, keys, client cache.
    pub oauth: Arc<Context>,
    /// What only the HTTP side is configured with.
    pub settings: WebSettings,
    /// Sends emails (or logs them, in development).
    pub mailer: Arc<crate::email::Mailer>,
}

/// The configuration only the HTTP side uses.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Whether developers may create their own accounts at `/signup`.
    pub signup_enabled: bool,
    /// Seconds a client has to send a request's body.
    pub client_body_timeout: u64,
    /// Reverse proxies whose forwarding headers name the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Registers every route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    health::routes(cfg);
    discovery::routes(cfg);
    oauth_endpoints::routes(cfg);
    userinfo::routes(cfg);
    authorize::routes(cfg);
    device::routes(cfg);
    // Before `account`, whose routes still send `/` to the account page.
    home::routes(cfg);
    login::routes(cfg);
    logout::routes(cfg);
    account::routes(cfg);
    account_password::routes(cfg);
    account_sessions::routes(cfg);
    account_delete::routes(cfg);
    portal::routes(cfg);
    logos::routes(cfg);
    switch_account::routes(cfg);
    admin::routes(cfg);
    admin_apis::routes(cfg);
    admin_apps::routes(cfg);
    admin_scopes::routes(cfg);
    admin_users::routes(cfg);
    signup::routes(cfg);
    password_reset::routes(cfg);
    email_verification::routes(cfg);
    registration_endpoint::routes(cfg);
    cfg.route("/static/style.css", web::get().to(pages::stylesheet))
        .route("/static/app.js", web::get().to(pages::script))
        .route("/static/favicon.svg", web::get().to(pages::icon_svg))
        .route("/favicon.ico", web::get().to(pages::favicon));
}

/// What answers a path no route takes.
pub fn not_found_service() -> actix_web::Route {
    web::to(pages::not_found)
}
