//! The account page: the applications a user has allowed, and withdrawing them.

use super::pages::{self, read_form, see_other, AccountPage, ApprovedApp};
use super::{session, AppState};
use crate::oauth::sessions;
use crate::storage;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(|| async { see_other("/account") }))
        .route("/account", web::get().to(account))
        .route("/account/consents/withdraw", web::post().to(withdraw));
}

async fn account(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let current = match session::current(&state, &req).await {
        Ok(Some(s)) => s,
        Ok(None) => return see_other("/login?return_to=%2Faccount"),
        Err(_) => return pages::unavailable(),
    };
    let user_id = current.user_id.clone();
    let consents = match state
        .oauth
        .db
        .run(move |conn| storage::consents::for_user(conn, &user_id))
        .await
    {
        Ok(c) => c,
        Err(_) => return pages::unavailable(),
    };
    let apps = consents
        .into_iter()
        .map(|(client_id, name, scope, _)| ApprovedApp {
            client_id,
            name,
            scope,
        })
        .collect();
    pages::page_response(
        StatusCode::OK,
        &AccountPage {
            username: &current.username,
            apps,
            csrf: &current.csrf,
        },
    )
}

async fn withdraw(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let form = match read_form(&req, payload).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let current = match session::current(&state, &req).await {
        Ok(Some(s)) => s,
        Ok(None) => return see_other("/login?return_to=%2Faccount"),
        Err(_) => return pages::unavailable(),
    };
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return pages::error_page(
            StatusCode::FORBIDDEN,
            "Change refused",
            "The form expired or was not sent from this site. Nothing was changed.",
        );
    }
    let Some(client_id) = form.get("client_id") else {
        return pages::bad_request("No application was named.");
    };
    if sessions::withdraw_consent(&state.oauth, &current.user_id, client_id)
        .await
        .is_err()
    {
        return pages::unavailable();
    }
    see_other("/account")
}
