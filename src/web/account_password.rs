//! Changing one's password from the account page: the current password
//! (throttled like a sign-in), the new one twice, and whether the other
//! sessions end.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, see_other};
use super::{session, AppState};
use crate::i18n;
use crate::oauth::accounts::{self, OwnPasswordError, Proof};
use crate::oauth::sessions::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::SecretString;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/password", web::post().to(change));
}

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage<'a> {
    csrf: &'a str,
    error: &'a str,
    sign_out_others: bool,
}

/// The form again, with what was wrong (nothing was changed).
fn refused(current: &Session, status: StatusCode, error: &str, sign_out_others: bool) -> HttpResponse {
    let page = PasswordPage {
        csrf: &current.csrf,
        error,
        sign_out_others,
    };
    pages::page_response(status, &Nav::of(current), &page)
}

/// A refusal's message as a sentence: "A password must be …".
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let first = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    let rest = chars.as_str();
    if rest.ends_with('.') {
        format!("{first}{rest}")
    } else {
        format!("{first}{rest}.")
    }
}

async fn change(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, form) = session::signed_in_form(&state, &req, payload, "/account").await?;
    let field = |name: &str| form.get(name).unwrap_or("");
    let (old, new, again) = (
        field("current_password"),
        field("new_password"),
        field("new_password_confirm"),
    );
    let sign_out_others = form.get("sign_out_others").is_some();
    let refuse = |status, error: &str| Ok(refused(&current, status, error, sign_out_others));
    // Everything that needs no password work is checked first: a refusal
    // here costs nothing and counts no failed attempt.
    let too_long = |p: &str| p.len() > accounts::MAX_PASSWORD_LEN * 4;
    if old.is_empty() || too_long(old) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "Enter your current password.");
    }
    if new != again {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The new password and its confirmation differ.",
        );
    }
    let new = SecretString::from(new.to_string());
    if let Err(e) = accounts::check_new_password(&new) {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, &sentence(&e.to_string()));
    }
    let ctx = &state.oauth;
    let address = super::body::client_address(&req);
    let old = SecretString::from(old.to_string());
    match accounts::prove_password(ctx, &current, old, &address).await? {
        Proof::Proved => {}
        Proof::Wrong => return refuse(StatusCode::UNAUTHORIZED, "Your current password is incorrect."),
        Proof::Throttled { retry_after } => return Ok(throttled(&current, retry_after, sign_out_others)),
        Proof::Busy { retry_after } => return Ok(pages::busy(retry_after as i64)),
    }
    match accounts::change_own_password(ctx, &current, new, sign_out_others, &address).await {
        Ok(_) => {
            crate::email::notify_password_changed(ctx, &state.mailer, &current.user_id).await;
            Ok(see_other("/account?saved=password#password"))
        }
        Err(OwnPasswordError::Invalid(e)) => {
            refuse(StatusCode::UNPROCESSABLE_ENTITY, &sentence(&e.to_string()))
        }
        Err(OwnPasswordError::Busy(_)) => Ok(pages::busy(ctx.settings.password_queue_wait.max(1))),
        Err(OwnPasswordError::Gone) => Err(PageError::SeeOther("/login".into())),
        Err(OwnPasswordError::Hash) => {
            // The cause was logged where hashing failed.
            Ok(pages::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Your password was not changed",
                "The new password could not be stored. Please try again.",
            ))
        }
        Err(OwnPasswordError::Storage(e)) => Err(e.into()),
    }
}

/// 429 with `Retry-After`, as the sign-in page answers.
pub fn throttled(current: &Session, retry_after: i64, sign_out_others: bool) -> HttpResponse {
    let wait = retry_after.max(1);
    let message = format!("Too many wrong passwords. Try again in {wait} seconds.");
    let mut response = refused(current, StatusCode::TOO_MANY_REQUESTS, &message, sign_out_others);
    if let Ok(v) = wait.to_string().parse() {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}
