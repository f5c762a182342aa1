//! The developer portal: registering, editing, rotating and
//! deleting applications. Administrators see every application and can
//! mark one trusted or suspend it. Another developer's application is a
//! 404, never a 403: its existence is not theirs to learn.

use super::app_form::AppForm;
use super::pages::{self, read_form, see_other};
use super::session;
use super::AppState;
use crate::oauth::form::Params;
use crate::oauth::registry::{self, FieldError, Registrant, UpdateError};
use crate::oauth::sessions::Session;
use crate::storage;
use crate::storage::clients::{ClientFlags, ClientRow};
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

fn refused() -> HttpResponse {
    pages::error_page(
        StatusCode::FORBIDDEN,
        "Change refused",
        "The form expired or was not sent from this site. Nothing was changed.",
    )
}

fn not_found() -> HttpResponse {
    pages::error_page(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such application.",
    )
}

/// The signed-in developer, or the redirect to the sign-in page.
async fn signed_in(state: &AppState, req: &HttpRequest) -> Result<Session, HttpResponse> {
    match session::current(state, req).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => {
            let back: String = url::form_urlencoded::byte_serialize(req.path().as_bytes()).collect();
            Err(see_other(&format!("/login?return_to={back}")))
        }
        Err(_) => Err(pages::unavailable()),
    }
}

/// A posted form from the signed-in developer, its CSRF token checked.
async fn signed_in_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Session, Params), HttpResponse> {
    let form = read_form(req, payload).await?;
    let current = signed_in(state, req).await?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(refused());
    }
    Ok((current, form))
}

/// The application `id` if this developer may see it (its owner, or an admin).
async fn owned(state: &AppState, current: &Session, id: &str) -> Result<ClientRow, HttpResponse> {
    match registry::load(&state.oauth.db, id).await {
        Ok(Some(row)) if current.is_admin || row.owner_id.as_deref() == Some(current.user_id.as_str()) => {
            Ok(row)
        }
        Ok(_) => Err(not_found()),
        Err(_) => Err(pages::unavailable()),
    }
}

/// A posted form about application `id`, from a developer who may change it.
async fn owned_form(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    payload: web::Payload,
) -> Result<(Session, Params, ClientRow), HttpResponse> {
    let (current, params) = signed_in_form(state, req, payload).await?;
    let row = owned(state, &current, id).await?;
    Ok((current, params, row))
}

fn self_service(state: &AppState, catalogue: &[(String, String)]) -> Registrant {
    Registrant::SelfService {
        implicit_allowed: state.oauth.settings.self_service_implicit,
        client_credentials_allowed: state.oauth.settings.self_service_client_credentials,
        catalogue: catalogue.iter().map(|(n, _)| n.clone()).collect(),
    }
}

async fn catalogue(state: &AppState) -> Result<Vec<(String, String)>, HttpResponse> {
    registry::catalogue(&state.oauth.db)
        .await
        .map_err(|_| pages::unavailable())
}

fn form_page(
    state: &AppState,
    status: StatusCode,
    current: &Session,
    row: Option<&ClientRow>,
    form: AppForm,
    errors: Vec<(&'static str, String)>,
    catalogue: Vec<(String, String)>,
) -> HttpResponse {
    let action = row.map_or("/portal/apps".to_string(), |r| format!("/portal/apps/{}", r.id));
    pages::page_response(
        status,
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
        },
    )
}

async fn list(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let current = match signed_in(&state, &req).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let (owner, admin) = (current.user_id.clone(), current.is_admin);
    let rows = state
        .oauth
        .db
        .run(move |conn| {
            if admin {
                storage::clients::all(conn)
            } else {
                storage::clients::by_owner(conn, &owner)
            }
        })
        .await;
    let Ok(rows) = rows else {
        return pages::unavailable();
    };
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
    pages::page_response(
        StatusCode::OK,
        &PortalPage {
            username: &current.username,
            is_admin: current.is_admin,
            apps,
            csrf: &current.csrf,
        },
    )
}

async fn new_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let current = match signed_in(&state, &req).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let Ok(catalogue) = catalogue(&state).await else {
        return pages::unavailable();
    };
    let form = AppForm {
        grants: vec!["authorization_code".into(), "refresh_token".into()],
        ..Default::default()
    };
    form_page(
        &state,
        StatusCode::OK,
        &current,
        None,
        form,
        Vec::new(),
        catalogue,
    )
}

async fn create(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let (current, params) = match signed_in_form(&state, &req, payload).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let Ok(catalogue) = catalogue(&state).await else {
        return pages::unavailable();
    };
    let form = AppForm::from_params(&params, &catalogue);
    let valid = match form.validate(Some(current.user_id.clone()), &self_service(&state, &catalogue)) {
        Ok(v) => v,
        Err(e) => {
            let errors = vec![(e.field, e.message)];
            return form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &current,
                None,
                form,
                errors,
                catalogue,
            );
        }
    };
    let Ok(registered) = registry::register(&state.oauth.db, valid, false).await else {
        return pages::unavailable();
    };
    let secret = registered
        .client_secret
        .as_ref()
        .map(|s| s.expose_secret().to_string());
    pages::page_response(
        StatusCode::CREATED,
        &SecretPage {
            heading: "Application registered",
            client_id: &registered.client_id,
            secret: secret.as_deref(),
        },
    )
}

async fn show(state: web::Data<AppState>, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let current = match signed_in(&state, &req).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let row = match owned(&state, &current, &id).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let Ok(catalogue) = catalogue(&state).await else {
        return pages::unavailable();
    };
    form_page(
        &state,
        StatusCode::OK,
        &current,
        Some(&row),
        AppForm::from_row(&row),
        Vec::new(),
        catalogue,
    )
}

async fn edit(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let (current, params, row) = match owned_form(&state, &req, &id, payload).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let Ok(catalogue) = catalogue(&state).await else {
        return pages::unavailable();
    };
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
        registry::update(&state.oauth.clients, &row.id, editor, move |now| {
            registry::portal_edit(now, new, &offer, by_admin)
        })
        .await
    };
    match result {
        Ok(()) => see_other(&format!("/portal/apps/{}", row.id)),
        Err(UpdateError::NotFound) => not_found(),
        Err(UpdateError::Invalid(e)) => form_page(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &current,
            Some(&row),
            form,
            vec![(e.field, e.message)],
            catalogue,
        ),
        Err(UpdateError::Storage(_)) => pages::unavailable(),
    }
}

async fn rotate(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let (_, params, row) = match owned_form(&state, &req, &id, payload).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    let overlap = match params.get("overlap").unwrap_or("0") {
        "0" => 0,
        "3600" => 3600,
        "86400" => 86400,
        _ => return pages::bad_request("Choose when the old secret stops working."),
    };
    let secret = match registry::rotate_secret(&state.oauth.clients, &row.id, overlap).await {
        Ok(Some(s)) => s,
        Ok(None) => return pages::bad_request("A public client has no secret to rotate."),
        Err(_) => return pages::unavailable(),
    };
    pages::page_response(
        StatusCode::OK,
        &SecretPage {
            heading: "New client secret",
            client_id: &row.id,
            secret: Some(secret.expose_secret()),
        },
    )
}

async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let (_, _, row) = match owned_form(&state, &req, &id, payload).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    if registry::delete(&state.oauth.clients, &row.id).await.is_err() {
        return pages::unavailable();
    }
    see_other("/portal")
}

async fn flags(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let (current, params) = match signed_in_form(&state, &req, payload).await {
        Ok(x) => x,
        Err(page) => return page,
    };
    if !current.is_admin {
        return not_found();
    }
    let row = match owned(&state, &current, &id).await {
        Ok(r) => r,
        Err(page) => return page,
    };
    let flags = ClientFlags {
        is_trusted: params.get("trusted").is_some(),
        suspended: params.get("suspended").is_some(),
        verified: params.get("verified").is_some(),
    };
    if registry::set_flags(&state.oauth.clients, &row.id, flags)
        .await
        .is_err()
    {
        return pages::unavailable();
    }
    see_other(&format!("/portal/apps/{}", row.id))
}
