//! The machine-facing OAuth endpoints: token (RFC 6749 §3.2), revocation
//! (RFC 7009), introspection (RFC 7662) and pushed authorization requests
//! (RFC 9126). Each reads a strictly parsed
//! form body and answers JSON; every error is an RFC 6749 §5.2 body.

use super::body::{self, BodyError};
use super::AppState;
use crate::oauth::clients::{self, Client};
use crate::oauth::error::OAuthError;
use crate::oauth::form::{Params, MAX_BODY_BYTES};
use crate::oauth::metadata::{INTROSPECTION_PATH, PUSHED_AUTHORIZATION_PATH, REVOCATION_PATH, TOKEN_PATH};
use crate::oauth::{authorize, dpop, grants, introspection, revocation};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use std::sync::Arc;

pub fn routes(cfg: &mut web::ServiceConfig) {
    for (path, handler) in [
        (TOKEN_PATH, Endpoint::Token),
        (REVOCATION_PATH, Endpoint::Revoke),
        (INTROSPECTION_PATH, Endpoint::Introspect),
        (PUSHED_AUTHORIZATION_PATH, Endpoint::Push),
    ] {
        cfg.service(
            web::resource(path)
                .route(web::post().to(move |s, r, p| handle(handler, s, r, p)))
                .default_service(web::to(method_not_allowed)),
        );
    }
}

/// A successful answer: a JSON body, or (revocation, RFC 7009 §2.2) none.
enum Answer {
    Json(serde_json::Value),
    /// RFC 9126 §2.2: 201 Created.
    Created(serde_json::Value),
    Empty,
}

#[derive(Clone, Copy)]
enum Endpoint {
    Token,
    Revoke,
    Introspect,
    Push,
}

async fn handle(
    endpoint: Endpoint,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let ctx = state.oauth.clone();
    let result = async {
        let params = read_form(&req, payload).await?;
        let authorization = authorization_header(&req)?;
        match endpoint {
            Endpoint::Token => {
                let proof = dpop::single_header(req.headers().get_all(dpop::HEADER).map(|v| v.as_bytes()))?;
                let response = grants::exchange(
                    &ctx,
                    &params,
                    authorization.as_deref(),
                    &super::body::client_address(&req),
                    proof.as_deref(),
                )
                .await?;
                let body = serde_json::to_value(response).map_err(|e| {
                    tracing::error!(error = %e, "a token response could not be serialised");
                    OAuthError::server_error()
                })?;
                Ok(Answer::Json(body))
            }
            Endpoint::Revoke => {
                let client = authenticate(&ctx, &params, authorization.as_deref()).await?;
                revocation::revoke(&ctx, &client, &params).await?;
                Ok(Answer::Empty)
            }
            Endpoint::Introspect => {
                let client = authenticate(&ctx, &params, authorization.as_deref()).await?;
                Ok(Answer::Json(
                    introspection::introspect(&ctx, &client, &params).await?,
                ))
            }
            Endpoint::Push => {
                let client = authenticate(&ctx, &params, authorization.as_deref()).await?;
                let pushed = authorize::push(&ctx, &client, &params).await?;
                Ok(Answer::Created(serde_json::json!(pushed)))
            }
        }
    }
    .await;
    let mut response = match result {
        Ok(Answer::Empty) => no_store(HttpResponse::Ok()).finish(),
        Ok(Answer::Json(body)) => no_store(HttpResponse::Ok()).json(body),
        Ok(Answer::Created(body)) => no_store(HttpResponse::Created()).json(body),
        Err(e) => error_response(&e),
    };
    // RFC 9449 §8: the nonce the next proof must carry.
    if matches!(endpoint, Endpoint::Token) && ctx.settings.dpop_nonce_required {
        if let Ok(nonce) = header::HeaderValue::from_str(&dpop::current_nonce(&ctx)) {
            response
                .headers_mut()
                .insert(header::HeaderName::from_static(dpop::NONCE_HEADER), nonce);
        }
    }
    response
}

pub(super) async fn authenticate(
    ctx: &crate::oauth::Context,
    params: &Params,
    authorization: Option<&[u8]>,
) -> Result<Arc<Client>, OAuthError> {
    let creds = clients::credentials(authorization, params)?
        .ok_or_else(|| OAuthError::invalid_client("client authentication is required"))?;
    ctx.clients.authenticate(creds).await
}

pub(super) fn authorization_header(req: &HttpRequest) -> Result<Option<Vec<u8>>, OAuthError> {
    let mut values = req.headers().get_all(header::AUTHORIZATION);
    let first = values.next();
    if values.next().is_some() {
        return Err(OAuthError::invalid_request("more than one Authorization header"));
    }
    Ok(first.map(|v| v.as_bytes().to_vec()))
}

/// Reads an `application/x-www-form-urlencoded` body of at most
/// [`MAX_BODY_BYTES`].
pub(super) async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<Params, OAuthError> {
    let body = body::read(req, payload, "application/x-www-form-urlencoded", MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::WrongType => {
                OAuthError::invalid_request("the body must be application/x-www-form-urlencoded")
            }
            BodyError::TooLarge => {
                OAuthError::invalid_request(format!("the body exceeds {MAX_BODY_BYTES} bytes"))
            }
            BodyError::Unreadable => OAuthError::invalid_request("the request body could not be read"),
            BodyError::TimedOut => OAuthError::body_timed_out(),
        })?;
    Params::parse(&body).map_err(OAuthError::invalid_request)
}

/// What every OAuth and registration answer carries (RFC 6749 §5.1): never cached.
pub(super) fn no_store(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    builder
}

/// The one place an OAuth error becomes an HTTP response.
pub fn error_response(e: &OAuthError) -> HttpResponse {
    let status =
        actix_web::http::StatusCode::from_u16(e.status).unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    let mut builder = no_store(HttpResponse::build(status));
    if e.status == 401 && e.basic_challenge {
        builder.insert_header((
            header::WWW_AUTHENTICATE,
            "Basic realm=\"tollgate\", charset=\"UTF-8\"",
        ));
    }
    if let Some(seconds) = e.retry_after {
        builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    builder.json(e.body())
}

pub(super) async fn method_not_allowed() -> HttpResponse {
    let mut response = error_response(&OAuthError::invalid_request("this endpoint accepts only POST"));
    *response.status_mut() = actix_web::http::StatusCode::METHOD_NOT_ALLOWED;
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
    response
}
