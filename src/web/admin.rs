//! The administrators' pages: the section's index (`/admin`, linking users,
//! apps, scopes, APIs and the audit trail), the audit trail itself (newest
//! first, filtered by user or client, 50 events a page), and what every
//! administrators' page shares: who may see it, how its forms are checked,
//! who the audit trail says acted, and the notice shown after a change.
//! Anyone but an administrator gets a 404: the pages' existence is not
//! theirs to learn. Users are in `admin_users`, apps in `admin_apps`, the
//! scope catalogue in `admin_scopes`, APIs in `admin_apis`.

use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, query, read_form};
use super::session;
use super::AppState;
use crate::domain::utc_text;
use crate::i18n;
use crate::oauth::audit::{self, Actor};
use crate::oauth::sessions::Session;
use crate::storage::{self, audit::AuditFilter};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(index))
        .route("/admin/audit", web::get().to(audit_page));
}

/// The signed-in administrator; anyone else is sent to sign in, or gets a 404.
pub(super) async fn administrator(
    state: &AppState,
    req: &HttpRequest,
    back: &str,
) -> Result<Session, PageError> {
    match session::current(state, req).await? {
        Some(s) if s.is_admin => Ok(s),
        Some(_) => Err(PageError::not_found(i18n::t("error-not-found-page"))),
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

#[derive(Template)]
#[template(path = "admin_index.html")]
struct IndexPage;

async fn index(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = administrator(&state, &req, "%2Fadmin").await?;
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &IndexPage,
    ))
}

/// An administrator acting from this request's address, for the audit trail.
pub(super) fn actor(current: &Session, req: &HttpRequest) -> Actor {
    Actor::session(current).from_address(super::body::client_address(req))
}

/// The success notice a page shows after a change: the words `notices`
/// has for the query's `done`; anything else shows nothing (nothing is
/// reflected).
pub(super) fn notice(req: &HttpRequest, notices: fn(&str) -> Option<String>) -> Option<String> {
    let query = pages::query(req).ok()?;
    notices(query.get("done")?)
}

/// A value for a URL's query.
pub(super) fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
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

async fn audit_page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let params = query(&req)?;
    let current = administrator(&state, &req, "%2Fadmin%2Faudit").await?;
    let user = params.get("user").unwrap_or("").trim().to_string();
    let client = params.get("client").unwrap_or("").trim().to_string();
    let before_id = match params.get("before").filter(|b| !b.is_empty()) {
        Some(b) => Some(
            b.parse::<i64>()
                .map_err(|_| PageError::bad_request(i18n::t("admin-audit-no-page")))?,
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
