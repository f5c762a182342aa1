//! The developer portal: registering, editing, rotating and
//! deleting applications. Administrators see every application and can
//! mark one trusted or suspend it. Another developer's application is a
//! 404, never a 403: its existence is not theirs to learn.
//!
//! It forgives mistakes: every change is a POST answered 303 with the page
//! that says it was made (`?done=…`, a fixed message, nothing reflected);
//! a new secret is shown by one GET after its POST (`secret_handoff`), so
//! a reload neither registers twice nor shows the secret again; deleting
//! asks for the application's name on a page of its own; the form shows
//! every broken rule at once, next to its field.

use super::app_form::AppForm;
use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, see_other};
use super::secret_handoff;
use super::session;
use super::AppState;
use crate::domain::{AccessTokenFormat, Invalid};
use crate::i18n;
use crate::oauth::audit::Actor;
use crate::oauth::form::Params;
use crate::oauth::opaque;
use crate::oauth::registry::Registration;
use crate::oauth::registry::{self, FieldError, RegisterError, Registrant, UpdateError};
use crate::oauth::sessions::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::ExposeSecret;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/portal", web::get().to(list))
        .route("/portal/apps/new", web::get().to(new_form))
        .route("/portal/apps", web::post().to(create))
        .route("/portal/apps/{id}", web::get().to(show))
        .route("/portal/apps/{id}", web::post().to(edit))
        .route("/portal/apps/{id}/secret", web::get().to(secret))
        .route("/portal/apps/{id}/rotate", web::post().to(rotate))
        .route("/portal/apps/{id}/delete", web::get().to(confirm_delete))
        .route("/portal/apps/{id}/delete", web::post().to(delete))
        .route("/portal/apps/{id}/flags", web::post().to(flags));
}

struct AppSummary {
    id: String,
    name: String,
    kind: String,
    trusted: bool,
    suspended: bool,
    verified: bool,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage<'a> {
    username: &'a str,
    is_admin: bool,
    apps: Vec<AppSummary>,
    csrf: &'a str,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "app_form.html")]
struct AppFormPage<'a> {
    client_id: Option<&'a str>,
    action: String,
    form: AppForm,
    errors: Vec<(&'static str, String)>,
    csrf: &'a str,
    catalogue: Vec<(String, String)>,
    implicit_allowed: bool,
    client_credentials_allowed: bool,
    is_admin: bool,
    trusted: bool,
    suspended: bool,
    verified: bool,
    opaque_tokens: bool,
    done: Option<String>,
    organisation: String,
    /// The uploaded logo's address (versioned), if there is one.
    logo: Option<String>,
}

impl AppFormPage<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Template)]
#[template(path = "app_secret.html")]
struct SecretPage<'a> {
    client_id: &'a str,
    name: &'a str,
    public: bool,
    /// The secret, on the one GET that takes it.
    secret: Option<&'a str>,
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "app_delete.html")]
struct DeletePage<'a> {
    client_id: &'a str,
    name: &'a str,
    typed: &'a str,
    error: bool,
    csrf: &'a str,
}

/// The message a `?done=` names: fixed words, so a link cannot make the
/// portal say anything else.
fn done_message(req: &HttpRequest) -> Option<String> {
    let done = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "done")?
        .1;
    Some(match done.as_ref() {
        "saved" => i18n::t("portal-done-saved"),
        "flags" => i18n::t("portal-done-flags"),
        "logo" => i18n::t("portal-done-logo"),
        "logo_removed" => i18n::t("portal-done-logo-removed"),
        "deleted" => i18n::t("portal-done-deleted"),
        "registered" => i18n::t("portal-done-registered"),
        _ => return None,
    })
}

/// Who acts in the portal: the developer, or an administrator as such.
fn actor(current: &Session, req: &HttpRequest) -> Actor {
    Actor::session(current).from_address(super::body::client_address(req))
}

fn not_found() -> PageError {
    PageError::not_found(i18n::t("portal-no-such-application"))
}

/// The signed-in developer, or the redirect to the sign-in page.
async fn signed_in(state: &AppState, req: &HttpRequest) -> Result<Session, PageError> {
    session::required(state, req, req.path()).await
}

/// A posted form from the signed-in developer, its CSRF token checked.
async fn signed_in_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Session, Params), PageError> {
    session::signed_in_form(state, req, payload, req.path()).await
}

/// The application `id` if this developer may see it (its owner, or an admin).
async fn owned(state: &AppState, current: &Session, id: &str) -> Result<Registration, PageError> {
    match registry::registration(&state.oauth.db, id).await? {
        Some(r) if r.is_managed_by(&current.user_id, current.is_admin) => Ok(r),
        _ => Err(not_found()),
    }
}

/// A posted form about application `id`, from a developer who may change it.
async fn owned_form(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    payload: web::Payload,
) -> Result<(Session, Params, Registration), PageError> {
    let (current, params) = signed_in_form(state, req, payload).await?;
    let row = owned(state, &current, id).await?;
    Ok((current, params, row))
}

/// What the application page shows besides the form.
#[derive(Default)]
pub(super) struct Extras {
    pub(super) done: Option<String>,
    pub(super) organisation: Option<String>,
    pub(super) logo_updated_at: Option<i64>,
}

/// The organisation and logo of `row`, for its page.
pub(super) async fn extras(state: &AppState, row: &Registration) -> Result<Extras, PageError> {
    let id = row.id.clone();
    let (organisation, logo_updated_at) = state
        .oauth
        .db
        .run(move |conn| {
            Ok((
                crate::storage::branding::organisation(conn, &id)?,
                crate::storage::branding::logo_updated_at(conn, &id)?,
            ))
        })
        .await?;
    Ok(Extras {
        done: None,
        organisation,
        logo_updated_at,
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn form_page(
    state: &AppState,
    status: StatusCode,
    current: &Session,
    row: Option<&Registration>,
    form: AppForm,
    errors: Vec<(&'static str, String)>,
    catalogue: Vec<(String, String)>,
    extras: Extras,
) -> HttpResponse {
    let action = row.map_or("/portal/apps".to_string(), |r| format!("/portal/apps/{}", r.id));
    pages::page_response(
        status,
        &Nav::of(current),
        &AppFormPage {
            client_id: row.map(|r| r.id.as_str()),
            action,
            form,
            errors,
            csrf: &current.csrf,
            catalogue,
            implicit_allowed: state.oauth.settings.self_service_implicit,
            client_credentials_allowed: state.oauth.settings.self_service_client_credentials
                || current.is_admin,
            is_admin: current.is_admin,
            trusted: row.is_some_and(|r| r.is_trusted),
            suspended: row.is_some_and(|r| r.suspended),
            verified: row.is_some_and(|r| r.verified),
            opaque_tokens: row.is_some_and(|r| r.access_token_format == AccessTokenFormat::Opaque),
            done: extras.done,
            organisation: extras.organisation.unwrap_or_default(),
            logo: row
                .zip(extras.logo_updated_at)
                .map(|(r, at)| super::logos::logo_path(&r.id, at)),
        },
    )
}

async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    let owner = (!current.is_admin).then_some(current.user_id.as_str());
    let rows = registry::registrations(&state.oauth.db, owner).await?;
    let apps = rows
        .into_iter()
        .map(|r| AppSummary {
            kind: if r.is_public {
                i18n::t("portal-public")
            } else {
                i18n::t("portal-confidential")
            },
            trusted: r.is_trusted,
            suspended: r.suspended,
            verified: r.verified,
            id: r.id,
            name: r.name,
        })
        .collect();
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &PortalPage {
            username: &current.username,
            is_admin: current.is_admin,
            apps,
            csrf: &current.csrf,
            done: done_message(&req),
        },
    ))
}

async fn new_form(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    let catalogue = registry::catalogue(&state.oauth.db).await?;
    let form = AppForm {
        grants: vec!["authorization_code".into(), "refresh_token".into()],
        ..Default::default()
    };
    Ok(form_page(
        &state,
        StatusCode::OK,
        &current,
        None,
        form,
        Vec::new(),
        catalogue,
        Extras::default(),
    ))
}

async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, params) = signed_in_form(&state, &req, payload).await?;
    let catalogue = registry::catalogue(&state.oauth.db).await?;
    let form = AppForm::from_params(&params, &catalogue);
    let checked = form.validate_all(
        Some(current.user_id.clone()),
        &Registrant::self_service(&state.oauth.settings, &catalogue),
    );
    let valid = match (checked, form.security()) {
        (Ok(v), Ok(None)) => v,
        (Ok(v), Ok(Some(security))) => v.with_security(security),
        (checked, security) => {
            let mut errors = checked.err().unwrap_or_default();
            errors.extend(security.err());
            return Ok(form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &current,
                None,
                form,
                errors,
                catalogue,
                Extras::default(),
            ));
        }
    };
    let registered = match registry::register(
        &state.oauth.db,
        &actor(&current, &req),
        valid,
        false,
        state.oauth.clock.now(),
    )
    .await
    {
        Ok(r) => r,
        Err(RegisterError::Storage(e)) => return Err(e.into()),
        // Validated above; a rule broken now is the form's to show.
        Err(RegisterError::Invalid(e)) => return Err(PageError::bad_request(super::field_errors::words(&e))),
    };
    let id = &registered.client_id;
    let Some(secret) = &registered.client_secret else {
        return Ok(see_other(&format!("/portal/apps/{id}?done=registered")));
    };
    handed_off(&state, &current, id, secret.expose_secret()).await
}

/// 303 to the page that shows `secret` once, with the cookie that opens it.
async fn handed_off(
    state: &AppState,
    current: &Session,
    client_id: &str,
    secret: &str,
) -> Result<HttpResponse, PageError> {
    let cookie = secret_handoff::seal(state, current, client_id, secret).await?;
    let mut response = see_other(&secret_handoff::page_path(client_id));
    response.add_cookie(&cookie).map_err(|e| {
        tracing::error!(error = %e, "the secret hand-off cookie could not be set");
        PageError::bad_request(i18n::t("portal-secret-not-handed-over"))
    })?;
    Ok(response)
}

/// The one GET that shows a new secret; a reload says it was shown.
async fn secret(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    let row = owned(&state, &current, &id).await?;
    let secret = secret_handoff::take(&state, &req, &current, &row.id).await?;
    let mut response = pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &SecretPage {
            client_id: &row.id,
            name: &row.name,
            public: row.is_public,
            secret: secret.as_deref(),
            csrf: &current.csrf,
        },
    );
    let _ = response.add_cookie(&secret_handoff::removal(&state, &row.id));
    Ok(response)
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    let row = owned(&state, &current, &id).await?;
    let catalogue = registry::catalogue(&state.oauth.db).await?;
    let mut extras = extras(&state, &row).await?;
    extras.done = done_message(&req);
    Ok(form_page(
        &state,
        StatusCode::OK,
        &current,
        Some(&row),
        AppForm::from_registration(&row),
        Vec::new(),
        catalogue,
        extras,
    ))
}

async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, params, row) = owned_form(&state, &req, &id, payload).await?;
    let catalogue = registry::catalogue(&state.oauth.db).await?;
    let mut form = AppForm::from_params(&params, &catalogue);
    form.public = row.is_public;
    let offer = registry::FormOffer {
        catalogue: catalogue.iter().map(|(n, _)| n.clone()).collect(),
        implicit: state.oauth.settings.self_service_implicit,
        client_credentials: state.oauth.settings.self_service_client_credentials || current.is_admin,
    };
    let (editor, by_admin) = if current.is_admin {
        (registry::Editor::Operator, true)
    } else {
        (registry::Editor::SelfService, false)
    };
    let result = if form.grants.is_empty() {
        Err(UpdateError::Invalid(FieldError::broke(
            "grant_types",
            Invalid::rule("rule-grant-types-none", "choose at least one grant type"),
        )))
    } else {
        let new = form.to_new_client(row.owner_id.clone());
        registry::update(
            &state.oauth.clients,
            &actor(&current, &req),
            &row.id,
            editor,
            move |now| registry::portal_edit(now, new, &offer, by_admin),
        )
        .await
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/portal/apps/{}?done=saved", row.id))),
        Err(UpdateError::NotFound) => Err(not_found()),
        Err(UpdateError::Invalid(e)) => {
            let errors = form.field_errors_with(
                e,
                row.owner_id.clone(),
                &Registrant::self_service(&state.oauth.settings, &catalogue),
            );
            let extras = extras(&state, &row).await?;
            Ok(form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &current,
                Some(&row),
                form,
                errors,
                catalogue,
                extras,
            ))
        }
        Err(UpdateError::Storage(e)) => Err(e.into()),
    }
}

async fn rotate(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, params, row) = owned_form(&state, &req, &id, payload).await?;
    let overlap = match params.get("overlap").unwrap_or("0") {
        "0" => 0,
        "3600" => 3600,
        "86400" => 86400,
        _ => return Err(PageError::bad_request(i18n::t("portal-rotate-choose-overlap"))),
    };
    let secret = registry::rotate_secret(&state.oauth.clients, &actor(&current, &req), &row.id, overlap)
        .await?
        .ok_or_else(|| PageError::bad_request(i18n::t("portal-rotate-public")))?;
    handed_off(&state, &current, &row.id, secret.expose_secret()).await
}

/// The page that asks for the application's name before deleting it.
fn delete_page(status: StatusCode, current: &Session, row: &Registration, typed: &str) -> HttpResponse {
    pages::page_response(
        status,
        &Nav::of(current),
        &DeletePage {
            client_id: &row.id,
            name: &row.name,
            typed,
            error: status != StatusCode::OK,
            csrf: &current.csrf,
        },
    )
}

async fn confirm_delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    let row = owned(&state, &current, &id).await?;
    Ok(delete_page(StatusCode::OK, &current, &row, ""))
}

async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, params, row) = owned_form(&state, &req, &id, payload).await?;
    let typed = params.get("confirm_name").unwrap_or("");
    if typed.trim() != row.name.trim() {
        return Ok(delete_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &current,
            &row,
            typed,
        ));
    }
    registry::delete(&state.oauth.clients, &actor(&current, &req), &row.id).await?;
    Ok(see_other("/portal?done=deleted"))
}

async fn flags(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, params) = signed_in_form(&state, &req, payload).await?;
    if !current.is_admin {
        return Err(not_found());
    }
    let row = owned(&state, &current, &id).await?;
    let flags = registry::AdminFlags {
        is_trusted: params.get("trusted").is_some(),
        suspended: params.get("suspended").is_some(),
        verified: params.get("verified").is_some(),
    };
    // Absent (a form from before the choice existed): unchanged.
    let format = match params.get("access_token_format") {
        None => row.access_token_format,
        Some(f) => f
            .parse::<AccessTokenFormat>()
            .map_err(|_| PageError::bad_request(i18n::t("portal-flags-token-format")))?,
    };
    // Absent (a form from before the field existed): unchanged.
    let organisation = match params.get("organisation") {
        None => None,
        Some(raw) => Some(organisation(raw)?),
    };
    let actor = actor(&current, &req);
    registry::set_flags(&state.oauth.clients, &actor, &row.id, flags).await?;
    if let Some(organisation) = organisation {
        let id = row.id.clone();
        state
            .oauth
            .db
            .run(move |conn| crate::storage::branding::set_organisation(conn, &id, organisation.as_deref()))
            .await?;
    }
    if format != row.access_token_format {
        let now = state.oauth.clock.now();
        opaque::set_format(&state.oauth.db, &actor, &row.id, format, now).await?;
        state.oauth.clients.invalidate(&row.id);
    }
    Ok(see_other(&format!("/portal/apps/{}?done=flags", row.id)))
}

/// The organisation an administrator names as an application's owner:
/// empty clears it; shown to users on consent, so no control or
/// direction-changing characters.
fn organisation(raw: &str) -> Result<Option<String>, PageError> {
    let name = raw.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let invisible = |c: char| {
        c.is_control()
            || ('\u{200b}'..='\u{200f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if name.chars().count() > 100 || name.chars().any(invisible) {
        return Err(PageError::bad_request(i18n::t("portal-flags-organisation")));
    }
    Ok(Some(name.to_string()))
}
