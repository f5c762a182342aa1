//! The developer portal: sign-up, and registering, editing, rotating and
//! deleting applications. Administrators see every application and can
//! mark one trusted or suspend it. Another developer's application is a
//! 404, never a 403: its existence is not theirs to learn.

use super::pages::{self, read_form, see_other};
use super::session::{self, LOGIN_CSRF_COOKIE};
use super::AppState;
use crate::domain::Username;
use crate::oauth::form::Params;
use crate::oauth::registry::{self, FieldError, NewClient, Registrant};
use crate::oauth::sessions::{self, Session};
use crate::oauth::{accounts, secrets, throttle};
use crate::storage::{self, clients::ClientRow};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/signup")
            .route(web::get().to(signup_form))
            .route(web::post().to(signup))
            .default_service(web::to(pages::method_not_allowed)),
    )
    .route("/portal", web::get().to(list))
    .route("/portal/apps/new", web::get().to(new_form))
    .route("/portal/apps", web::post().to(create))
    .route("/portal/apps/{id}", web::get().to(show))
    .route("/portal/apps/{id}", web::post().to(edit))
    .route("/portal/apps/{id}/rotate", web::post().to(rotate))
    .route("/portal/apps/{id}/delete", web::post().to(delete))
    .route("/portal/apps/{id}/flags", web::post().to(flags));
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage<'a> {
    csrf: &'a str,
    username: &'a str,
    error: Option<&'a str>,
}

struct AppSummary {
    id: String,
    name: String,
    kind: &'static str,
    trusted: bool,
    suspended: bool,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage<'a> {
    username: &'a str,
    is_admin: bool,
    apps: Vec<AppSummary>,
    csrf: &'a str,
}

/// What the application form holds, as typed.
#[derive(Default)]
struct AppForm {
    name: String,
    description: String,
    homepage_uri: String,
    logo_uri: String,
    redirect_uris: String,
    public: bool,
    grants: Vec<String>,
    scopes: Vec<String>,
}

impl AppForm {
    fn has_grant(&self, grant: &str) -> bool {
        self.grants.iter().any(|g| g == grant)
    }

    fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The form as posted. Checkboxes have a name each (`grant_…`,
    /// `scope_…`): form parameters are never repeated here.
    fn from_params(params: &Params, catalogue: &[(String, String)]) -> AppForm {
        let text = |name: &str| params.get(name).unwrap_or("").to_string();
        let grants = [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "implicit",
        ]
        .into_iter()
        .filter(|g| params.get(&format!("grant_{g}")).is_some())
        .map(str::to_string)
        .collect();
        let scopes = catalogue
            .iter()
            .filter(|(name, _)| params.get(&format!("scope_{name}")).is_some())
            .map(|(name, _)| name.clone())
            .collect();
        AppForm {
            name: text("name"),
            description: text("description"),
            homepage_uri: text("homepage_uri"),
            logo_uri: text("logo_uri"),
            redirect_uris: text("redirect_uris"),
            public: params.get("client_type") == Some("public"),
            grants,
            scopes,
        }
    }

    fn from_row(row: &ClientRow) -> AppForm {
        AppForm {
            name: row.name.clone(),
            description: row.description.clone(),
            homepage_uri: row.homepage_uri.clone().unwrap_or_default(),
            logo_uri: row.logo_uri.clone().unwrap_or_default(),
            redirect_uris: row
                .redirect_uris
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("\n"),
            public: row.is_public,
            grants: row.grant_types.split_whitespace().map(str::to_string).collect(),
            scopes: row.scopes.split_whitespace().map(str::to_string).collect(),
        }
    }

    /// Checks the form against the registry's rules.
    fn validate(&self, owner: Option<String>, who: &Registrant) -> Result<registry::ValidClient, FieldError> {
        // An empty choice is a choice of nothing, not of the defaults.
        if self.grants.is_empty() {
            return Err(FieldError {
                field: "grant_types",
                message: "choose at least one grant type".into(),
            });
        }
        self.to_new_client(owner).validate(who)
    }

    fn to_new_client(&self, owner: Option<String>) -> NewClient {
        let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        NewClient {
            name: self.name.clone(),
            description: self.description.clone(),
            homepage_uri: optional(&self.homepage_uri),
            logo_uri: optional(&self.logo_uri),
            redirect_uris: self
                .redirect_uris
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            grant_types: self.grants.clone(),
            scopes: self.scopes.clone(),
            public: self.public,
            owner_id: owner,
            ..Default::default()
        }
    }
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
    is_admin: bool,
    trusted: bool,
    suspended: bool,
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
            is_admin: current.is_admin,
            trusted: row.is_some_and(|r| r.is_trusted),
            suspended: row.is_some_and(|r| r.suspended),
        },
    )
}

fn render_signup(state: &AppState, status: StatusCode, username: &str, error: Option<&str>) -> HttpResponse {
    let csrf = secrets::random_secret();
    let mut response = pages::page_response(
        status,
        &SignupPage {
            csrf: &csrf,
            username,
            error,
        },
    );
    let _ = response.add_cookie(&session::login_csrf_cookie(state, csrf));
    response
}

async fn signup_form(state: web::Data<AppState>) -> HttpResponse {
    if !state.oauth.settings.signup_enabled {
        return not_found();
    }
    render_signup(&state, StatusCode::OK, "", None)
}

async fn signup(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    if !state.oauth.settings.signup_enabled {
        return not_found();
    }
    let form = match read_form(&req, payload).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let username = form.get("username").unwrap_or("");
    let csrf_ok = match (req.cookie(LOGIN_CSRF_COOKIE), form.get("csrf_token")) {
        (Some(c), Some(f)) => bool::from(c.value().as_bytes().ct_eq(f.as_bytes())),
        _ => false,
    };
    if !csrf_ok {
        return render_signup(
            &state,
            StatusCode::FORBIDDEN,
            username,
            Some("The form expired. Please try again."),
        );
    }
    if let Err(e) = Username::parse(username) {
        return render_signup(&state, StatusCode::UNPROCESSABLE_ENTITY, username, Some(&e.0));
    }
    let password = SecretString::from(form.get("password").unwrap_or("").to_string());
    if form.get("password_confirm").unwrap_or("") != password.expose_secret() {
        return render_signup(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            username,
            Some("The two passwords differ."),
        );
    }
    if let Err(e) = accounts::check_new_password(&password) {
        return render_signup(&state, StatusCode::UNPROCESSABLE_ENTITY, username, Some(&e.0));
    }
    let ctx = state.oauth.clone();
    let address = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    match throttle::admit(&ctx, throttle::registrations(&ctx, &address)).await {
        Ok(None) => {}
        Ok(Some(wait)) => {
            let message =
                format!("Too many accounts were created from your address. Try again in {wait} seconds.");
            return render_signup(&state, StatusCode::TOO_MANY_REQUESTS, username, Some(&message));
        }
        Err(_) => return pages::unavailable(),
    }
    let Ok(_permit) = ctx.password_checks.acquire().await else {
        return pages::unavailable();
    };
    let (db, name) = (ctx.db.clone(), username.to_string());
    let created =
        tokio::task::spawn_blocking(move || accounts::create_user(&db, &name, &password, false)).await;
    let user_id = match created {
        Ok(Ok(id)) => id,
        Ok(Err(accounts::CreateUserError::Taken(_))) => {
            return render_signup(
                &state,
                StatusCode::CONFLICT,
                username,
                Some("That username is taken."),
            )
        }
        Ok(Err(accounts::CreateUserError::Invalid(e))) => {
            return render_signup(&state, StatusCode::UNPROCESSABLE_ENTITY, username, Some(&e.0))
        }
        _ => return pages::unavailable(),
    };
    let Ok(value) = sessions::start(&ctx, &user_id).await else {
        return pages::unavailable();
    };
    let mut response = see_other("/portal");
    let _ = response.add_cookie(&session::session_cookie(&state, value));
    response
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
    // The type is chosen once, at registration; scopes an operator gave
    // outside the catalogue stay.
    form.public = row.is_public;
    for s in row.scopes.split_whitespace() {
        if !catalogue.iter().any(|(n, _)| n == s) && !form.has_scope(s) {
            form.scopes.push(s.to_string());
        }
    }
    let implicit_shown = state.oauth.settings.self_service_implicit;
    let valid = if form.grants.is_empty() {
        Err(FieldError {
            field: "grant_types",
            message: "choose at least one grant type".into(),
        })
    } else {
        let mut new = form.to_new_client(row.owner_id.clone());
        // What the form does not show is kept as it was: resources, and
        // grants an operator gave that the form does not offer.
        new.resources = row.resources.split_whitespace().map(str::to_string).collect();
        for g in row.grant_types.split_whitespace() {
            let offered = matches!(g, "authorization_code" | "refresh_token" | "client_credentials")
                || (g == "implicit" && implicit_shown);
            if !offered && !new.grant_types.iter().any(|x| x == g) {
                new.grant_types.push(g.to_string());
            }
        }
        let registrant = if current.is_admin {
            new.trusted = row.is_trusted;
            Registrant::Operator
        } else {
            // Scopes already granted count as offered, even if the
            // catalogue no longer lists them.
            let mut names: Vec<String> = catalogue.iter().map(|(n, _)| n.clone()).collect();
            names.extend(row.scopes.split_whitespace().map(str::to_string));
            Registrant::SelfService {
                implicit_allowed: implicit_shown
                    || row.grant_types.split_whitespace().any(|g| g == "implicit"),
                catalogue: names,
            }
        };
        new.validate(&registrant)
    };
    let valid = match valid {
        Ok(v) => v,
        Err(e) => {
            let errors = vec![(e.field, e.message)];
            return form_page(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                &current,
                Some(&row),
                form,
                errors,
                catalogue,
            );
        }
    };
    if registry::update(&state.oauth.db, &row.id, valid, !current.is_admin)
        .await
        .is_err()
    {
        return pages::unavailable();
    }
    state.oauth.clients.invalidate(&row.id);
    see_other(&format!("/portal/apps/{}", row.id))
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
    let secret = match registry::rotate_secret(&state.oauth.db, &row.id, overlap).await {
        Ok(Some(s)) => s,
        Ok(None) => return pages::bad_request("A public client has no secret to rotate."),
        Err(_) => return pages::unavailable(),
    };
    state.oauth.clients.invalidate(&row.id);
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
    if registry::delete(&state.oauth.db, &row.id).await.is_err() {
        return pages::unavailable();
    }
    state.oauth.clients.invalidate(&row.id);
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
    let (trusted, suspended) = (params.get("trusted").is_some(), params.get("suspended").is_some());
    if registry::set_flags(&state.oauth.db, &row.id, trusted, suspended)
        .await
        .is_err()
    {
        return pages::unavailable();
    }
    state.oauth.clients.invalidate(&row.id);
    see_other(&format!("/portal/apps/{}", row.id))
}
