//! What every handler shares: the database, the token keys, the clock and the settings.

use crate::auth::jwt::JwtKeys;
use crate::auth::login_throttle::LoginThrottle;
use crate::auth::password::Passwords;
use crate::bootstrap;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::ApiError;
use crate::metrics::Metrics;
use actix_web::web;
use helpdesk_persistence::blobs::{BlobStore, LocalDiskStore};
use helpdesk_persistence::group_commit::MAX_BATCH;
use helpdesk_persistence::{Backend, Database, DbConnection};
use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub jwt: JwtKeys,
    pub passwords: Passwords,
    pub clock: Clock,
    pub config: Config,
    /// Attachment content.
    pub blobs: Arc<dyn BlobStore>,
    pub metrics: Metrics,
    pub login_throttle: LoginThrottle,
    /// Database calls allowed to hold a blocking thread at once; the rest wait without one.
    slots: DatabaseSlots,
}

/// A blocking thread per database call only while a connection can serve it: a call beyond the
/// pool's size would just hold a thread (its stack and allocator arena) waiting for a connection.
#[derive(Clone)]
struct DatabaseSlots {
    read: Arc<Semaphore>,
    write: Arc<Semaphore>,
}

impl DatabaseSlots {
    fn for_database(db: &Database, pool_size: u32) -> DatabaseSlots {
        let pool = usize::try_from(pool_size.max(1)).unwrap_or(1);
        match db.backend() {
            // Reads use the pool; writes queue for the one writer, as many as a commit can carry.
            Backend::Sqlite => DatabaseSlots {
                read: Arc::new(Semaphore::new(pool)),
                write: Arc::new(Semaphore::new(MAX_BATCH)),
            },
            // Reads and writes share the pool.
            Backend::Postgres => {
                let shared = Arc::new(Semaphore::new(pool));
                DatabaseSlots {
                    read: Arc::clone(&shared),
                    write: shared,
                }
            }
        }
    }
}

impl AppState {
    /// Connects, migrates and resolves the token secret: everything `serve` needs before it binds.
    pub fn start(config: Config, clock: Clock) -> Result<AppState, String> {
        let db = Database::connect(&config.database_url, config.pool_size)
            .map_err(|error| format!("cannot open the database: {error}"))?;
        let configured =
            bootstrap::configured_jwt_secret(config.jwt_secret.as_deref(), db.backend())?;
        db.migrate().map_err(|error| error.to_string())?;
        let secret = match configured {
            Some(secret) => secret,
            None => bootstrap::stored_jwt_secret(&db)?,
        };
        let jwt = JwtKeys::new(
            &secret,
            chrono::Duration::minutes(
                config
                    .token_ttl_minutes
                    .clamp(1, crate::config::MAX_TOKEN_TTL_MINUTES),
            ),
        );
        let blobs = LocalDiskStore::open(&config.attachments_dir).map_err(|error| {
            format!(
                "cannot open the attachments directory {}: {error}",
                config.attachments_dir.display()
            )
        })?;
        let login_throttle = LoginThrottle::new(
            config.login_attempts_per_account,
            config.login_attempts_per_address,
        );
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let slots = DatabaseSlots::for_database(&db, config.pool_size);
        Ok(AppState {
            db,
            jwt,
            passwords: Passwords::new(cores),
            clock,
            config,
            blobs: Arc::new(blobs),
            metrics: Metrics::new()?,
            login_throttle,
            slots,
        })
    }

    /// Runs read-only `work` on a pooled connection, off the async threads.
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.off_thread(&self.slots.read, move |db| db.read(work))
            .await
    }

    /// Runs `work` in one transaction, off the async threads: all of it is stored, or none.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.off_thread(&self.slots.write, move |db| db.write(work))
            .await
    }

    /// Runs `call` on a blocking thread once one of `slots` is free.
    async fn off_thread<T: Send + 'static>(
        &self,
        slots: &Semaphore,
        call: impl FnOnce(&Database) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = slots.acquire().await.map_err(ApiError::internal)?;
        let db = self.db.clone();
        web::block(move || call(&db))
            .await
            .map_err(ApiError::internal)?
    }
}
