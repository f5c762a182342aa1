//! The gateway check (`gateway_check_path`, `/gateway/check` by default):
//! what nginx's `auth_request` and Traefik's `ForwardAuth` ask about every
//! request. Any method is accepted (nginx sends the subrequest with the
//! original request's method) and no body is read. Answers are never pages
//! and never redirects: 200 with the `X-Auth-*` headers and an empty body,
//! or a status with an RFC 6750 challenge and a one-line `text/plain` body.
//! The headers come only from the verified token; the request's own
//! `X-Auth-*` headers are never read.

use super::AppState;
use crate::gateway::requirements::Requirements;
use crate::gateway::{Gateway, Identity, Refusal};
use crate::oauth::openid::userinfo::{self, BearerError, Presented};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};

/// The realm of the check's challenges.
const REALM: &str = "tollgate";

/// Registers the check at `path`.
pub fn routes(cfg: &mut web::ServiceConfig, path: &str) {
    cfg.route(path, web::route().to(check));
}

async fn check(state: web::Data<AppState>, gateway: web::Data<Gateway>, req: HttpRequest) -> HttpResponse {
    let (method, uri) = original(&req);
    let required = match Requirements::parse(req.query_string()) {
        Ok(required) => required,
        Err(reason) => {
            tracing::warn!(%reason, "the gateway check was called with a malformed query; check the gateway's configuration");
            return plain(HttpResponse::BadRequest(), &reason);
        }
    };
    let token = match bearer(&req) {
        Ok(token) => token,
        Err(refusal) => return refused(&refusal),
    };
    match gateway.check(&state.oauth, token.as_deref(), &required).await {
        Ok(identity) => {
            tracing::debug!(%method, %uri, sub = %identity.subject, "gateway check passed");
            allowed(&identity)
        }
        Err(refusal) => {
            tracing::debug!(%method, %uri, ?refusal, "gateway check refused");
            refused(&refusal)
        }
    }
}

/// The original request's method and URI, as nginx or Traefik name them,
/// shortened for the log.
fn original(req: &HttpRequest) -> (String, String) {
    let read = |names: [&str; 2]| {
        names
            .iter()
            .find_map(|n| req.headers().get(*n))
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(256).collect::<String>())
            .unwrap_or_default()
    };
    (
        read(["x-original-method", "x-forwarded-method"]),
        read(["x-original-uri", "x-forwarded-uri"]),
    )
}

/// The bearer token of the request, `None` if it sent none.
fn bearer(req: &HttpRequest) -> Result<Option<String>, Refusal> {
    let mut headers = req.headers().get_all(header::AUTHORIZATION);
    let authorization = headers.next();
    if headers.next().is_some() {
        return Err(Refusal::InvalidToken("more than one Authorization header"));
    }
    if authorization.is_some_and(|v| v.len() > crate::gateway::MAX_TOKEN + 16) {
        return Err(Refusal::InvalidToken("the access token is too long"));
    }
    let presented = Presented {
        authorization: authorization.map(HeaderValue::as_bytes),
        form: None,
        token_in_query: false,
    };
    match userinfo::locate_token(&presented) {
        Ok(token) => Ok(Some(token)),
        Err(BearerError::Missing) => Ok(None),
        Err(_) => Err(Refusal::InvalidToken("malformed Authorization header")),
    }
}

fn allowed(identity: &Identity) -> HttpResponse {
    let mut builder = no_store(HttpResponse::Ok());
    let mut set = |name: &'static str, value: &str| {
        // Every value comes from a token this server signed; one that is
        // not a valid header value is left out rather than mangled.
        match HeaderValue::from_str(value) {
            Ok(v) if !value.is_empty() => {
                builder.insert_header((HeaderName::from_static(name), v));
            }
            Ok(_) => {}
            Err(_) => tracing::warn!(
                header = name,
                "a token's value cannot be a header value; left out"
            ),
        }
    };
    set("x-auth-subject", &identity.subject);
    set("x-auth-client-id", &identity.client_id);
    set("x-auth-scope", &identity.scope);
    set("x-auth-roles", &identity.roles);
    if let Some(session) = &identity.session {
        set("x-auth-session", session);
    }
    set("x-auth-token", &identity.token);
    builder.finish()
}

fn refused(refusal: &Refusal) -> HttpResponse {
    let (status, error, description) = match refusal {
        Refusal::Missing => (StatusCode::UNAUTHORIZED, None, "no access token was sent"),
        Refusal::InvalidToken(d) => (StatusCode::UNAUTHORIZED, Some("invalid_token"), *d),
        Refusal::DpopBound => (
            StatusCode::UNAUTHORIZED,
            Some("invalid_token"),
            "the access token is DPoP-bound; the gateway check accepts bearer tokens only",
        ),
        Refusal::Insufficient(unmet, _) => (
            StatusCode::FORBIDDEN,
            Some("insufficient_scope"),
            unmet.description(),
        ),
        Refusal::Unavailable => {
            tracing::error!(
                "the gateway check refuses: the revocation view could not be refreshed for several seconds"
            );
            let mut builder = HttpResponse::ServiceUnavailable();
            builder.insert_header((header::RETRY_AFTER, "1"));
            return plain(builder, "the revocation view is out of date; try again");
        }
        Refusal::Server(e) => {
            tracing::error!(error = %e.description, status = e.status, "the gateway check failed");
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return plain(
                HttpResponse::build(status),
                "the check failed on the server's side",
            );
        }
    };
    let mut params = vec![format!("realm=\"{REALM}\"")];
    if let Some(error) = error {
        params.push(format!("error=\"{error}\""));
        params.push(format!("error_description=\"{description}\""));
    }
    if let Refusal::Insufficient(_, needed) = refusal {
        if !needed.is_empty() {
            params.push(format!("scope=\"{}\"", quotable(needed)));
        }
    }
    let scheme = match refusal {
        Refusal::DpopBound => {
            params.push(format!("algs=\"{}\"", crate::oauth::dpop::SIGNING_ALGS.join(" ")));
            "DPoP"
        }
        _ => "Bearer",
    };
    let mut builder = HttpResponse::build(status);
    builder.insert_header((
        header::WWW_AUTHENTICATE,
        format!("{scheme} {}", params.join(", ")),
    ));
    plain(builder, description)
}

/// RFC 6750 §3: attribute values hold printable ASCII without `"` and `\`.
fn quotable(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '?',
        })
        .collect()
}

fn no_store(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

fn plain(builder: HttpResponseBuilder, line: &str) -> HttpResponse {
    no_store(builder)
        .content_type("text/plain; charset=utf-8")
        .body(format!("{line}\n"))
}
