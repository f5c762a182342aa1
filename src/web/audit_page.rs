//! `/admin/audit`: the audit trail for administrators, newest first,
//! filtered by user or client, a page at a time. Anyone else gets a 404:
//! the page's existence is not theirs to learn.

use super::page_error::PageError;
use super::pages::{self, query};
use super::{session, AppState};
use crate::domain::utc_text;
use crate::oauth::audit;
use crate::storage::{self, audit::AuditFilter};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// Events per page.
const PAGE: i64 = 50;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/audit", web::get().to(audit_page));
}

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
    let current = session::current(&state, &req)
        .await?
        .ok_or_else(|| PageError::SeeOther(format!("/login?return_to={}", encode("/admin/audit"))))?;
    if !current.is_admin {
        return Err(PageError::not_found("There is no such page."));
    }
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
        &AuditPage {
            events,
            user: &user,
            client: &client,
            next,
        },
    ))
}
