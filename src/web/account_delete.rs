//! Deleting one's own account: a confirmation page (the username typed
//! again and the current password), then the deletion and a page saying
//! it was done.
//!
//! Refused while the user owns registered applications (other people may
//! sign in through them: the page lists them, to be deleted or handed to
//! an administrator first, so no third party is broken silently) and for
//! the last administrator (nobody could administer the server after them).

use super::nav::Nav;
use super::page_error::PageError;
use super::pages;
use super::{session, AppState};
use crate::i18n;
use crate::oauth::accounts::{self, DeleteOwnError, Proof};
use crate::oauth::sessions::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account/delete")
            .route(web::get().to(confirm))
            .route(web::post().to(delete))
            .default_service(web::to(pages::method_not_allowed)),
    );
}

#[derive(Template)]
#[template(path = "account_delete.html")]
struct DeletePage<'a> {
    username: &'a str,
    csrf: &'a str,
    error: Option<&'a str>,
    /// The applications the user owns, when that is why it was refused.
    apps: Vec<String>,
}

#[derive(Template)]
#[template(path = "account_deleted.html")]
struct DeletedPage;

fn page(current: &Session, status: StatusCode, error: Option<&str>, apps: Vec<String>) -> HttpResponse {
    let page = DeletePage {
        username: &current.username,
        csrf: &current.csrf,
        error,
        apps,
    };
    pages::page_response(status, &Nav::of(current), &page)
}

async fn signed_in(state: &AppState, req: &HttpRequest) -> Result<Session, PageError> {
    session::current(state, req)
        .await?
        .ok_or_else(|| PageError::SeeOther("/login?return_to=%2Faccount%2Fdelete".into()))
}

async fn confirm(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    Ok(page(&current, StatusCode::OK, None, vec![]))
}

async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, form) = session::signed_in_form(&state, &req, payload, "/account/delete").await?;
    let refuse = |status, error: &str| Ok(page(&current, status, Some(error), vec![]));
    if form.get("confirm_username") != Some(current.username.as_str()) {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            &i18n::t("account-delete-wrong-username"),
        );
    }
    let password = form.get("current_password").unwrap_or("");
    if password.is_empty() || password.len() > accounts::MAX_PASSWORD_LEN * 4 {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            &i18n::t("account-enter-current-password"),
        );
    }
    let ctx = &state.oauth;
    let address = super::body::client_address(&req);
    let password = SecretString::from(password.to_string());
    match accounts::prove_password(ctx, &current, password, &address).await? {
        Proof::Proved => {}
        Proof::Wrong => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                &i18n::t("account-delete-password-incorrect"),
            )
        }
        Proof::Throttled { retry_after } => {
            let wait = retry_after.max(1);
            let message = i18n::t1("account-throttled", "seconds", &wait);
            let mut response = page(&current, StatusCode::TOO_MANY_REQUESTS, Some(&message), vec![]);
            if let Ok(v) = wait.to_string().parse() {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(response);
        }
        Proof::Busy { retry_after } => return Ok(pages::busy(retry_after as i64)),
    }
    match accounts::delete_own_account(ctx, &current, &address).await {
        Ok(()) => {}
        Err(DeleteOwnError::OwnsApps(apps)) => {
            let message = i18n::t("account-delete-owns-apps");
            return Ok(page(&current, StatusCode::CONFLICT, Some(&message), apps));
        }
        Err(DeleteOwnError::LastAdmin) => {
            return refuse(StatusCode::CONFLICT, &i18n::t("account-delete-last-admin"))
        }
        Err(DeleteOwnError::Gone) => return Err(PageError::SeeOther("/login".into())),
        Err(DeleteOwnError::Storage(e)) => return Err(e.into()),
    }
    let mut response = pages::page_response(StatusCode::OK, &Nav::none(), &DeletedPage);
    let _ = response.add_cookie(&session::clear_session_cookie(&state));
    Ok(response)
}
