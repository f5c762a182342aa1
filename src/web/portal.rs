//! The developer portal: registering, editing, rotating and
//! deleting applications. Administrators see every application and can
//! mark one trusted or suspend it. Another developer's application is a
//! 404, never a 403: its existence is not theirs to learn.

use super::app_form::AppForm;
use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, read_form, see_other};
use super::session;
use super::AppState;
use crate::domain::AccessTokenFormat;
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
        .route("/portal/apps/{id}/rotate", web::post().to(rotate))
        .route("/portal/apps/{id}/delete", web::post().to(delete))
        .route("/portal/apps/{id}/flags", web::post().to(flags));
}

struct AppSummary {
    id: String,
    name: String,
    kind: &'static str,
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
    heading: &'a str,
    client_id: &'a str,
    secret: Option<&'a str>,
}

/// Who acts in the portal: the developer, or an administrator as such.
fn actor(current: &Session, req: &HttpRequest) -> Actor {
    Actor::session(current).from_address(super::body::client_address(req))
}

fn not_found() -> PageError {
    PageError::not_found("There is no such application.")
}

/// The signed-in developer, or the redirect to the sign-in page.
async fn signed_in(state: &AppState, req: &HttpRequest) -> Result<Session, PageError> {
    session::current(state, req).await?.ok_or_else(|| {
        let back: String = url::form_urlencoded::byte_serialize(req.path().as_bytes()).collect();
        PageError::SeeOther(format!("/login?return_to={back}"))
    })
}

/// A posted form from the signed-in developer, its CSRF token checked.
async fn signed_in_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Session, Params), PageError> {
    let form = read_form(req, payload).await?;
    let current = signed_in(state, req).await?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(PageError::form_expired());
    }
    Ok((current, form))
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

fn form_page(
    state: &AppState,
    status: StatusCode,
    current: &Session,
    row: Option<&Registration>,
    form: AppForm,
    errors: Vec<(&'static str, String)>,
    catalogue: Vec<(String, String)>,
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
            kind: if r.is_public { "public" } else { "confidential" },
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
    let valid = match form.validate(
        Some(current.user_id.clone()),
        &Registrant::self_service(&state.oauth.settings, &catalogue),
    ) {
        Ok(v) => v,
        Err(e) => {
            return Ok(form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &current,
                None,
                form,
                vec![(e.field, e.message)],
                catalogue,
            ))
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
        Err(RegisterError::Invalid(e)) => return Err(PageError::bad_request(e.to_string())),
    };
    let secret = registered
        .client_secret
        .as_ref()
        .map(|s| s.expose_secret().to_string());
    Ok(pages::page_response(
        StatusCode::CREATED,
        &Nav::of(&current),
        &SecretPage {
            heading: "Application registered",
            client_id: &registered.client_id,
            secret: secret.as_deref(),
        },
    ))
}

async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let current = signed_in(&state, &req).await?;
    let row = owned(&state, &current, &id).await?;
    let catalogue = registry::catalogue(&state.oauth.db).await?;
    Ok(form_page(
        &state,
        StatusCode::OK,
        &current,
        Some(&row),
        AppForm::from_registration(&row),
        Vec::new(),
        catalogue,
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
        Err(UpdateError::Invalid(FieldError {
            field: "grant_types",
            message: "choose at least one grant type".into(),
        }))
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
        Ok(()) => Ok(see_other(&format!("/portal/apps/{}", row.id))),
        Err(UpdateError::NotFound) => Err(not_found()),
        Err(UpdateError::Invalid(e)) => Ok(form_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &current,
            Some(&row),
            form,
            vec![(e.field, e.message)],
            catalogue,
        )),
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
        _ => {
            return Err(PageError::bad_request(
                "Choose when the old secret stops working.",
            ))
        }
    };
    let secret = registry::rotate_secret(&state.oauth.clients, &actor(&current, &req), &row.id, overlap)
        .await?
        .ok_or_else(|| PageError::bad_request("A public client has no secret to rotate."))?;
    Ok(pages::page_response(
        StatusCode::OK,
        &Nav::of(&current),
        &SecretPage {
            heading: "New client secret",
            client_id: &row.id,
            secret: Some(secret.expose_secret()),
        },
    ))
}

async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, _, row) = owned_form(&state, &req, &id, payload).await?;
    registry::delete(&state.oauth.clients, &actor(&current, &req), &row.id).await?;
    Ok(see_other("/portal"))
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
            .map_err(|_| PageError::bad_request("Choose JWT or opaque access tokens."))?,
    };
    let actor = actor(&current, &req);
    registry::set_flags(&state.oauth.clients, &actor, &row.id, flags).await?;
    if format != row.access_token_format {
        let now = state.oauth.clock.now();
        opaque::set_format(&state.oauth.db, &actor, &row.id, format, now).await?;
        state.oauth.clients.invalidate(&row.id);
    }
    Ok(see_other(&format!("/portal/apps/{}", row.id)))
}
