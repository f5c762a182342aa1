//! "Not you? Sign in as someone else" on the consent pages: the signed-in
//! session ends as any sign-out does (`sessions::end`: refresh tokens
//! revoked, back-channel notices owed), and the sign-in page comes back to
//! the same request. The way back is only ever a path on this server
//! (`session::safe_return_path`): the form cannot become a redirector.

use super::page_error::PageError;
use super::pages::{read_form, see_other};
use super::{session, AppState};
use crate::oauth::sessions;
use actix_web::{web, HttpRequest, HttpResponse};

/// Where the consent pages post "Not you?".
pub const SWITCH_ACCOUNT_PATH: &str = "/switch-account";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(SWITCH_ACCOUNT_PATH, web::post().to(switch_account));
}

async fn switch_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = read_form(&req, payload).await?;
    let back = session::safe_return_path(form.get("return_to"));
    let login = format!(
        "/login?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("return_to", &back)
            .finish()
    );
    // Without a session there is nobody to sign out: on to the sign-in page.
    if let Some(current) = session::current(&state, &req).await? {
        if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
            return Err(PageError::form_expired());
        }
        sessions::end(&state.oauth, &current, sessions::EndReason::Logout).await?;
    }
    let mut response = see_other(&login);
    let _ = response.add_cookie(&session::clear_session_cookie(&state));
    Ok(response)
}
