//! The userinfo endpoint (OpenID Connect Core §5.3), `GET` and `POST`: a
//! protected resource, so it answers as RFC 6750 says (bearer token in the
//! header or the form body, errors with `WWW-Authenticate`), never cached.

use super::body::{self, BodyError};
use super::oauth_endpoints::{error_response, no_store};
use super::AppState;
use crate::oauth::dpop;
use crate::oauth::error::OAuthError;
use crate::oauth::form::{Params, MAX_BODY_BYTES};
use crate::oauth::metadata::USERINFO_PATH;
use crate::oauth::openid::userinfo::{self, BearerError, Possession, Presented};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(USERINFO_PATH)
            .route(web::get().to(get))
            .route(web::post().to(post))
            .default_service(web::to(method_not_allowed)),
    );
}

async fn get(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    respond(serve(&state, &req, None).await)
}

async fn post(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    // RFC 6750 §2.2: a token in the body comes form-encoded; a POST that
    // sends its token in the header may have no body at all.
    let form = if declares_body(&req) {
        match read_form(&req, payload).await {
            Ok(form) => Some(form),
            Err(e) => return respond(Err(e)),
        }
    } else {
        None
    };
    respond(serve(&state, &req, form.as_ref()).await)
}

/// Whether the request says it has a body: a type, a length above zero, or
/// a transfer coding. Such a body must be a form (and is refused otherwise).
fn declares_body(req: &HttpRequest) -> bool {
    let headers = req.headers();
    let length = headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0");
    headers.contains_key(header::CONTENT_TYPE) || headers.contains_key(header::TRANSFER_ENCODING) || length
}

async fn serve(
    state: &AppState,
    req: &HttpRequest,
    form: Option<&Params>,
) -> Result<serde_json::Map<String, serde_json::Value>, BearerError> {
    let mut headers = req.headers().get_all(header::AUTHORIZATION);
    let authorization = headers.next();
    if headers.next().is_some() {
        return Err(BearerError::InvalidRequest(
            "more than one Authorization header".into(),
        ));
    }
    let token_in_query =
        url::form_urlencoded::parse(req.query_string().as_bytes()).any(|(name, _)| name == "access_token");
    let (token, dpop_scheme) = userinfo::locate(&Presented {
        authorization: authorization.map(HeaderValue::as_bytes),
        form,
        token_in_query,
    })?;
    let proof = dpop::single_header(req.headers().get_all(dpop::HEADER).map(HeaderValue::as_bytes))
        .map_err(|e| BearerError::InvalidDpop(e.description))?;
    let possession = Possession {
        dpop_scheme,
        proof: proof.as_deref(),
        method: req.method().as_str(),
    };
    userinfo::answer(&state.oauth, &token, &possession).await
}

async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<Params, BearerError> {
    let body = body::read(req, payload, "application/x-www-form-urlencoded", MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::WrongType => {
                BearerError::InvalidRequest("the body must be application/x-www-form-urlencoded".into())
            }
            BodyError::TooLarge => {
                BearerError::InvalidRequest(format!("the body exceeds {MAX_BODY_BYTES} bytes"))
            }
            BodyError::Unreadable => BearerError::InvalidRequest("the request body could not be read".into()),
            BodyError::TimedOut => BearerError::Server(OAuthError::body_timed_out()),
        })?;
    Params::parse(&body).map_err(BearerError::InvalidRequest)
}

fn respond(result: Result<serde_json::Map<String, serde_json::Value>, BearerError>) -> HttpResponse {
    let e = match result {
        Ok(claims) => return no_store(HttpResponse::Ok()).json(claims),
        Err(BearerError::Server(e)) => return error_response(&e),
        Err(e) => e,
    };
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = no_store(HttpResponse::build(status));
    if let Some(challenge) = e.challenge().and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.insert_header((header::WWW_AUTHENTICATE, challenge));
    }
    response.json(e.body())
}

async fn method_not_allowed() -> HttpResponse {
    let refusal = OAuthError::invalid_request("this endpoint accepts only GET and POST");
    let mut response = error_response(&refusal);
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}
