//! The administrators' app page, `/admin/apps`: every registered app with
//! its owner, kind and marks (verified: the mark consent pages show;
//! trusted: first-party, skips consent; suspended: given no tokens), and a
//! button to set or clear each mark. A mark is set with the registry's own
//! function, one flag at a time under the row's lock, recorded with the
//! acting administrator; each app links to its portal page for the rest.

use super::admin::{actor, admin_form, administrator, encode, notice};
use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, see_other};
use super::AppState;
use crate::i18n;
use crate::oauth::audit::ClientFlag;
use crate::oauth::registry;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use std::collections::HashMap;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/apps", web::get().to(list))
        .route("/admin/apps/{id}/mark", web::post().to(mark));
}

const BACK: &str = "%2Fadmin%2Fapps";

/// What the page says after a change (`?done=`): the mark and its new value.
fn notices(done: &str) -> Option<String> {
    Some(match done {
        "verified" => i18n::t("admin-apps-done-verified"),
        "unverified" => i18n::t("admin-apps-done-unverified"),
        "trusted" => i18n::t("admin-apps-done-trusted"),
        "untrusted" => i18n::t("admin-apps-done-untrusted"),
        "suspended" => i18n::t("admin-apps-done-suspended"),
        "reinstated" => i18n::t("admin-apps-done-reinstated"),
        _ => return None,
    })
}

struct AppLine {
    id: String,
    name: String,
    owner: String,
    /// Public or confidential (RFC 6749 §2.1), in words.
    kind: String,
    verified: bool,
    trusted: bool,
    suspended: bool,
}

#[derive(Template)]
#[template(path = "admin_apps.html")]
struct AppsPage<'a> {
    apps: Vec<AppLine>,
    csrf: &'a str,
    notice: Option<String>,
}

async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = administrator(&state, &req, BACK).await?;
    let db = &state.oauth.db;
    let rows = registry::registrations(db, None).await?;
    let mut owners: HashMap<String, String> = HashMap::new();
    let mut apps = Vec::with_capacity(rows.len());
    for r in rows {
        let owner = match &r.owner_id {
            None => i18n::t("admin-apps-operator"),
            Some(id) => match owners.get(id) {
                Some(name) => name.clone(),
                None => {
                    let name = registry::owner_name(db, id)
                        .await?
                        .unwrap_or_else(|| i18n::t("admin-apps-deleted-owner"));
                    owners.insert(id.clone(), name.clone());
                    name
                }
            },
        };
        apps.push(AppLine {
            kind: if r.is_public {
                i18n::t("admin-apps-public")
            } else {
                i18n::t("admin-apps-confidential")
            },
            verified: r.verified,
            trusted: r.is_trusted,
            suspended: r.suspended,
            owner,
            id: r.id,
            name: r.name,
        });
    }
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &AppsPage {
            apps,
            csrf: &current.csrf,
            notice: notice(&req, notices),
        },
    ))
}

async fn mark(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, BACK).await?;
    let flag = match form.get("mark") {
        Some("verified") => ClientFlag::Verified,
        Some("trusted") => ClientFlag::Trusted,
        Some("suspended") => ClientFlag::Suspended,
        _ => return Err(PageError::bad_request(i18n::t("admin-apps-choose-mark"))),
    };
    let value = match form.get("set") {
        Some("true") => true,
        Some("false") => false,
        _ => return Err(PageError::bad_request(i18n::t("admin-apps-set-or-clear"))),
    };
    if id.len() > 256
        || id.chars().any(char::is_control)
        || !registry::set_flag(&state.oauth.clients, &actor(&current, &req), &id, flag, value).await?
    {
        return Err(PageError::not_found(i18n::t("admin-apps-no-such-app")));
    }
    let done = match (flag, value) {
        (ClientFlag::Verified, true) => "verified",
        (ClientFlag::Verified, false) => "unverified",
        (ClientFlag::Trusted, true) => "trusted",
        (ClientFlag::Trusted, false) => "untrusted",
        (ClientFlag::Suspended, true) => "suspended",
        (ClientFlag::Suspended, false) => "reinstated",
    };
    Ok(see_other(&format!("/admin/apps?done={done}#app-{}", encode(&id))))
}
