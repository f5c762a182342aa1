//! The administrators' user page: every user, and the sign-in lockouts and
//! slowdowns in force, with a button to lift an account's (like
//! `tollgate user unlock`). Anyone else gets a 404: the page's existence is
//! not theirs to learn.

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
async fn administrator(state: &AppState, req: &HttpRequest) -> Result<Session, HttpResponse> {
    match session::current(state, req).await {
        Ok(Some(s)) if s.is_admin => Ok(s),
        Ok(Some(_)) => Err(pages::not_found().await),
        Ok(None) => Err(see_other("/login?return_to=%2Fadmin%2Fusers")),
        Err(_) => Err(pages::unavailable()),
    }
}

async fn users(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let current = match administrator(&state, &req).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let ctx = &state.oauth;
    let (users, lockouts) = match (accounts::list_users(ctx).await, throttle::in_force(ctx).await) {
        (Ok(u), Ok(l)) => (u, l),
        (Err(e), _) | (_, Err(e)) => {
            tracing::warn!(error = %e, "cannot list users and lockouts");
            return pages::unavailable();
        }
    };
    pages::page_response(
        StatusCode::OK,
        &UsersPage {
            username: &current.username,
            users,
            lockouts,
            csrf: &current.csrf,
        },
    )
}

async fn unlock(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let form = match read_form(&req, payload).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let current = match administrator(&state, &req).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return pages::error_page(
            StatusCode::FORBIDDEN,
            "Change refused",
            "The form expired or was not sent from this site. Nothing was changed.",
        );
    }
    let Some(username) = form.get("username").map(str::to_string) else {
        return pages::bad_request("Name the account to unlock.");
    };
    let db = state.oauth.db.clone();
    match tokio::task::spawn_blocking(move || throttle::unlock(&db, &username)).await {
        Ok(Ok(_)) => see_other("/admin/users"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "cannot unlock an account");
            pages::unavailable()
        }
        Err(_) => pages::unavailable(),
    }
}
