//! Sign-out: Tollgate's own (`POST /logout` from the account page) and
//! RP-Initiated Logout 1.0 at the end-session endpoint `/oauth2/logout`
//! (GET or POST). `GET /logout` with a relying party's parameters is the
//! same request as `/oauth2/logout`.
//!
//! A relying party's request never ends a session by itself: a signed-in
//! user is asked to confirm (a CSRF-protected form naming the app), then
//! the session ends as any logout does (`sessions::end`: refresh tokens
//! revoked, access tokens inactive, back-channel notices owed), then the
//! user goes to the post-logout redirect URI if the client registered it
//! exactly. Without a session there is nobody to sign out: the signed-out
//! page, with a link back rather than a redirect, so that anyone who
//! registers a client cannot use Tollgate as a redirector.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, read_form, see_other};
use super::session;
use super::AppState;
use crate::i18n;
use crate::oauth::form::Params;
use crate::oauth::openid::logout::{self, LogoutError, LogoutRequest, Wrong};
use crate::oauth::sessions;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

/// The end-session endpoint's path (RP-Initiated Logout 1.0 §2).
pub const END_SESSION_PATH: &str = "/oauth2/logout";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/logout")
            .route(web::get().to(logout_request))
            .route(web::post().to(logout_confirmed))
            .default_service(web::to(pages::method_not_allowed)),
    )
    .service(
        web::resource(END_SESSION_PATH)
            .route(web::get().to(logout_request))
            .route(web::post().to(end_session_post))
            .default_service(web::to(pages::method_not_allowed)),
    );
}

/// The sign-out confirmation.
#[derive(Template)]
#[template(path = "logout.html")]
struct LogoutPage<'a> {
    client_name: Option<&'a str>,
    /// The hint names another account or session than the signed-in one.
    other_account: bool,
    /// Carried to the confirmation, which is checked as the request was:
    /// a valid hint is what allows the redirect afterwards.
    id_token_hint: &'a str,
    client_id: &'a str,
    post_logout_redirect_uri: &'a str,
    state: &'a str,
    csrf: &'a str,
}

/// After sign-out.
#[derive(Template)]
#[template(path = "signed_out.html")]
struct SignedOutPage<'a> {
    /// A link back to the application that asked for the sign-out.
    back: Option<(&'a str, &'a str)>,
}

fn refused(e: LogoutError) -> HttpResponse {
    match e {
        LogoutError::Invalid(wrong) => pages::bad_request(&match wrong {
            Wrong::HintNotOurs => i18n::t("signout-hint-not-ours"),
            Wrong::HintOfAnotherClient => i18n::t("signout-hint-of-another-client"),
            Wrong::NoSuchClient => i18n::t("signout-no-such-client"),
            Wrong::StateTooLong => i18n::t("signout-state-too-long"),
            Wrong::RedirectUnregistered => i18n::t("signout-redirect-unregistered"),
        }),
        LogoutError::Unavailable => pages::unavailable(),
    }
}

fn signed_out(request: &LogoutRequest) -> HttpResponse {
    let back = match (&request.client, &request.redirect) {
        (Some(client), Some(url)) => Some((client.name.as_str(), url.as_str())),
        _ => None,
    };
    pages::page_response(StatusCode::OK, &Nav::none(), &SignedOutPage { back })
}

/// `GET /logout`, `GET /oauth2/logout`: the request, checked; the
/// confirmation for a signed-in user, the signed-out page otherwise.
async fn logout_request(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match pages::query(&req) {
        Ok(params) => ask(&state, &req, &params).await,
        Err(e) => e.error_response(),
    }
}

/// `POST /oauth2/logout`: a relying party may send its request as a form
/// (§2); a form carrying a CSRF token is the user's confirmation.
async fn end_session_post(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let form = match read_form(&req, payload).await {
        Ok(f) => f,
        Err(e) => return e.error_response(),
    };
    if form.get("csrf_token").is_some() {
        return confirm(&state, &req, &form).await;
    }
    // A relying party's form arrives as a cross-site POST, which carries no
    // `SameSite=Lax` session cookie: answered here, it would find no
    // session and say "signed out" while the session lives on. The same
    // request as a top-level GET carries the cookie.
    match logout::check(&state.oauth, &form).await {
        Ok(_) => see_other(&format!("{END_SESSION_PATH}?{}", as_query(&form))),
        Err(e) => refused(e),
    }
}

/// The RP-Initiated Logout parameters of `form`, as a query string.
fn as_query(form: &Params) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for name in [
        "id_token_hint",
        "logout_hint",
        "client_id",
        "post_logout_redirect_uri",
        "state",
        "ui_locales",
    ] {
        if let Some(value) = form.get(name) {
            query.append_pair(name, value);
        }
    }
    query.finish()
}

/// `POST /logout`: the account page's sign-out, or the confirmation.
async fn logout_confirmed(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    match read_form(&req, payload).await {
        Ok(form) => confirm(&state, &req, &form).await,
        Err(e) => e.error_response(),
    }
}

async fn ask(state: &AppState, req: &HttpRequest, params: &Params) -> HttpResponse {
    let request = match logout::check(&state.oauth, params).await {
        Ok(r) => r,
        Err(e) => return refused(e),
    };
    let current = match session::current(state, req).await {
        Ok(s) => s,
        Err(e) => return PageError::from(e).error_response(),
    };
    let Some(current) = current else {
        return signed_out(&request);
    };
    // A hint for another account or session must not end this one
    // unannounced: the page says so, and the user decides.
    let other_account = request.hint.as_ref().is_some_and(|h| !h.names(&current));
    let client_id = request.client.as_ref().map(|c| c.id.as_str()).unwrap_or("");
    pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &LogoutPage {
            client_name: request.client.as_ref().map(|c| c.name.as_str()),
            other_account,
            id_token_hint: params.get("id_token_hint").unwrap_or(""),
            client_id,
            post_logout_redirect_uri: params.get("post_logout_redirect_uri").unwrap_or(""),
            state: params.get("state").unwrap_or(""),
            csrf: &current.csrf,
        },
    )
}

async fn confirm(state: &AppState, req: &HttpRequest, form: &Params) -> HttpResponse {
    let request = match logout::check(&state.oauth, form).await {
        Ok(r) => r,
        Err(e) => return refused(e),
    };
    let current = match session::current(state, req).await {
        Ok(s) => s,
        Err(e) => return PageError::from(e).error_response(),
    };
    let signed_out_now = match current {
        Some(current) => {
            if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
                return pages::error_page(
                    StatusCode::FORBIDDEN,
                    &i18n::t("signout-refused"),
                    &i18n::t("error-form-expired"),
                );
            }
            // Asked by a relying party (it named itself or gave a hint), or by the user here.
            let reason = if request.client.is_some() || request.hint.is_some() {
                sessions::EndReason::RpLogout
            } else {
                sessions::EndReason::Logout
            };
            if let Err(e) = sessions::end(&state.oauth, &current, reason).await {
                return PageError::from(e).error_response();
            }
            true
        }
        None => false,
    };
    let mut response = match &request.redirect {
        // Only a sign-out that happened earns the redirect; without a
        // session a POST from anywhere would otherwise send anyone to any
        // address a client registered (an open redirector).
        Some(url) if signed_out_now && request.may_redirect => see_other(url.as_str()),
        _ => signed_out(&request),
    };
    let _ = response.add_cookie(&session::clear_session_cookie(state));
    response
}
