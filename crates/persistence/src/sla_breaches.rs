//! One row per breached SLA clock, so each breach is recorded and escalated exactly once, however many
//! sweeps and replicas look at the ticket.

use crate::connection::DbConnection;
use crate::error::{is_unique_violation_of, RepoError, RepoResult};
use crate::schema::sla_breaches;
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Records the breach of the clock `clock` that started at `started_at`; `false` if it was recorded
/// before. Runs in a savepoint, so a duplicate does not abort the caller's transaction.
pub fn record_breach(
    connection: &mut DbConnection,
    ticket_id: i64,
    clock: &str,
    started_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> RepoResult<bool> {
    let insert = |savepoint: &mut DbConnection| {
        diesel::insert_into(sla_breaches::table)
            .values((
                sla_breaches::ticket_id.eq(ticket_id),
                sla_breaches::clock.eq(clock),
                sla_breaches::clock_started_at.eq(to_db(started_at)),
                sla_breaches::due_at.eq(to_db(due_at)),
                sla_breaches::breached_at.eq(to_db(now)),
            ))
            .execute(savepoint)
    };
    match connection.transaction(insert) {
        Ok(_) => Ok(true),
        Err(error)
            if is_unique_violation_of(&error, "clock")
                || is_unique_violation_of(&error, "ticket_id") =>
        {
            Ok(false)
        }
        Err(error) => Err(RepoError::from(error)),
    }
}

/// The clocks of a ticket whose breach is recorded, as `(clock, started_at)`.
pub fn recorded_breaches(
    connection: &mut DbConnection,
    ticket_id: i64,
) -> RepoResult<Vec<(String, DateTime<Utc>)>> {
    Ok(sla_breaches::table
        .filter(sla_breaches::ticket_id.eq(ticket_id))
        .select((sla_breaches::clock, sla_breaches::clock_started_at))
        .load::<(String, chrono::NaiveDateTime)>(connection)?
        .into_iter()
        .map(|(clock, started_at)| (clock, crate::time::from_db(started_at)))
        .collect())
}
