//! The connection type over both backends and the r2d2 manager that opens it.

use super::OpenError;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

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

/// Opens connections for the pool, with SQLite's pragmas set on each.
pub(super) struct Manager {
    url: String,
    backend: Backend,
}

impl Manager {
    pub(super) fn new(url: &str) -> Result<Self, OpenError> {
        let backend = Backend::of_url(url);
        let url = match backend {
            Backend::Postgres => url.to_string(),
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
        Ok(Manager { url, backend })
    }

    pub(super) fn backend(&self) -> Backend {
        self.backend
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.url)
                .map(DbConnection::Pg)
                .map_err(r2d2::Error::ConnectionError),
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
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
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
