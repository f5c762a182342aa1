//! The sign-in page (sign-out is in `logout`).

use super::nav::{Nav, Section};
use super::page_error::PageError;
use super::pages::{self, read_form, see_other, LoginPage};
use super::session;
use super::AppState;
use crate::i18n;
use crate::oauth::accounts::{self, SignInOutcome, Via};
use crate::oauth::form::Params;
use crate::oauth::{secrets, sessions};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use secrecy::SecretString;
use subtle::ConstantTimeEq;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login")
            .route(web::get().to(login_form))
            .route(web::post().to(login))
            .default_service(web::to(pages::method_not_allowed)),
    );
}

fn render_login(
    state: &AppState,
    status: StatusCode,
    return_to: &str,
    username: &str,
    error: Option<&str>,
) -> HttpResponse {
    let csrf = secrets::random_secret();
    let mut response = pages::page_response(
        status,
        &Nav::signed_out()
            .with_sign_up(state.settings.signup_enabled)
            .at(Section::SignIn),
        &LoginPage {
            csrf: &csrf,
            return_to,
            username,
            error,
            signup_enabled: state.settings.signup_enabled,
        },
    );
    let _ = response.add_cookie(&session::login_csrf_cookie(state, csrf));
    response
}

async fn login_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let params = match pages::query(&req) {
        Ok(p) => p,
        Err(e) => return e.error_response(),
    };
    let return_to = session::safe_return_path(params.get("return_to"));
    // OpenID Connect Core §3.1.2.1 `login_hint`: the account the client
    // expects, pre-filled; the user may still type another.
    let username = params.get("login_hint").filter(|h| h.len() <= 64).unwrap_or("");
    render_login(&state, StatusCode::OK, &return_to, username, None)
}

async fn login(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let form = match read_form(&req, payload).await {
        Ok(f) => f,
        Err(e) => return e.error_response(),
    };
    let return_to = session::safe_return_path(form.get("return_to"));
    let (name, password) = match checked_fields(&state, &req, &form, &return_to) {
        Ok(fields) => fields,
        Err(page) => return *page,
    };
    let ctx = &state.oauth;
    let address = super::body::client_address(&req);
    let password = SecretString::from(password.to_string());
    let user = match accounts::sign_in(ctx, name, password, Via::LoginPage, &address).await {
        Ok(SignInOutcome::SignedIn(user)) => user,
        // The same answer for an unknown user, a wrong password and a suspended account.
        Ok(SignInOutcome::Refused) => {
            return render_login(
                &state,
                StatusCode::UNAUTHORIZED,
                &return_to,
                name,
                Some(&i18n::t("login-incorrect")),
            )
        }
        Ok(SignInOutcome::Throttled { retry_after }) => {
            let wait = retry_after.max(1);
            let message = i18n::t1("login-throttled", "seconds", &wait);
            let mut response = render_login(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                &return_to,
                name,
                Some(&message),
            );
            if let Ok(v) = wait.to_string().parse() {
                response
                    .headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
            return response;
        }
        Ok(SignInOutcome::Busy { retry_after }) => return pages::busy(retry_after as i64),
        Err(e) => return PageError::from(e).error_response(),
    };
    start_session(&state, &req, &user.id, &return_to).await
}

/// The form's fields, checked before any password work: the CSRF token
/// (double-submit), both fields present, neither absurdly long.
fn checked_fields<'f>(
    state: &AppState,
    req: &HttpRequest,
    form: &'f Params,
    return_to: &str,
) -> Result<(&'f str, &'f str), Box<HttpResponse>> {
    let username = form.get("username").unwrap_or("");
    // Double-submit: the form's token must equal the cookie set with the form.
    let cookie = session::login_csrf(state, req);
    let csrf_ok = match (cookie.as_deref(), form.get("csrf_token")) {
        (Some(c), Some(f)) => bool::from(c.as_bytes().ct_eq(f.as_bytes())),
        _ => false,
    };
    if !csrf_ok {
        return Err(Box::new(render_login(
            state,
            StatusCode::FORBIDDEN,
            return_to,
            username,
            Some(&i18n::t("login-form-expired")),
        )));
    }
    let (Some(name), Some(password)) = (form.get("username"), form.get("password")) else {
        return Err(Box::new(render_login(
            state,
            StatusCode::BAD_REQUEST,
            return_to,
            username,
            Some(&i18n::t("login-enter-both")),
        )));
    };
    if name.len() > 64 || password.len() > accounts::MAX_PASSWORD_LEN * 4 {
        return Err(Box::new(render_login(
            state,
            StatusCode::BAD_REQUEST,
            return_to,
            "",
            Some(&i18n::t("login-incorrect")),
        )));
    }
    Ok((name, password))
}

/// Starts the session of a user who signed in and sends them on.
async fn start_session(state: &AppState, req: &HttpRequest, user_id: &str, return_to: &str) -> HttpResponse {
    let ctx = &state.oauth;
    // A new cookie value at every sign-in (no session fixation); the same
    // user signing in again keeps their session, another user's ends.
    let signed_in = match session::current(state, req).await {
        Ok(current) => {
            let device = super::account_sessions::device_of(req);
            sessions::sign_in_on(ctx, current.as_ref(), user_id, device).await
        }
        Err(e) => Err(e),
    };
    let value = match signed_in {
        Ok(v) => v,
        Err(e) => return PageError::from(e).error_response(),
    };
    let mut response = see_other(return_to);
    let _ = response.add_cookie(&session::session_cookie(state, value));
    let mut clear = session::login_csrf_cookie(state, String::new());
    clear.make_removal();
    let _ = response.add_cookie(&clear);
    response
}
