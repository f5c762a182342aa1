//! "Forgot your password?": a form that takes an email address and always
//! answers the same, a link by email, and the page it opens to set a new
//! password (30 minutes, once). Setting it ends every session of the user.

use super::field_errors;
use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, read_form, see_other};
use super::{session, AppState};
use crate::email::{self, Purpose, Refusal};
use crate::i18n;
use crate::oauth::{accounts, secrets, throttle};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/password/forgot")
            .route(web::get().to(forgot_form))
            .route(web::post().to(forgot))
            .default_service(web::to(pages::method_not_allowed)),
    )
    .service(
        web::resource("/password/reset")
            .route(web::get().to(reset_form))
            .route(web::post().to(reset))
            .default_service(web::to(pages::method_not_allowed)),
    )
    .route("/password/reset/done", web::get().to(done));
}

/// Where a posted "forgot" form leads, whatever became of it.
const SENT: &str = "/password/forgot?sent=1";

#[derive(Template)]
#[template(path = "forgot_password.html")]
struct ForgotPage<'a> {
    csrf: &'a str,
    email: &'a str,
    sent: bool,
    error: Option<&'a str>,
}

fn render_forgot(
    state: &AppState,
    status: StatusCode,
    email: &str,
    sent: bool,
    error: Option<&str>,
) -> HttpResponse {
    let csrf = secrets::random_secret();
    let mut response = pages::page_response(
        status,
        &Nav::signed_out(),
        &ForgotPage {
            csrf: &csrf,
            email,
            sent,
            error,
        },
    );
    let _ = response.add_cookie(&session::login_csrf_cookie(state, csrf));
    response
}

/// Whether the form carries the CSRF token of this browser's cookie.
fn csrf_ok(state: &AppState, req: &HttpRequest, form: &crate::oauth::form::Params) -> bool {
    match (session::login_csrf(state, req), form.get("csrf_token")) {
        (Some(c), Some(f)) => bool::from(c.as_bytes().ct_eq(f.as_bytes())),
        _ => false,
    }
}

async fn forgot_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let sent = pages::query(&req).is_ok_and(|q| q.get("sent") == Some("1"));
    render_forgot(&state, StatusCode::OK, "", sent, None)
}

async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = read_form(&req, payload).await?;
    let email = form.get("email").unwrap_or("").trim();
    if !csrf_ok(&state, &req, &form) {
        let expired = i18n::t("sign-in-form-expired");
        return Ok(render_forgot(
            &state,
            StatusCode::FORBIDDEN,
            email,
            false,
            Some(&expired),
        ));
    }
    if email.is_empty() || email.len() > 254 || !email.contains('@') {
        let error = i18n::t("password-forgot-enter-email");
        return Ok(render_forgot(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            email,
            false,
            Some(&error),
        ));
    }
    let address = super::body::client_address(&req);
    // Sent, throttled or nobody's address: the same answer (SECURITY.md:
    // who has an account is not told), and the email goes out in the
    // background, so the time taken tells nothing either.
    let outcome = email::request_password_reset(&state.oauth, &state.mailer, email, &address).await?;
    if let email::Outcome::Throttled(wait) = outcome {
        tracing::info!(wait, "a password reset request was throttled");
    }
    Ok(see_other(SENT))
}

#[derive(Template)]
#[template(path = "reset_password.html")]
struct ResetPage<'a> {
    csrf: &'a str,
    token: &'a str,
    username: &'a str,
    error: Option<&'a str>,
    done: bool,
}

#[derive(Template)]
#[template(path = "email_link_refused.html")]
pub(super) struct RefusedPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
    /// Where to go from here: the path and its words.
    pub next: Option<(&'a str, &'a str)>,
}

fn refused(refusal: Refusal) -> HttpResponse {
    let status = match refusal {
        Refusal::Unknown => StatusCode::NOT_FOUND,
        Refusal::Used | Refusal::Expired | Refusal::AddressChanged => StatusCode::GONE,
        Refusal::Suspended | Refusal::WrongUser => StatusCode::FORBIDDEN,
    };
    let ask_again = i18n::t("password-reset-ask-again");
    let next = (refusal != Refusal::Suspended).then_some(("/password/forgot", ask_again.as_str()));
    pages::page_response(
        status,
        &Nav::signed_out(),
        &RefusedPage {
            title: &i18n::t("password-reset-link-refused"),
            message: &refusal.message(Purpose::Reset),
            next,
        },
    )
}

fn render_reset(
    state: &AppState,
    status: StatusCode,
    token: &str,
    username: &str,
    error: Option<&str>,
) -> HttpResponse {
    let csrf = secrets::random_secret();
    let mut response = pages::page_response(
        status,
        &Nav::signed_out(),
        &ResetPage {
            csrf: &csrf,
            token,
            username,
            error,
            done: false,
        },
    );
    let _ = response.add_cookie(&session::login_csrf_cookie(state, csrf));
    response
}

async fn reset_form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let query = pages::query(&req)?;
    let token = query.get("token").unwrap_or("");
    match email::check(&state.oauth, Purpose::Reset, token).await? {
        Ok(valid) => Ok(render_reset(&state, StatusCode::OK, token, &valid.username, None)),
        Err(refusal) => Ok(refused(refusal)),
    }
}

async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = read_form(&req, payload).await?;
    let token = form.get("token").unwrap_or("");
    let valid = match email::check(&state.oauth, Purpose::Reset, token).await? {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refused(refusal)),
    };
    let page = |status, error: &str| render_reset(&state, status, token, &valid.username, Some(error));
    if !csrf_ok(&state, &req, &form) {
        return Ok(page(StatusCode::FORBIDDEN, &i18n::t("sign-in-form-expired")));
    }
    // The rules of sign-up.
    let password = SecretString::from(form.get("password").unwrap_or("").to_string());
    if let Err(e) = accounts::check_new_password(&password) {
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &field_errors::reason(&e)));
    }
    if form.get("password_confirm").unwrap_or("") != password.expose_secret() {
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &i18n::t("sign-in-passwords-differ"),
        ));
    }
    let address = super::body::client_address(&req);
    let ctx = &state.oauth;
    let hash = match ctx
        .passwords
        .hash(&throttle::address_key(&address), password)
        .await
    {
        Ok(Some(hash)) => hash,
        Ok(None) => return Ok(pages::unavailable()),
        Err(_busy) => return Ok(pages::busy(ctx.settings.password_queue_wait)),
    };
    match email::reset(ctx, token, hash, address).await? {
        Ok(valid) => {
            email::notify_password_changed(ctx, &state.mailer, &valid.user_id).await;
            // This browser's session, if any, was ended with the others.
            let mut response = see_other("/password/reset/done");
            let _ = response.add_cookie(&session::clear_session_cookie(&state));
            Ok(response)
        }
        Err(refusal) => Ok(refused(refusal)),
    }
}

async fn done() -> HttpResponse {
    pages::page_response(
        StatusCode::OK,
        &Nav::signed_out(),
        &ResetPage {
            csrf: "",
            token: "",
            username: "",
            error: None,
            done: true,
        },
    )
}
