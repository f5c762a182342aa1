//! Verifying an email address: the link in the email opens a page that
//! asks for one click (a link scanner that fetches the link changes
//! nothing); its POST verifies the address the link was sent to, if it is
//! still the account's. A signed-in user can ask for the link again.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, read_form, see_other};
use super::password_reset::RefusedPage;
use super::{session, AppState};
use crate::email::{self, Outcome, Purpose, Refusal};
use crate::i18n;
use crate::oauth::secrets;
use crate::oauth::sessions::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use subtle::ConstantTimeEq;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/email/verify")
            .route(web::get().to(confirm_form))
            .route(web::post().to(confirm))
            .default_service(web::to(pages::method_not_allowed)),
    )
    .route("/email/verified", web::get().to(verified))
    .route("/email/verify/resend", web::post().to(resend))
    .route("/email/verify/sent", web::get().to(sent));
}

/// The verification page: the address to confirm, one button; or, once
/// done (`done`), that it is.
#[derive(Template)]
#[template(path = "email_verify.html")]
struct VerifyPage<'a> {
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
    /// What the page says after a POST: verified, or sent again.
    done: Option<&'a str>,
}

fn nav(current: &Option<Session>) -> Nav {
    current.as_ref().map_or_else(Nav::none, Nav::of)
}

fn refused(current: &Option<Session>, refusal: Refusal) -> HttpResponse {
    let status = match refusal {
        Refusal::Unknown => StatusCode::NOT_FOUND,
        Refusal::Used | Refusal::Expired | Refusal::AddressChanged => StatusCode::GONE,
        Refusal::Suspended | Refusal::WrongUser => StatusCode::FORBIDDEN,
    };
    let next = match refusal {
        Refusal::WrongUser => None,
        _ if current.is_some() => Some(("/account", i18n::t("email-verify-ask-in-account"))),
        _ => Some((
            "/login?return_to=%2Faccount",
            i18n::t("email-verify-sign-in-to-ask"),
        )),
    };
    pages::page_response(
        status,
        &nav(current),
        &RefusedPage {
            title: &i18n::t("email-verify-link-refused"),
            message: &refusal.message(Purpose::Verify),
            next: next.as_ref().map(|(href, words)| (*href, words.as_str())),
        },
    )
}

async fn confirm_form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let query = pages::query(&req)?;
    let token = query.get("token").unwrap_or("");
    let current = session::current(&state, &req).await?;
    let valid = match email::check(&state.oauth, Purpose::Verify, token).await? {
        Ok(valid) => valid,
        Err(refusal) => return Ok(refused(&current, refusal)),
    };
    if current.as_ref().is_some_and(|s| s.user_id != valid.user_id) {
        return Ok(refused(&current, Refusal::WrongUser));
    }
    // A signed-in user's form carries their session's token; anyone
    // else's the login form's (the link may be opened on any device).
    let csrf = match &current {
        Some(s) => s.csrf.clone(),
        None => secrets::random_secret(),
    };
    let page = VerifyPage {
        csrf: &csrf,
        token,
        email: &valid.email,
        done: None,
    };
    let mut response = pages::page_response(StatusCode::OK, &nav(&current), &page);
    if current.is_none() {
        let _ = response.add_cookie(&session::login_csrf_cookie(&state, csrf));
    }
    Ok(response)
}

async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = read_form(&req, payload).await?;
    let current = session::current(&state, &req).await?;
    let presented = form.get("csrf_token").unwrap_or("");
    let csrf_ok = match &current {
        Some(s) => s.csrf_matches(presented),
        None => session::login_csrf(&state, &req)
            .is_some_and(|c| bool::from(c.as_bytes().ct_eq(presented.as_bytes()))),
    };
    if !csrf_ok {
        return Err(PageError::form_expired());
    }
    let token = form.get("token").unwrap_or("");
    let signed_in = current.as_ref().map(|s| s.user_id.clone());
    let address = super::body::client_address(&req);
    match email::verify(&state.oauth, token, signed_in, address).await? {
        Ok(_) => Ok(see_other("/email/verified")),
        Err(refusal) => Ok(refused(&current, refusal)),
    }
}

async fn verified(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = session::current(&state, &req).await?;
    let page = VerifyPage {
        csrf: "",
        token: "",
        email: "",
        done: Some(&i18n::t("email-verify-verified")),
    };
    Ok(pages::page_response(StatusCode::OK, &nav(&current), &page))
}

/// The account page's "send the link again".
async fn resend(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, _) = session::signed_in_form(&state, &req, payload, "/account").await?;
    let address = super::body::client_address(&req);
    match email::send_verification(&state.oauth, &state.mailer, &current.user_id, &address).await? {
        Outcome::Sent => Ok(see_other("/email/verify/sent")),
        Outcome::Nothing => Ok(see_other("/account")),
        Outcome::Throttled(wait) => Err(PageError::refused(
            StatusCode::TOO_MANY_REQUESTS,
            i18n::t("email-verify-too-many-title"),
            i18n::t1("email-verify-too-many", "minutes", &((wait + 59) / 60)),
        )),
    }
}

async fn sent(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = session::current(&state, &req).await?;
    let page = VerifyPage {
        csrf: "",
        token: "",
        email: "",
        done: Some(&i18n::t("email-verify-sent")),
    };
    Ok(pages::page_response(StatusCode::OK, &nav(&current), &page))
}

/// After a profile was saved: a new address gets a verification link, the
/// old one a notice. `old` is the address before the save.
pub(super) async fn after_profile_saved(
    state: &AppState,
    user_id: &str,
    old: Option<String>,
    changed: &[&str],
    address: &str,
) {
    if !changed.contains(&"email") {
        return;
    }
    let (ctx, mailer) = (&state.oauth, &state.mailer);
    let new = match crate::oauth::profile::of(ctx, user_id).await {
        Ok(p) => p.and_then(|p| p.email),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the profile after an address change");
            return;
        }
    };
    if let Some(old) = old {
        email::notify_email_changed(ctx, mailer, user_id, &old, new.as_deref()).await;
    }
    if new.is_some() {
        if let Err(e) = email::send_verification(ctx, mailer, user_id, address).await {
            tracing::error!(error = %e, "cannot send a verification link after an address change");
        }
    }
}
