//! The connection type over both backends and the r2d2 manager that opens it.

use super::watchdog::{self, Socket};
use super::{Bounds, OpenError};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// PostgreSQL, for production and several instances side by side.
    Pg(PgConnection),
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// SQLite.
    Sqlite,
}

impl Backend {
    /// The backend a database URL names, by its scheme: SQLite accepts any
    /// string, so the choice cannot be left to trying each in turn.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// A pooled connection and what the pool knows about it.
pub struct Tracked {
    /// The connection itself.
    pub(super) conn: DbConnection,
    /// Its socket, when it could be learned (PostgreSQL on Linux).
    pub(super) socket: Option<Socket>,
    /// The pool's generation when it was opened (see [`Generation`]).
    generation: u64,
    /// Set when the connection was found lost: the pool drops it.
    pub(super) broken: bool,
}

/// Counts the times a connection was found lost. One lost connection means
/// the others opened before it are suspect too (a failover, a partition):
/// they are dropped at their next checkout without a ping that could hang.
#[derive(Debug, Default)]
pub(super) struct Generation(AtomicU64);

impl Generation {
    fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Marks every connection opened until now as suspect.
    pub(super) fn advance(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// How long a checkout's ping may take before the connection is shut down
/// and dropped.
const PING_BOUND: Duration = Duration::from_secs(1);

/// Opens connections for the pool, with SQLite's pragmas set on each and
/// PostgreSQL's timeouts in the URL.
pub(super) struct Manager {
    url: String,
    backend: Backend,
    /// The TCP ports a PostgreSQL connection may lead to (to learn its socket).
    ports: Vec<u16>,
    ping_bound: Duration,
    connect_timeout: Duration,
    gate: Arc<watchdog::Gate>,
    pub(super) generation: Arc<Generation>,
}

/// Adds libpq's timeout and keep-alive parameters to a PostgreSQL URL, each
/// unless the operator set it (in the URL or its environment variable).
///
/// On a real network they bound what the kernel can see: `connect_timeout`
/// the whole connection set-up, keep-alives and `tcp_user_timeout` a peer
/// that vanished, `statement_timeout` a query the server keeps running.
/// A peer that keeps the connection open but stops answering defeats them
/// all; the watchdog covers that case.
pub(super) fn with_timeouts(url: &str, bounds: &Bounds) -> String {
    let present: Vec<String> = url::Url::parse(url)
        .map(|u| u.query_pairs().map(|(k, _)| k.into_owned()).collect())
        .unwrap_or_default();
    let set_by_env = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    let query_ms = bounds.query_timeout.as_millis();
    let candidates = [
        (
            "connect_timeout",
            Some("PGCONNECT_TIMEOUT"),
            bounds.connect_timeout.as_secs().max(2).to_string(),
        ),
        ("keepalives", None, "1".to_string()),
        ("keepalives_idle", None, "10".to_string()),
        ("keepalives_interval", None, "5".to_string()),
        ("keepalives_count", None, "3".to_string()),
        ("tcp_user_timeout", None, "20000".to_string()),
        // libpq decodes %XX in URLs but not `+`: the space is written %20.
        (
            "options",
            Some("PGOPTIONS"),
            format!("-c%20statement_timeout%3D{query_ms}"),
        ),
    ];
    let mut url = url.to_string();
    for (key, env, value) in candidates {
        if present.iter().any(|p| p == key) || env.is_some_and(set_by_env) {
            continue;
        }
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(key);
        url.push('=');
        url.push_str(&value);
    }
    url
}

/// The TCP ports a PostgreSQL URL can lead to.
fn ports_of(url: &str) -> Vec<u16> {
    let mut ports = Vec::new();
    if let Ok(parsed) = url::Url::parse(url) {
        ports.push(parsed.port().unwrap_or(5432));
        for (key, value) in parsed.query_pairs() {
            if key == "port" {
                ports.extend(value.split(',').filter_map(|p| p.trim().parse::<u16>().ok()));
            }
        }
    }
    if let Some(port) = std::env::var("PGPORT").ok().and_then(|p| p.parse().ok()) {
        ports.push(port);
    }
    ports
}

impl Manager {
    pub(super) fn new(url: &str, bounds: &Bounds) -> Result<Self, OpenError> {
        let backend = Backend::of_url(url);
        let url = match backend {
            Backend::Postgres => with_timeouts(url, bounds),
            Backend::Sqlite => {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                let path = path.strip_prefix("sqlite:").unwrap_or(path);
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir).map_err(|source| OpenError::CreateDir {
                            path: dir.display().to_string(),
                            source,
                        })?;
                    }
                }
                // WAL lets readers run beside the writer; it stays set in the file.
                let mut conn = SqliteConnection::establish(path).map_err(|e| OpenError::Connect {
                    url: path.to_string(),
                    reason: e.to_string(),
                })?;
                conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL;")
                    .map_err(|e| OpenError::Connect {
                        url: path.to_string(),
                        reason: e.to_string(),
                    })?;
                path.to_string()
            }
        };
        Ok(Manager {
            ports: ports_of(&url),
            url,
            backend,
            ping_bound: PING_BOUND.min(bounds.query_timeout / 2),
            connect_timeout: bounds.connect_timeout,
            gate: Arc::default(),
            generation: Arc::default(),
        })
    }

    pub(super) fn backend(&self) -> Backend {
        self.backend
    }

    /// Opens a PostgreSQL connection within `connect_timeout`, on a thread
    /// of its own: libpq counts its `connect_timeout` in whole seconds, at
    /// least 2, and a pool thread stuck in a connection to a silent server
    /// is one fewer trying the server that came back. A connection that
    /// takes longer is closed when it is done (libpq's own timeout ends it).
    fn connect_postgres(&self) -> Result<(PgConnection, Option<Socket>), r2d2::Error> {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        let (url, ports, gate) = (self.url.clone(), self.ports.clone(), self.gate.clone());
        std::thread::Builder::new()
            .name("tollgate-db-connect".into())
            .spawn(move || {
                let opened =
                    watchdog::connect_learning_socket(&gate, &ports, || PgConnection::establish(&url));
                // If nobody waits any more, the connection is closed here.
                let _ = sender.send(opened);
            })
            .map_err(|e| {
                r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(e.to_string()))
            })?;
        match receiver.recv_timeout(self.connect_timeout) {
            Ok(opened) => opened.map_err(r2d2::Error::ConnectionError),
            Err(_) => Err(r2d2::Error::ConnectionError(
                diesel::ConnectionError::BadConnection(format!(
                    "no connection within {:?}",
                    self.connect_timeout
                )),
            )),
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Tracked;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Tracked, r2d2::Error> {
        let (conn, socket) = match self.backend {
            Backend::Postgres => {
                let (conn, socket) = self.connect_postgres()?;
                (DbConnection::Pg(conn), socket)
            }
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
                // Set on every connection: a writer waits for the lock
                // instead of failing, and foreign keys (off by default) are
                // enforced. WAL is a property of the file, set once when the
                // pool opens (`Manager::new`): switching to it takes an
                // exclusive lock that connections opening at once would
                // fight over.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
                (DbConnection::Sqlite(conn), None)
            }
        };
        Ok(Tracked {
            conn,
            socket,
            generation: self.generation.current(),
            broken: false,
        })
    }

    /// The checkout's health check: a ping, bounded by the watchdog, and no
    /// ping at all for a connection opened before another one was lost.
    fn is_valid(&self, tracked: &mut Tracked) -> Result<(), r2d2::Error> {
        if tracked.generation < self.generation.current() {
            return Err(r2d2::Error::ConnectionError(
                diesel::ConnectionError::BadConnection(
                    "opened before another connection to the database was lost".into(),
                ),
            ));
        }
        let armed = tracked
            .socket
            .map(|socket| watchdog::arm(socket, Instant::now() + self.ping_bound));
        let pinged = tracked.conn.ping();
        let fired = armed.is_some_and(|armed| armed.finish());
        if fired || pinged.is_err() {
            tracked.broken = true;
            if self.backend == Backend::Postgres {
                self.generation.advance();
            }
        }
        pinged.map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, tracked: &mut Tracked) -> bool {
        tracked.broken || tracked.conn.is_broken() || tracked.generation < self.generation.current()
    }
}

/// Sends the pool's connection errors to the log instead of stderr.
#[derive(Debug)]
pub(super) struct LogErrors;

impl r2d2::HandleError<r2d2::Error> for LogErrors {
    fn handle_error(&self, error: r2d2::Error) {
        tracing::warn!(error = %error, "database connection failed");
    }
}

/// A database URL fit for a log line or an error message: any password removed.
pub(super) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_keep_alives_are_added_to_a_postgres_url() {
        let url = with_timeouts("postgres://tollgate@db/tollgate", &Bounds::default());
        assert!(url.starts_with("postgres://tollgate@db/tollgate?connect_timeout=2&keepalives=1&"));
        assert!(url.contains("&tcp_user_timeout=20000"));
        // libpq decodes %20 but not `+` in a URL.
        assert!(url.ends_with("&options=-c%20statement_timeout%3D5000"));
    }

    #[test]
    fn what_the_operator_set_in_the_url_is_kept() {
        let url = with_timeouts(
            "postgres://db/tollgate?sslmode=require&connect_timeout=10&options=-c%20search_path%3Dauth",
            &Bounds::default(),
        );
        assert!(url.starts_with(
            "postgres://db/tollgate?sslmode=require&connect_timeout=10&options=-c%20search_path%3Dauth&keepalives=1&"
        ));
        assert_eq!(url.matches("connect_timeout=").count(), 1);
        assert_eq!(url.matches("options=").count(), 1);
    }
}
