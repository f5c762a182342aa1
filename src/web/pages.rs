//! HTML pages: the templates, the headers every page carries, and reading
//! the forms they post.

use super::body::{self, BodyError};
use super::nav::{self, Nav};
use super::page_error::PageError;
use crate::i18n;
use crate::oauth::form::{Params, MAX_BODY_BYTES};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub csrf: &'a str,
    pub return_to: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// Whether to link to sign-up (`signup_enabled`).
    pub signup_enabled: bool,
}

/// The consent page.
#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage<'a> {
    pub client_name: &'a str,
    pub verified: bool,
    /// The organisation, developer or operator behind the application.
    pub owner: &'a str,
    pub homepage: Option<&'a str>,
    /// The uploaded logo (verified applications only).
    pub logo: Option<&'a str>,
    pub username: &'a str,
    pub scopes: Vec<(String, Option<String>)>,
    pub redirect_host: &'a str,
    pub csrf: &'a str,
    pub request: &'a str,
    /// This authorization request, for "Not you?" to come back to.
    pub return_to: &'a str,
}

/// The headers of every page: no framing (clickjacking), no sniffing, no
/// referrer (URLs may carry codes), no caching (pages carry CSRF tokens),
/// nothing loaded from anywhere but here (scripts included: only
/// `static/app.js`, never inline). `nav` is the header (see `nav`).
pub fn page_response(status: StatusCode, nav: &Nav, template: &impl Template) -> HttpResponse {
    let body = match template
        .render()
        .and_then(|body| Ok(body.replacen(nav::MARKER, &nav.render()?, 1)))
    {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "a template failed to render");
            return HttpResponse::InternalServerError()
                .content_type("text/plain")
                .body("internal error");
        }
    };
    let mut builder = HttpResponse::build(status);
    secure_headers(&mut builder);
    builder.content_type("text/html; charset=utf-8").body(body)
}

/// Adds the page headers to any response (redirects too).
pub fn secure_headers(builder: &mut actix_web::HttpResponseBuilder) {
    builder
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
}

/// A 303 See Other (RFC 9700 §4.12: never 307 after a form with credentials).
pub fn see_other(location: &str) -> HttpResponse {
    let mut builder = HttpResponse::SeeOther();
    secure_headers(&mut builder);
    builder.insert_header((header::LOCATION, location)).finish()
}

/// An error page with `status`.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    page_response(status, &Nav::none(), &ErrorPage { title, message })
}

#[derive(Template)]
#[template(path = "unverified_error.html")]
struct UnverifiedErrorPage<'a> {
    client_name: &'a str,
    url: &'a str,
}

/// 400 page for an error in a request from an application no
/// administrator verified: its name and a plain link back, no redirect.
pub fn unverified_client_error(client_name: &str, url: &str) -> HttpResponse {
    page_response(
        StatusCode::BAD_REQUEST,
        &Nav::none(),
        &UnverifiedErrorPage { client_name, url },
    )
}

/// 400 page for a malformed request.
pub fn bad_request(message: &str) -> HttpResponse {
    error_page(StatusCode::BAD_REQUEST, &i18n::t("error-bad-request"), message)
}

/// 503 page while the database is away.
pub fn unavailable() -> HttpResponse {
    let mut response = error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        &i18n::t("error-unavailable"),
        &i18n::t("error-unavailable-message"),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
    response
}

/// 503 with `Retry-After`: too many sign-ins are waiting for a password check.
pub fn busy(retry_after: i64) -> HttpResponse {
    let mut response = error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        &i18n::t("error-busy"),
        &i18n::t("error-busy-message"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&retry_after.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// Reads a posted form (`application/x-www-form-urlencoded`, bounded).
pub async fn read_form(req: &HttpRequest, payload: web::Payload) -> Result<Params, PageError> {
    let body = body::read(req, payload, "application/x-www-form-urlencoded", MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::WrongType => PageError::bad_request(i18n::t("form-not-a-form")),
            BodyError::TooLarge => PageError::refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                i18n::t("form-too-large-title"),
                i18n::t("form-too-large"),
            ),
            BodyError::Unreadable => PageError::bad_request(i18n::t("form-unreadable")),
            BodyError::TimedOut => PageError::refused(
                StatusCode::REQUEST_TIMEOUT,
                i18n::t("form-too-slow-title"),
                i18n::t("form-too-slow"),
            ),
        })?;
    Params::parse(&body)
        .map_err(|why| PageError::bad_request(i18n::t1("form-malformed", "why", &why.to_string())))
}

/// The query string, parsed strictly.
pub fn query(req: &HttpRequest) -> Result<Params, PageError> {
    Params::parse(req.query_string().as_bytes())
        .map_err(|why| PageError::bad_request(i18n::t1("request-malformed", "why", &why.to_string())))
}

/// 405 for a page asked for with a method it does not take.
pub async fn method_not_allowed() -> HttpResponse {
    let mut response = error_page(
        StatusCode::METHOD_NOT_ALLOWED,
        &i18n::t("error-not-allowed"),
        &i18n::t("error-not-allowed-method"),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET, POST"));
    response
}

/// 404 for any path that is not ours.
pub async fn not_found() -> HttpResponse {
    error_page(
        StatusCode::NOT_FOUND,
        &i18n::t("error-not-found"),
        &i18n::t("error-not-found-page"),
    )
}

/// A file of `static/`, compiled in, cached by browsers for `max_age`
/// seconds.
fn static_file(content_type: &'static str, max_age: u32, body: &'static [u8]) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, format!("public, max-age={max_age}")))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .content_type(content_type)
        .body(body)
}

/// The stylesheet, compiled in.
pub async fn stylesheet() -> HttpResponse {
    static_file(
        "text/css; charset=utf-8",
        3600,
        include_bytes!("../../static/style.css"),
    )
}

/// The script of the pages (progressive enhancement only), compiled in.
pub async fn script() -> HttpResponse {
    static_file(
        "text/javascript; charset=utf-8",
        3600,
        include_bytes!("../../static/app.js"),
    )
}

/// The icon as SVG (`<link rel="icon">`, and the brand's mark).
pub async fn icon_svg() -> HttpResponse {
    static_file("image/svg+xml", 86400, include_bytes!("../../static/favicon.svg"))
}

/// `/favicon.ico`, for browsers and tools that ask for it without reading
/// the page.
pub async fn favicon() -> HttpResponse {
    static_file("image/x-icon", 86400, include_bytes!("../../static/favicon.ico"))
}
