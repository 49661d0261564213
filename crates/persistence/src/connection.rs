//! One connection type over both backends, and the pool manager that opens it.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::{ConnectionError, PgConnection, SqliteConnection};

/// A connection to either backend. Queries written once against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` on the backend's own connection, bound to `$c`: for queries diesel builds for each
/// backend but not for [`DbConnection`] (multi-row inserts, `ON CONFLICT`).
macro_rules! on_backend {
    ($connection:expr, |$c:ident| $body:expr) => {
        match $connection {
            $crate::connection::DbConnection::Postgres($c) => $body,
            $crate::connection::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; anything else is a SQLite file path.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Opens a connection, reporting the real failure (the derived `establish` hides it).
pub fn open_connection(url: &str) -> Result<DbConnection, ConnectionError> {
    match Backend::of_url(url) {
        Backend::Postgres => PgConnection::establish(url).map(DbConnection::Postgres),
        Backend::Sqlite => {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let mut connection = SqliteConnection::establish(path)?;
            // WAL lets readers run beside the writer; the busy timeout waits out another process's
            // write instead of failing with "database is locked".
            connection
                .batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
            Ok(DbConnection::Sqlite(connection))
        }
    }
}

/// The r2d2 manager for [`DbConnection`].
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: String,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Self {
        ConnectionManager {
            url: url.to_owned(),
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        open_connection(&self.url)
    }

    fn is_valid(&self, connection: &mut DbConnection) -> Result<(), ConnectionError> {
        connection
            .ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    /// A connection whose transaction could not be rolled back is dropped, not pooled again.
    fn has_broken(&self, connection: &mut DbConnection) -> bool {
        connection.is_broken()
    }
}
