//! The account page: the applications a user has allowed, and withdrawing them.

use super::page_error::PageError;
use super::pages::{self, read_form, see_other, AccountPage, ApprovedApp};
use super::{session, AppState};
use crate::oauth::sessions::{self, Session};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(|| async { see_other("/account") }))
        .route("/account", web::get().to(account))
        .route("/account/consents/withdraw", web::post().to(withdraw));
}

async fn signed_in(state: &AppState, req: &HttpRequest) -> Result<Session, PageError> {
    session::current(state, req)
        .await?
        .ok_or_else(|| PageError::SeeOther("/login?return_to=%2Faccount".into()))
}

async fn account(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    let apps = sessions::approved_apps(&state.oauth, &current.user_id)
        .await?
        .into_iter()
        .map(|(client_id, name, scope)| ApprovedApp {
            client_id,
            name,
            scope,
        })
        .collect();
    Ok(pages::page_response(
        StatusCode::OK,
        &AccountPage {
            username: &current.username,
            apps,
            csrf: &current.csrf,
        },
    ))
}

async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = read_form(&req, payload).await?;
    let current = signed_in(&state, &req).await?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(PageError::form_expired());
    }
    let client_id = form
        .get("client_id")
        .ok_or_else(|| PageError::bad_request("No application was named."))?;
    sessions::withdraw_consent(&state.oauth, &current.user_id, client_id).await?;
    Ok(see_other("/account"))
}
