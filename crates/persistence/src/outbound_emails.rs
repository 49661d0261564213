//! The notification mail outbox. Mails are planned from the event feed behind a cursor that one
//! worker at a time holds (a locked settings row), then claimed for sending with `SKIP LOCKED` and a
//! lease (kept in `next_attempt_at`); an outcome is recorded only under the lease that sent it.

use crate::connection::DbConnection;
use crate::error::{is_unique_violation_of, RepoResult};
use crate::schema::{outbound_emails, settings};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

const CURSOR_KEY: &str = "mail_notifier_cursor";

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewOutboundEmail {
    pub ticket_id: i64,
    pub event_id: i64,
    pub recipient_id: i64,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub thread: Vec<String>,
}

/// A queued mail, claimed for sending.
#[derive(Debug, Clone)]
pub struct OutboundEmail {
    pub id: i64,
    pub ticket_id: i64,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub thread: Vec<String>,
    pub attempts: i32,
    pub leased_until: DateTime<Utc>,
}

/// The last event planned for, locked until the transaction ends so that one worker plans at a time.
/// The first call starts at `start` (the newest event then: history is not mailed).
pub fn lock_cursor(connection: &mut DbConnection, start: i64) -> RepoResult<i64> {
    let query = settings::table
        .filter(settings::key.eq(CURSOR_KEY))
        .select(settings::value);
    let value: Option<String> = match connection {
        DbConnection::Postgres(pg) => query.for_update().first(pg).optional()?,
        // SQLite writes are serialized already (one writer, BEGIN IMMEDIATE).
        DbConnection::Sqlite(sqlite) => query.first(sqlite).optional()?,
    };
    match value {
        Some(value) => value
            .parse()
            .map_err(|_| crate::RepoError::Corrupt(format!("{CURSOR_KEY} is `{value}`"))),
        None => {
            let inserted = connection.transaction(|savepoint| {
                diesel::insert_into(settings::table)
                    .values((
                        settings::key.eq(CURSOR_KEY),
                        settings::value.eq(start.to_string()),
                    ))
                    .execute(savepoint)
            });
            match inserted {
                Ok(_) => Ok(start),
                // Another replica started the cursor at the same moment: use (and lock) its row.
                Err(error) if is_unique_violation_of(&error, "key") => {
                    lock_cursor(connection, start)
                }
                Err(error) => Err(error.into()),
            }
        }
    }
}

pub fn set_cursor(connection: &mut DbConnection, event_id: i64) -> RepoResult<()> {
    diesel::update(settings::table.filter(settings::key.eq(CURSOR_KEY)))
        .set(settings::value.eq(event_id.to_string()))
        .execute(connection)?;
    Ok(())
}

/// Queues a mail, due at once. `false` if this event already queued a mail for this recipient.
pub fn enqueue(
    connection: &mut DbConnection,
    mail: &NewOutboundEmail,
    now: DateTime<Utc>,
) -> RepoResult<bool> {
    let inserted = connection.transaction(|savepoint| {
        diesel::insert_into(outbound_emails::table)
            .values((
                outbound_emails::ticket_id.eq(mail.ticket_id),
                outbound_emails::event_id.eq(mail.event_id),
                outbound_emails::recipient_id.eq(mail.recipient_id),
                outbound_emails::to_address.eq(&mail.to_address),
                outbound_emails::to_name.eq(&mail.to_name),
                outbound_emails::subject.eq(&mail.subject),
                outbound_emails::body.eq(&mail.body),
                outbound_emails::message_id.eq(&mail.message_id),
                outbound_emails::thread.eq(mail.thread.join(" ")),
                outbound_emails::status.eq("pending"),
                outbound_emails::attempts.eq(0),
                outbound_emails::next_attempt_at.eq(Some(to_db(now))),
                outbound_emails::created_at.eq(to_db(now)),
            ))
            .execute(savepoint)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(error) if is_unique_violation_of(&error, "event_id") => Ok(false),
        Err(error) => Err(error.into()),
    }
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i32,
);

/// Claims up to `limit` due mails until `lease_until`; rows other workers hold are skipped.
pub fn claim_due(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> RepoResult<Vec<OutboundEmail>> {
    let due = outbound_emails::table
        .filter(outbound_emails::status.eq("pending"))
        .filter(outbound_emails::next_attempt_at.le(to_db(now)))
        .order(outbound_emails::next_attempt_at.asc())
        .select(outbound_emails::id)
        .limit(limit);
    let ids: Vec<i64> = match connection {
        DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let lease = to_db(lease_until);
    diesel::update(outbound_emails::table.filter(outbound_emails::id.eq_any(&ids)))
        .set(outbound_emails::next_attempt_at.eq(lease))
        .execute(connection)?;
    let rows: Vec<Row> = outbound_emails::table
        .filter(outbound_emails::id.eq_any(&ids))
        .order(outbound_emails::id)
        .select((
            outbound_emails::id,
            outbound_emails::ticket_id,
            outbound_emails::to_address,
            outbound_emails::to_name,
            outbound_emails::subject,
            outbound_emails::body,
            outbound_emails::message_id,
            outbound_emails::thread,
            outbound_emails::attempts,
        ))
        .load(connection)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, ticket_id, to_address, to_name, subject, body, message_id, thread, attempts)| {
                OutboundEmail {
                    id,
                    ticket_id,
                    to_address,
                    to_name,
                    subject,
                    body,
                    message_id,
                    thread: thread.split_whitespace().map(str::to_owned).collect(),
                    attempts,
                    leased_until: from_db(lease),
                }
            },
        )
        .collect())
}

/// Records an attempt made under `mail`'s lease: sent, or failed with a retry time (`None`: given
/// up). `false` when the lease was lost meanwhile: nothing is written.
pub fn record_attempt(
    connection: &mut DbConnection,
    mail: &OutboundEmail,
    failure: Option<(&str, Option<DateTime<Utc>>)>,
    now: DateTime<Utc>,
) -> RepoResult<bool> {
    let leased = outbound_emails::table
        .filter(outbound_emails::id.eq(mail.id))
        .filter(outbound_emails::status.eq("pending"))
        .filter(outbound_emails::next_attempt_at.eq(to_db(mail.leased_until)))
        .filter(outbound_emails::attempts.eq(mail.attempts));
    let attempts = mail.attempts + 1;
    let written = match failure {
        None => diesel::update(leased)
            .set((
                outbound_emails::status.eq("sent"),
                outbound_emails::attempts.eq(attempts),
                outbound_emails::next_attempt_at.eq(None::<NaiveDateTime>),
                outbound_emails::last_error.eq(None::<String>),
                outbound_emails::sent_at.eq(Some(to_db(now))),
            ))
            .execute(connection)?,
        Some((error, retry_at)) => diesel::update(leased)
            .set((
                outbound_emails::status.eq(if retry_at.is_some() {
                    "pending"
                } else {
                    "failed"
                }),
                outbound_emails::attempts.eq(attempts),
                outbound_emails::next_attempt_at.eq(retry_at.map(to_db)),
                outbound_emails::last_error.eq(Some(error)),
            ))
            .execute(connection)?,
    };
    Ok(written == 1)
}

/// How many mails are in each state, for tests and operators: (pending, sent, failed).
pub fn counts(connection: &mut DbConnection) -> RepoResult<(i64, i64, i64)> {
    let rows: Vec<(String, i64)> = outbound_emails::table
        .group_by(outbound_emails::status)
        .select((outbound_emails::status, diesel::dsl::count_star()))
        .load(connection)?;
    let of = |status: &str| {
        rows.iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    };
    Ok((of("pending"), of("sent"), of("failed")))
}
