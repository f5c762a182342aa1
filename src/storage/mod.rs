//! Storage: the one module that knows diesel.
//!
//! One connection type covers both backends (`DbConnection`, a diesel
//! `MultiConnection`); the URL scheme picks the variant: `postgres://` or
//! `postgresql://` for PostgreSQL, anything else (`sqlite://path`, a plain
//! path) for an SQLite file. Every query runs on the blocking thread pool
//! through [`Database::run`], never on an actix worker.

pub mod clients;
mod connection;
pub mod consents;
pub mod keys;
pub mod notifications;
#[allow(missing_docs)]
pub mod schema;
pub mod scopes;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;

pub use connection::{Backend, DbConnection};

use diesel::r2d2::{self, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

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
    /// A query failed.
    #[error("a database query failed")]
    Query(#[from] diesel::result::Error),
    /// The blocking task did not complete (the runtime is shutting down).
    #[error("the database task was cancelled")]
    Cancelled,
}

impl StorageError {
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
}

impl Database {
    /// Opens a pool on `url` and checks that one connection can be made.
    pub fn open(url: &str, pool_size: u32) -> Result<Self, OpenError> {
        let manager = connection::Manager::new(url)?;
        let backend = manager.backend();
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            // Connections are opened on demand, never by the pool's own
            // threads: a process that exits while one of them is inside
            // libpq's connect crashes (seen as SIGSEGV at exit).
            .min_idle(Some(0))
            // A request waits at most this long for a connection before it is
            // answered 503: a missing database must not hang clients.
            .connection_timeout(Duration::from_secs(2))
            .error_handler(Box::new(connection::LogErrors))
            .build_unchecked(manager);
        let database = Database { pool, backend };
        database.get().map_err(|e| OpenError::Connect {
            url: connection::redact(url),
            reason: e.to_string(),
        })?;
        Ok(database)
    }

    /// Which backend this database is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn get(&self) -> Result<PooledConnection<connection::Manager>, StorageError> {
        self.pool.get().map_err(StorageError::Unavailable)
    }

    /// Applies every pending migration; returns the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, OpenError> {
        let mut conn = self.get().map_err(|e| OpenError::Migrate(e.to_string()))?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| OpenError::Migrate(e.to_string()))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    }

    /// Runs `f` with a connection, synchronously (for the CLI and start-up).
    pub fn run_sync<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error>,
    ) -> Result<T, StorageError> {
        let mut conn = self.get()?;
        Ok(f(&mut conn)?)
    }

    /// Runs `f` with a connection on the blocking thread pool, keeping the
    /// caller's tracing span.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, diesel::result::Error> + Send + 'static,
    {
        let db = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| db.run_sync(f)))
            .await
            .map_err(|_| StorageError::Cancelled)?
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

    /// Whether a connection can be had and answers a trivial query.
    pub async fn is_ready(&self) -> bool {
        self.run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")
        })
        .await
        .is_ok()
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

/// The current time, in UTC seconds since the epoch: the unit of every
/// timestamp column.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
