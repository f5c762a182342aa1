//! `/healthz`: the process answers. `/readyz`: and its database does too,
//! within 800 ms whatever the database does (a probe that hangs is worse
//! than one that says no). With a shared session store configured,
//! `/readyz` also says how the store was at the projector's last look
//! (`"session_store": "ok" | "degraded" | "unknown"`), without asking Redis.

use super::AppState;
use crate::session_store::State;
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
        // The session store is optional: its outage delays the store's
        // updates, it makes no request fail, so the server stays ready.
        let store = match state.oauth.session_store.state() {
            State::Off => None,
            State::Unknown => Some("unknown"),
            State::Up => Some("ok"),
            State::Down => Some("degraded"),
        };
        match store {
            Some(store) => HttpResponse::Ok().json(json!({ "status": "ready", "session_store": store })),
            None => HttpResponse::Ok().json(json!({ "status": "ready" })),
        }
    }
}
