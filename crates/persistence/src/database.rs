//! The pools and the two ways to use them: [`Database::read`] and [`Database::write`].

use crate::connection::{Backend, ConnectionManager, DbConnection};
use crate::error::RepoError;
use crate::migrations::run_migrations;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::{Connection, SqliteConnection};
use std::time::Duration;

type Pool = r2d2::Pool<ConnectionManager>;

/// A handle on the database, cheap to clone.
///
/// SQLite allows one writer at a time; several writing connections only fight over the lock (long
/// latency tails), so on SQLite writes go through a pool of exactly one connection while reads use
/// the others. On PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Database {
    backend: Backend,
    readers: Pool,
    writer: Pool,
}

impl Database {
    /// Connects to `url` (a `postgres://` URL or a SQLite file path) with up to `pool_size` connections.
    pub fn connect(url: &str, pool_size: u32) -> Result<Database, RepoError> {
        let backend = Backend::of_url(url);
        let build = |size: u32| {
            r2d2::Pool::builder()
                .max_size(size.max(1))
                .connection_timeout(Duration::from_secs(10))
                .build(ConnectionManager::new(url))
        };
        let readers = build(pool_size)?;
        let writer = match backend {
            Backend::Sqlite => build(1)?,
            Backend::Postgres => readers.clone(),
        };
        Ok(Database {
            backend,
            readers,
            writer,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Each pool's (name, open connections, idle connections); on PostgreSQL one pool serves both.
    pub fn pool_states(&self) -> Vec<(&'static str, u32, u32)> {
        let state = |name, pool: &Pool| {
            let state = pool.state();
            (name, state.connections, state.idle_connections)
        };
        match self.backend {
            Backend::Sqlite => vec![state("read", &self.readers), state("write", &self.writer)],
            Backend::Postgres => vec![state("shared", &self.readers)],
        }
    }

    pub fn migrate(&self) -> Result<Vec<String>, RepoError> {
        let mut connection = self.writer.get()?;
        run_migrations(&mut connection)
    }

    /// Runs `work` on a pooled connection, for queries that change nothing.
    pub fn read<T, E>(&self, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<RepoError>,
    {
        let mut connection = self.readers.get().map_err(RepoError::from)?;
        work(&mut connection)
    }

    /// Runs `work` in one transaction on the writer: all of it is stored, or none.
    pub fn write<T, E>(&self, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<RepoError> + From<diesel::result::Error>,
    {
        let mut pooled = self.writer.get().map_err(RepoError::from)?;
        let connection: &mut DbConnection = &mut pooled;
        match connection {
            DbConnection::Sqlite(_) => immediate_transaction(connection, work),
            DbConnection::Postgres(_) => connection.transaction(work),
        }
    }
}

/// A SQLite transaction begun with `BEGIN IMMEDIATE`: it takes the write lock up front, waiting out
/// another process's write under the busy timeout, instead of failing with "database is locked" when
/// a read inside a deferred transaction turns into a write. Nested `transaction` calls inside `work`
/// become savepoints as usual, since the connection's transaction state is the inner connection's.
fn immediate_transaction<T, E>(
    connection: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<RepoError> + From<diesel::result::Error>,
{
    on_sqlite(connection, |sqlite| {
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
    })?;
    match work(connection) {
        Ok(value) => match on_sqlite(connection, AnsiTransactionManager::commit_transaction) {
            Ok(()) => Ok(value),
            Err(error) => {
                let _ = on_sqlite(connection, AnsiTransactionManager::rollback_transaction);
                Err(error.into())
            }
        },
        Err(error) => {
            on_sqlite(connection, AnsiTransactionManager::rollback_transaction)?;
            Err(error)
        }
    }
}

/// Runs a transaction step on the SQLite connection inside `connection` (only ever called for SQLite).
fn on_sqlite(
    connection: &mut DbConnection,
    step: impl FnOnce(&mut SqliteConnection) -> diesel::QueryResult<()>,
) -> diesel::QueryResult<()> {
    match connection {
        DbConnection::Sqlite(sqlite) => step(sqlite),
        DbConnection::Postgres(_) => Ok(()),
    }
}
