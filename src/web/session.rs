//! The session cookie and the login CSRF cookie.

use super::AppState;
use crate::oauth::sessions::{self, Session};
use crate::storage::StorageError;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::HttpRequest;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tollgate_session";
/// The double-submit cookie that protects the forms shown before there is a
/// session (sign-in, sign-up).
pub const LOGIN_CSRF_COOKIE: &str = "tollgate_login_csrf";

/// The live session of this request, if it has one.
pub async fn current(state: &AppState, req: &HttpRequest) -> Result<Option<Session>, StorageError> {
    match req.cookie(SESSION_COOKIE) {
        Some(cookie) => sessions::find(&state.oauth, cookie.value()).await,
        None => Ok(None),
    }
}

fn secure(state: &AppState) -> bool {
    state.oauth.settings.issuer.starts_with("https://")
}

/// The session cookie for a new session: `HttpOnly`, `SameSite=Lax`,
/// `Secure` over https.
pub fn session_cookie(state: &AppState, value: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
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
    Cookie::build(LOGIN_CSRF_COOKIE, value)
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
    use super::safe_return_path;

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
