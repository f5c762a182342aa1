//! Discovery: server metadata (RFC 8414) and the JWKS it points to.

use super::oauth_endpoints::error_response;
use super::AppState;
use crate::oauth::metadata;
use actix_web::{web, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/.well-known/oauth-authorization-server",
        web::get().to(server_metadata),
    )
    .route(metadata::JWKS_PATH, web::get().to(jwks));
}

async fn server_metadata(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(metadata::document(&state.oauth.settings))
}

async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    let jwks = match state.oauth.keys.jwks().await {
        Ok(jwks) => jwks,
        Err(e) => return error_response(&e.into()),
    };
    // Short enough that a rotation reaches resource servers well within a
    // retired key's publication window.
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .json(jwks)
}
