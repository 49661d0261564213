//! SQLite's one writer, with group commit.
//!
//! SQLite lets one connection write at a time, and each commit appends every page it changed to the
//! write-ahead log: the ticket's page, the last page of each of its indexes, the search index's
//! segments, the event feed's counter. Writes that queue behind one another therefore share one
//! transaction: each runs in its own savepoint (all of it or none of it, as before), and the last
//! writer in the queue commits for the batch. A caller hears back only after that commit, so an
//! acknowledged write is as durable as before; the shared pages are written to the log once per
//! batch instead of once per write.
//!
//! The writes still run one after another on the caller's own thread (no closure crosses threads);
//! only the COMMIT is shared. A write that fails rolls back its savepoint and leaves the batch; a
//! commit that fails fails every write of its batch.

use crate::connection::DbConnection;
use crate::error::RepoError;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::{Connection, SqliteConnection};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

/// The most writes one commit carries: bounds how long the first write of a batch waits for its
/// acknowledgement.
pub const MAX_BATCH: usize = 32;

pub struct GroupWriter {
    writer: Mutex<Writer>,
    /// Signalled when a batch ends (committed or failed).
    batch_ended: Condvar,
    /// Writes waiting for the connection: while any wait, the open batch stays open for them.
    queued: AtomicUsize,
}

struct Writer {
    connection: DbConnection,
    open: Option<OpenBatch>,
}

struct OpenBatch {
    writes: usize,
    /// How the batch ended: `Err` with the reason its commit failed.
    outcome: Arc<OnceLock<Result<(), String>>>,
}

impl GroupWriter {
    /// Takes `connection` (a SQLite connection) as the only writer.
    pub fn new(connection: DbConnection) -> GroupWriter {
        GroupWriter {
            writer: Mutex::new(Writer {
                connection,
                open: None,
            }),
            batch_ended: Condvar::new(),
            queued: AtomicUsize::new(0),
        }
    }

    /// Runs `work` in a savepoint of the current batch and returns once the batch has committed.
    pub fn write<T, E>(&self, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<RepoError> + From<diesel::result::Error>,
    {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut writer = self.lock();
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if writer.open.is_none() {
            on_sqlite(&mut writer.connection, |sqlite| {
                AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")
            })?;
            writer.open = Some(OpenBatch {
                writes: 0,
                outcome: Arc::new(OnceLock::new()),
            });
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            writer.connection.transaction(|savepoint| work(savepoint))
        }));
        // A panic leaves its savepoint open: roll it back so the batch holds only finished writes.
        let savepoint_closed = match &result {
            Ok(_) => true,
            Err(_) => on_sqlite(&mut writer.connection, |sqlite| {
                AnsiTransactionManager::rollback_transaction(sqlite)
            })
            .is_ok(),
        };
        let healthy = savepoint_closed && in_batch_transaction(&mut writer.connection);
        let batch = writer.open.as_mut().expect("a batch is open");
        batch.writes += 1;
        let outcome = Arc::clone(&batch.outcome);
        let more_to_come = self.queued.load(Ordering::SeqCst) > 0 && batch.writes < MAX_BATCH;
        if !healthy {
            self.end_batch(&mut writer, false);
        } else if !more_to_come {
            self.end_batch(&mut writer, true);
        }
        let result = match result {
            Ok(result) => result,
            Err(panic) => {
                drop(writer);
                resume_unwind(panic)
            }
        };
        // A failed write has nothing to wait for: its savepoint is rolled back.
        let value = result?;
        while outcome.get().is_none() {
            writer = self
                .batch_ended
                .wait(writer)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        drop(writer);
        match outcome.get() {
            Some(Ok(())) => Ok(value),
            Some(Err(reason)) => Err(E::from(RepoError::Unavailable(format!(
                "the write's batch was not committed: {reason}"
            )))),
            None => unreachable!("waited for the outcome"),
        }
    }

    /// Runs `work` on the connection outside any batch (migrations run their own transactions).
    pub fn exclusive<T>(&self, work: impl FnOnce(&mut DbConnection) -> T) -> T {
        let mut writer = self.lock();
        if writer.open.is_some() {
            self.end_batch(&mut writer, true);
        }
        work(&mut writer.connection)
    }

    /// Whether a write is running or waiting (for the pool gauges).
    pub fn is_busy(&self) -> bool {
        self.writer.try_lock().is_err() || self.queued.load(Ordering::SeqCst) > 0
    }

    /// Commits (or, when `commit` is false or the commit fails, rolls back) the open batch and wakes
    /// its writers.
    fn end_batch(&self, writer: &mut Writer, commit: bool) {
        let Some(batch) = writer.open.take() else {
            return;
        };
        let committed = if commit {
            on_sqlite(
                &mut writer.connection,
                AnsiTransactionManager::commit_transaction,
            )
            .map_err(|error| error.to_string())
        } else {
            Err("a write left the transaction unusable".to_owned())
        };
        if committed.is_err() {
            let _ = on_sqlite(
                &mut writer.connection,
                AnsiTransactionManager::rollback_transaction,
            );
        }
        if let Err(reason) = &committed {
            tracing::error!(writes = batch.writes, %reason, "a SQLite write batch was rolled back");
        }
        let _ = batch.outcome.set(committed);
        self.batch_ended.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        // A panicking write never holds the lock past its savepoint's rollback: the state is sound.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Exactly the batch's transaction is open: the write closed its savepoint and broke nothing.
fn in_batch_transaction(connection: &mut DbConnection) -> bool {
    match connection {
        DbConnection::Sqlite(sqlite) => {
            let status = AnsiTransactionManager::transaction_manager_status_mut(sqlite);
            matches!(status.transaction_depth(), Ok(Some(depth)) if depth.get() == 1)
        }
        DbConnection::Postgres(_) => false,
    }
}

/// Runs a transaction step on the SQLite connection inside `connection`.
fn on_sqlite(
    connection: &mut DbConnection,
    step: impl FnOnce(&mut SqliteConnection) -> diesel::QueryResult<()>,
) -> diesel::QueryResult<()> {
    match connection {
        DbConnection::Sqlite(sqlite) => step(sqlite),
        DbConnection::Postgres(_) => Ok(()),
    }
}
