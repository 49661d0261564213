//! The audit timeline of each ticket.

use crate::connection::{on_backend, DbConnection};
use crate::error::{RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::{event_feed_counter, ticket_events, tickets};
use crate::time::{from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::event::TicketEvent;
use helpdesk_domain::{Actor, EventDraft};

#[derive(Queryable)]
struct EventRow {
    id: i64,
    ticket_id: i64,
    kind: String,
    actor_type: String,
    actor_id: Option<i64>,
    data: String,
    internal: bool,
    created_at: NaiveDateTime,
}

impl TryFrom<EventRow> for TicketEvent {
    type Error = RepoError;
    fn try_from(row: EventRow) -> RepoResult<TicketEvent> {
        Ok(TicketEvent {
            id: row.id,
            ticket_id: row.ticket_id,
            kind: row.kind,
            actor_type: row.actor_type.parse().map_err(RepoError::Corrupt)?,
            actor_id: row.actor_id,
            data: serde_json::from_str(&row.data)
                .map_err(|error| RepoError::Corrupt(error.to_string()))?,
            internal: row.internal,
            created_at: from_db(row.created_at),
        })
    }
}

/// Appends the events `actor` caused on a ticket at `now`, in order. Their ids come from the feed
/// counter, whose row stays locked until this transaction commits: ids appear in commit order.
pub fn append_events(
    connection: &mut DbConnection,
    ticket_id: i64,
    actor: &Actor,
    events: &[EventDraft],
    now: DateTime<Utc>,
) -> RepoResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let count =
        i64::try_from(events.len()).map_err(|_| RepoError::Corrupt("too many events".into()))?;
    // Read before the counter is taken: every other writer of events waits from then until commit.
    let subscribers = crate::webhooks::active_webhooks(connection)?;
    let last_id: i64 = diesel::update(event_feed_counter::table.find(1))
        .set(event_feed_counter::last_id.eq(event_feed_counter::last_id + count))
        .returning(event_feed_counter::last_id)
        .get_result(connection)?;
    let ids = (last_id - count + 1..).zip(events);
    let rows: Vec<_> = ids
        .clone()
        .map(|(id, event)| {
            (
                ticket_events::id.eq(id),
                ticket_events::ticket_id.eq(ticket_id),
                ticket_events::kind.eq(event.kind.as_str()),
                ticket_events::actor_type.eq(actor.actor_type().as_str()),
                ticket_events::actor_id.eq(actor.id()),
                ticket_events::data.eq(event.data.to_string()),
                ticket_events::internal.eq(event.internal),
                ticket_events::created_at.eq(to_db(now)),
            )
        })
        .collect();
    let insert = diesel::insert_into(ticket_events::table).values(rows);
    on_backend!(connection, |c| insert.execute(c))?;
    // The webhook outbox, in the same transaction: no event is lost between change and notification.
    let kinds: Vec<(i64, &str)> = ids.map(|(id, event)| (id, event.kind.as_str())).collect();
    crate::webhooks::enqueue_events(connection, &subscribers, &kinds, now)
}

/// A ticket's events, oldest first; staff-side events only when `include_internal`.
pub fn list_events(
    connection: &mut DbConnection,
    ticket_id: i64,
    include_internal: bool,
    page: &PageRequest,
) -> RepoResult<Page<TicketEvent>> {
    let mut query = ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .into_boxed();
    if !include_internal {
        query = query.filter(ticket_events::internal.eq(false));
    }
    if let Some(after) = page.position()? {
        query = query.filter(ticket_events::id.gt(after.id));
    }
    let rows = query
        .order(ticket_events::id)
        .limit(page.limit() + 1)
        .load::<EventRow>(connection)?;
    let items = rows
        .into_iter()
        .map(TicketEvent::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit(), |e: &TicketEvent| {
        Cursor { key: 0, id: e.id }
    }))
}

/// The events of a ticket its SLA clocks are computed from (creation, status changes, messages), oldest first.
pub fn ticket_history(
    connection: &mut DbConnection,
    ticket_id: i64,
) -> RepoResult<Vec<TicketEvent>> {
    ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .filter(ticket_events::kind.eq_any(["created", "status_changed", "message_added"]))
        .order(ticket_events::id)
        .load::<EventRow>(connection)?
        .into_iter()
        .map(TicketEvent::try_from)
        .collect()
}

/// What the feed may show and which events are asked for.
#[derive(Debug, Clone)]
pub struct FeedQuery {
    /// The tickets the reader may see.
    pub scope: helpdesk_domain::TicketScope,
    pub include_internal: bool,
    /// Only events with a greater id.
    pub after: i64,
    pub kinds: Vec<String>,
    pub ticket_id: Option<i64>,
    pub limit: i64,
}

/// Events of every ticket the reader may see, in id (= commit) order, after `query.after`.
pub fn event_feed(
    connection: &mut DbConnection,
    query: &FeedQuery,
) -> RepoResult<Vec<TicketEvent>> {
    let mut select = ticket_events::table
        .inner_join(tickets::table)
        .select(ticket_events::all_columns)
        .filter(ticket_events::id.gt(query.after))
        .into_boxed();
    select = crate::tickets::filter_by_scope!(select, &query.scope);
    if !query.include_internal {
        select = select.filter(ticket_events::internal.eq(false));
    }
    if !query.kinds.is_empty() {
        select = select.filter(ticket_events::kind.eq_any(query.kinds.clone()));
    }
    if let Some(ticket_id) = query.ticket_id {
        select = select.filter(ticket_events::ticket_id.eq(ticket_id));
    }
    select
        .order(ticket_events::id.asc())
        .limit(query.limit.clamp(1, crate::pagination::MAX_LIMIT))
        .load::<EventRow>(connection)?
        .into_iter()
        .map(TicketEvent::try_from)
        .collect()
}

pub fn find_event(connection: &mut DbConnection, id: i64) -> RepoResult<TicketEvent> {
    ticket_events::table
        .find(id)
        .first::<EventRow>(connection)?
        .try_into()
}

pub fn find_events(connection: &mut DbConnection, ids: &[i64]) -> RepoResult<Vec<TicketEvent>> {
    ticket_events::table
        .filter(ticket_events::id.eq_any(ids))
        .load::<EventRow>(connection)?
        .into_iter()
        .map(TicketEvent::try_from)
        .collect()
}

/// The id of the newest committed event (0 when there is none). Ids are handed out in commit order,
/// so every event up to it is committed.
pub fn last_event_id(connection: &mut DbConnection) -> RepoResult<i64> {
    Ok(ticket_events::table
        .select(diesel::dsl::max(ticket_events::id))
        .first::<Option<i64>>(connection)?
        .unwrap_or(0))
}
