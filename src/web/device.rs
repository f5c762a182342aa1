//! The device authorization grant's HTTP side (RFC 8628): the endpoint a
//! device asks at (§3.1, JSON, client-authenticated like the token
//! endpoint), and the verification pages where a signed-in user types the
//! user code, sees the application and the scopes, and approves or denies
//! (§3.3).

use super::nav::Nav;
use super::oauth_endpoints::{
    authenticate, authorization_header, error_response, method_not_allowed, no_store,
    read_form as read_oauth_form,
};
use super::page_error::PageError;
use super::pages::{self, page_response, read_form};
use super::{session, AppState};
use crate::i18n;
use crate::oauth::device::{
    self, DeviceAuthorization, Lookup, Pending, DEVICE_AUTHORIZATION_PATH, VERIFICATION_PATH,
};
use crate::oauth::error::OAuthError;
use crate::oauth::sessions::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(DEVICE_AUTHORIZATION_PATH)
            .route(web::post().to(device_authorization))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource(VERIFICATION_PATH)
            .route(web::get().to(entry))
            .route(web::post().to(enter))
            .default_service(web::to(pages::method_not_allowed)),
    )
    .route(&format!("{VERIFICATION_PATH}/decision"), web::post().to(decide));
}

/// RFC 8628 §3.1–3.2.
async fn device_authorization(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let ctx = state.oauth.clone();
    let result: Result<DeviceAuthorization, OAuthError> = async {
        let params = read_oauth_form(&req, payload).await?;
        let authorization = authorization_header(&req)?;
        let client = authenticate(&ctx, &params, authorization.as_deref()).await?;
        device::authorize(&ctx, &client, &params).await
    }
    .await;
    match result {
        Ok(body) => no_store(HttpResponse::Ok()).json(body),
        Err(e) => error_response(&e),
    }
}

/// The page where the user types the code.
#[derive(Template)]
#[template(path = "device.html")]
struct EntryPage<'a> {
    username: &'a str,
    csrf: &'a str,
    user_code: &'a str,
    error: Option<&'a str>,
}

/// The page that asks the user to allow the application.
#[derive(Template)]
#[template(path = "device_consent.html")]
struct ConsentPage<'a> {
    client_name: &'a str,
    verified: bool,
    owner: &'a str,
    homepage: Option<&'a str>,
    logo: Option<&'a str>,
    username: &'a str,
    scopes: Vec<(String, Option<String>)>,
    user_code: &'a str,
    csrf: &'a str,
    /// This page, with the code, for "Not you?" to come back to.
    return_to: &'a str,
}

/// The page after the decision.
#[derive(Template)]
#[template(path = "device_done.html")]
struct DonePage<'a> {
    title: &'a str,
    message: &'a str,
}

/// The user's session, or the sign-in page coming back to `back`.
async fn signed_in(state: &AppState, req: &HttpRequest, back: &str) -> Result<Session, PageError> {
    match session::current(state, req).await? {
        Some(s) => Ok(s),
        None => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("return_to", back)
                .finish();
            Err(PageError::SeeOther(format!("/login?{query}")))
        }
    }
}

/// Where the sign-in page comes back to: this page, with the code typed so far.
fn entry_path(user_code: &str) -> String {
    match user_code {
        "" => VERIFICATION_PATH.to_string(),
        code => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("user_code", code)
                .finish();
            format!("{VERIFICATION_PATH}?{query}")
        }
    }
}

/// Most characters of a typed code worth showing back.
const MAX_TYPED: usize = 32;

/// GET `/device[?user_code=…]`: the form, with the code of
/// `verification_uri_complete` filled in. Nothing is looked up yet: only
/// a posted code counts against the guessing throttle.
async fn entry(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let params = pages::query(&req)?;
    let typed: String = params
        .get("user_code")
        .unwrap_or("")
        .chars()
        .take(MAX_TYPED)
        .collect();
    let current = signed_in(&state, &req, &entry_path(&typed)).await?;
    Ok(entry_page(StatusCode::OK, &current, &typed, None))
}

fn entry_page(status: StatusCode, current: &Session, typed: &str, error: Option<&str>) -> HttpResponse {
    page_response(
        status,
        &Nav::of(current),
        &EntryPage {
            username: &current.username,
            csrf: &current.csrf,
            user_code: typed,
            error,
        },
    )
}

/// The session and the checked form of a verification page's POST.
async fn checked_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Session, crate::oauth::form::Params), PageError> {
    let form = read_form(req, payload).await?;
    let typed: String = form
        .get("user_code")
        .unwrap_or("")
        .chars()
        .take(MAX_TYPED)
        .collect();
    let current = signed_in(state, req, &entry_path(&typed)).await?;
    if !form.get("csrf_token").is_some_and(|t| current.csrf_matches(t)) {
        return Err(PageError::form_expired());
    }
    Ok((current, form))
}

/// POST `/device`: the typed code; the consent page if it is a pending
/// authorization's.
async fn enter(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, form) = checked_form(&state, &req, payload).await?;
    let typed: String = form
        .get("user_code")
        .unwrap_or("")
        .chars()
        .take(MAX_TYPED)
        .collect();
    let address = super::body::client_address(&req);
    match device::find(&state.oauth, &typed, &address).await {
        Ok(Lookup::Found(pending)) => Ok(consent_page(&state, &current, &pending).await),
        Ok(Lookup::Unknown) => Ok(entry_page(
            StatusCode::BAD_REQUEST,
            &current,
            &typed,
            Some(&i18n::t("device-code-invalid")),
        )),
        Ok(Lookup::Throttled(wait)) => Ok(throttled(wait)),
        // The cause was logged where the storage error became an OAuth error.
        Err(_) => Ok(pages::unavailable()),
    }
}

/// 429 with `Retry-After`: too many codes were tried.
fn throttled(wait: i64) -> HttpResponse {
    let mut response = pages::error_page(
        StatusCode::TOO_MANY_REQUESTS,
        &i18n::t("device-too-many-title"),
        &i18n::t("device-too-many"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&wait.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

async fn consent_page(state: &AppState, current: &Session, pending: &Pending) -> HttpResponse {
    let ctx = &state.oauth;
    let client = &pending.client;
    let facts = super::authorize::consent_facts(ctx, client, &pending.scope).await;
    let user_code = device::user_code::display(&pending.user_code);
    let return_to = entry_path(&user_code);
    page_response(
        StatusCode::OK,
        &Nav::of(current),
        &ConsentPage {
            client_name: &client.name,
            verified: client.verified,
            owner: &facts.owner,
            homepage: client.homepage_uri.as_deref(),
            logo: facts.logo.as_deref(),
            username: &current.username,
            scopes: facts.scopes,
            user_code: &user_code,
            csrf: &current.csrf,
            return_to: &return_to,
        },
    )
}

/// POST `/device/decision`: approve or deny. The code is looked up again
/// (and counted again: this form is no way round the throttle).
async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (current, form) = checked_form(&state, &req, payload).await?;
    let approve = match form.get("decision") {
        Some("approve") => true,
        Some("deny") => false,
        _ => return Err(PageError::bad_request(i18n::t("consent-no-decision"))),
    };
    let typed = form.get("user_code").unwrap_or("");
    let address = super::body::client_address(&req);
    let ctx = &state.oauth;
    let pending = match device::find(ctx, typed, &address).await {
        Ok(Lookup::Found(pending)) => pending,
        Ok(Lookup::Unknown) => return Ok(gone()),
        Ok(Lookup::Throttled(wait)) => return Ok(throttled(wait)),
        Err(_) => return Ok(pages::unavailable()),
    };
    match device::decide(ctx, &current, &pending, approve).await {
        Ok(true) if approve => Ok(done(
            &i18n::t("device-connected"),
            &i18n::t1("device-connected-message", "client", &pending.client.name),
        )),
        Ok(true) => Ok(done(
            &i18n::t("device-denied"),
            &i18n::t1("device-denied-message", "client", &pending.client.name),
        )),
        Ok(false) => Ok(gone()),
        Err(_) => Ok(pages::unavailable()),
    }
}

fn done(title: &str, message: &str) -> HttpResponse {
    page_response(StatusCode::OK, &Nav::none(), &DonePage { title, message })
}

/// 400: the code was decided or expired meanwhile.
fn gone() -> HttpResponse {
    pages::error_page(
        StatusCode::BAD_REQUEST,
        &i18n::t("device-gone-title"),
        &i18n::t("device-gone"),
    )
}
