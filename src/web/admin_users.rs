//! The administrators' user pages. `/admin/users`: the accounts, searched
//! by login name or email address (any case, anywhere in either) and 50 a
//! page, with the sign-in lockouts in force; `/admin/users/{id}`: one
//! account (email and whether it is verified, administrator, suspended,
//! created, password changed), its lockouts with "unlock", "suspend" or
//! "reinstate", its live sessions with "end session", and the apps it
//! allowed with "withdraw". Each action is the command line's or the
//! account page's own function, recorded with the acting administrator.

use super::admin::{actor, admin_form, administrator, encode, notice};
use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, query, see_other};
use super::AppState;
use crate::domain::utc_text;
use crate::i18n;
use crate::oauth::accounts::administration::{self, SessionSummary, UserDetail, MAX_SEARCH_CHARS};
use crate::oauth::accounts::{self, UserSummary};
use crate::oauth::sessions;
use crate::oauth::throttle::{self, Lockout};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(list))
        .route("/admin/users/unlock", web::post().to(unlock_from_list))
        .route("/admin/users/{id}", web::get().to(show))
        .route("/admin/users/{id}/unlock", web::post().to(unlock))
        .route(
            "/admin/users/{id}/password-reset",
            web::post().to(force_password_reset),
        )
        .route("/admin/users/{id}/suspend", web::post().to(suspend))
        .route("/admin/users/{id}/reinstate", web::post().to(reinstate))
        .route("/admin/users/{id}/sessions/end", web::post().to(end_session))
        .route("/admin/users/{id}/consents/withdraw", web::post().to(withdraw));
}

/// Users per page of the list.
const PER_PAGE: i64 = 50;
/// The last page number a request may ask for.
const MAX_PAGE: i64 = 100_000;

const BACK: &str = "%2Fadmin%2Fusers";

/// What the pages say after a change (`?done=`).
fn notices(done: &str) -> Option<String> {
    Some(match done {
        "unlocked" => i18n::t("admin-users-done-unlocked"),
        "suspended" => i18n::t("admin-users-done-suspended"),
        "reinstated" => i18n::t("admin-users-done-reinstated"),
        "reset-sent" => i18n::t("admin-users-done-reset-sent"),
        "session-ended" => i18n::t("admin-users-done-session-ended"),
        "withdrawn" => i18n::t("admin-users-done-withdrawn"),
        _ => return None,
    })
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage<'a> {
    username: &'a str,
    users: Vec<UserSummary>,
    lockouts: Vec<Lockout>,
    csrf: &'a str,
    q: &'a str,
    /// Users matching in all, and the first and last position shown.
    total: i64,
    first: i64,
    last: i64,
    previous: Option<String>,
    next: Option<String>,
    notice: Option<String>,
}

impl ListPage<'_> {
    /// How many accounts match, and which of them this page shows.
    fn count(&self) -> String {
        if self.total == 0 {
            i18n::t("admin-users-none")
        } else if self.users.is_empty() {
            i18n::t1("admin-users-past-last", "total", &self.total)
        } else {
            let (first, last, total) = (self.first, self.last, self.total);
            i18n::tn(
                "admin-users-range",
                &[("first", &first), ("last", &last), ("total", &total)],
            )
        }
    }
}

struct App {
    client_id: String,
    name: String,
    scope: String,
}

struct SessionLine {
    public_id: String,
    signed_in: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage<'a> {
    user: UserSummary,
    created: String,
    password_changed: String,
    is_self: bool,
    lockouts: Vec<Lockout>,
    sessions: Vec<SessionLine>,
    apps: Vec<App>,
    csrf: &'a str,
    notice: Option<String>,
}

/// The search text and page number of the list's query: a missing or empty
/// page is the first; anything but a number from 1 is refused.
fn search_of(req: &HttpRequest) -> Result<(String, i64), PageError> {
    let params = query(req)?;
    let q = params.get("q").unwrap_or("").trim().to_string();
    if q.chars().count() > MAX_SEARCH_CHARS || q.chars().any(char::is_control) {
        return Err(PageError::bad_request(i18n::t1(
            "admin-users-search-too-long",
            "max",
            &MAX_SEARCH_CHARS,
        )));
    }
    let page = match params.get("page") {
        None => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=MAX_PAGE).contains(p))
            .ok_or_else(|| PageError::bad_request(i18n::t("admin-users-no-page")))?,
    };
    Ok((q, page))
}

fn page_link(q: &str, page: i64) -> String {
    format!("/admin/users?q={}&page={page}", encode(q))
}

async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let (q, page) = search_of(&req)?;
    let current = administrator(&state, &req, BACK).await?;
    let ctx = &state.oauth;
    let found = administration::find_users(ctx, &q, PER_PAGE, page).await?;
    let lockouts = throttle::in_force(ctx).await?;
    let first = (page - 1) * PER_PAGE + 1;
    let last = first + found.users.len() as i64 - 1;
    let previous = (page > 1).then(|| page_link(&q, page - 1));
    let next = (page * PER_PAGE < found.total).then(|| page_link(&q, page + 1));
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &ListPage {
            username: &current.username,
            users: found.users,
            lockouts,
            csrf: &current.csrf,
            q: &q,
            total: found.total,
            first,
            last,
            previous,
            next,
            notice: notice(&req, notices),
        },
    ))
}

/// The user a path names, or a 404.
async fn user_of(state: &AppState, id: &str) -> Result<UserDetail, PageError> {
    // No stored id is this long or has other characters: a hostile one
    // costs no query.
    let plausible = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if id.len() > 64 || !id.chars().all(plausible) {
        return Err(no_such_user());
    }
    administration::user(&state.oauth, id)
        .await?
        .ok_or_else(no_such_user)
}

fn no_such_user() -> PageError {
    PageError::not_found(i18n::t("admin-users-no-such-user"))
}

fn user_back(id: &str) -> String {
    encode(&format!("/admin/users/{id}"))
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let current = administrator(&state, &req, &user_back(&id)).await?;
    let ctx = &state.oauth;
    let user = user_of(&state, &id).await?;
    let name = user.summary.username.clone();
    let lockouts = throttle::in_force(ctx)
        .await?
        .into_iter()
        .filter(|l| l.username.as_deref() == Some(name.as_str()))
        .collect();
    let sessions = administration::live_sessions(ctx, &user.summary.id)
        .await?
        .into_iter()
        .map(|s: SessionSummary| SessionLine {
            public_id: s.public_id,
            signed_in: utc_text(s.authenticated_at),
            expires: utc_text(s.expires_at),
        })
        .collect();
    let apps = sessions::approved_apps(ctx, &user.summary.id)
        .await?
        .into_iter()
        .map(|(client_id, name, scope)| App {
            client_id,
            name,
            scope,
        })
        .collect();
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &UserPage {
            is_self: user.summary.id == current.user_id,
            created: utc_text(user.created_at),
            password_changed: utc_text(user.password_changed_at),
            user: user.summary,
            lockouts,
            sessions,
            apps,
            csrf: &current.csrf,
            notice: notice(&req, notices),
        },
    ))
}

fn done(id: &str, what: &str) -> HttpResponse {
    see_other(&format!("/admin/users/{}?done={what}", encode(id)))
}

/// Lifts the lockouts of `username` (`tollgate user unlock`).
async fn lift(
    state: &AppState,
    req: &HttpRequest,
    current: &crate::oauth::sessions::Session,
    username: String,
) -> Result<(), PageError> {
    let actor = actor(current, req);
    let now = state.oauth.clock.now();
    state
        .oauth
        .db
        .blocking(move |db| throttle::unlock(db, &actor, &username, now))
        .await?;
    Ok(())
}

async fn unlock_from_list(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, BACK).await?;
    let username = form
        .get("username")
        .map(str::to_string)
        .ok_or_else(|| PageError::bad_request(i18n::t("admin-users-name-account")))?;
    lift(&state, &req, &current, username).await?;
    Ok(see_other("/admin/users?done=unlocked"))
}

async fn unlock(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (_, current) = admin_form(&state, &req, payload, &user_back(&id)).await?;
    let user = user_of(&state, &id).await?;
    lift(&state, &req, &current, user.summary.username).await?;
    Ok(done(&id, "unlocked"))
}

/// Sends the user `id` a password reset link (to their stored address,
/// verified or not: the administrator vouches for it), audited. A user
/// without an address, or suspended, is refused; so is the email throttle's
/// excess.
async fn force_password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (_, current) = admin_form(&state, &req, payload, &user_back(&id)).await?;
    let user = user_of(&state, &id).await?;
    let refused = |message: String| {
        Err(PageError::refused(
            StatusCode::CONFLICT,
            i18n::t("admin-user-reset-refused"),
            message,
        ))
    };
    match crate::email::send_password_reset(&state.oauth, &state.mailer, &user.summary.id).await? {
        crate::email::Outcome::Sent => {}
        crate::email::Outcome::Throttled(_) => return refused(i18n::t("admin-user-reset-throttled")),
        crate::email::Outcome::Nothing => return refused(i18n::t("admin-user-reset-nothing")),
    }
    let event = crate::oauth::audit::Event::PasswordResetSent {
        user_id: user.summary.id.clone(),
    };
    crate::oauth::audit::record(
        &state.oauth.db,
        &actor(&current, &req),
        event,
        state.oauth.clock.now(),
    )
    .await;
    Ok(done(&id, "reset-sent"))
}

/// Suspends or reinstates the user `id` (`tollgate user suspend|reinstate`).
async fn set_suspended(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    suspended: bool,
) -> Result<HttpResponse, PageError> {
    let (_, current) = admin_form(&state, &req, payload, &user_back(&id)).await?;
    let user = user_of(&state, &id).await?;
    if suspended && user.summary.id == current.user_id {
        return Err(PageError::refused(
            StatusCode::CONFLICT,
            i18n::t("error-change-refused"),
            i18n::t("admin-user-no-self-suspend"),
        ));
    }
    let actor = actor(&current, &req);
    let now = state.oauth.clock.now();
    let username = user.summary.username;
    let found = state
        .oauth
        .db
        .blocking(move |db| accounts::set_suspended(db, &actor, &username, suspended, now))
        .await?;
    if !found {
        return Err(no_such_user());
    }
    if suspended {
        // The sessions just ended: wake the back-channel logout task.
        state.oauth.logout_wake.notify_one();
    }
    Ok(done(&id, if suspended { "suspended" } else { "reinstated" }))
}

async fn suspend(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    set_suspended(state, req, id, payload, true).await
}

async fn reinstate(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    set_suspended(state, req, id, payload, false).await
}

async fn end_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, &user_back(&id)).await?;
    let user = user_of(&state, &id).await?;
    let sid = form
        .get("session")
        .ok_or_else(|| PageError::bad_request(i18n::t("admin-user-name-session")))?;
    let actor = actor(&current, &req);
    if !administration::end_session(&state.oauth, &actor, &user.summary.id, sid).await? {
        return Err(PageError::not_found(i18n::t("admin-user-no-such-session")));
    }
    Ok(done(&id, "session-ended"))
}

async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, &user_back(&id)).await?;
    let user = user_of(&state, &id).await?;
    let client_id = form
        .get("client_id")
        .ok_or_else(|| PageError::bad_request(i18n::t("admin-user-name-app")))?;
    let actor = actor(&current, &req);
    if !sessions::withdraw_consent_as(&state.oauth, &actor, &user.summary.id, client_id).await? {
        return Err(PageError::not_found(i18n::t("admin-user-app-not-allowed")));
    }
    Ok(done(&id, "withdrawn"))
}
