//! Prometheus metrics, served at `/metrics` on their own listener
//! (`metrics_bind`, off by default), never on the public one.
//!
//! Each running server has its own registry (held by the protocol's
//! [`Context`]), not a process-wide one: two servers in one process (the
//! tests) count apart. What is counted as it happens (requests, tokens,
//! sign-ins) lives in the registry; what is a state (the database pool,
//! the signing key's age) is read when scraped.
//!
//! Every label has a bounded set of values: requests are labelled by the
//! route's pattern (`/oauth2/register/{client_id}`), never the raw path,
//! and by method only for the methods HTTP defines. No client id, user,
//! address, secret or token becomes a label.

use crate::domain::GrantType;
use crate::oauth::Context;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, App, HttpResponse, HttpServer};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Latency buckets, seconds: a token is about a millisecond, an argon2
/// sign-in tens of milliseconds, a database timeout seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The series a server records as things happen. A clone records into
/// the same series.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: HistogramVec,
    tokens_issued: IntCounterVec,
    sign_ins: IntCounterVec,
    lockouts: IntCounterVec,
    events_pending: IntGauge,
    events_published: IntCounter,
    session_store_queue: IntGauge,
    session_store_failures: IntCounter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every series registered.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = HistogramVec::new(
            HistogramOpts::new(
                "tollgate_http_request_duration_seconds",
                "HTTP requests by method, route pattern and status: time to the response head",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let tokens_issued = IntCounterVec::new(
            Opts::new(
                "tollgate_tokens_issued_total",
                "Access tokens issued, by grant type",
            ),
            &["grant_type"],
        )
        .expect("valid metric");
        let sign_ins = IntCounterVec::new(
            Opts::new(
                "tollgate_sign_ins_total",
                "Password sign-ins (login page and password grant), by outcome",
            ),
            &["outcome"],
        )
        .expect("valid metric");
        let lockouts = IntCounterVec::new(
            Opts::new(
                "tollgate_lockouts_total",
                "Lockouts started, by what was locked: pair (an account at one address), client, address, register",
            ),
            &["subject"],
        )
        .expect("valid metric");
        let events_pending = IntGauge::new(
            "tollgate_events_outbox_pending",
            "Events in the outbox not yet acknowledged by the broker, as the relay last counted (0 while events are off)",
        )
        .expect("valid metric");
        let events_published = IntCounter::new(
            "tollgate_events_published_total",
            "Events this server published and the broker acknowledged",
        )
        .expect("valid metric");
        let session_store_queue = IntGauge::new(
            "tollgate_session_store_queue",
            "Sessions whose copy in the shared session store is not yet up to date",
        )
        .expect("valid metric");
        let session_store_failures = IntCounter::new(
            "tollgate_session_store_failures_total",
            "Writes or deletes in the shared session store that failed (retried)",
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(tokens_issued.clone()),
            Box::new(sign_ins.clone()),
            Box::new(lockouts.clone()),
            Box::new(events_pending.clone()),
            Box::new(events_published.clone()),
            Box::new(session_store_queue.clone()),
            Box::new(session_store_failures.clone()),
        ] {
            registry.register(collector).expect("distinct metric names");
        }
        Metrics {
            registry,
            requests,
            tokens_issued,
            sign_ins,
            lockouts,
            events_pending,
            events_published,
            session_store_queue,
            session_store_failures,
        }
    }

    /// The relay counted `n` events waiting in the outbox.
    pub fn events_pending(&self, n: i64) {
        self.events_pending.set(n);
    }

    /// The broker acknowledged `n` more events.
    pub fn events_published(&self, n: u64) {
        self.events_published.inc_by(n);
    }

    /// The session store's queue holds `depth` sessions.
    pub fn session_store_queue_depth(&self, depth: i64) {
        self.session_store_queue.set(depth);
    }

    /// One write or delete in the session store failed.
    pub fn session_store_failure(&self) {
        self.session_store_failures.inc();
    }

    /// A lockout of a `subject` kind began.
    pub fn lockout_started(&self, subject: &'static str) {
        self.lockouts.with_label_values(&[subject]).inc();
    }

    /// One access token issued through `grant`.
    pub fn token_issued(&self, grant: GrantType) {
        self.tokens_issued.with_label_values(&[grant.as_str()]).inc();
    }

    /// One password sign-in ended with `outcome` (`signed_in`, `refused`,
    /// `throttled`: refused by a lockout, `busy`: the hashing queue was full).
    pub fn sign_in(&self, outcome: &'static str) {
        self.sign_ins.with_label_values(&[outcome]).inc();
    }

    fn request(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        self.requests
            .with_label_values(&[method_label(method), route, &status])
            .observe(elapsed.as_secs_f64());
    }
}

/// The method as a label: actix accepts any token as a method, and a
/// client could otherwise mint a series per request.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware of the public server: counts each request and its latency by
/// method, route pattern (`unmatched` when no route took it) and status.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.match_pattern();
    let metrics = req
        .app_data::<web::Data<crate::web::AppState>>()
        .map(|state| state.oauth.clone());
    let result = next.call(req).await;
    if let Some(ctx) = metrics {
        let status = match &result {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        let route = route.as_deref().unwrap_or("unmatched");
        ctx.metrics
            .request(&method, route, status.as_u16(), started.elapsed());
    }
    result
}

/// The histogram of the password hashing pool's waits: the pool records
/// into it from its own threads, and a scrape reads it from the pool.
pub fn password_hash_wait() -> Histogram {
    Histogram::with_opts(
        HistogramOpts::new(
            "tollgate_password_hash_wait_seconds",
            "Time a password check or hash waited for a hashing thread",
        )
        .buckets(LATENCY_BUCKETS.to_vec()),
    )
    .expect("valid metric")
}

/// The metrics listener, bound, not yet serving.
pub struct MetricsServer {
    port: u16,
    server: Server,
}

impl MetricsServer {
    /// Binds `addr` (`metrics_bind`), if set, and builds a one-worker
    /// server that answers `GET /metrics` from `ctx`'s registry and state;
    /// a client has `timeout` to send its request.
    pub fn bind(
        addr: Option<SocketAddr>,
        timeout: Duration,
        ctx: Arc<Context>,
    ) -> std::io::Result<Option<MetricsServer>> {
        let Some(addr) = addr else {
            return Ok(None);
        };
        let listener = TcpListener::bind(addr)?;
        let port = listener.local_addr()?.port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::from(ctx.clone()))
                .route("/metrics", web::get().to(scrape))
        })
        .workers(1)
        .disable_signals()
        .client_request_timeout(timeout)
        .max_connections(64)
        .listen(listener)?
        .run();
        Ok(Some(MetricsServer { port, server }))
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves in the background; the handle stops it.
    pub fn start(self) -> ServerHandle {
        let handle = self.server.handle();
        tokio::spawn(self.server);
        handle
    }
}

async fn scrape(ctx: web::Data<Context>) -> HttpResponse {
    let key_created_at = ctx.keys.active_created_at().await;
    let mut families = ctx.metrics.registry.gather();
    families.extend(state(&ctx, key_created_at));
    let encoder = prometheus::TextEncoder::new();
    let mut body = Vec::new();
    if let Err(error) = encoder.encode(&families, &mut body) {
        tracing::error!(%error, "cannot encode metrics");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok().content_type(encoder.format_type()).body(body)
}

/// What is a state rather than a count of events, read at scrape time.
fn state(ctx: &Context, key_created_at: Option<i64>) -> Vec<prometheus::proto::MetricFamily> {
    use prometheus::core::Collector;
    let pool = ctx.db.pool_state();
    let gauge = |name: &str, help: &str, value: i64| {
        let g = IntGauge::new(name, help).expect("valid metric");
        g.set(value);
        g.collect()
    };
    let timeouts = IntCounter::new(
        "tollgate_db_pool_timeouts_total",
        "Database calls that got no connection from the pool in time",
    )
    .expect("valid metric");
    timeouts.inc_by(pool.timeouts);
    let mut families = vec![
        gauge(
            "tollgate_db_pool_connections_in_use",
            "Database connections checked out",
            i64::from(pool.connections - pool.idle),
        ),
        gauge(
            "tollgate_db_pool_connections_idle",
            "Database connections open and idle",
            i64::from(pool.idle),
        ),
        gauge(
            "tollgate_db_pool_size",
            "Most database connections the pool opens",
            i64::from(pool.max_size),
        ),
        timeouts.collect(),
        gauge(
            "tollgate_password_hash_queue",
            "Password checks and hashes waiting for a hashing thread",
            ctx.passwords.queued() as i64,
        ),
        ctx.passwords.waits().collect(),
    ];
    if let Some(created_at) = key_created_at {
        families.push(gauge(
            "tollgate_signing_key_age_seconds",
            "Seconds since the key that signs new tokens was created",
            ctx.clock.now() - created_at,
        ));
    }
    families.into_iter().flatten().collect()
}
