//! Developer sign-up (when the operator allows it): an account with its
//! email address (and a name, if given), a session, and on to the portal.
//! Limited per address like dynamic registration.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, read_form, see_other};
use super::session;
use super::AppState;
use crate::domain::Username;
use crate::i18n;
use crate::oauth::form::Params;
use crate::oauth::profile::{FieldError, ProfileEdit, ValidEdit};
use crate::oauth::{accounts, secrets, sessions, throttle};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/signup")
            .route(web::get().to(signup_form))
            .route(web::post().to(signup))
            .default_service(web::to(pages::method_not_allowed)),
    );
}

fn not_found() -> HttpResponse {
    pages::error_page(
        StatusCode::NOT_FOUND,
        &i18n::t("error-not-found"),
        &i18n::t("error-not-found-page"),
    )
}

/// What the sign-up form holds, as typed (never the passwords).
#[derive(Default)]
struct Typed<'a> {
    username: &'a str,
    email: &'a str,
    name: &'a str,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage<'a> {
    csrf: &'a str,
    form: &'a Typed<'a>,
    /// About the whole form (expired, throttled).
    error: Option<&'a str>,
    /// About one field each.
    errors: &'a [FieldError],
}

impl SignupPage<'_> {
    /// What is wrong with `field`, in the reader's language.
    fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(super::field_errors::words)
    }
}

fn render_signup(
    state: &AppState,
    status: StatusCode,
    form: &Typed<'_>,
    error: Option<&str>,
    errors: &[FieldError],
) -> HttpResponse {
    let csrf = secrets::random_secret();
    let mut response = pages::page_response(
        status,
        &Nav::signed_out(),
        &SignupPage {
            csrf: &csrf,
            form,
            error,
            errors,
        },
    );
    let _ = response.add_cookie(&session::login_csrf_cookie(state, csrf));
    response
}

fn refused(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

async fn signup_form(state: web::Data<AppState>) -> HttpResponse {
    if !state.settings.signup_enabled {
        return not_found();
    }
    render_signup(&state, StatusCode::OK, &Typed::default(), None, &[])
}

/// Every field checked, every error kept: the form shows them all at once.
fn check(form: &Params, password: &SecretString) -> Result<ValidEdit, Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = Username::parse(form.get("username").unwrap_or("")) {
        errors.push(FieldError::broke("username", e));
    }
    if let Err(e) = accounts::check_new_password(password) {
        errors.push(FieldError::broke("password", e));
    } else if form.get("password_confirm").unwrap_or("") != password.expose_secret() {
        errors.push(refused("password_confirm", i18n::t("sign-in-passwords-differ")));
    }
    let edit = ProfileEdit {
        email: Some(form.get("email").unwrap_or("").to_string()),
        name: Some(form.get("name").unwrap_or("").to_string()),
        ..Default::default()
    };
    match edit.validate_sign_up() {
        Ok(profile) if errors.is_empty() => Ok(profile),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

async fn signup(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    if !state.settings.signup_enabled {
        return not_found();
    }
    let form = match read_form(&req, payload).await {
        Ok(f) => f,
        Err(e) => return e.error_response(),
    };
    let typed = Typed {
        username: form.get("username").unwrap_or(""),
        email: form.get("email").unwrap_or(""),
        name: form.get("name").unwrap_or(""),
    };
    let username = typed.username;
    let csrf_ok = match (session::login_csrf(&state, &req), form.get("csrf_token")) {
        (Some(c), Some(f)) => bool::from(c.as_bytes().ct_eq(f.as_bytes())),
        _ => false,
    };
    let page = |status, error: Option<&str>, errors: &[FieldError]| {
        render_signup(&state, status, &typed, error, errors)
    };
    if !csrf_ok {
        return page(StatusCode::FORBIDDEN, Some(&i18n::t("sign-in-form-expired")), &[]);
    }
    let password = SecretString::from(form.get("password").unwrap_or("").to_string());
    let profile = match check(&form, &password) {
        Ok(profile) => profile,
        Err(errors) => return page(StatusCode::UNPROCESSABLE_ENTITY, None, &errors),
    };
    let ctx = state.oauth.clone();
    let address = super::body::client_address(&req);
    match throttle::admit(&ctx, throttle::registrations(&ctx, &address)).await {
        Ok(None) => {}
        Ok(Some(wait)) => {
            let message = i18n::t1("signup-throttled", "seconds", &wait);
            return page(StatusCode::TOO_MANY_REQUESTS, Some(&message), &[]);
        }
        Err(e) => return PageError::from(e).error_response(),
    }
    let user_id = match accounts::register_user(&ctx, username, password, &address, profile).await {
        Ok(id) => id,
        Err(accounts::CreateUserError::Taken(_)) => {
            let taken = [refused("username", i18n::t("signup-username-taken"))];
            return page(StatusCode::CONFLICT, None, &taken);
        }
        // Sign-up already tells whether a username is taken; an address is
        // no more secret than that, and saying so plainly is what helps.
        Err(accounts::CreateUserError::EmailTaken) => {
            let taken = [refused("email", i18n::t("signup-email-taken"))];
            return page(StatusCode::CONFLICT, None, &taken);
        }
        Err(accounts::CreateUserError::Profile(errors)) => {
            return page(StatusCode::UNPROCESSABLE_ENTITY, None, &errors)
        }
        Err(accounts::CreateUserError::Invalid(e)) => {
            return page(StatusCode::UNPROCESSABLE_ENTITY, Some(&e.0), &[])
        }
        Err(accounts::CreateUserError::Busy(_)) => return pages::busy(ctx.settings.password_queue_wait),
        Err(e) => {
            tracing::error!(error = %e, "cannot create an account");
            return pages::unavailable();
        }
    };
    // The address given is not verified until its link is followed.
    if let Err(e) = crate::email::send_verification(&ctx, &state.mailer, &user_id, &address).await {
        tracing::error!(error = %e, "cannot send the verification link of a new account");
    }
    // Whoever was signed in on this browser is signed out: one session per browser.
    if let Ok(Some(old)) = session::current(&state, &req).await {
        let _ = sessions::end(&ctx, &old, sessions::EndReason::Replaced).await;
    }
    let value = match sessions::start_on(&ctx, &user_id, super::account_sessions::device_of(&req)).await {
        Ok(v) => v,
        Err(e) => return PageError::from(e).error_response(),
    };
    let mut response = see_other("/portal");
    let _ = response.add_cookie(&session::session_cookie(&state, value));
    response
}
