//! Removing stored files that no attachment refers to: left behind by uploads whose request failed
//! after the file was kept (the content is kept before the transaction that records it).

use crate::error::ApiError;
use crate::state::AppState;
use helpdesk_persistence::attachments;
use std::time::{Duration, SystemTime};

/// How old an unreferenced file must be before it goes: far longer than any request that keeps a file
/// and then records it (keeping a file that exists already makes it fresh again).
pub const GRACE: Duration = Duration::from_secs(3600);

/// Deletes the stored files last written before `cutoff` that no attachment refers to. Returns how
/// many went.
pub fn collect_unreferenced_files(state: &AppState, cutoff: SystemTime) -> Result<usize, ApiError> {
    let candidates = state
        .blobs
        .written_before(cutoff)
        .map_err(ApiError::internal)?;
    if candidates.is_empty() {
        return Ok(0);
    }
    let unused = state
        .db
        .read(|c| attachments::unreferenced(c, &candidates))?;
    for key in &unused {
        state.blobs.delete(key).map_err(ApiError::internal)?;
    }
    Ok(unused.len())
}
