//! Tickets: create, load, update under optimistic concurrency, and the scoped, keyset-paginated queue.

use crate::connection::{on_backend, DbConnection};
use crate::error::{RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::tickets;
use crate::time::{from_db, from_micros, micros, opt_from_db, opt_to_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::{NewTicket, Priority, Status, Ticket, TicketScope};

/// Narrows a query over `tickets` (alone or joined) to the tickets `scope` lets its reader see: the
/// SQL form of `TicketScope::contains`, for every list that shows tickets or their events.
macro_rules! filter_by_scope {
    ($query:expr, $scope:expr) => {
        match $scope {
            helpdesk_domain::TicketScope::All => $query,
            helpdesk_domain::TicketScope::RequestedBy(requester) => {
                $query.filter(crate::schema::tickets::requester_id.eq(*requester))
            }
            helpdesk_domain::TicketScope::DepartmentsOrAssigned {
                agent_id,
                department_ids,
            } => $query.filter(
                crate::schema::tickets::department_id
                    .eq_any(department_ids.clone())
                    .or(crate::schema::tickets::assignee_id.eq(*agent_id)),
            ),
        }
    };
}
pub(crate) use filter_by_scope;

#[derive(Queryable)]
struct TicketRow {
    id: i64,
    number: String,
    subject: String,
    status: String,
    priority: i32,
    department_id: i64,
    team_id: Option<i64>,
    assignee_id: Option<i64>,
    requester_id: i64,
    help_topic_id: Option<i64>,
    sla_plan_id: Option<i64>,
    source: String,
    first_response_due_at: Option<NaiveDateTime>,
    due_at: Option<NaiveDateTime>,
    first_responded_at: Option<NaiveDateTime>,
    resolved_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i64,
    next_response_due_at: Option<NaiveDateTime>,
    sla_next_check_at: Option<NaiveDateTime>,
    sla_overdue: bool,
    external_id: Option<String>,
    _external_key_id: Option<i64>,
}

impl TryFrom<TicketRow> for Ticket {
    type Error = RepoError;
    fn try_from(row: TicketRow) -> RepoResult<Ticket> {
        Ok(Ticket {
            id: row.id,
            number: row.number,
            subject: row.subject,
            status: row.status.parse().map_err(RepoError::Corrupt)?,
            priority: Priority::from_rank(row.priority)
                .ok_or_else(|| RepoError::Corrupt(format!("priority rank {}", row.priority)))?,
            department_id: row.department_id,
            team_id: row.team_id,
            assignee_id: row.assignee_id,
            requester_id: row.requester_id,
            help_topic_id: row.help_topic_id,
            sla_plan_id: row.sla_plan_id,
            source: row.source.parse().map_err(RepoError::Corrupt)?,
            first_response_due_at: opt_from_db(row.first_response_due_at),
            next_response_due_at: opt_from_db(row.next_response_due_at),
            sla_next_check_at: opt_from_db(row.sla_next_check_at),
            sla_overdue: row.sla_overdue,
            external_id: row.external_id,
            due_at: opt_from_db(row.due_at),
            first_responded_at: opt_from_db(row.first_responded_at),
            resolved_at: opt_from_db(row.resolved_at),
            closed_at: opt_from_db(row.closed_at),
            created_at: from_db(row.created_at),
            updated_at: from_db(row.updated_at),
            version: row.version,
        })
    }
}

/// Inserts `ticket` with its starting SLA dates and indexes its subject. A taken number is
/// `TicketNumberTaken` and a taken `external_id` is `Conflict`; neither aborts the caller's transaction
/// (the insert skips on conflict rather than failing), so no savepoint is needed to draw again.
pub fn insert_ticket(connection: &mut DbConnection, ticket: &NewTicket) -> RepoResult<Ticket> {
    let insert = diesel::insert_into(tickets::table)
        .values((
            (
                tickets::number.eq(&ticket.number),
                tickets::subject.eq(&ticket.subject),
                tickets::status.eq(Status::Open.as_str()),
                tickets::priority.eq(ticket.priority.rank()),
                tickets::department_id.eq(ticket.department_id),
                tickets::requester_id.eq(ticket.requester_id),
                tickets::help_topic_id.eq(ticket.help_topic_id),
                tickets::sla_plan_id.eq(ticket.sla_plan_id),
                tickets::source.eq(ticket.source.as_str()),
                tickets::external_id.eq(&ticket.external_id),
                tickets::external_key_id.eq(ticket.external_key_id),
                tickets::created_at.eq(to_db(ticket.created_at)),
                tickets::updated_at.eq(to_db(ticket.created_at)),
                tickets::version.eq(1_i64),
            ),
            (
                tickets::first_response_due_at.eq(opt_to_db(ticket.sla.first_response_due_at)),
                tickets::next_response_due_at.eq(opt_to_db(ticket.sla.next_response_due_at)),
                tickets::due_at.eq(opt_to_db(ticket.sla.due_at)),
                tickets::sla_next_check_at.eq(opt_to_db(ticket.sla.sla_next_check_at)),
                tickets::sla_overdue.eq(ticket.sla.sla_overdue),
            ),
        ))
        .on_conflict_do_nothing()
        .returning(tickets::all_columns);
    let inserted = on_backend!(connection, |c| insert.get_result::<TicketRow>(c).optional())?;
    let Some(row) = inserted else {
        let external_id_taken = match (ticket.external_key_id, &ticket.external_id) {
            (Some(key), Some(external_id)) => {
                find_by_external_id(connection, key, external_id)?.is_some()
            }
            _ => false,
        };
        return Err(if external_id_taken {
            RepoError::Conflict("external_id is taken".into())
        } else {
            RepoError::TicketNumberTaken
        });
    };
    let ticket = Ticket::try_from(row)?;
    crate::search::add_text(connection, ticket.id, false, &ticket.subject)?;
    Ok(ticket)
}

/// Inserts `ticket`, drawing a new number with `renumber` while its number is taken.
pub fn insert_ticket_numbered(
    connection: &mut DbConnection,
    ticket: &NewTicket,
    mut renumber: impl FnMut() -> String,
) -> RepoResult<Ticket> {
    const ATTEMPTS: usize = 8;
    let mut ticket = ticket.clone();
    for _ in 1..ATTEMPTS {
        match insert_ticket(connection, &ticket) {
            Err(RepoError::TicketNumberTaken) => ticket.number = renumber(),
            other => return other,
        }
    }
    insert_ticket(connection, &ticket)
}

/// Loads a ticket to change it, locking its row until the transaction ends, so concurrent changes of
/// one ticket queue instead of failing. PostgreSQL locks the row; on SQLite the write transaction
/// already excludes every other writer. The version check in [`update_ticket`] stays as a safety net.
pub fn find_ticket_for_update(connection: &mut DbConnection, id: i64) -> RepoResult<Ticket> {
    if let DbConnection::Postgres(pg) = connection {
        tickets::table
            .find(id)
            .select(tickets::id)
            .for_update()
            .first::<i64>(pg)?;
    }
    find_ticket(connection, id)
}

pub fn find_ticket(connection: &mut DbConnection, id: i64) -> RepoResult<Ticket> {
    tickets::table
        .find(id)
        .first::<TicketRow>(connection)?
        .try_into()
}

/// Stores `ticket` if it is still at `expected_version`; `StaleVersion` if someone changed it since.
pub fn update_ticket(
    connection: &mut DbConnection,
    ticket: &Ticket,
    expected_version: i64,
) -> RepoResult<()> {
    let stored_subject: Option<String> = tickets::table
        .find(ticket.id)
        .select(tickets::subject)
        .first(connection)
        .optional()?;
    let subject_changed = stored_subject.is_some_and(|subject| subject != ticket.subject);
    let affected = diesel::update(
        tickets::table
            .filter(tickets::id.eq(ticket.id))
            .filter(tickets::version.eq(expected_version)),
    )
    .set((
        tickets::subject.eq(&ticket.subject),
        tickets::status.eq(ticket.status.as_str()),
        tickets::priority.eq(ticket.priority.rank()),
        tickets::department_id.eq(ticket.department_id),
        tickets::team_id.eq(ticket.team_id),
        tickets::assignee_id.eq(ticket.assignee_id),
        tickets::sla_plan_id.eq(ticket.sla_plan_id),
        tickets::first_response_due_at.eq(opt_to_db(ticket.first_response_due_at)),
        tickets::next_response_due_at.eq(opt_to_db(ticket.next_response_due_at)),
        tickets::due_at.eq(opt_to_db(ticket.due_at)),
        tickets::sla_next_check_at.eq(opt_to_db(ticket.sla_next_check_at)),
        tickets::sla_overdue.eq(ticket.sla_overdue),
        tickets::first_responded_at.eq(opt_to_db(ticket.first_responded_at)),
        tickets::resolved_at.eq(opt_to_db(ticket.resolved_at)),
        tickets::closed_at.eq(opt_to_db(ticket.closed_at)),
        tickets::updated_at.eq(to_db(ticket.updated_at)),
        tickets::version.eq(ticket.version),
    ))
    .execute(connection)?;
    if affected != 1 {
        return Err(RepoError::StaleVersion);
    }
    if subject_changed {
        crate::search::reindex_ticket(connection, ticket.id)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Agent(i64),
    Unassigned,
}

/// The queue orders; each is a keyset over `(column, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSort {
    CreatedAt,
    #[default]
    CreatedAtDesc,
    UpdatedAt,
    UpdatedAtDesc,
    Priority,
    PriorityDesc,
    /// Soonest resolution due date first; only tickets that have one.
    DueAt,
}

impl TicketSort {
    pub const ALL: &'static [(&'static str, TicketSort)] = &[
        ("created_at", TicketSort::CreatedAt),
        ("-created_at", TicketSort::CreatedAtDesc),
        ("updated_at", TicketSort::UpdatedAt),
        ("-updated_at", TicketSort::UpdatedAtDesc),
        ("priority", TicketSort::Priority),
        ("-priority", TicketSort::PriorityDesc),
        ("due_at", TicketSort::DueAt),
    ];

    pub fn parse(text: &str) -> Option<TicketSort> {
        TicketSort::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, sort)| *sort)
    }

    fn cursor_of(self, ticket: &Ticket) -> Cursor {
        let key = match self {
            TicketSort::CreatedAt | TicketSort::CreatedAtDesc => micros(to_db(ticket.created_at)),
            TicketSort::UpdatedAt | TicketSort::UpdatedAtDesc => micros(to_db(ticket.updated_at)),
            TicketSort::Priority | TicketSort::PriorityDesc => i64::from(ticket.priority.rank()),
            TicketSort::DueAt => ticket.due_at.map_or(i64::MAX, |due| micros(to_db(due))),
        };
        Cursor { key, id: ticket.id }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub statuses: Vec<Status>,
    pub department_id: Option<i64>,
    pub team_id: Option<i64>,
    pub assignee: Option<AssigneeFilter>,
    pub priority: Option<Priority>,
    pub requester_id: Option<i64>,
    /// Only tickets overdue at this time.
    pub overdue_at: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Only tickets whose resolution is due before this time.
    pub due_before: Option<DateTime<Utc>>,
    /// Only these tickets (the matches of a full-text search).
    pub ids: Option<Vec<i64>>,
    pub sort: TicketSort,
}

/// The tickets within `scope` that match `filter`, one page at a time.
pub fn list_tickets(
    connection: &mut DbConnection,
    scope: &TicketScope,
    filter: &TicketFilter,
    page: &PageRequest,
) -> RepoResult<Page<Ticket>> {
    let rows = list_query(scope, filter, page)?.load::<TicketRow>(connection)?;
    let tickets = rows
        .into_iter()
        .map(Ticket::try_from)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_rows(tickets, page.limit(), |ticket| {
        filter.sort.cursor_of(ticket)
    }))
}

/// PostgreSQL's plan for the query [`list_tickets`] runs with these arguments.
pub fn explain_list_tickets(
    connection: &mut DbConnection,
    scope: &TicketScope,
    filter: &TicketFilter,
    page: &PageRequest,
) -> RepoResult<String> {
    if !matches!(connection, DbConnection::Postgres(_)) {
        return Err(RepoError::Unavailable(
            "query plans are checked on PostgreSQL".into(),
        ));
    }
    let plan =
        crate::explain::Explain(list_query(scope, filter, page)?).load::<String>(connection)?;
    Ok(plan.join("\n"))
}

type TicketQuery<'a> = tickets::BoxedQuery<'a, <DbConnection as diesel::Connection>::Backend>;

/// The query behind [`list_tickets`]: scope, filters, keyset position, order and page size.
fn list_query<'a>(
    scope: &TicketScope,
    filter: &TicketFilter,
    page: &PageRequest,
) -> RepoResult<TicketQuery<'a>> {
    let mut query = tickets::table.into_boxed();
    // A caller asking for a department the scope covers whole (an agent's own) needs no scope
    // condition; leaving its OR out lets the department's indexes serve the queue in order.
    let scope_implied = filter
        .department_id
        .is_some_and(|department| scope.covers_department(department));
    if !scope_implied {
        query = filter_by_scope!(query, scope);
    }
    if !filter.statuses.is_empty() {
        let statuses: Vec<&str> = filter
            .statuses
            .iter()
            .map(|status| status.as_str())
            .collect();
        query = query.filter(tickets::status.eq_any(statuses));
    }
    if let Some(department_id) = filter.department_id {
        query = query.filter(tickets::department_id.eq(department_id));
    }
    if let Some(team_id) = filter.team_id {
        query = query.filter(tickets::team_id.eq(team_id));
    }
    match filter.assignee {
        Some(AssigneeFilter::Agent(agent_id)) => {
            query = query.filter(tickets::assignee_id.eq(agent_id))
        }
        Some(AssigneeFilter::Unassigned) => query = query.filter(tickets::assignee_id.is_null()),
        None => {}
    }
    if let Some(priority) = filter.priority {
        query = query.filter(tickets::priority.eq(priority.rank()));
    }
    if let Some(requester_id) = filter.requester_id {
        query = query.filter(tickets::requester_id.eq(requester_id));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(tickets::updated_at.ge(to_db(since)));
    }
    if let Some(now) = filter.overdue_at {
        // The same rule as `Ticket::is_overdue`, on the two partial indexes.
        query = query.filter(
            tickets::sla_overdue
                .eq(true)
                .or(tickets::sla_next_check_at.le(to_db(now))),
        );
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(tickets::id.eq_any(ids.clone()));
    }
    if let Some(before) = filter.due_before {
        query = query.filter(tickets::due_at.lt(to_db(before)));
    }

    let after = page.position()?;
    let time_key = |cursor: Cursor| from_micros(cursor.key).ok_or(RepoError::InvalidCursor);
    /// Adds the keyset condition after `$cursor` and the order, for one `$column` and direction.
    macro_rules! keyset {
        ($column:expr, $key:expr, $after:ident, $order:ident) => {{
            if let Some(cursor) = after {
                let key = $key(cursor)?;
                query = query.filter(
                    $column
                        .$after(key)
                        .or($column.eq(key).and(tickets::id.$after(cursor.id))),
                );
            }
            query.order(($column.$order(), tickets::id.$order()))
        }};
    }
    let rank_key = |cursor: Cursor| i32::try_from(cursor.key).map_err(|_| RepoError::InvalidCursor);
    let query = match filter.sort {
        TicketSort::CreatedAt => keyset!(tickets::created_at, time_key, gt, asc),
        TicketSort::CreatedAtDesc => keyset!(tickets::created_at, time_key, lt, desc),
        TicketSort::UpdatedAt => keyset!(tickets::updated_at, time_key, gt, asc),
        TicketSort::UpdatedAtDesc => keyset!(tickets::updated_at, time_key, lt, desc),
        TicketSort::Priority => keyset!(tickets::priority, rank_key, gt, asc),
        TicketSort::PriorityDesc => keyset!(tickets::priority, rank_key, lt, desc),
        TicketSort::DueAt => {
            query = query.filter(tickets::due_at.is_not_null());
            keyset!(tickets::due_at, time_key, gt, asc)
        }
    };
    Ok(query.limit(page.limit() + 1))
}

/// Tickets whose next SLA check is due, oldest first, locked for this transaction. Several replicas
/// sweeping at once each get different tickets (`SKIP LOCKED`); SQLite has one writer anyway.
pub fn claim_due_for_sla_check(
    connection: &mut DbConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> RepoResult<Vec<i64>> {
    let due = tickets::table
        .filter(tickets::sla_next_check_at.le(to_db(now)))
        .order(tickets::sla_next_check_at.asc())
        .select(tickets::id)
        .limit(limit);
    Ok(match connection {
        DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
    })
}

/// Asks the sweep to look at a ticket again at `at` (after a failed check, a later retry).
pub fn postpone_sla_check(
    connection: &mut DbConnection,
    id: i64,
    at: DateTime<Utc>,
) -> RepoResult<()> {
    diesel::update(tickets::table.find(id))
        .set(tickets::sla_next_check_at.eq(to_db(at)))
        .execute(connection)?;
    Ok(())
}

/// Asks the sweep to re-evaluate now every unfinished ticket under these plans (their targets or
/// calendar changed).
pub fn recheck_sla_of_plans(
    connection: &mut DbConnection,
    plan_ids: &[i64],
    now: DateTime<Utc>,
) -> RepoResult<usize> {
    Ok(diesel::update(
        tickets::table
            .filter(tickets::sla_plan_id.eq_any(plan_ids.to_vec()))
            .filter(tickets::status.ne_all([Status::Resolved.as_str(), Status::Closed.as_str()])),
    )
    .set(tickets::sla_next_check_at.eq(to_db(now)))
    .execute(connection)?)
}

/// The ticket an integration's API key filed under its own `external_id`.
pub fn find_by_external_id(
    connection: &mut DbConnection,
    key_id: i64,
    external_id: &str,
) -> RepoResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::external_key_id.eq(key_id))
        .filter(tickets::external_id.eq(external_id))
        .first::<TicketRow>(connection)
        .optional()?
        .map(Ticket::try_from)
        .transpose()
}

/// The ticket with this human-facing number.
pub fn find_by_number(connection: &mut DbConnection, number: &str) -> RepoResult<Option<Ticket>> {
    tickets::table
        .filter(tickets::number.eq(number))
        .first::<TicketRow>(connection)
        .optional()?
        .map(Ticket::try_from)
        .transpose()
}
