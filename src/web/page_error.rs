//! Why a page handler could not answer with the page it meant to: the one
//! error path of every page. Handlers return `Result<HttpResponse,
//! PageError>` and use `?`; actix renders the error through
//! [`ResponseError`], and a 5xx logs its cause there, once.

use super::pages::{error_page, see_other};
use crate::i18n;
use crate::storage::StorageError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use std::fmt;

/// An answer other than the page a handler meant to render.
#[derive(Debug)]
pub enum PageError {
    /// A 4xx page: what was wrong, in words for the person who sent it.
    Refused {
        /// The status.
        status: StatusCode,
        /// The page's heading.
        title: String,
        /// What happened and what to do.
        message: String,
    },
    /// Somewhere else first (the sign-in page, typically).
    SeeOther(String),
    /// The database failed or is away: a 503 page, the cause logged.
    Unavailable(StorageError),
}

impl PageError {
    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        PageError::Refused {
            status: StatusCode::BAD_REQUEST,
            title: i18n::t("error-bad-request"),
            message: message.into(),
        }
    }

    /// 403: a form without this session's CSRF token; nothing was changed.
    pub fn form_expired() -> Self {
        PageError::Refused {
            status: StatusCode::FORBIDDEN,
            title: i18n::t("error-change-refused"),
            message: i18n::t("error-form-expired"),
        }
    }

    /// 404 with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        PageError::Refused {
            status: StatusCode::NOT_FOUND,
            title: i18n::t("error-not-found"),
            message: message.into(),
        }
    }

    /// A page with any 4xx `status`.
    pub fn refused(status: StatusCode, title: impl Into<String>, message: impl Into<String>) -> Self {
        PageError::Refused {
            status,
            title: title.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::Refused { status, title, .. } => write!(f, "{status}: {title}"),
            PageError::SeeOther(location) => write!(f, "see {location}"),
            PageError::Unavailable(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PageError::Unavailable(e) => Some(e),
            _ => None,
        }
    }
}

impl From<StorageError> for PageError {
    fn from(e: StorageError) -> Self {
        PageError::Unavailable(e)
    }
}

/// The whole cause chain, for a log line (no secrets: storage errors name
/// no values).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::Refused { status, .. } => *status,
            PageError::SeeOther(_) => StatusCode::SEE_OTHER,
            PageError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::Refused {
                status,
                title,
                message,
            } => error_page(*status, title, message),
            PageError::SeeOther(location) => see_other(location),
            PageError::Unavailable(e) => {
                tracing::error!(error = %chain(e), "a page answered 503");
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Log lines written while `f` runs.
    fn logged(f: impl FnOnce()) -> String {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || Writer(sink.clone()))
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buffer.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    struct Writer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_unavailable_page_is_a_503_with_retry_after_and_logs_its_cause_once() {
        let mut response = None;
        let log = logged(|| {
            response = Some(PageError::from(StorageError::TimedOut).error_response());
        });
        let response = response.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
        assert_eq!(log.matches("a page answered 503").count(), 1, "{log}");
        assert!(log.contains(&StorageError::TimedOut.to_string()), "{log}");
    }

    #[test]
    fn a_refused_request_is_its_status_and_logs_nothing() {
        let mut status = None;
        let log = logged(|| status = Some(PageError::form_expired().error_response().status()));
        assert_eq!(status, Some(StatusCode::FORBIDDEN));
        assert!(log.is_empty(), "{log}");
    }
}
