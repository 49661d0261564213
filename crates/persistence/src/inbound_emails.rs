//! Mail taken in, by Message-ID: what ticket each went to.

use crate::connection::DbConnection;
use crate::error::{is_unique_violation_of, RepoResult};
use crate::schema::inbound_emails;
use crate::time::to_db;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Serializes the intake of one Message-ID until the transaction ends (PostgreSQL; SQLite's writes
/// are serialized already), so that two deliveries of one mail cannot both pass the duplicate check.
pub fn lock_message_id(connection: &mut DbConnection, message_id: &str) -> RepoResult<()> {
    if let DbConnection::Postgres(pg) = connection {
        // The two-key form keeps these locks apart from single-key ones (the migrations' lock).
        diesel::sql_query("SELECT pg_advisory_xact_lock(7301, hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(message_id)
            .execute(pg)?;
    }
    Ok(())
}

/// The ticket a mail with one of these Message-IDs went to (the newest, when several did).
pub fn ticket_of(connection: &mut DbConnection, message_ids: &[String]) -> RepoResult<Option<i64>> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    Ok(inbound_emails::table
        .filter(inbound_emails::message_id.eq_any(message_ids))
        .order(inbound_emails::id.desc())
        .select(inbound_emails::ticket_id)
        .first(connection)
        .optional()?)
}

/// Records that the mail `message_id` went to `ticket_id`; `false` if it was taken in before.
pub fn record(
    connection: &mut DbConnection,
    message_id: &str,
    ticket_id: i64,
    now: DateTime<Utc>,
) -> RepoResult<bool> {
    let inserted = connection.transaction(|savepoint| {
        diesel::insert_into(inbound_emails::table)
            .values((
                inbound_emails::message_id.eq(message_id),
                inbound_emails::ticket_id.eq(ticket_id),
                inbound_emails::created_at.eq(to_db(now)),
            ))
            .execute(savepoint)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation_of(&error, "message_id") => Ok(false),
        Err(error) => Err(error.into()),
    }
}
