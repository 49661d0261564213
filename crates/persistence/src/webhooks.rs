//! Webhook subscriptions and their outbox. A delivery row is written in the transaction that writes
//! the event, so no event is lost between the change and its notification; workers claim due rows
//! with `FOR UPDATE SKIP LOCKED` and lease them, so an interrupted delivery is retried, not lost.

use crate::connection::{on_backend, DbConnection};
use crate::error::{expect_one, RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::{webhook_deliveries, webhooks};
use crate::time::{from_db, opt_from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::event::TicketEvent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    /// Empty: every kind.
    pub event_kinds: Vec<String>,
    pub secret: String,
    pub active: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    pub fn wants(&self, kind: &str) -> bool {
        self.event_kinds.is_empty() || self.event_kinds.iter().any(|k| k == kind)
    }
}

type WebhookRow = (
    i64,
    String,
    String,
    String,
    bool,
    Option<String>,
    NaiveDateTime,
);

fn webhook((id, url, kinds, secret, active, disabled_reason, created_at): WebhookRow) -> Webhook {
    Webhook {
        id,
        url,
        event_kinds: kinds.split_whitespace().map(str::to_owned).collect(),
        secret,
        active,
        disabled_reason,
        created_at: from_db(created_at),
    }
}

pub fn insert_webhook(
    connection: &mut DbConnection,
    url: &str,
    kinds: &[String],
    secret: &str,
    now: DateTime<Utc>,
) -> RepoResult<Webhook> {
    let id = diesel::insert_into(webhooks::table)
        .values((
            webhooks::url.eq(url),
            webhooks::event_kinds.eq(kinds.join(" ")),
            webhooks::secret.eq(secret),
            webhooks::active.eq(true),
            webhooks::created_at.eq(to_db(now)),
        ))
        .returning(webhooks::id)
        .get_result::<i64>(connection)?;
    find_webhook(connection, id)
}

pub fn find_webhook(connection: &mut DbConnection, id: i64) -> RepoResult<Webhook> {
    Ok(webhook(
        webhooks::table.find(id).first::<WebhookRow>(connection)?,
    ))
}

pub fn list_webhooks(
    connection: &mut DbConnection,
    page: &PageRequest,
) -> RepoResult<Page<Webhook>> {
    let mut query = webhooks::table.into_boxed();
    if let Some(after) = page.position()? {
        query = query.filter(webhooks::id.gt(after.id));
    }
    let rows = query
        .order(webhooks::id)
        .limit(page.limit() + 1)
        .load::<WebhookRow>(connection)?;
    Ok(Page::from_rows(
        rows.into_iter().map(webhook).collect(),
        page.limit(),
        |w: &Webhook| Cursor { key: 0, id: w.id },
    ))
}

/// Changes to a subscription; `active: Some(true)` re-enables a disabled one.
#[derive(Debug, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub event_kinds: Option<Vec<String>>,
    pub active: Option<bool>,
}

pub fn update_webhook(
    connection: &mut DbConnection,
    id: i64,
    changes: &WebhookChanges,
) -> RepoResult<Webhook> {
    let current = find_webhook(connection, id)?;
    let active = changes.active.unwrap_or(current.active);
    expect_one(
        diesel::update(webhooks::table.find(id))
            .set((
                webhooks::url.eq(changes.url.as_ref().unwrap_or(&current.url)),
                webhooks::event_kinds.eq(changes
                    .event_kinds
                    .as_ref()
                    .unwrap_or(&current.event_kinds)
                    .join(" ")),
                webhooks::active.eq(active),
                webhooks::disabled_reason.eq(if active {
                    None
                } else {
                    current.disabled_reason.clone()
                }),
            ))
            .execute(connection)?,
    )?;
    find_webhook(connection, id)
}

pub fn delete_webhook(connection: &mut DbConnection, id: i64) -> RepoResult<()> {
    expect_one(diesel::delete(webhooks::table.find(id)).execute(connection)?)
}

/// Queues each `(event id, kind)` for every active subscription that wants its kind, in one statement
/// (in the events' transaction).
pub fn enqueue_events(
    connection: &mut DbConnection,
    subscribers: &[Webhook],
    events: &[(i64, &str)],
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let rows: Vec<_> = events
        .iter()
        .flat_map(|&(event_id, kind)| {
            subscribers
                .iter()
                .filter(move |w| w.wants(kind))
                .map(move |subscriber| {
                    (
                        webhook_deliveries::webhook_id.eq(subscriber.id),
                        webhook_deliveries::event_id.eq(event_id),
                        webhook_deliveries::status.eq("pending"),
                        webhook_deliveries::attempts.eq(0),
                        webhook_deliveries::next_attempt_at.eq(to_db(now)),
                        webhook_deliveries::created_at.eq(to_db(now)),
                    )
                })
        })
        .collect();
    if !rows.is_empty() {
        let insert = diesel::insert_into(webhook_deliveries::table).values(rows);
        on_backend!(connection, |c| insert.execute(c))?;
    }
    Ok(())
}

/// The active subscriptions, to queue a transaction's events for.
pub fn active_webhooks(connection: &mut DbConnection) -> RepoResult<Vec<Webhook>> {
    let rows: Vec<WebhookRow> = webhooks::table
        .filter(webhooks::active.eq(true))
        .load(connection)?;
    Ok(rows.into_iter().map(webhook).collect())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

type DeliveryRow = (
    i64,
    i64,
    i64,
    String,
    i32,
    Option<NaiveDateTime>,
    Option<i32>,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

fn delivery(
    (id, webhook_id, event_id, status, attempts, next, code, error, created, delivered): DeliveryRow,
) -> Delivery {
    Delivery {
        id,
        webhook_id,
        event_id,
        status,
        attempts,
        next_attempt_at: opt_from_db(next),
        last_status_code: code,
        last_error: error,
        created_at: from_db(created),
        delivered_at: opt_from_db(delivered),
    }
}

/// A delivery to attempt now: where, with which secret, and what.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub delivery: Delivery,
    pub url: String,
    pub secret: String,
    pub event: TicketEvent,
    /// Only the worker holding this lease may record the attempt.
    pub leased_until: DateTime<Utc>,
}

/// Claims up to `limit` due deliveries of active subscriptions and leases them until `lease_until`:
/// another worker skips them now (`SKIP LOCKED`) and takes them again only if this one never reports.
pub fn claim_due(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> RepoResult<Vec<DueDelivery>> {
    let due = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.le(to_db(now)))
        .filter(
            webhook_deliveries::webhook_id.eq_any(
                webhooks::table
                    .filter(webhooks::active.eq(true))
                    .select(webhooks::id),
            ),
        )
        .order(webhook_deliveries::next_attempt_at.asc())
        .select(webhook_deliveries::id)
        .limit(limit);
    let ids: Vec<i64> = match connection {
        DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let lease = to_db(lease_until);
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set(webhook_deliveries::next_attempt_at.eq(lease))
        .execute(connection)?;
    let rows: Vec<(DeliveryRow, (String, String))> = webhook_deliveries::table
        .inner_join(webhooks::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .select((
            webhook_deliveries::all_columns,
            (webhooks::url, webhooks::secret),
        ))
        .order(webhook_deliveries::id)
        .load(connection)?;
    let event_ids: Vec<i64> = rows.iter().map(|(row, _)| row.2).collect();
    let mut events: std::collections::HashMap<i64, TicketEvent> =
        crate::events::find_events(connection, &event_ids)?
            .into_iter()
            .map(|event| (event.id, event))
            .collect();
    let mut due = Vec::new();
    for (row, (url, secret)) in rows {
        let delivery = delivery(row);
        if let Some(event) = events.remove(&delivery.event_id) {
            due.push(DueDelivery {
                delivery,
                url,
                secret,
                event,
                leased_until: from_db(lease),
            });
        }
    }
    Ok(due)
}

/// What an attempt came to.
#[derive(Debug, Clone)]
pub enum Outcome {
    Delivered {
        status_code: i32,
    },
    /// Try again at `retry_at`, or give up (`None`) and disable the subscription.
    Failed {
        status_code: Option<i32>,
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Records the outcome of an attempt made under `due`'s lease. `false` when the lease was lost (it ran
/// out and another worker took the delivery, or it was redelivered meanwhile): nothing is written.
pub fn record_attempt(
    connection: &mut DbConnection,
    due: &DueDelivery,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> RepoResult<bool> {
    let delivery = &due.delivery;
    let attempts = delivery.attempts + 1;
    let leased = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(delivery.id))
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::next_attempt_at.eq(to_db(due.leased_until)))
        .filter(webhook_deliveries::attempts.eq(delivery.attempts));
    let written = match outcome {
        Outcome::Delivered { status_code } => diesel::update(leased)
            .set((
                webhook_deliveries::status.eq("delivered"),
                webhook_deliveries::attempts.eq(attempts),
                webhook_deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
                webhook_deliveries::last_status_code.eq(Some(*status_code)),
                webhook_deliveries::last_error.eq(None::<String>),
                webhook_deliveries::delivered_at.eq(Some(to_db(now))),
            ))
            .execute(connection)?,
        Outcome::Failed {
            status_code,
            error,
            retry_at,
        } => {
            let written = diesel::update(leased)
                .set((
                    webhook_deliveries::status.eq(if retry_at.is_some() {
                        "pending"
                    } else {
                        "failed"
                    }),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::next_attempt_at.eq(retry_at.map(to_db)),
                    webhook_deliveries::last_status_code.eq(*status_code),
                    webhook_deliveries::last_error.eq(Some(error)),
                ))
                .execute(connection)?;
            if written == 1 && retry_at.is_none() {
                diesel::update(webhooks::table.find(delivery.webhook_id))
                    .set((
                        webhooks::active.eq(false),
                        webhooks::disabled_reason.eq(Some(format!(
                            "delivery {} failed {attempts} times over a day: {error}",
                            delivery.id
                        ))),
                    ))
                    .execute(connection)?;
            }
            written
        }
    };
    Ok(written == 1)
}

pub fn list_deliveries(
    connection: &mut DbConnection,
    webhook_id: i64,
    page: &PageRequest,
) -> RepoResult<Page<Delivery>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(webhook_id))
        .into_boxed();
    if let Some(after) = page.position()? {
        query = query.filter(webhook_deliveries::id.lt(after.id));
    }
    let rows = query
        .order(webhook_deliveries::id.desc())
        .limit(page.limit() + 1)
        .load::<DeliveryRow>(connection)?;
    Ok(Page::from_rows(
        rows.into_iter().map(delivery).collect(),
        page.limit(),
        |d: &Delivery| Cursor { key: 0, id: d.id },
    ))
}

/// Queues a delivery of an active subscription again, now, with a fresh count of attempts.
pub fn redeliver(
    connection: &mut DbConnection,
    webhook_id: i64,
    delivery_id: i64,
    now: DateTime<Utc>,
) -> RepoResult<Delivery> {
    if !find_webhook(connection, webhook_id)?.active {
        return Err(RepoError::Conflict(
            "the subscription is disabled; re-enable it first".into(),
        ));
    }
    let affected = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(delivery_id))
            .filter(webhook_deliveries::webhook_id.eq(webhook_id)),
    )
    .set((
        webhook_deliveries::status.eq("pending"),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::last_error.eq(None::<String>),
        webhook_deliveries::delivered_at.eq(None::<NaiveDateTime>),
        webhook_deliveries::next_attempt_at.eq(Some(to_db(now))),
    ))
    .execute(connection)?;
    if affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(delivery(
        webhook_deliveries::table
            .find(delivery_id)
            .first::<DeliveryRow>(connection)?,
    ))
}
