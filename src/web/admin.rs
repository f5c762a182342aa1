//! The administrators' pages: every user, and the sign-in lockouts and
//! slowdowns in force, with a button to lift an account's (like
//! `tollgate user unlock`); and the audit trail, newest first, filtered by
//! user or client, 50 events a page. Anyone else gets a 404: the pages'
//! existence is not theirs to learn.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, query, read_form, see_other};
use super::session;
use super::AppState;
use crate::domain::utc_text;
use crate::oauth::accounts::{self, UserSummary};
use crate::oauth::audit::{self, Actor};
use crate::oauth::sessions::Session;
use crate::oauth::throttle::{self, Lockout};
use crate::storage::{self, audit::AuditFilter};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users))
        .route("/admin/users/unlock", web::post().to(unlock))
        .route("/admin/audit", web::get().to(audit_page));
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage<'a> {
    username: &'a str,
    users: Vec<UserSummary>,
    lockouts: Vec<Lockout>,
    csrf: &'a str,
}

/// The signed-in administrator; anyone else is sent to sign in, or gets a 404.
pub(super) async fn administrator(
    state: &AppState,
    req: &HttpRequest,
    back: &str,
) -> Result<Session, PageError> {
    match session::current(state, req).await? {
        Some(s) if s.is_admin => Ok(s),
        Some(_) => Err(PageError::not_found("There is no page at this address.")),
        None => Err(PageError::SeeOther(format!("/login?return_to={back}"))),
    }
}

/// A form posted by an administrator: read, then the session and its CSRF
/// token checked (a stale or foreign form changes nothing).
pub(super) async fn admin_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    back: &str,
) -> Result<(crate::oauth::form::Params, Session), PageError> {
    let form = read_form(req, payload).await?;
    let current = administrator(state, req, back).await?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(PageError::form_expired());
    }
    Ok((form, current))
}

async fn users(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = administrator(&state, &req, "%2Fadmin%2Fusers").await?;
    let ctx = &state.oauth;
    let users = accounts::list_users(ctx).await?;
    let lockouts = throttle::in_force(ctx).await?;
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &UsersPage {
            username: &current.username,
            users,
            lockouts,
            csrf: &current.csrf,
        },
    ))
}

async fn unlock(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, "%2Fadmin%2Fusers").await?;
    let username = form
        .get("username")
        .map(str::to_string)
        .ok_or_else(|| PageError::bad_request("Name the account to unlock."))?;
    let db = state.oauth.db.clone();
    let actor = Actor::session(&current).from_address(super::body::client_address(&req));
    let now = state.oauth.clock.now();
    tokio::task::spawn_blocking(move || throttle::unlock(&db, &actor, &username, now))
        .await
        .map_err(|_| PageError::Unavailable(crate::storage::StorageError::Cancelled))??;
    Ok(see_other("/admin/users"))
}

/// Events per page of the audit trail.
const PAGE: i64 = 50;

struct EventLine {
    id: i64,
    at: String,
    kind: String,
    actor: String,
    user: String,
    client: String,
    address: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage<'a> {
    events: Vec<EventLine>,
    user: &'a str,
    client: &'a str,
    /// The query of the next (older) page, if there is one.
    next: Option<String>,
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn audit_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let params = query(&req)?;
    let current = administrator(&state, &req, "%2Fadmin%2Faudit").await?;
    let user = params.get("user").unwrap_or("").trim().to_string();
    let client = params.get("client").unwrap_or("").trim().to_string();
    let before_id = match params.get("before").filter(|b| !b.is_empty()) {
        Some(b) => Some(
            b.parse::<i64>()
                .map_err(|_| PageError::bad_request("That page does not exist."))?,
        ),
        None => None,
    };
    let user_id = match user.as_str() {
        "" => None,
        u if u.starts_with("user_") => Some(u.to_string()),
        name => {
            let name = name.to_string();
            let found = state
                .oauth
                .db
                .run(move |conn| storage::users::by_username(conn, &name))
                .await?;
            // An unknown name matches nothing rather than everything.
            Some(found.map_or_else(|| "unknown:".to_string(), |u| u.id))
        }
    };
    let filter = AuditFilter {
        user_id,
        client_id: (!client.is_empty()).then(|| client.clone()),
        since: None,
        before_id,
    };
    let mut rows = audit::list(&state.oauth.db, filter, PAGE + 1).await?;
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let next = match rows.last() {
        Some(last) if more => Some(format!(
            "user={}&client={}&before={}",
            encode(&user),
            encode(&client),
            last.id
        )),
        _ => None,
    };
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let events = rows
        .into_iter()
        .map(|r| EventLine {
            id: r.id,
            at: utc_text(r.at),
            actor: match r.actor_user_id {
                Some(id) => format!("{} {id}", r.actor_kind),
                None => r.actor_kind,
            },
            kind: r.kind,
            user: dash(r.user_id),
            client: dash(r.client_id),
            address: dash(r.address),
            detail: r.detail_json,
        })
        .collect();
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &AuditPage {
            events,
            user: &user,
            client: &client,
            next,
        },
    ))
}
