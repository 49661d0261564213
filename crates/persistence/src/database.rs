//! The pools and the two ways to use them: [`Database::read`] and [`Database::write`].

use crate::connection::{open_connection, Backend, ConnectionManager, DbConnection};
use crate::error::RepoError;
use crate::group_commit::GroupWriter;
use crate::migrations::run_migrations;
use crate::wal_checkpoint;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use std::sync::Arc;
use std::time::Duration;

type Pool = r2d2::Pool<ConnectionManager>;

/// A handle on the database, cheap to clone.
///
/// SQLite allows one writer at a time; several writing connections only fight over the lock (long
/// latency tails), so on SQLite writes go through one connection with group commit
/// ([`GroupWriter`]) while reads use the pool. On PostgreSQL writes and reads share the pool.
#[derive(Clone)]
pub struct Database {
    backend: Backend,
    readers: Pool,
    writer: Writer,
}

#[derive(Clone)]
enum Writer {
    Pool(Pool),
    Group(Arc<GroupWriter>),
}

impl Database {
    /// Connects to `url` (a `postgres://` URL or a SQLite file path) with up to `pool_size` connections.
    pub fn connect(url: &str, pool_size: u32) -> Result<Database, RepoError> {
        let backend = Backend::of_url(url);
        let readers = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(Duration::from_secs(10))
            .build(ConnectionManager::new(url))?;
        let writer = match backend {
            Backend::Sqlite => {
                let mut connection = open_connection(url)
                    .map_err(|error| RepoError::Unavailable(error.to_string()))?;
                connection
                    .batch_execute(&format!(
                        "PRAGMA wal_autocheckpoint = {}",
                        wal_checkpoint::BACKSTOP_PAGES
                    ))
                    .map_err(|error| RepoError::Unavailable(error.to_string()))?;
                let writer = Arc::new(GroupWriter::new(connection));
                wal_checkpoint::spawn_checkpointer(url, Arc::downgrade(&writer));
                Writer::Group(writer)
            }
            Backend::Postgres => Writer::Pool(readers.clone()),
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
        match &self.writer {
            Writer::Group(writer) => vec![
                state("read", &self.readers),
                ("write", 1, u32::from(!writer.is_busy())),
            ],
            Writer::Pool(_) => vec![state("shared", &self.readers)],
        }
    }

    pub fn migrate(&self) -> Result<Vec<String>, RepoError> {
        match &self.writer {
            Writer::Group(writer) => writer.exclusive(run_migrations),
            Writer::Pool(pool) => run_migrations(&mut *pool.get()?),
        }
    }

    /// Leaves the database as after a quiet night, once a bulk load is done, so that no request pays
    /// for the load: SQLite's write-ahead log copied into the database file and emptied; PostgreSQL's
    /// new rows vacuumed (autovacuum would otherwise do it during the first minutes of traffic).
    pub fn settle(&self) -> Result<(), RepoError> {
        match &self.writer {
            Writer::Group(writer) => writer
                .exclusive(|c| c.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)"))
                .map_err(RepoError::from),
            Writer::Pool(pool) => pool
                .get()?
                .batch_execute("VACUUM (ANALYZE)")
                .map_err(RepoError::from),
        }
    }

    /// Runs `work` on a pooled connection, for queries that change nothing.
    pub fn read<T, E>(&self, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<RepoError>,
    {
        let mut connection = self.readers.get().map_err(RepoError::from)?;
        work(&mut connection)
    }

    /// Runs `work` in one transaction on the writer: all of it is stored, or none. On SQLite the
    /// transaction is a savepoint in a batch that commits before this returns.
    pub fn write<T, E>(&self, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<RepoError> + From<diesel::result::Error>,
    {
        match &self.writer {
            Writer::Group(writer) => writer.write(work),
            Writer::Pool(pool) => {
                let mut pooled = pool.get().map_err(RepoError::from)?;
                let connection: &mut DbConnection = &mut pooled;
                connection.transaction(work)
            }
        }
    }
}
