//! Keeping a ticket's SLA clocks current: every ticket write re-evaluates them from the ticket's
//! history (the domain's pure `sla::evaluate`), and the breach sweep records and escalates breaches.

use crate::error::ApiError;
use chrono::{DateTime, Duration, Utc};
use diesel::Connection;
use helpdesk_domain::calendar::Schedule;
use helpdesk_domain::escalation::{breach, EscalationTargets};
use helpdesk_domain::event::TicketEvent;
use helpdesk_domain::org::{Escalation, SlaPlan};
use helpdesk_domain::sla::{self, Clock, Entry, Fact, SlaInput, SlaReport};
use helpdesk_domain::{Actor, EventDraft, EventKind, NewTicket, Priority, SlaDates, Ticket};
use helpdesk_persistence::org::{departments, sla_plans, teams};
use helpdesk_persistence::{
    business_hours, events, sla_breaches, tickets, users, Database, DbConnection, RepoError,
};
use serde_json::json;

/// The plan a ticket's clocks follow and the hours they count; `None` without a plan.
pub fn sla_context(
    c: &mut DbConnection,
    plan_id: Option<i64>,
) -> Result<Option<(SlaPlan, Schedule)>, ApiError> {
    let Some(plan_id) = plan_id else {
        return Ok(None);
    };
    let plan = sla_plans::find_sla_plan(c, plan_id)?;
    let schedule = match plan.business_hours_id {
        Some(id) => Schedule::Calendar(business_hours::find_business_hours(c, id)?),
        None => Schedule::AlwaysOpen,
    };
    Ok(Some((plan, schedule)))
}

/// The ticket's clocks at `now`: its stored history plus `new_events`, about to be stored at `now`.
pub fn evaluate_ticket(
    c: &mut DbConnection,
    ticket: &Ticket,
    new_events: &[EventDraft],
    now: DateTime<Utc>,
) -> Result<SlaReport, ApiError> {
    if ticket.sla_plan_id.is_none() {
        return Ok(SlaReport::default());
    }
    let stored = events::ticket_history(c, ticket.id)?;
    let history = stored.iter().filter_map(stored_entry);
    evaluate(
        c,
        ticket.sla_plan_id,
        ticket.priority,
        history,
        new_events,
        now,
    )
}

/// A new ticket's clocks as its `new_events` start them at `now` (it has no stored history yet).
pub fn evaluate_new_ticket(
    c: &mut DbConnection,
    ticket: &NewTicket,
    new_events: &[EventDraft],
    now: DateTime<Utc>,
) -> Result<SlaDates, ApiError> {
    let report = evaluate(
        c,
        ticket.sla_plan_id,
        ticket.priority,
        std::iter::empty(),
        new_events,
        now,
    )?;
    Ok(SlaDates::of(&report, |_| false))
}

fn evaluate(
    c: &mut DbConnection,
    plan_id: Option<i64>,
    priority: Priority,
    stored: impl Iterator<Item = Entry>,
    new_events: &[EventDraft],
    now: DateTime<Utc>,
) -> Result<SlaReport, ApiError> {
    let Some((plan, schedule)) = sla_context(c, plan_id)? else {
        return Ok(SlaReport::default());
    };
    let mut history: Vec<Entry> = stored.collect();
    history.extend(new_events.iter().filter_map(|draft| {
        Fact::of_event(draft.kind, &draft.data).map(|fact| Entry { at: now, fact })
    }));
    let input = SlaInput {
        plan: &plan,
        schedule: &schedule,
        priority,
        history: &history,
    };
    Ok(sla::evaluate(&input, now))
}

fn stored_entry(event: &TicketEvent) -> Option<Entry> {
    let kind = EventKind::parse(&event.kind)?;
    Fact::of_event(kind, &event.data).map(|fact| Entry {
        at: event.created_at,
        fact,
    })
}

/// Tells whether a clock's breach is already recorded for `ticket_id`.
fn recorded_breaches(
    c: &mut DbConnection,
    ticket_id: i64,
) -> Result<impl Fn(&Clock) -> bool, ApiError> {
    let recorded = sla_breaches::recorded_breaches(c, ticket_id)?;
    Ok(move |clock: &Clock| {
        recorded
            .iter()
            .any(|(kind, started)| kind == clock.kind.as_str() && *started == clock.started_at)
    })
}

/// Stores a ticket that changed from `before_version`, with its SLA re-evaluated and its events. A
/// clock the change stops after its due date is recorded as breached here (once); a running clock that
/// breached is left to the sweep, which also escalates it: the stored next check stays due until then.
pub fn store_ticket_change(
    c: &mut DbConnection,
    actor: &Actor,
    before_version: i64,
    mut ticket: Ticket,
    mut new_events: Vec<EventDraft>,
    now: DateTime<Utc>,
) -> Result<Ticket, ApiError> {
    let report = evaluate_ticket(c, &ticket, &new_events, now)?;
    for clock in report.breached().filter(|clock| clock.stopped_at.is_some()) {
        if let Some(due) = clock.due_at {
            if sla_breaches::record_breach(
                c,
                ticket.id,
                clock.kind.as_str(),
                clock.started_at,
                due,
                now,
            )? {
                new_events.push(EventDraft::new(
                    EventKind::SlaBreached,
                    json!({ "clock": clock.kind.as_str(), "started_at": clock.started_at, "due_at": due, "met_late_at": clock.stopped_at }),
                ));
            }
        }
    }
    let recorded = recorded_breaches(c, ticket.id)?;
    ticket.apply_sla(&report, recorded);
    tickets::update_ticket(c, &ticket, before_version)?;
    events::append_events(c, ticket.id, actor, &new_events, now)?;
    Ok(ticket)
}

/// How many tickets one sweep transaction checks: small, because a transaction that appends events
/// holds the event feed's counter until it commits.
const SWEEP_BATCH: i64 = 10;

/// Checks every ticket whose next SLA check is due at `now`, batch after batch until none is left (no
/// per-run cap lets a ticket slip). Returns how many tickets were checked.
pub fn sweep(db: &Database, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut checked = 0;
    // Each checked ticket's next check moves past `now`, so the batches run out; the bound is a guard.
    for _ in 0..10_000 {
        let batch = db.write(|c| {
            let ids = tickets::claim_due_for_sla_check(c, now, SWEEP_BATCH)?;
            for id in &ids {
                // Each ticket in a savepoint: one that fails is retried later and stops no other.
                if let Err(error) = c.transaction(|savepoint| check_ticket(savepoint, *id, now)) {
                    tracing::error!(ticket = id, %error, "SLA check failed; retrying in five minutes");
                    tickets::postpone_sla_check(c, *id, now + Duration::minutes(5))?;
                }
            }
            Ok::<_, ApiError>(ids.len())
        })?;
        checked += batch;
        if i64::try_from(batch).unwrap_or(SWEEP_BATCH) < SWEEP_BATCH {
            break;
        }
    }
    Ok(checked)
}

/// Records each newly breached running clock once, escalates, and stores the re-evaluated ticket.
fn check_ticket(c: &mut DbConnection, id: i64, now: DateTime<Utc>) -> Result<(), ApiError> {
    let ticket = tickets::find_ticket(c, id)?;
    let Some((plan, _)) = sla_context(c, ticket.sla_plan_id)? else {
        let mut cleared = ticket.clone();
        cleared.apply_sla(&SlaReport::default(), |_| true);
        tickets::update_ticket(c, &cleared, ticket.version)?;
        return Ok(());
    };
    let report = evaluate_ticket(c, &ticket, &[], now)?;
    let mut current = ticket.clone();
    let mut new_events = Vec::new();
    for clock in report.breached().filter(|clock| clock.stopped_at.is_none()) {
        let Some(due) = clock.due_at else { continue };
        if !sla_breaches::record_breach(c, id, clock.kind.as_str(), clock.started_at, due, now)? {
            continue;
        }
        // Escalate once per check: two clocks breaching together raise the priority one step, not two.
        let escalation = if new_events.is_empty() {
            plan.escalation
        } else {
            Escalation::default()
        };
        let targets = escalation_targets(c, &escalation, &current)?;
        let applied = breach(&current, clock, &escalation, targets, now);
        current = applied.ticket;
        new_events.extend(applied.events);
    }
    let report = evaluate_ticket(c, &current, &new_events, now)?;
    let recorded = recorded_breaches(c, id)?;
    current.apply_sla(&report, recorded);
    tickets::update_ticket(c, &current, ticket.version)?;
    events::append_events(c, id, &Actor::System, &new_events, now)?;
    Ok(())
}

fn escalation_targets(
    c: &mut DbConnection,
    escalation: &Escalation,
    ticket: &Ticket,
) -> Result<EscalationTargets, ApiError> {
    let department = escalation
        .department_id
        .map(|id| optional(departments::find_department(c, id)))
        .transpose()?
        .flatten();
    let team = escalation
        .team_id
        .map(|id| optional(teams::find_team(c, id)))
        .transpose()?
        .flatten();
    let moves = department
        .as_ref()
        .is_some_and(|d| d.id != ticket.department_id);
    let current_assignee = match ticket.assignee_id {
        Some(agent) if moves => optional(users::find_agent(c, agent))?,
        _ => None,
    };
    Ok(EscalationTargets {
        department,
        team,
        current_assignee,
    })
}

/// A record that may have been deleted since the plan named it.
fn optional<T>(result: Result<T, RepoError>) -> Result<Option<T>, RepoError> {
    match result {
        Err(RepoError::NotFound) => Ok(None),
        other => other.map(Some),
    }
}

/// Asks the sweep to re-evaluate the unfinished tickets under these plans now, after their targets or
/// calendar changed.
pub fn recheck_plans(
    c: &mut DbConnection,
    plan_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    tickets::recheck_sla_of_plans(c, plan_ids, now)?;
    Ok(())
}

/// Idempotency keys are kept 24 hours; the sweeper forgets older ones.
fn forget_old_keys(db: &Database, now: DateTime<Utc>) -> Result<usize, ApiError> {
    db.write(|c| Ok(helpdesk_persistence::idempotency::purge_expired(c, now)?))
}

/// Runs [`sweep`] (and forgets expired idempotency keys) every `HELPDESK_SLA_SWEEP_SECONDS` on this server's clock, for as long as the server
/// runs. Every replica may run it: claims are `SKIP LOCKED` and each breach is recorded once.
pub fn spawn_sweeper(state: &crate::state::AppState) {
    let seconds = state.config.sla_sweep_seconds;
    if seconds == 0 {
        return;
    }
    let (db, clock) = (state.db.clone(), state.clock.clone());
    let files = state.clone();
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(std::time::Duration::from_secs(seconds));
        let mut files_collected_at: Option<std::time::Instant> = None;
        loop {
            ticks.tick().await;
            // Hourly: unreferenced attachment files (listing the store is not free).
            if files_collected_at.is_none_or(|at| at.elapsed() >= crate::file_sweep::GRACE) {
                files_collected_at = Some(std::time::Instant::now());
                let state = files.clone();
                let cutoff = std::time::SystemTime::now() - crate::file_sweep::GRACE;
                match actix_web::web::block(move || {
                    crate::file_sweep::collect_unreferenced_files(&state, cutoff)
                })
                .await
                {
                    Ok(Ok(0)) => {}
                    Ok(Ok(removed)) => {
                        tracing::info!(removed, "unreferenced attachment files removed")
                    }
                    Ok(Err(error)) => tracing::error!(%error, "removing unreferenced files failed"),
                    Err(error) => {
                        tracing::error!(%error, "removing unreferenced files could not run")
                    }
                }
            }
            let (db, now) = (db.clone(), clock.now());
            match actix_web::web::block(move || {
                sweep(&db, now).and_then(|checked| forget_old_keys(&db, now).map(|_| checked))
            })
            .await
            {
                Ok(Ok(0)) => {}
                Ok(Ok(checked)) => tracing::info!(checked, "SLA sweep"),
                Ok(Err(error)) => tracing::error!(%error, "SLA sweep failed"),
                Err(error) => tracing::error!(%error, "SLA sweep could not run"),
            }
        }
    });
}
