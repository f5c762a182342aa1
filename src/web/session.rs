//! The session cookie and the login CSRF cookie.

use super::page_error::PageError;
use super::AppState;
use crate::oauth::form::Params;
use crate::oauth::sessions::{self, Session};
use crate::storage::StorageError;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::HttpRequest;

/// The session cookie's name.
const SESSION_COOKIE: &str = "tollgate_session";
/// The double-submit cookie that protects the forms shown before there is a
/// session (sign-in, sign-up).
const LOGIN_CSRF_COOKIE: &str = "tollgate_login_csrf";

/// A cookie's name: over https with the `__Host-` prefix, which browsers
/// accept only from this host, `Secure`, for path `/` and without a
/// `Domain` — so a sibling subdomain cannot plant or overwrite it.
pub(super) fn cookie_name(state: &AppState, base: &'static str) -> String {
    if secure(state) {
        format!("__Host-{base}")
    } else {
        base.to_string()
    }
}

/// The value of the login CSRF cookie this request carries.
pub fn login_csrf(state: &AppState, req: &HttpRequest) -> Option<String> {
    req.cookie(&cookie_name(state, LOGIN_CSRF_COOKIE))
        .map(|c| c.value().to_string())
}

/// The live session of this request, if it has one.
pub async fn current(state: &AppState, req: &HttpRequest) -> Result<Option<Session>, StorageError> {
    match req.cookie(&cookie_name(state, SESSION_COOKIE)) {
        Some(cookie) => sessions::find(&state.oauth, cookie.value()).await,
        None => Ok(None),
    }
}

/// The signed-in user, or a redirect to sign in and come back to `back`
/// (a path of this server).
pub async fn required(state: &AppState, req: &HttpRequest, back: &str) -> Result<Session, PageError> {
    current(state, req).await?.ok_or_else(|| {
        let back: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
        PageError::SeeOther(format!("/login?return_to={back}"))
    })
}

/// A form the signed-in user posted, its CSRF token checked: the one
/// gate of every signed-in form. A visitor is sent to sign in and come
/// back to `back`; a missing or wrong token is the "form expired" page.
pub async fn signed_in_form(
    state: &AppState,
    req: &HttpRequest,
    payload: actix_web::web::Payload,
    back: &str,
) -> Result<(Session, Params), PageError> {
    let form = super::pages::read_form(req, payload).await?;
    let current = required(state, req, back).await?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(PageError::form_expired());
    }
    Ok((current, form))
}

pub(super) fn secure(state: &AppState) -> bool {
    state.oauth.settings.issuer.starts_with("https://")
}

/// The session cookie for a new session: `HttpOnly`, `SameSite=Lax`,
/// `Secure` over https.
pub fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build(cookie_name(state, SESSION_COOKIE), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure(state))
        .max_age(Duration::seconds(state.oauth.settings.session_ttl))
        .finish()
}

/// A cookie that removes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, String::new());
    cookie.make_removal();
    cookie
}

/// The login CSRF cookie.
pub fn login_csrf_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build(cookie_name(state, LOGIN_CSRF_COOKIE), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(state))
        .max_age(Duration::hours(1))
        .finish()
}

/// A return path that can only lead back into Tollgate (no open redirect):
/// an absolute path, not `//host` or `/\host`, no control characters.
pub fn safe_return_path(raw: Option<&str>) -> String {
    match raw {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && p.len() <= 8192
                && !p.chars().any(|c| c.is_control() || c == '\\') =>
        {
            p.to_string()
        }
        _ => "/account".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_with_issuer(issuer: &str, dir: &std::path::Path) -> AppState {
        let mut settings = crate::config::Settings::load(None).unwrap();
        settings.issuer = issuer.to_string();
        let db = crate::storage::Database::open(&format!("sqlite://{}/t.db", dir.display()), 1).unwrap();
        AppState {
            oauth: std::sync::Arc::new(crate::oauth::Context::new(
                crate::startup::protocol_settings(&settings),
                db,
            )),
            settings: crate::startup::web_settings(&settings),
            mailer: std::sync::Arc::new(crate::email::Mailer::new(&settings).unwrap()),
        }
    }

    #[test]
    fn over_https_the_cookies_are_secure_and_host_prefixed() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_issuer("https://auth.example", dir.path());
        for cookie in [
            session_cookie(&state, "v".into()),
            login_csrf_cookie(&state, "v".into()),
        ] {
            assert!(cookie.name().starts_with("__Host-"), "{}", cookie.name());
            assert_eq!(cookie.secure(), Some(true));
            assert_eq!(cookie.path(), Some("/"));
            assert_eq!(cookie.http_only(), Some(true));
            assert!(cookie.domain().is_none());
        }
    }

    #[test]
    fn over_http_the_cookies_carry_no_prefix_browsers_would_refuse() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_issuer("http://127.0.0.1:8080", dir.path());
        let cookie = session_cookie(&state, "v".into());
        assert_eq!(cookie.name(), "tollgate_session");
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
    }

    #[test]
    fn return_paths_cannot_leave_tollgate() {
        assert_eq!(
            safe_return_path(Some("/oauth2/authorize?x=1")),
            "/oauth2/authorize?x=1"
        );
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/a\r\nb",
        ] {
            assert_eq!(safe_return_path(Some(evil)), "/account", "{evil}");
        }
    }
}

#[cfg(test)]
mod props;
