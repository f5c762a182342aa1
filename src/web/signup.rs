//! Developer sign-up (when the operator allows it): an account, a session,
//! and on to the portal. Limited per address like dynamic registration.

use super::page_error::PageError;
use super::pages::{self, read_form, see_other};
use super::session;
use super::AppState;
use crate::domain::Username;
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
        "Not found",
        "There is no page at this address.",
    )
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage<'a> {
    csrf: &'a str,
    username: &'a str,
    error: Option<&'a str>,
}

fn render_signup(state: &AppState, status: StatusCode, username: &str, error: Option<&str>) -> HttpResponse {
    let csrf = secrets::random_secret();
    let mut response = pages::page_response(
        status,
        &SignupPage {
            csrf: &csrf,
            username,
            error,
        },
    );
    let _ = response.add_cookie(&session::login_csrf_cookie(state, csrf));
    response
}

async fn signup_form(state: web::Data<AppState>) -> HttpResponse {
    if !state.settings.signup_enabled {
        return not_found();
    }
    render_signup(&state, StatusCode::OK, "", None)
}

async fn signup(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    if !state.settings.signup_enabled {
        return not_found();
    }
    let form = match read_form(&req, payload).await {
        Ok(f) => f,
        Err(e) => return e.error_response(),
    };
    let username = form.get("username").unwrap_or("");
    let csrf_ok = match (session::login_csrf(&state, &req), form.get("csrf_token")) {
        (Some(c), Some(f)) => bool::from(c.as_bytes().ct_eq(f.as_bytes())),
        _ => false,
    };
    if !csrf_ok {
        return render_signup(
            &state,
            StatusCode::FORBIDDEN,
            username,
            Some("The form expired. Please try again."),
        );
    }
    if let Err(e) = Username::parse(username) {
        return render_signup(&state, StatusCode::UNPROCESSABLE_ENTITY, username, Some(&e.0));
    }
    let password = SecretString::from(form.get("password").unwrap_or("").to_string());
    if form.get("password_confirm").unwrap_or("") != password.expose_secret() {
        return render_signup(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            username,
            Some("The two passwords differ."),
        );
    }
    if let Err(e) = accounts::check_new_password(&password) {
        return render_signup(&state, StatusCode::UNPROCESSABLE_ENTITY, username, Some(&e.0));
    }
    let ctx = state.oauth.clone();
    let address = super::body::client_address(&req);
    match throttle::admit(&ctx, throttle::registrations(&ctx, &address)).await {
        Ok(None) => {}
        Ok(Some(wait)) => {
            let message =
                format!("Too many accounts were created from your address. Try again in {wait} seconds.");
            return render_signup(&state, StatusCode::TOO_MANY_REQUESTS, username, Some(&message));
        }
        Err(e) => return PageError::from(e).error_response(),
    }
    let user_id = match accounts::register_user(&ctx, username, password, &address).await {
        Ok(id) => id,
        Err(accounts::CreateUserError::Taken(_)) => {
            return render_signup(
                &state,
                StatusCode::CONFLICT,
                username,
                Some("That username is taken."),
            )
        }
        Err(accounts::CreateUserError::Invalid(e)) => {
            return render_signup(&state, StatusCode::UNPROCESSABLE_ENTITY, username, Some(&e.0))
        }
        Err(accounts::CreateUserError::Busy(_)) => return pages::busy(ctx.settings.password_queue_wait),
        Err(e) => {
            tracing::error!(error = %e, "cannot create an account");
            return pages::unavailable();
        }
    };
    // Whoever was signed in on this browser is signed out: one session per browser.
    if let Ok(Some(old)) = session::current(&state, &req).await {
        let _ = sessions::end(&ctx, &old).await;
    }
    let value = match sessions::start(&ctx, &user_id).await {
        Ok(v) => v,
        Err(e) => return PageError::from(e).error_response(),
    };
    let mut response = see_other("/portal");
    let _ = response.add_cookie(&session::session_cookie(&state, value));
    response
}
