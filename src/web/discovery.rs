//! Discovery: the server metadata, at RFC 8414's address and at OpenID
//! Connect Discovery's (one document), and the JWKS it points to.

use super::oauth_endpoints::error_response;
use super::AppState;
use crate::oauth::metadata;
use actix_web::{web, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(metadata::OAUTH_METADATA_PATH, web::get().to(server_metadata))
        .route(
            metadata::OPENID_CONFIGURATION_PATH,
            web::get().to(server_metadata),
        )
        .route(metadata::JWKS_PATH, web::get().to(jwks));
}

async fn server_metadata(state: web::Data<AppState>) -> HttpResponse {
    match metadata::current(&state.oauth).await {
        Ok(document) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "public, max-age=300"))
            .json(document),
        Err(e) => error_response(&e.into()),
    }
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
