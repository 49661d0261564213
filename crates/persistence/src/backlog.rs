//! How far behind the background work is: what is due and since when, for `/metrics`. Each query runs
//! on a partial or ordered index (only due rows are read).

use crate::connection::DbConnection;
use crate::error::RepoResult;
use crate::schema::{outbound_emails, tickets, webhook_deliveries};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

/// Work that is due now: how much, and the oldest due time (its lag is `now - oldest_due_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    pub due: i64,
    pub oldest_due_at: Option<DateTime<Utc>>,
}

fn backlog((due, oldest): (i64, Option<NaiveDateTime>)) -> Backlog {
    Backlog {
        due,
        oldest_due_at: oldest.map(from_db),
    }
}

/// Webhook deliveries waiting for an attempt (leased ones are not due until their lease ends).
pub fn webhook_deliveries(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
) -> RepoResult<Backlog> {
    Ok(backlog(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq("pending"))
            .filter(webhook_deliveries::next_attempt_at.le(to_db(now)))
            .select((count_star(), min(webhook_deliveries::next_attempt_at)))
            .first(connection)?,
    ))
}

/// Notification mails waiting to be sent.
pub fn notification_mail(connection: &mut DbConnection, now: DateTime<Utc>) -> RepoResult<Backlog> {
    Ok(backlog(
        outbound_emails::table
            .filter(outbound_emails::status.eq("pending"))
            .filter(outbound_emails::next_attempt_at.le(to_db(now)))
            .select((count_star(), min(outbound_emails::next_attempt_at)))
            .first(connection)?,
    ))
}

/// Tickets whose SLA check is due.
pub fn sla_checks(connection: &mut DbConnection, now: DateTime<Utc>) -> RepoResult<Backlog> {
    Ok(backlog(
        tickets::table
            .filter(tickets::sla_next_check_at.le(to_db(now)))
            .select((count_star(), min(tickets::sla_next_check_at)))
            .first(connection)?,
    ))
}
