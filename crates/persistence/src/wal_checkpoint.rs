//! SQLite's write-ahead log is copied back into the database file (a checkpoint) by a background
//! thread, not by whichever commit crosses SQLite's threshold: a checkpoint writes and syncs the
//! database file, and done inside a commit it stalls every write queued behind it (the tail of the
//! write latencies). The commit path keeps a high threshold as a backstop, should the thread fall
//! behind.

use crate::connection::open_connection;
use diesel::connection::SimpleConnection;
use std::sync::Weak;
use std::time::Duration;

/// WAL pages (4 KiB) after which a commit checkpoints itself anyway.
pub const BACKSTOP_PAGES: u32 = 16_384;

const EVERY: Duration = Duration::from_millis(500);

/// Checkpoints the database at `url` every half second while `alive` (the writer) exists. Passive:
/// it copies what it can without waiting for readers or the writer.
pub fn spawn_checkpointer<T: Send + Sync + 'static>(url: &str, alive: Weak<T>) {
    let url = url.to_owned();
    let spawned = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            let mut connection = match open_connection(&url) {
                Ok(connection) => connection,
                Err(error) => {
                    tracing::error!(%error, "the WAL checkpointer cannot open the database");
                    return;
                }
            };
            while alive.strong_count() > 0 {
                std::thread::sleep(EVERY);
                if let Err(error) = connection.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                    tracing::warn!(%error, "WAL checkpoint failed; the next one retries");
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the WAL checkpointer; commits checkpoint themselves");
    }
}
