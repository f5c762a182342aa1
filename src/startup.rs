//! Building and running the application: the binary and the tests start it
//! the same way.

use crate::config::Settings;
use crate::domain::Clock;
use crate::oauth::settings::ProtocolSettings;
use crate::oauth::{keys, Context};
use crate::storage::{Bounds, Database};
use crate::telemetry::metrics::{self, MetricsServer};
use crate::telemetry::RequestSpan;
use crate::web::{self, AppState, WebSettings};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Condition};
use actix_web::{web::Data, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tracing_actix_web::TracingLogger;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Database(#[from] crate::storage::OpenError),
    /// No signing key could be loaded or made.
    #[error("signing keys: {0}")]
    Keys(#[from] keys::KeyError),
    /// The mailer could not be set up from `smtp_url`.
    #[error(transparent)]
    Mailer(#[from] crate::email::MailerError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A server bound to its port, ready to run.
pub struct Application {
    port: u16,
    server: Server,
    _following: Option<crate::oauth::clients::Following>,
    /// Deletes expired rows while the server runs.
    _sweeper: crate::oauth::sweeper::Sweeper,
    /// Sends back-channel logout notices while the server runs.
    _logout_notices: crate::oauth::openid::backchannel::deliver::Deliverer,
    /// Publishes the event outbox while the server runs (if `events_url` is set).
    _events: crate::events::relay::Relay,
    /// Keeps the shared session store up to date, when one is configured.
    _session_store: Option<crate::session_store::Projector>,
    metrics: Option<MetricsServer>,
    /// Keeps the gateway check's revocation view refreshing.
    _revocations: crate::gateway::view::Refresher,
    /// What wakes the view when PostgreSQL announces a revocation.
    _revocations_sink: Arc<dyn crate::storage::notifications::ClientChangeSink>,
}

impl Application {
    /// Opens the database, applies migrations, makes sure a signing key
    /// exists and binds the listener (port 0 picks a free port).
    pub fn build(settings: Settings) -> Result<Application, StartError> {
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartError::Bind {
            addr: settings.bind.to_string(),
            source,
        })?;
        Application::build_on(settings, listener)
    }

    /// Like [`Application::build`], on a listener bound already (tests bind
    /// port 0 first, so that the issuer can name the port it got).
    pub fn build_on(settings: Settings, listener: TcpListener) -> Result<Application, StartError> {
        Application::build_with_clock(settings, listener, Clock::system())
    }

    /// Like [`Application::build_on`], with its time taken from `clock`
    /// (tests pass a manual clock, to move time on instead of waiting).
    pub fn build_with_clock(
        settings: Settings,
        listener: TcpListener,
        clock: Clock,
    ) -> Result<Application, StartError> {
        let bounds = Bounds {
            connect_timeout: Duration::from_secs(settings.database_connect_timeout),
            query_timeout: Duration::from_secs(settings.database_query_timeout),
        };
        let db = Database::open_with(&settings.database_url, settings.database_pool_size, bounds)?;
        let applied = db.migrate()?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied database migrations");
        }
        keys::ensure_active(&db, settings.signing_alg, clock.now())?;
        let port = listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or(settings.bind.port());
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let per_worker = settings
            .max_connections_per_worker
            .unwrap_or_else(|| connections_per_worker(workers, settings.database_pool_size));
        let request_timeout = Duration::from_secs(settings.client_request_timeout);
        let keep_alive = match settings.keep_alive {
            0 => actix_web::http::KeepAlive::Disabled,
            seconds => actix_web::http::KeepAlive::Timeout(Duration::from_secs(seconds)),
        };
        let database_url = settings.database_url.clone();
        let protocol = protocol_settings(&settings);
        let sweeper = crate::oauth::sweeper::start(db.clone(), Arc::new(protocol.clone()), clock.clone());
        let mailer = Arc::new(crate::email::Mailer::new(&settings)?);
        if mailer.is_development() {
            tracing::warn!("no smtp_url is set: emails are written to the log, not sent (development mode)");
        }
        let state = Data::new(AppState {
            oauth: Arc::new(Context::with_clock(protocol, db, clock)),
            settings: web_settings(&settings),
            mailer,
        });
        let logout_notices = crate::oauth::openid::backchannel::deliver::start(state.oauth.clone());
        let session_store = settings
            .session_store_url
            .as_deref()
            .map(|url| crate::session_store::start(state.oauth.clone(), url));
        let events = crate::events::relay::start(state.oauth.clone(), settings.events_url.clone());
        // The gateway check's revocation view: read once now (a failure is
        // logged, and the check answers 503 until a refresh succeeds), then
        // refreshed every second and at every announced revocation.
        let view = crate::gateway::view::View::new(
            state.oauth.db.clone(),
            state.oauth.clock.clone(),
            settings.access_token_ttl,
        );
        if let Err(e) = view.refresh() {
            tracing::warn!(error = %e, "cannot read the revocation view yet; retrying every second");
        }
        let revocations = view.start();
        let revocations_sink = view.sink();
        let gateway = Data::new(crate::gateway::Gateway::new(
            view,
            settings.gateway_internal_token_ttl,
        ));
        let check_path = settings.gateway_check_path.clone();
        // Other instances' client changes and revocations (PostgreSQL),
        // followed while this application exists; the cache's lifetime and
        // the view's poll bound them if this fails.
        let following = state
            .oauth
            .clients
            .follow_other_instances(
                &database_url,
                vec![(
                    crate::storage::notifications::REVOCATIONS_CHANNEL,
                    Arc::downgrade(&revocations_sink),
                )],
            )
            .map_err(|e| tracing::error!(error = %e, "cannot start following client changes"))
            .ok();
        let metrics = MetricsServer::bind(settings.metrics_bind, request_timeout, state.oauth.clone())
            .map_err(|source| StartError::Bind {
                addr: "metrics_bind".into(),
                source,
            })?;
        let measured = metrics.is_some();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(web::language::choose))
                // Every response, JSON included, is read as what it says it is.
                .wrap(actix_web::middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(actix_web::middleware::from_fn(
                    crate::telemetry::request_id_header,
                ))
                .wrap(TracingLogger::<RequestSpan>::new())
                .wrap(Condition::new(measured, from_fn(metrics::record)))
                .app_data(state.clone())
                .app_data(gateway.clone())
                .configure(|cfg| web::gateway_routes(cfg, &check_path))
                .configure(web::routes)
                .default_service(web::not_found_service())
        })
        // actix stops abruptly on SIGINT; both signals are handled below so
        // that each lets requests in flight finish (up to this many seconds).
        .disable_signals()
        .shutdown_timeout(10)
        // Slow clients: the head within client_request_timeout (the body's
        // own timeout is in `web::body`), idle connections closed after
        // keep_alive, and no more connections than file descriptors.
        .workers(workers)
        // Database calls run on each worker's blocking threads, and each
        // needs one of the pool's connections: threads beyond the
        // connections (the workers' together already have more) would only
        // wait for one, each with a stack — a flood of 64 connections
        // started 123 such threads. A call through `Database` queued here is
        // still answered within `database_query_timeout`. The little
        // blocking work that is not a database call (DNS lookups for
        // outbound fetches, logo checks) shares these threads: while
        // database calls fill them it waits, at most that long.
        .worker_max_blocking_threads(settings.database_pool_size.max(1) as usize)
        .client_request_timeout(request_timeout)
        .client_disconnect_timeout(Duration::from_secs(1))
        .keep_alive(keep_alive)
        .max_connections(per_worker)
        .listen(listener)
        .map_err(|source| StartError::Bind {
            addr: "listener".into(),
            source,
        })?
        .run();
        Ok(Application {
            port,
            server,
            _following: following,
            _sweeper: sweeper,
            _logout_notices: logout_notices,
            _events: events,
            _session_store: session_store,
            metrics,
            _revocations: revocations,
            _revocations_sink: revocations_sink,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port the metrics listener bound, if `metrics_bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsServer::port)
    }

    /// Serves until SIGINT or SIGTERM, then lets requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        // Registered before announcing the port, so a signal sent by whoever
        // waits for that announcement is never missed.
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let handle = self.server.handle();
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("stop signal received; finishing requests in flight");
            handle.stop(true).await;
        });
        tracing::info!(port = self.port, "tollgate is listening");
        let metrics = self.metrics.map(MetricsServer::start);
        let served = self.server.await;
        if let Some(metrics) = metrics {
            metrics.stop(false).await;
        }
        served
    }
}

/// Connections each worker may hold open when the operator left
/// `max_connections_per_worker` at `auto`: the soft file-descriptor limit,
/// less a reserve (database connections, files, the listener, logs), shared
/// among the workers. Past it a worker stops accepting, and new clients wait
/// in the listen backlog instead of making `accept` fail for everyone.
/// The part of the configuration the protocol uses.
pub fn protocol_settings(s: &Settings) -> ProtocolSettings {
    ProtocolSettings {
        issuer: s.issuer.clone(),
        default_audience: s.default_audience.clone(),
        key_lifecycle: keys::Lifecycle {
            activation_delay: s.key_activation_delay,
            access_token_ttl: s.access_token_ttl,
        },
        access_token_ttl: s.access_token_ttl,
        refresh_token_ttl: s.refresh_token_ttl,
        refresh_grace_period: s.refresh_grace_period,
        authorization_code_ttl: s.authorization_code_ttl,
        device_code_ttl: s.device_code_ttl,
        device_poll_interval: s.device_poll_interval,
        par_ttl: s.par_ttl,
        require_pushed_authorization_requests: s.require_pushed_authorization_requests,
        session_ttl: s.session_ttl,
        login_max_failures: s.login_max_failures,
        login_lockout: s.login_lockout,
        registration_rate_limit: s.registration_rate_limit,
        password_hash_concurrency: s.password_hash_concurrency,
        password_queue_length: s.password_queue_length,
        password_queue_wait: s.password_queue_wait,
        login_max_delay: s.login_max_delay,
        self_service_implicit: s.self_service_implicit,
        self_service_client_credentials: s.self_service_client_credentials,
        registration_initial_access_token: s.registration_initial_access_token.clone(),
        open_registration: s.open_registration,
        registration_access_token_format: s.registration_access_token_format,
        token_exchange_policy: s.token_exchange_policy.clone(),
        purge_interval: s.purge_interval,
        purge_batch_size: s.purge_batch_size,
        session_retention: s.session_retention,
        backchannel_logout_timeout: s.backchannel_logout_timeout,
        backchannel_logout_max_attempts: s.backchannel_logout_max_attempts,
        backchannel_logout_private_addresses: s.backchannel_logout_private_addresses,
        outbound_private_addresses: s.outbound_private_addresses,
        client_id_metadata_documents: s.client_id_metadata_documents,
        events_enabled: s.events_url.is_some(),
        events_retention: s.events_retention,
        session_store: s.session_store_url.is_some(),
        dpop_proof_lifetime: s.dpop_proof_lifetime,
        dpop_nonce_required: s.dpop_nonce_required,
        dpop_nonce_secret: s
            .dpop_nonce_secret
            .clone()
            .unwrap_or_else(|| secrecy::SecretString::from(crate::oauth::secrets::random_secret())),
    }
}

/// The part of the configuration only the HTTP side uses.
pub fn web_settings(s: &Settings) -> WebSettings {
    WebSettings {
        signup_enabled: s.signup_enabled,
        client_body_timeout: s.client_body_timeout,
        trusted_proxies: s.trusted_proxies.clone(),
    }
}

fn connections_per_worker(workers: usize, pool_size: u32) -> usize {
    const MOST: usize = 25_000;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct given and nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return MOST;
    }
    let reserve = 64 + 2 * pool_size as u64;
    let usable = limit.rlim_cur.saturating_sub(reserve) / workers.max(1) as u64;
    (usable as usize).clamp(16, MOST)
}
