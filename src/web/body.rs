//! Reading request bodies and who sent them: one place for the content-type
//! check and the size limit that every form and JSON endpoint applies.

use super::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use std::time::Duration;

/// Why a body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// Not the media type the endpoint takes.
    WrongType,
    /// Over the limit (declared or received).
    TooLarge,
    /// The connection failed while reading.
    Unreadable,
    /// The body did not arrive within `client_body_timeout`.
    TimedOut,
}

/// The body timeout when the application state is not at hand (never in
/// the server; a fallback for handlers mounted alone).
const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether the request's `Content-Type` is `essence` (parameters ignored).
fn has_type(req: &HttpRequest, essence: &str) -> bool {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .eq_ignore_ascii_case(essence)
}

/// Reads a body of media type `essence` and at most `limit` bytes; a
/// declared `Content-Length` over the limit is refused before reading.
///
/// The whole body must arrive within `client_body_timeout`: actix's own
/// `client_request_timeout` covers the request's head only, and a client
/// whose headers promise a body that never comes would otherwise hold its
/// connection (and a file descriptor) for as long as it likes.
pub async fn read(
    req: &HttpRequest,
    mut payload: web::Payload,
    essence: &str,
    limit: usize,
) -> Result<web::Bytes, BodyError> {
    if !has_type(req, essence) {
        return Err(BodyError::WrongType);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map(|state| Duration::from_secs(state.settings.client_body_timeout))
        .unwrap_or(DEFAULT_BODY_TIMEOUT);
    let reading = async {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| BodyError::Unreadable)?;
            if body.len() + chunk.len() > limit {
                return Err(BodyError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(timeout, reading)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

/// The client's address, as throttles, logs and the audit trail see it:
/// the TCP peer, or behind a trusted reverse proxy the address it forwarded
/// (see [`super::forwarded`]).
pub fn client_address(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return String::new();
    };
    let trusted = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.trusted_proxies.as_slice())
        .unwrap_or_default();
    if trusted.is_empty() {
        return peer.to_string();
    }
    let header = |name: &str| {
        // A repeated header is one list (RFC 9110 §5.3).
        let values: Vec<&str> = req
            .headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    super::forwarded::client_ip(
        peer,
        header("forwarded").as_deref(),
        header("x-forwarded-for").as_deref(),
        trusted,
    )
    .to_string()
}
