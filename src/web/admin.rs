//! The administrators' user page: every user, and the sign-in lockouts and
//! slowdowns in force, with a button to lift an account's (like
//! `tollgate user unlock`). Anyone else gets a 404: the page's existence is
//! not theirs to learn.

use super::page_error::PageError;
use super::pages::{self, read_form, see_other};
use super::session;
use super::AppState;
use crate::oauth::accounts::{self, UserSummary};
use crate::oauth::sessions::Session;
use crate::oauth::throttle::{self, Lockout};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users))
        .route("/admin/users/unlock", web::post().to(unlock));
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage<'a> {
    username: &'a str,
    users: Vec<UserSummary>,
    lockouts: Vec<Lockout>,
    csrf: &'a str,
}

/// The signed-in administrator; anyone else is sent to sign in, or gets a 404.
async fn administrator(state: &AppState, req: &HttpRequest) -> Result<Session, PageError> {
    match session::current(state, req).await? {
        Some(s) if s.is_admin => Ok(s),
        Some(_) => Err(PageError::not_found("There is no page at this address.")),
        None => Err(PageError::SeeOther("/login?return_to=%2Fadmin%2Fusers".into())),
    }
}

async fn users(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = administrator(&state, &req).await?;
    let ctx = &state.oauth;
    let users = accounts::list_users(ctx).await?;
    let lockouts = throttle::in_force(ctx).await?;
    Ok(pages::page_response(
        StatusCode::OK,
        &UsersPage {
            username: &current.username,
            users,
            lockouts,
            csrf: &current.csrf,
        },
    ))
}

async fn unlock(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = read_form(&req, payload).await?;
    let current = administrator(&state, &req).await?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(PageError::form_expired());
    }
    let username = form
        .get("username")
        .map(str::to_string)
        .ok_or_else(|| PageError::bad_request("Name the account to unlock."))?;
    let db = state.oauth.db.clone();
    tokio::task::spawn_blocking(move || throttle::unlock(&db, &username))
        .await
        .map_err(|_| PageError::Unavailable(crate::storage::StorageError::Cancelled))??;
    Ok(see_other("/admin/users"))
}
