//! The dynamic client registration endpoint (RFC 7591, RFC 7592):
//! `POST {REGISTRATION_PATH}` registers a client; `GET`, `PUT` and `DELETE`
//! on `{REGISTRATION_PATH}/{client_id}` read, replace and delete it with its
//! registration access token. Bodies are JSON of at most
//! [`MAX_BODY_BYTES`]; every answer is `Cache-Control: no-store`.

use super::body::{self, BodyError};
use super::oauth_endpoints::no_store;
use super::AppState;
use crate::oauth::audit::Actor;
use crate::oauth::dynamic_registration::{self as registration, RegistrationError, MAX_BODY_BYTES};
use crate::oauth::error::OAuthError;
use crate::oauth::metadata::REGISTRATION_PATH;
use crate::oauth::throttle;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(REGISTRATION_PATH)
            .route(web::post().to(register))
            .default_service(web::to(|| method_not_allowed("POST"))),
    )
    .service(
        web::resource(format!("{REGISTRATION_PATH}/{{client_id}}"))
            .route(web::get().to(read))
            .route(web::put().to(replace))
            .route(web::delete().to(delete))
            .default_service(web::to(|| method_not_allowed("GET, PUT, DELETE"))),
    );
}

async fn register(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let ctx = &state.oauth;
    let result = async {
        // The token first: without it, the body is not even read.
        registration::check_initial_access_token(&ctx.settings, bearer_token(&req).as_deref())?;
        // Open registration must not let one address fill the registry.
        let address = body::client_address(&req);
        match throttle::admit(ctx, throttle::registrations(ctx, &address)).await {
            Ok(None) => {}
            Ok(Some(wait)) => {
                return Err(RegistrationError::Server(OAuthError::rate_limited(
                    "too many registrations from this address; try again later",
                    wait as u64,
                )))
            }
            Err(e) => return Err(RegistrationError::Server(e.into())),
        }
        let body = read_json(&req, payload).await?;
        registration::register(ctx, &Actor::client().from_address(address), &body).await
    }
    .await;
    match result {
        Ok(info) => no_store(HttpResponse::Created()).json(info),
        Err(e) => error_response(&e),
    }
}

async fn read(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let ctx = &state.oauth;
    match registration::authenticate(ctx, &path, bearer_token(&req).as_deref()).await {
        Ok(managed) => no_store(HttpResponse::Ok()).json(registration::read(ctx, &managed)),
        Err(e) => error_response(&e),
    }
}

async fn replace(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> HttpResponse {
    let ctx = &state.oauth;
    let result = async {
        let managed = registration::authenticate(ctx, &path, bearer_token(&req).as_deref()).await?;
        let body = read_json(&req, payload).await?;
        let actor = Actor::client().from_address(body::client_address(&req));
        registration::replace(ctx, &actor, managed, &body).await
    }
    .await;
    match result {
        Ok(info) => no_store(HttpResponse::Ok()).json(info),
        Err(e) => error_response(&e),
    }
}

async fn delete(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let ctx = &state.oauth;
    let result = async {
        let managed = registration::authenticate(ctx, &path, bearer_token(&req).as_deref()).await?;
        let actor = Actor::client().from_address(body::client_address(&req));
        registration::delete(ctx, &actor, managed).await
    }
    .await;
    match result {
        Ok(()) => no_store(HttpResponse::NoContent()).finish(),
        Err(e) => error_response(&e),
    }
}

/// The token of a single `Authorization: Bearer` header (RFC 6750 §2.1);
/// `None` for no header, another scheme, or more than one header.
fn bearer_token(req: &HttpRequest) -> Option<String> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// Reads an `application/json` body of at most [`MAX_BODY_BYTES`].
async fn read_json(req: &HttpRequest, payload: web::Payload) -> Result<web::Bytes, RegistrationError> {
    body::read(req, payload, "application/json", MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::WrongType => RegistrationError::invalid_metadata("the body must be application/json"),
            BodyError::TooLarge => {
                RegistrationError::invalid_metadata(format!("the body exceeds {MAX_BODY_BYTES} bytes"))
            }
            BodyError::Unreadable => {
                RegistrationError::invalid_metadata("the request body could not be read")
            }
            BodyError::TimedOut => RegistrationError::Server(OAuthError::body_timed_out()),
        })
}

fn error_response(e: &RegistrationError) -> HttpResponse {
    if let RegistrationError::Server(e) = e {
        return super::oauth_endpoints::error_response(e);
    }
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut builder = no_store(HttpResponse::build(status));
    if status == StatusCode::UNAUTHORIZED {
        // RFC 6750 §3.
        builder.insert_header((header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\""));
    }
    builder.json(e.body())
}

async fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = super::oauth_endpoints::error_response(&OAuthError::invalid_request(format!(
        "this endpoint accepts only {allow}"
    )));
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allow));
    response
}
