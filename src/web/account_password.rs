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

/// What the new password's one rule says: its length (`accounts::check_new_password`).
fn length_rule() -> String {
    let (min, max) = (accounts::MIN_PASSWORD_LEN, accounts::MAX_PASSWORD_LEN);
    i18n::t2("account-password-length", "min", &min, "max", &max)
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
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            &i18n::t("account-enter-current-password"),
        );
    }
    if new != again {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            &i18n::t("account-passwords-differ"),
        );
    }
    let new = SecretString::from(new.to_string());
    if accounts::check_new_password(&new).is_err() {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, &length_rule());
    }
    let ctx = &state.oauth;
    let address = super::body::client_address(&req);
    let old = SecretString::from(old.to_string());
    match accounts::prove_password(ctx, &current, old, &address).await? {
        Proof::Proved => {}
        Proof::Wrong => return refuse(StatusCode::UNAUTHORIZED, &i18n::t("account-password-incorrect")),
        Proof::Throttled { retry_after } => return Ok(throttled(&current, retry_after, sign_out_others)),
        Proof::Busy { retry_after } => return Ok(pages::busy(retry_after as i64)),
    }
    match accounts::change_own_password(ctx, &current, new, sign_out_others, &address).await {
        Ok(_) => {
            crate::email::notify_password_changed(ctx, &state.mailer, &current.user_id).await;
            Ok(see_other("/account?saved=password#password"))
        }
        Err(OwnPasswordError::Invalid(_)) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &length_rule()),
        Err(OwnPasswordError::Busy(_)) => Ok(pages::busy(ctx.settings.password_queue_wait.max(1))),
        Err(OwnPasswordError::Gone) => Err(PageError::SeeOther("/login".into())),
        Err(OwnPasswordError::Hash) => {
            // The cause was logged where hashing failed.
            Ok(pages::error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                &i18n::t("account-password-not-changed"),
                &i18n::t("account-password-not-stored"),
            ))
        }
        Err(OwnPasswordError::Storage(e)) => Err(e.into()),
    }
}

/// 429 with `Retry-After`, as the sign-in page answers.
pub fn throttled(current: &Session, retry_after: i64, sign_out_others: bool) -> HttpResponse {
    let wait = retry_after.max(1);
    let message = i18n::t1("account-throttled", "seconds", &wait);
    let mut response = refused(current, StatusCode::TOO_MANY_REQUESTS, &message, sign_out_others);
    if let Ok(v) = wait.to_string().parse() {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}
