//! The account page's active sessions: where the user is signed in, and
//! the buttons that sign one of them, or all but this one, out.

use super::page_error::PageError;
use super::pages::see_other;
use super::{session, AppState};
use crate::domain::utc_text;
use crate::i18n;
use crate::oauth::sessions::{self, Device, Session};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/sessions/end", web::post().to(end_one))
        .route("/account/sessions/end-others", web::post().to(end_others));
}

/// The browser of this request, as a new session records it.
pub fn device_of(req: &HttpRequest) -> Device {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    Device::new(user_agent, &super::body::client_address(req))
}

/// One session as the account page lists it.
pub struct SessionItem {
    /// Its public id, which the "Sign out" form names.
    pub id: String,
    /// "Firefox on Linux", or "Unknown browser" (in the reader's language).
    pub browser: String,
    /// The address it signed in from, or "unknown" (in the reader's language).
    pub address: String,
    /// When the user signed in on it.
    pub signed_in: String,
    /// When it was last used.
    pub last_used: String,
    /// Whether it is the session of this request.
    pub current: bool,
}

impl SessionItem {
    /// Where and when, in a line: "From … · signed in … · last used …".
    pub fn facts(&self) -> String {
        i18n::tn(
            "account-session-facts",
            &[
                ("address", &self.address),
                ("signed_in", &self.signed_in),
                ("last_used", &self.last_used),
            ],
        )
    }
}

/// The live sessions of `current`'s user, this one first.
pub async fn items(state: &AppState, current: &Session) -> Result<Vec<SessionItem>, PageError> {
    let rows = sessions::list_of(&state.oauth, &current.user_id).await?;
    let mut items: Vec<SessionItem> = rows
        .into_iter()
        .map(|row| SessionItem {
            current: row.public_id == current.public_id,
            id: row.public_id,
            browser: summary(row.user_agent.as_deref().unwrap_or("")),
            address: row.address.unwrap_or_else(|| i18n::t("account-session-unknown")),
            signed_in: utc_text(row.authenticated_at),
            last_used: row
                .last_used_at
                .map_or_else(|| i18n::t("account-session-unknown"), utc_text),
        })
        .collect();
    items.sort_by_key(|item| !item.current);
    Ok(items)
}

/// A short readable summary of a User-Agent: "Chrome on Linux", "Safari on
/// iOS", "Firefox", or "Unknown browser", in the reader's language (the
/// names of browsers and systems are names). Substring checks in a fixed
/// order over at most [`Device::MAX_USER_AGENT`] characters: browsers name
/// the engines they imitate (Edge says Chrome and Safari, Chrome says
/// Safari), so the most specific name is looked for first.
pub fn summary(user_agent: &str) -> String {
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg", "Edge"),
        ("OPR/", "Opera"),
        ("Opera", "Opera"),
        ("Vivaldi/", "Vivaldi"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ];
    const SYSTEMS: &[(&str, &str)] = &[
        ("Windows", "Windows"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Android", "Android"),
        ("CrOS", "ChromeOS"),
        ("Macintosh", "macOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
        ("FreeBSD", "FreeBSD"),
    ];
    let ua: String = user_agent.chars().take(Device::MAX_USER_AGENT).collect();
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(needle, _)| ua.contains(needle))
            .map(|(_, name)| *name)
    };
    match (find(BROWSERS), find(SYSTEMS)) {
        (Some(browser), Some(system)) => i18n::t2("account-browser-on", "browser", browser, "system", system),
        (Some(browser), None) => browser.to_string(),
        (None, Some(system)) => i18n::t1("account-a-browser-on", "system", system),
        (None, None) => i18n::t("account-unknown-browser"),
    }
}

/// "Sign out" beside one session: only a session of this user ends; any
/// other id (unknown, ended, another user's) is a 404 and ends nothing.
async fn end_one(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, form) = session::signed_in_form(&state, &req, payload, "/account").await?;
    let id = form
        .get("session_id")
        .filter(|id| id.len() <= 64)
        .ok_or_else(|| PageError::bad_request(i18n::t("account-no-session-named")))?;
    if !sessions::end_own(&state.oauth, &current.user_id, id).await? {
        return Err(PageError::not_found(i18n::t("account-no-such-session")));
    }
    if id == current.public_id {
        // This browser's own session: signed out here as the sign-out button does.
        let mut response = see_other("/login");
        let _ = response.add_cookie(&session::clear_session_cookie(&state));
        return Ok(response);
    }
    Ok(see_other("/account?saved=sessions#sessions"))
}

/// "Sign out everywhere else": every session of this user but this one.
async fn end_others(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, _) = session::signed_in_form(&state, &req, payload, "/account").await?;
    sessions::end_others(&state.oauth, &current.user_id, &current.public_id).await?;
    Ok(see_other("/account?saved=sessions#sessions"))
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
        ];
        for (ua, expected) in cases {
            assert_eq!(summary(ua), expected, "{ua}");
        }
    }

    #[test]
    fn an_unknown_or_missing_user_agent_is_said_to_be_unknown() {
        assert_eq!(summary(""), "Unknown browser");
        assert_eq!(summary("reqwest"), "Unknown browser");
        assert_eq!(summary(&"x".repeat(10_000)), "Unknown browser");
    }
}
