//! The administrators' scope catalogue page, `/admin/scopes`: every scope
//! with its description and the API owning it, a form to add one, a form
//! per scope to change its description, and "remove", which first asks on
//! a page of its own what removing it means (the apps allowed it keep it,
//! the API owning it stops owning it). The rules are the command line's
//! (`oauth::registry::catalogue`); every change is in the audit trail.

use super::admin::{actor, admin_form, administrator, notice};
use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, see_other};
use super::AppState;
use crate::i18n;
use crate::oauth::registry::{self, catalogue, catalogue::CatalogueError};
use crate::oauth::sessions::Session;
use crate::storage::scopes::CatalogueEntry;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/scopes", web::get().to(list))
        .route("/admin/scopes", web::post().to(add))
        .route("/admin/scopes/describe", web::post().to(describe))
        .route("/admin/scopes/remove", web::post().to(remove));
}

const BACK: &str = "%2Fadmin%2Fscopes";

/// What the page says after a change (`?done=`).
fn notices(done: &str) -> Option<String> {
    Some(match done {
        "added" => i18n::t("admin-scopes-done-added"),
        "described" => i18n::t("admin-scopes-done-described"),
        "removed" => i18n::t("admin-scopes-done-removed"),
        _ => return None,
    })
}

/// The longest scope name (`Scope::parse`), for the words of a refusal.
const MAX_NAME_LEN: usize = 128;

/// A refused change: which form it came from (`add`, or the scope's name),
/// and why.
struct Refusal {
    form: String,
    message: String,
}

#[derive(Template)]
#[template(path = "admin_scopes.html")]
struct ScopesPage<'a> {
    scopes: Vec<CatalogueEntry>,
    csrf: &'a str,
    notice: Option<String>,
    refusal: Option<Refusal>,
    /// The add form, as typed (refilled after a refusal).
    name: String,
    description: String,
}

impl ScopesPage<'_> {
    fn refused(&self, form: &str) -> Option<&str> {
        self.refusal
            .as_ref()
            .filter(|r| r.form == form)
            .map(|r| r.message.as_str())
    }

    fn description_hint(&self) -> String {
        i18n::t1(
            "admin-scopes-description-hint",
            "max",
            &catalogue::MAX_DESCRIPTION_CHARS,
        )
    }
}

#[derive(Template)]
#[template(path = "admin_scope_remove.html")]
struct RemovePage<'a> {
    scope: CatalogueEntry,
    apps: usize,
    csrf: &'a str,
}

async fn render(
    state: &AppState,
    current: &Session,
    status: StatusCode,
    notice: Option<String>,
    refusal: Option<Refusal>,
    typed: (String, String),
) -> Result<HttpResponse, PageError> {
    let scopes = catalogue::entries(&state.oauth.db).await?;
    Ok(pages::page_response(
        status,
        &Nav::of(current),
        &ScopesPage {
            scopes,
            csrf: &current.csrf,
            notice,
            refusal,
            name: typed.0,
            description: typed.1,
        },
    ))
}

async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = administrator(&state, &req, BACK).await?;
    let notice = notice(&req, notices);
    render(&state, &current, StatusCode::OK, notice, None, Default::default()).await
}

/// The page again with `e` beside the form it came from, or the error's own
/// page. `sent` is the name and description the form sent.
async fn refused(
    state: &AppState,
    current: &Session,
    form: &str,
    e: CatalogueError,
    sent: (&str, &str),
    typed: (String, String),
) -> Result<HttpResponse, PageError> {
    let status = match &e {
        CatalogueError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        CatalogueError::Exists(_) => StatusCode::CONFLICT,
        CatalogueError::NotFound(_) => StatusCode::NOT_FOUND,
        CatalogueError::Storage(_) => {
            let CatalogueError::Storage(e) = e else {
                unreachable!()
            };
            return Err(e.into());
        }
    };
    let refusal = Refusal {
        form: form.to_string(),
        message: words(&e, sent),
    };
    render(state, current, status, None, Some(refusal), typed).await
}

/// What a refusal says on the page. The catalogue describes a broken rule
/// in English, for the command line; which rule it was is asked again here
/// (the same checks, on what the form sent) to say it in the reader's
/// language.
fn words(e: &CatalogueError, (name, description): (&str, &str)) -> String {
    match e {
        CatalogueError::Invalid(_) if catalogue::check_name(name).is_err() => {
            i18n::t2("admin-scopes-invalid-name", "name", name, "max", &MAX_NAME_LEN)
        }
        CatalogueError::Invalid(_) if catalogue::check_description(description).is_err() => i18n::t1(
            "admin-scopes-invalid-description",
            "max",
            &catalogue::MAX_DESCRIPTION_CHARS,
        ),
        CatalogueError::Exists(name) => i18n::t1("admin-scopes-exists", "name", name),
        CatalogueError::NotFound(name) => i18n::t1("admin-scopes-not-found", "name", name),
        // A rule this page does not know of yet: the catalogue's words.
        other => capitalised(&other.to_string()),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect::<String>() + ".",
        None => String::new(),
    }
}

async fn add(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, BACK).await?;
    let name = form.get("name").unwrap_or("").trim().to_string();
    let description = form.get("description").unwrap_or("").to_string();
    let ctx = &state.oauth;
    match catalogue::add(
        &ctx.db,
        &actor(&current, &req),
        &name,
        &description,
        ctx.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(see_other("/admin/scopes?done=added")),
        Err(e) => {
            let sent = (name.as_str(), description.as_str());
            refused(
                &state,
                &current,
                "add",
                e,
                sent,
                (name.clone(), description.clone()),
            )
            .await
        }
    }
}

async fn describe(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, BACK).await?;
    let name = form.get("name").unwrap_or("").to_string();
    let description = form.get("description").unwrap_or("");
    let ctx = &state.oauth;
    match catalogue::describe(
        &ctx.db,
        &actor(&current, &req),
        &name,
        description,
        ctx.clock.now(),
    )
    .await
    {
        Ok(()) => Ok(see_other("/admin/scopes?done=described")),
        Err(e) => {
            refused(
                &state,
                &current,
                &name,
                e,
                (&name, description),
                Default::default(),
            )
            .await
        }
    }
}

async fn remove(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, BACK).await?;
    let name = form.get("name").unwrap_or("");
    let ctx = &state.oauth;
    let Some(scope) = catalogue::entry(&ctx.db, name).await? else {
        return Err(PageError::not_found(i18n::t("admin-scopes-no-such-scope")));
    };
    if form.get("confirm") != Some("yes") {
        // The first press only asks, and says what removing it means.
        let apps = registry::registrations(&ctx.db, None)
            .await?
            .iter()
            .filter(|r| r.scopes.iter().any(|s| s == name))
            .count();
        let page = RemovePage {
            scope,
            apps,
            csrf: &current.csrf,
        };
        return Ok(pages::page_response(StatusCode::OK, &Nav::of(&current), &page));
    }
    if !catalogue::remove(&ctx.db, &actor(&current, &req), name, ctx.clock.now()).await? {
        return Err(PageError::not_found(i18n::t("admin-scopes-no-such-scope")));
    }
    if scope.api.is_some() {
        ctx.apis.invalidate();
    }
    Ok(see_other("/admin/scopes?done=removed"))
}
