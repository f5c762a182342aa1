//! The administrators' API pages: every registered API with its scopes and
//! roles, forms to register, change and delete one (deleting asks first),
//! and the form on the users page that gives or takes a user's role. The
//! rules are the CLI's (`oauth::apis`); anyone else gets a 404.

use super::admin::{admin_form, administrator};
use super::nav::Nav;
use super::page_error::PageError;
use super::pages::{self, see_other};
use super::AppState;
use crate::i18n;
use crate::oauth::apis::{self, ApiChanges, ApiError, ApiView, Holder, NewApi, RoleChange};
use crate::oauth::audit::Actor;
use crate::storage;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use secrecy::ExposeSecret;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/apis", web::get().to(list))
        .route("/admin/apis", web::post().to(create))
        .route("/admin/apis/update", web::post().to(update))
        .route("/admin/apis/delete", web::post().to(delete))
        .route("/admin/users/roles", web::post().to(user_role));
}

const BACK: &str = "%2Fadmin%2Fapis";

#[derive(Template)]
#[template(path = "admin_apis.html")]
struct ApisPage<'a> {
    username: &'a str,
    apis: Vec<ApiView>,
    csrf: &'a str,
    /// Introspection credentials just created, shown this once.
    created: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin_api_delete.html")]
struct DeletePage<'a> {
    api: ApiView,
    csrf: &'a str,
}

fn refused(e: ApiError) -> PageError {
    match e {
        ApiError::Invalid(why) => PageError::bad_request(super::field_errors::reason(&why)),
        ApiError::Storage(e) => e.into(),
    }
}

fn words(form: &crate::oauth::form::Params, name: &str) -> Vec<String> {
    form.get(name)
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let current = administrator(&state, &req, BACK).await?;
    let apis = apis::list(&state.oauth.db).await?;
    let page = ApisPage {
        username: &current.username,
        apis,
        csrf: &current.csrf,
        created: None,
    };
    Ok(pages::page_response(StatusCode::OK, &Nav::of(&current), &page))
}

async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, BACK).await?;
    let new = NewApi {
        identifier: form.get("identifier").unwrap_or("").to_string(),
        name: form.get("name").unwrap_or("").to_string(),
        scopes: words(&form, "scopes"),
        roles: words(&form, "roles"),
        introspection: form.get("introspection") == Some("on"),
    };
    let actor = Actor::session(&current).from_address(super::body::client_address(&req));
    let ctx = &state.oauth;
    let created = apis::create(&ctx.db, &actor, new, ctx.clock.now())
        .await
        .map_err(refused)?;
    ctx.apis.invalidate();
    let Some((id, secret)) = created
        .introspection_client_id
        .zip(created.introspection_client_secret)
    else {
        return Ok(see_other("/admin/apis"));
    };
    // The secret exists only in this answer: shown once, like the CLI's.
    let page = ApisPage {
        username: &current.username,
        apis: apis::list(&ctx.db).await?,
        csrf: &current.csrf,
        created: Some((id, secret.expose_secret().to_string())),
    };
    Ok(pages::page_response(StatusCode::OK, &Nav::of(&current), &page))
}

async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, BACK).await?;
    let identifier = form.get("identifier").unwrap_or("").to_string();
    let changes = ApiChanges {
        name: form
            .get("name")
            .filter(|n| !n.trim().is_empty())
            .map(str::to_string),
        add_scopes: words(&form, "add_scopes"),
        remove_scopes: words(&form, "remove_scopes"),
        add_roles: words(&form, "add_roles"),
        remove_roles: words(&form, "remove_roles"),
    };
    let actor = Actor::session(&current).from_address(super::body::client_address(&req));
    let ctx = &state.oauth;
    apis::update(&ctx.db, &actor, &identifier, changes, ctx.clock.now())
        .await
        .map_err(refused)?;
    ctx.apis.invalidate();
    Ok(see_other("/admin/apis"))
}

async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, BACK).await?;
    let identifier = form.get("identifier").unwrap_or("");
    let ctx = &state.oauth;
    if form.get("confirm") != Some("yes") {
        // The first press only asks.
        let Some(api) = apis::view(&ctx.db, identifier).await? else {
            return Err(PageError::not_found(i18n::t("admin-apis-no-such-api")));
        };
        let page = DeletePage {
            api,
            csrf: &current.csrf,
        };
        return Ok(pages::page_response(StatusCode::OK, &Nav::of(&current), &page));
    }
    let introspection_client = apis::view(&ctx.db, identifier)
        .await?
        .and_then(|api| api.introspection_client_id);
    let actor = Actor::session(&current).from_address(super::body::client_address(&req));
    if !apis::delete(&ctx.db, &actor, identifier, ctx.clock.now()).await? {
        return Err(PageError::not_found(i18n::t("admin-apis-no-such-api")));
    }
    ctx.apis.invalidate();
    if let Some(id) = introspection_client {
        ctx.clients.invalidate(&id);
    }
    Ok(see_other("/admin/apis"))
}

async fn user_role(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (form, current) = admin_form(&state, &req, payload, "%2Fadmin%2Fusers").await?;
    let change = match form.get("change") {
        Some("remove") => RoleChange::Remove,
        _ => RoleChange::Add,
    };
    let username = form.get("username").unwrap_or("").to_string();
    let (api, role) = (form.get("api").unwrap_or(""), form.get("role").unwrap_or(""));
    let ctx = &state.oauth;
    let name = username.clone();
    let Some(user) = ctx
        .db
        .run(move |conn| storage::users::by_username(conn, &name))
        .await?
    else {
        return Err(PageError::bad_request(i18n::t1(
            "admin-apis-no-such-user",
            "username",
            &username,
        )));
    };
    let actor = Actor::session(&current).from_address(super::body::client_address(&req));
    apis::change_roles(
        &ctx.db,
        &actor,
        Holder::User(user.id),
        api,
        role,
        change,
        ctx.clock.now(),
    )
    .await
    .map_err(refused)?;
    Ok(see_other("/admin/users"))
}
