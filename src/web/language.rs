//! Which language a request is answered in (the words themselves are in
//! `crate::i18n`), in this order:
//! 1. the `ui_locales` of the authorization request the user is in the
//!    middle of (OpenID Connect Core §3.1.2.1): read by `/oauth2/authorize`
//!    and remembered in a cookie for the sign-in, sign-up and consent pages
//!    that follow, until an authorization request without it;
//! 2. the browser's `Accept-Language`;
//! 3. English.
//!
//! Every page says which in `Content-Language`.

use super::session;
use super::AppState;
use crate::i18n::{self, Lang};
use crate::oauth::metadata::AUTHORIZATION_PATH;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

/// The cookie that remembers a client's `ui_locales`.
const COOKIE: &str = "tollgate_lang";

/// Middleware: answers the request in its language.
pub async fn choose(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let browser = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 1024)
        .and_then(Lang::of_accept_language)
        .unwrap_or_default();
    let authorization = req.path() == AUTHORIZATION_PATH;
    // Most requests (tokens, introspection) carry no cookie: nothing to
    // name or parse for them.
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let cookie_name = state
        .as_ref()
        .filter(|_| authorization || req.headers().contains_key(header::COOKIE))
        .map(|s| session::cookie_name(s, COOKIE));
    let remembered = cookie_name
        .as_deref()
        .and_then(|name| req.cookie(name))
        .and_then(|c| Lang::of_tag(c.value()));
    i18n::scope(remembered.unwrap_or(browser), browser, async move {
        let mut res = next.call(req).await?;
        let choice = i18n::client_choice().filter(|_| authorization);
        if let (Some(named), Some(state), Some(name)) = (choice, state, cookie_name) {
            if named != remembered {
                let mut cookie = Cookie::build(name, named.map_or("", Lang::code))
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .secure(session::secure(&state))
                    .finish();
                if named.is_none() {
                    cookie.make_removal();
                }
                let _ = res.response_mut().add_cookie(&cookie);
            }
        }
        let page = res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
        if page {
            res.headers_mut().insert(
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(i18n::current().code()),
            );
        }
        Ok(res)
    })
    .await
}
