//! Logging, set up in one place. Each request gets a span with a request id,
//! its path (never its query string, which may carry a code or a token) and
//! the client's address; the client id once a client authenticated; and a
//! closing line with the status and the latency. Every response carries the
//! request id in `x-request-id`, so a caller's report can be found in the log.

pub mod metrics;

use crate::config::LogFormat;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use std::time::Instant;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; a second call (tests) does nothing.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never in a file or a pipe.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The root span of every request: method, path, request id; status and
/// latency logged at the end.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        request.extensions_mut().insert(Started(Instant::now()));
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.path(),
            request_id = %request_id,
            address = %crate::web::client_address(request.request()),
            client_id = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, actix_web::Error>) {
        let _entered = span.enter();
        match outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                let latency_ms = response
                    .request()
                    .extensions()
                    .get::<Started>()
                    .map_or(0.0, |s| s.0.elapsed().as_secs_f64() * 1000.0);
                // A 503 is load shed or a dependency away: its cause is logged
                // where it arose (sampled when it comes in floods), so the
                // request's own line stays at info and a flood of refusals
                // does not become a flood of error lines.
                if response.status().is_server_error() && status != 503 {
                    tracing::error!(status, latency_ms, "request failed")
                } else {
                    tracing::info!(status, latency_ms, "request finished")
                }
            }
            Err(error) => tracing::error!(error = %error, "request failed"),
        }
    }
}

/// A log line for something that may happen thousands of times a second
/// (load shedding): the first occurrence is reported at once, later ones
/// are counted and reported together at most once per interval.
pub struct Sampled {
    every: std::time::Duration,
    state: std::sync::Mutex<(Option<Instant>, u64)>,
}

impl Sampled {
    /// A line written at most once per `every`.
    pub const fn new(every: std::time::Duration) -> Sampled {
        Sampled {
            every,
            state: std::sync::Mutex::new((None, 0)),
        }
    }

    /// Counts one occurrence; returns how many to report (this one and
    /// those held back since the last report) when a line is due now.
    pub fn tick(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1 += 1;
        let now = Instant::now();
        match state.0 {
            Some(last) if now.duration_since(last) < self.every => None,
            _ => {
                let count = state.1;
                *state = (Some(now), 0);
                Some(count)
            }
        }
    }
}

/// When the request started (for its latency).
struct Started(Instant);

/// Middleware (inside `TracingLogger`, which assigns the id): puts the
/// request id in the response's `x-request-id` header.
pub async fn request_id_header(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut response = next.call(request).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::Sampled;
    use std::time::Duration;

    #[test]
    fn a_sampled_line_reports_the_first_occurrence_then_counts_the_rest() {
        let line = Sampled::new(Duration::from_secs(3600));
        assert_eq!(line.tick(), Some(1));
        assert_eq!(line.tick(), None);
        assert_eq!(line.tick(), None);
    }

    #[test]
    fn a_sampled_line_reports_what_it_held_back_once_the_interval_passed() {
        let line = Sampled::new(Duration::ZERO);
        assert_eq!(line.tick(), Some(1));
        assert_eq!(line.tick(), Some(1));
    }
}
