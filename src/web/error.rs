//! Error responses for the machine-facing endpoints: a JSON body with an
//! RFC 6749 §5.2 style `error` code; the cause goes to the log, never to
//! the response.

use crate::oauth::keys::KeyError;
use crate::storage::StorageError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// An error a JSON endpoint answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The database is away: 503, and the client may retry.
    #[error("the database is unavailable")]
    Unavailable(#[source] StorageError),
    /// Anything else that is the server's fault: 500 with no detail.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Unavailable(_) => ApiError::Unavailable(e),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<KeyError> for ApiError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Storage(s) => s.into(),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        tracing::error!(error = %chain(self), "request failed");
        let (code, description) = match self {
            ApiError::Unavailable(_) => (
                "temporarily_unavailable",
                "the service is temporarily unavailable",
            ),
            ApiError::Internal(_) => ("server_error", "an internal error occurred"),
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unavailable(_)) {
            response.insert_header(("Retry-After", "5"));
        }
        response
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({ "error": code, "error_description": description }))
    }
}

/// The error and its causes, as one line for the log.
fn chain(e: &ApiError) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
