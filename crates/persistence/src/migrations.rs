//! The migrations of both backends, embedded in the binary and applied at start.

use crate::connection::DbConnection;
use crate::error::RepoError;
use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// An arbitrary constant naming the advisory lock that serialises replicas migrating at once.
const MIGRATION_LOCK: i64 = 0x4865_6c70_6465_736b;

/// Applies pending migrations and returns the versions applied.
pub fn run_migrations(connection: &mut DbConnection) -> Result<Vec<String>, RepoError> {
    let applied = match connection {
        DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE).map(versions),
        DbConnection::Postgres(pg) => {
            // Several replicas may start together: the first migrates, the others wait and find nothing to do.
            pg.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let result = pg.run_pending_migrations(POSTGRES).map(versions);
            pg.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            result
        }
    };
    applied.map_err(|error| RepoError::Unavailable(format!("migration failed: {error}")))
}

fn versions(applied: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    applied.iter().map(ToString::to_string).collect()
}
