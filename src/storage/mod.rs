//! Storage: the one module that knows diesel.
//!
//! One connection type covers both backends (`DbConnection`, a diesel
//! `MultiConnection`); the URL scheme picks the variant: `postgres://` or
//! `postgresql://` for PostgreSQL, anything else (`sqlite://path`, a plain
//! path) for an SQLite file. Every query runs on the blocking thread pool
//! through [`Database::run`], never on an actix worker.
//!
//! Every call has a deadline ([`Bounds::query_timeout`]) covering the
//! checkout and the work: past it the caller is answered
//! [`StorageError::TimedOut`] at once, and on PostgreSQL the watchdog
//! (`watchdog.rs`, which explains why) shuts the connection's socket down so
//! the blocked call returns and the pool drops the connection instead of
//! losing the slot. A connection lost mid-query is
//! [`StorageError::Disconnected`]. Both are answered 503, like a pool that
//! cannot connect; none of them is a 500.

pub mod apis;
pub mod audit;
pub mod branding;
pub mod clients;
mod connection;
pub mod consents;
pub mod device_authorizations;
pub mod email;
pub mod exchange_policies;
pub mod keys;
pub mod logout_deliveries;
pub mod notifications;
pub mod opaque_tokens;
pub mod outbox;
pub mod pairwise;
pub mod pushed_requests;
pub mod revocations;
pub mod roles;
#[allow(missing_docs)]
pub mod schema;
pub mod scopes;
pub mod secret_handoffs;
pub mod session_store_queue;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod used_jtis;
pub mod users;
mod watchdog;

pub use connection::{Backend, DbConnection};

use diesel::r2d2::{self, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::{Duration, Instant};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The error of one query, as the closures given to [`Database::run`] return it.
pub type QueryError = diesel::result::Error;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No connection could be had: the database is down or unreachable.
    #[error("the database is unavailable")]
    Unavailable(#[source] r2d2::PoolError),
    /// The connection was lost during the call (closed, reset, unable to
    /// send): the database went away or failed over.
    #[error("the connection to the database was lost")]
    Disconnected(#[source] diesel::result::Error),
    /// The database did not answer within the call's deadline.
    #[error("the database did not answer in time")]
    TimedOut,
    /// A query failed.
    #[error("a database query failed")]
    Query(#[from] diesel::result::Error),
    /// The blocking task did not complete (the runtime is shutting down).
    #[error("the database task was cancelled")]
    Cancelled,
}

impl StorageError {
    /// Whether the database is away (unreachable, lost or silent) rather
    /// than a query wrong: the answer is 503 and a retry may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StorageError::Unavailable(_) | StorageError::Disconnected(_) | StorageError::TimedOut
        )
    }

    /// Sorts a failed call's error: the connection lost, or the query wrong.
    fn of_query(error: diesel::result::Error) -> StorageError {
        if is_connection_lost(&error) {
            StorageError::Disconnected(error)
        } else if is_statement_timeout(&error) {
            // PostgreSQL's `statement_timeout` can fire in the same instant as
            // the call's own deadline: the same fault, the same 503.
            StorageError::TimedOut
        } else {
            StorageError::Query(error)
        }
    }

    /// Whether the error is a unique constraint violation (a duplicate key).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StorageError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// Whether a diesel error means the connection is gone: closed, reset,
/// unable to send, or a transaction that could not be rolled back.
fn is_connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | Error::BrokenTransactionManager => true,
        Error::RollbackErrorOnCommit { commit_error, .. } => is_connection_lost(commit_error),
        _ => false,
    }
}

/// Whether PostgreSQL cancelled the statement for running past
/// `statement_timeout` (SQLSTATE 57014, which diesel does not classify).
fn is_statement_timeout(error: &diesel::result::Error) -> bool {
    match error {
        diesel::result::Error::DatabaseError(_, info) => info
            .message()
            .starts_with("canceling statement due to statement timeout"),
        diesel::result::Error::RollbackErrorOnCommit { commit_error, .. } => {
            is_statement_timeout(commit_error)
        }
        _ => false,
    }
}

/// How long the database may keep a caller waiting.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Opening one connection (libpq's `connect_timeout` gets this in whole
    /// seconds, at least 2; Tollgate stops waiting after this).
    pub connect_timeout: Duration,
    /// One call: checkout, then the query or transaction
    /// (`statement_timeout` on PostgreSQL, and the client-side deadline).
    pub query_timeout: Duration,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            connect_timeout: Duration::from_secs(2),
            query_timeout: Duration::from_secs(5),
        }
    }
}

/// How long `/readyz` waits for the database: it must answer within a
/// second whatever the database does.
const READY_BOUND: Duration = Duration::from_millis(800);

/// How long after a call's deadline its connection is shut down: the server
/// cancels the statement at the deadline (`statement_timeout`), and a live
/// server's answer should win over the watchdog.
const KILL_GRACE: Duration = Duration::from_millis(250);

/// Why the database could not be opened at start-up.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The directory for an SQLite file could not be created.
    #[error("cannot create the directory {path} for the SQLite database")]
    CreateDir {
        /// The directory.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No connection could be opened.
    #[error("cannot connect to the database at {url}: {reason}")]
    Connect {
        /// The URL, without any password.
        url: String,
        /// The driver's message.
        reason: String,
    },
    /// Applying migrations failed.
    #[error("cannot apply database migrations: {0}")]
    Migrate(String),
}

/// A pool of connections to Tollgate's database.
#[derive(Clone)]
pub struct Database {
    pool: r2d2::Pool<connection::Manager>,
    backend: Backend,
    bounds: Bounds,
    generation: std::sync::Arc<connection::Generation>,
    timeouts: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// The pool's state, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    /// Connections open, in use or idle.
    pub connections: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// Most connections the pool opens.
    pub max_size: u32,
    /// Calls that got no connection in time, since start.
    pub timeouts: u64,
}

impl Database {
    /// Opens a pool on `url` with the default [`Bounds`] and checks that
    /// one connection can be made.
    pub fn open(url: &str, pool_size: u32) -> Result<Self, OpenError> {
        Database::open_with(url, pool_size, Bounds::default())
    }

    /// Opens a pool on `url` whose calls keep within `bounds`, and checks
    /// that one connection can be made.
    pub fn open_with(url: &str, pool_size: u32, bounds: Bounds) -> Result<Self, OpenError> {
        let manager = connection::Manager::new(url, &bounds)?;
        let backend = manager.backend();
        let generation = manager.generation.clone();
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            // Connections are opened on demand, never by the pool's own
            // threads: a process that exits while one of them is inside
            // libpq's connect crashes (seen as SIGSEGV at exit).
            .min_idle(Some(0))
            // Calls wait for a connection until their own deadline; this
            // bounds what has none, and halves into the pool's longest pause
            // between two attempts to connect (r2d2 backs off up to half of
            // it), so a database that returns is found within half a second.
            .connection_timeout(Duration::from_secs(1))
            .error_handler(Box::new(connection::LogErrors))
            .build_unchecked(manager);
        let database = Database {
            pool,
            backend,
            bounds,
            generation,
            timeouts: Default::default(),
        };
        let first = database
            .pool
            .get_timeout(bounds.connect_timeout.max(Duration::from_secs(2)) + Duration::from_secs(1));
        first.map_err(|e| OpenError::Connect {
            url: connection::redact(url),
            reason: e.to_string(),
        })?;
        Ok(database)
    }

    /// Which backend this database is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The bounds its calls keep within.
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// The pool's connections and how many calls it has failed.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max_size: self.pool.max_size(),
            timeouts: self.timeouts.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// A pool checkout failed: counted, then answered as unavailable.
    fn timed_out(&self, error: r2d2::PoolError) -> StorageError {
        self.timeouts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        StorageError::Unavailable(error)
    }

    fn get(&self) -> Result<PooledConnection<connection::Manager>, StorageError> {
        self.pool.get().map_err(|e| self.timed_out(e))
    }

    /// Runs `f` on a pooled connection, giving up at `deadline`: the
    /// checkout waits no longer, work is not started past it, and the
    /// watchdog shuts down a connection still busy just after it.
    fn call<T>(
        &self,
        deadline: Instant,
        f: impl FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error>,
    ) -> Result<T, StorageError> {
        // A call that waited past its deadline for a thread takes no connection.
        if Instant::now() >= deadline {
            return Err(StorageError::TimedOut);
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        let mut conn = self
            .pool
            .get_timeout(wait.max(Duration::from_millis(1)))
            .map_err(|e| self.timed_out(e))?;
        if Instant::now() >= deadline {
            return Err(StorageError::TimedOut);
        }
        let armed = conn
            .socket
            .map(|socket| watchdog::arm(socket, deadline + KILL_GRACE));
        let result = f(&mut conn.conn);
        let fired = armed.is_some_and(|armed| armed.finish());
        let result = match result {
            Ok(value) => Ok(value),
            Err(_) if fired => Err(StorageError::TimedOut),
            Err(e) => Err(StorageError::of_query(e)),
        };
        if fired || matches!(result, Err(StorageError::Disconnected(_))) {
            // Dropped by the pool when it comes back; the connections opened
            // before it are suspect too.
            conn.broken = true;
            self.generation.advance();
        }
        result
    }

    /// Applies every pending migration; returns the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, OpenError> {
        let mut conn = self.get().map_err(|e| OpenError::Migrate(e.to_string()))?;
        let applied = match &mut conn.conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| OpenError::Migrate(e.to_string()))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    }

    /// Runs `f` with a connection, synchronously (for the CLI, start-up and
    /// code already on a blocking thread), within the query timeout.
    pub fn run_sync<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error>,
    ) -> Result<T, StorageError> {
        self.call(Instant::now() + self.bounds.query_timeout, f)
    }

    /// Runs `f` with a connection on the blocking thread pool, keeping the
    /// caller's tracing span; answers [`StorageError::TimedOut`] once the
    /// query timeout has passed, whatever the database does.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error> + Send + 'static,
    {
        self.run_until(Instant::now() + self.bounds.query_timeout, f)
            .await
    }

    async fn run_until<T, F>(&self, deadline: Instant, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error> + Send + 'static,
    {
        let db = self.clone();
        on_blocking_thread(deadline, move || db.call(deadline, f)).await
    }

    /// Runs `f` — synchronous code that makes its own calls to this
    /// database — on the blocking thread pool, keeping the caller's tracing
    /// span. Like [`Database::run`], it is answered
    /// [`StorageError::TimedOut`] once the query timeout has passed, and `f`
    /// does not start at all if it waited that long for a thread.
    pub async fn blocking<T, E>(
        &self,
        f: impl FnOnce(&Database) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let db = self.clone();
        on_blocking_thread(Instant::now() + self.bounds.query_timeout, move || f(&db)).await
    }

    /// Like [`Database::run_sync`], with `f` inside one transaction.
    pub fn transaction_sync<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error>,
    ) -> Result<T, StorageError> {
        self.run_sync(|conn| {
            use diesel::Connection;
            conn.transaction(f)
        })
    }

    /// Like [`Database::run`], with `f` inside one transaction: all of it
    /// is written or none.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error> + Send + 'static,
    {
        self.run(move |conn| {
            use diesel::Connection;
            conn.transaction(f)
        })
        .await
    }

    /// Whether a connection can be had and answers a trivial query within
    /// 800 ms (whatever the query timeout), for `/readyz`.
    pub async fn check_ready(&self) -> Result<(), StorageError> {
        let bound = READY_BOUND.min(self.bounds.query_timeout);
        self.run_until(Instant::now() + bound, |conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")
        })
        .await
    }

    /// Like [`Database::check_ready`], as a yes or no.
    pub async fn is_ready(&self) -> bool {
        self.check_ready().await.is_ok()
    }
}

/// The names of the embedded migrations, per backend (for the parity test).
pub fn migration_names() -> (Vec<String>, Vec<String>) {
    use diesel::migration::MigrationSource;
    let names = |source: EmbeddedMigrations| -> Vec<String> {
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&source)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    };
    (names(SQLITE_MIGRATIONS), names(POSTGRES_MIGRATIONS))
}

/// Runs `work` on the blocking thread pool with the caller's tracing span:
/// not at all if it waited for a thread until `deadline`, and answered
/// [`StorageError::TimedOut`] at `deadline` whatever it is doing (it goes on
/// without the caller; each database call in it ends at its own deadline,
/// and the watchdog ends a connection still busy).
async fn on_blocking_thread<T, E>(
    deadline: Instant,
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StorageError> + Send + 'static,
{
    let span = tracing::Span::current();
    let mut task = tokio::task::spawn_blocking(move || {
        span.in_scope(|| {
            if Instant::now() >= deadline {
                return Err(StorageError::TimedOut.into());
            }
            work()
        })
    });
    tokio::select! {
        joined = &mut task => joined.map_err(|_| StorageError::Cancelled)?,
        _ = tokio::time::sleep_until(deadline.into()) => {
            if task.is_finished() {
                // Done in the same instant: its outcome stands.
                return task.await.map_err(|_| StorageError::Cancelled)?;
            }
            Err(StorageError::TimedOut.into())
        }
    }
}

#[cfg(test)]
mod blocking_tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn work_that_waited_past_its_deadline_for_a_thread_does_not_start() {
        let ran = Arc::new(AtomicBool::new(false));
        let seen = ran.clone();
        let outcome = on_blocking_thread(Instant::now() - Duration::from_millis(1), move || {
            seen.store(true, Ordering::SeqCst);
            Ok::<_, StorageError>(())
        })
        .await;
        assert!(matches!(outcome, Err(StorageError::TimedOut)), "{outcome:?}");
        // Give a thread that did start the time to say so.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!ran.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn work_still_running_at_its_deadline_is_answered_timed_out() {
        let outcome = on_blocking_thread(Instant::now() + Duration::from_millis(50), || {
            std::thread::sleep(Duration::from_millis(500));
            Ok::<_, StorageError>(())
        })
        .await;
        assert!(matches!(outcome, Err(StorageError::TimedOut)), "{outcome:?}");
    }
}
