//! `/healthz`: the process answers. `/readyz`: and its database does too,
//! within 800 ms whatever the database does (a probe that hangs is worse
//! than one that says no).

use super::AppState;
use actix_web::{web, HttpResponse};
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if let Err(e) = state.oauth.db.check_ready().await {
        tracing::warn!(error = %e, cause = ?std::error::Error::source(&e), "not ready");
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(json!({ "status": "unavailable", "reason": "the database is unreachable" }))
    } else {
        HttpResponse::Ok().json(json!({ "status": "ready" }))
    }
}
