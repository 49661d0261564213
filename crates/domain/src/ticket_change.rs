//! Changing a ticket's fields (the PATCH): each change is checked by the lifecycle rules and
//! recorded as one event.

use crate::enums::{Priority, Status};
use crate::error::DomainError;
use crate::event::{EventDraft, EventKind};
use crate::lifecycle::check_transition;
use crate::org::{Department, SlaPlan, Team};
use crate::permissions::{ensure_can_update_ticket, Actor};
use crate::ticket::Ticket;
use crate::user::Agent;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The requested changes, with the records they name already looked up. `None` leaves a field alone;
/// for optional fields `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub department: Option<Department>,
    pub team: Option<Option<Team>>,
    pub assignee: Option<Option<Agent>>,
    pub sla_plan: Option<Option<SlaPlan>>,
    /// The ticket's current assignee: needed when the department changes, to keep or drop them.
    pub current_assignee: Option<Agent>,
}

/// The ticket after a command, and the events it produced (empty when nothing changed).
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub ticket: Ticket,
    pub events: Vec<EventDraft>,
}

impl Applied {
    pub fn changed(&self) -> bool {
        !self.events.is_empty()
    }
}

/// Applies `change` to `ticket` for `actor` at `now`. Setting a field to its current value changes
/// nothing and records nothing; any real change bumps `version`.
pub fn apply_change(
    ticket: &Ticket,
    change: &TicketChange,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Applied, DomainError> {
    ensure_can_update_ticket(actor, ticket)?;
    let mut next = ticket.clone();
    let mut events = Vec::new();

    change_department(&mut next, change, &mut events);
    change_team(&mut next, change, &mut events)?;
    change_assignee(&mut next, change, &mut events)?;
    if let Some(priority) = change.priority.filter(|p| *p != next.priority) {
        events.push(EventDraft::new(
            EventKind::PriorityChanged,
            json!({ "from": next.priority, "to": priority }),
        ));
        next.priority = priority;
    }
    change_sla_plan(&mut next, change, &mut events);
    if let Some(status) = change.status.filter(|s| *s != next.status) {
        events.push(change_status(&mut next, status, now)?);
    }
    if let Some(subject) = &change.subject {
        let subject = subject.trim();
        if subject.is_empty() {
            return Err(DomainError::invalid("subject", "must not be empty"));
        }
        if subject != next.subject {
            events.push(EventDraft::new(
                EventKind::SubjectChanged,
                json!({ "from": next.subject, "to": subject }),
            ));
            next.subject = subject.to_owned();
        }
    }

    if !events.is_empty() {
        if ticket.status == Status::Closed {
            return Err(DomainError::transition(
                "a closed ticket is final and cannot be changed; open a new ticket instead",
            ));
        }
        next.version += 1;
        next.updated_at = now;
    }
    Ok(Applied {
        ticket: next,
        events,
    })
}

/// Moves the ticket; a team or assignee who cannot follow it to the new department is dropped.
fn change_department(next: &mut Ticket, change: &TicketChange, events: &mut Vec<EventDraft>) {
    let Some(department) = change
        .department
        .as_ref()
        .filter(|d| d.id != next.department_id)
    else {
        return;
    };
    events.push(EventDraft::new(
        EventKind::Transferred,
        json!({ "from": next.department_id, "to": department.id }),
    ));
    next.department_id = department.id;
    if change.team.is_none() {
        if let Some(team_id) = next.team_id.take() {
            events.push(EventDraft::new(
                EventKind::TeamChanged,
                json!({ "from": team_id, "to": null, "reason": "transferred" }),
            ));
        }
    }
    let assignee_stays = change
        .current_assignee
        .as_ref()
        .is_some_and(|agent| agent.can_own_tickets_of(department.id));
    if change.assignee.is_none() && !assignee_stays {
        if let Some(assignee_id) = next.assignee_id.take() {
            events.push(EventDraft::new(
                EventKind::Unassigned,
                json!({ "from": assignee_id, "reason": "not a member of the new department" }),
            ));
        }
    }
}

fn change_team(
    next: &mut Ticket,
    change: &TicketChange,
    events: &mut Vec<EventDraft>,
) -> Result<(), DomainError> {
    let Some(team) = &change.team else {
        return Ok(());
    };
    if let Some(team) = team {
        if team.department_id != next.department_id {
            return Err(DomainError::invalid(
                "team_id",
                format!(
                    "team `{}` belongs to another department than the ticket",
                    team.name
                ),
            ));
        }
    }
    let team_id = team.as_ref().map(|team| team.id);
    if team_id != next.team_id {
        events.push(EventDraft::new(
            EventKind::TeamChanged,
            json!({ "from": next.team_id, "to": team_id }),
        ));
        next.team_id = team_id;
    }
    Ok(())
}

fn change_assignee(
    next: &mut Ticket,
    change: &TicketChange,
    events: &mut Vec<EventDraft>,
) -> Result<(), DomainError> {
    let Some(assignee) = &change.assignee else {
        return Ok(());
    };
    match assignee {
        Some(agent) => {
            if !agent.can_own_tickets_of(next.department_id) {
                return Err(DomainError::invalid(
                    "assignee_id",
                    format!(
                        "{} is not an active agent of the ticket's department",
                        agent.user.name
                    ),
                ));
            }
            if next.assignee_id != Some(agent.user.id) {
                events.push(EventDraft::new(
                    EventKind::Assigned,
                    json!({ "from": next.assignee_id, "to": agent.user.id }),
                ));
                next.assignee_id = Some(agent.user.id);
            }
        }
        None => {
            if let Some(previous) = next.assignee_id.take() {
                events.push(EventDraft::new(
                    EventKind::Unassigned,
                    json!({ "from": previous }),
                ));
            }
        }
    }
    Ok(())
}

/// A new plan: the due dates follow from re-evaluating the ticket's history under it.
fn change_sla_plan(next: &mut Ticket, change: &TicketChange, events: &mut Vec<EventDraft>) {
    let Some(plan) = &change.sla_plan else { return };
    let plan_id = plan.as_ref().map(|plan| plan.id);
    if plan_id == next.sla_plan_id {
        return;
    }
    events.push(EventDraft::new(
        EventKind::SlaPlanChanged,
        json!({ "from": next.sla_plan_id, "to": plan_id }),
    ));
    next.sla_plan_id = plan_id;
}

/// Moves the ticket to `status`, stamping `resolved_at` and `closed_at`; a reopen clears `resolved_at`.
pub(crate) fn change_status(
    next: &mut Ticket,
    status: Status,
    now: DateTime<Utc>,
) -> Result<EventDraft, DomainError> {
    check_transition(next.status, status)?;
    let event = EventDraft::new(
        EventKind::StatusChanged,
        json!({ "from": next.status, "to": status }),
    );
    match status {
        Status::Resolved => next.resolved_at = Some(now),
        Status::Closed => next.closed_at = Some(now),
        Status::Open | Status::Pending | Status::OnHold => next.resolved_at = None,
    }
    next.status = status;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::Role;
    use crate::ticket::tests::{at, kens_ticket};
    use crate::user::User;

    const SUPPORT: i64 = 1;
    const ENGINEERING: i64 = 2;

    fn jane() -> Actor {
        Actor::Agent {
            id: 10,
            department_ids: vec![SUPPORT],
        }
    }

    fn agent(id: i64, departments: &[i64]) -> Agent {
        Agent {
            user: User {
                id,
                name: format!("agent {id}"),
                email: format!("agent{id}@example.com"),
                role: Role::Agent,
                active: true,
                created_at: at(0, 0),
            },
            department_ids: departments.to_vec(),
            team_ids: vec![],
        }
    }

    fn department(id: i64) -> Department {
        Department {
            id,
            name: format!("department {id}"),
            default_sla_plan_id: None,
        }
    }

    fn gold() -> SlaPlan {
        SlaPlan::simple(2, "Gold", 60, 8 * 60)
    }

    fn kinds(applied: &Applied) -> Vec<EventKind> {
        applied.events.iter().map(|event| event.kind).collect()
    }

    #[test]
    fn jane_sets_priority_plan_and_assignee_in_one_change() {
        let change = TicketChange {
            priority: Some(Priority::High),
            sla_plan: Some(Some(gold())),
            assignee: Some(Some(agent(20, &[ENGINEERING, SUPPORT]))),
            ..Default::default()
        };
        let applied = apply_change(&kens_ticket(), &change, &jane(), at(10, 0)).unwrap();
        assert_eq!(
            kinds(&applied),
            vec![
                EventKind::Assigned,
                EventKind::PriorityChanged,
                EventKind::SlaPlanChanged
            ]
        );
        let ticket = applied.ticket;
        assert_eq!(
            (ticket.priority, ticket.assignee_id, ticket.sla_plan_id),
            (Priority::High, Some(20), Some(2))
        );
        assert_eq!((ticket.version, ticket.updated_at), (2, at(10, 0)));
    }

    #[test]
    fn setting_current_values_changes_nothing() {
        let ticket = kens_ticket();
        let change = TicketChange {
            status: Some(Status::Open),
            priority: Some(Priority::Normal),
            subject: Some(ticket.subject.clone()),
            assignee: Some(None),
            ..Default::default()
        };
        let applied = apply_change(&ticket, &change, &jane(), at(10, 0)).unwrap();
        assert!(!applied.changed());
        assert_eq!(applied.ticket, ticket);
    }

    #[test]
    fn an_assignee_must_belong_to_the_department() {
        let change = TicketChange {
            assignee: Some(Some(agent(20, &[ENGINEERING]))),
            ..Default::default()
        };
        let error = apply_change(&kens_ticket(), &change, &jane(), at(10, 0)).unwrap_err();
        assert!(matches!(error, DomainError::Invalid { ref field, .. } if field == "assignee_id"));
        let inactive = Agent {
            user: User {
                active: false,
                ..agent(20, &[SUPPORT]).user
            },
            ..agent(20, &[SUPPORT])
        };
        let change = TicketChange {
            assignee: Some(Some(inactive)),
            ..Default::default()
        };
        assert!(apply_change(&kens_ticket(), &change, &jane(), at(10, 0)).is_err());
    }

    #[test]
    fn transfer_and_escalation_in_one_change() {
        let ticket = Ticket {
            assignee_id: Some(20),
            team_id: Some(4),
            ..kens_ticket()
        };
        let change = TicketChange {
            department: Some(department(ENGINEERING)),
            priority: Some(Priority::Urgent),
            current_assignee: Some(agent(20, &[SUPPORT])),
            ..Default::default()
        };
        let applied = apply_change(&ticket, &change, &jane(), at(10, 0)).unwrap();
        assert_eq!(
            kinds(&applied),
            vec![
                EventKind::Transferred,
                EventKind::TeamChanged,
                EventKind::Unassigned,
                EventKind::PriorityChanged
            ]
        );
        assert_eq!(applied.ticket.department_id, ENGINEERING);
        assert_eq!(
            (applied.ticket.team_id, applied.ticket.assignee_id),
            (None, None)
        );
        assert_eq!(applied.ticket.version, 2, "one change, one version");
    }

    #[test]
    fn an_assignee_of_both_departments_follows_the_transfer() {
        let ticket = Ticket {
            assignee_id: Some(20),
            ..kens_ticket()
        };
        let change = TicketChange {
            department: Some(department(ENGINEERING)),
            current_assignee: Some(agent(20, &[SUPPORT, ENGINEERING])),
            ..Default::default()
        };
        let applied = apply_change(&ticket, &change, &jane(), at(10, 0)).unwrap();
        assert_eq!(kinds(&applied), vec![EventKind::Transferred]);
        assert_eq!(applied.ticket.assignee_id, Some(20));
    }

    #[test]
    fn a_team_must_belong_to_the_department() {
        let team = Team {
            id: 4,
            name: "Tier 2".into(),
            department_id: ENGINEERING,
            member_ids: vec![],
        };
        let change = TicketChange {
            team: Some(Some(team.clone())),
            ..Default::default()
        };
        assert!(apply_change(&kens_ticket(), &change, &jane(), at(10, 0)).is_err());
        let moved = TicketChange {
            department: Some(department(ENGINEERING)),
            team: Some(Some(team)),
            ..Default::default()
        };
        let applied = apply_change(&kens_ticket(), &moved, &jane(), at(10, 0)).unwrap();
        assert_eq!(applied.ticket.team_id, Some(4));
    }

    #[test]
    fn resolving_then_reopening_then_closing_stamps_times() {
        let resolve = TicketChange {
            status: Some(Status::Resolved),
            ..Default::default()
        };
        let resolved = apply_change(&kens_ticket(), &resolve, &jane(), at(11, 0))
            .unwrap()
            .ticket;
        assert_eq!(resolved.resolved_at, Some(at(11, 0)));
        let reopen = TicketChange {
            status: Some(Status::Open),
            ..Default::default()
        };
        let reopened = apply_change(&resolved, &reopen, &jane(), at(12, 0))
            .unwrap()
            .ticket;
        assert_eq!(
            (reopened.status, reopened.resolved_at),
            (Status::Open, None)
        );
        let close = TicketChange {
            status: Some(Status::Closed),
            ..Default::default()
        };
        let closed = apply_change(&reopened, &close, &jane(), at(13, 0))
            .unwrap()
            .ticket;
        assert_eq!(
            (closed.status, closed.closed_at, closed.version),
            (Status::Closed, Some(at(13, 0)), 4)
        );
    }

    #[test]
    fn a_closed_ticket_refuses_every_change() {
        let closed = Ticket {
            status: Status::Closed,
            closed_at: Some(at(10, 0)),
            ..kens_ticket()
        };
        for change in [
            TicketChange {
                status: Some(Status::Open),
                ..Default::default()
            },
            TicketChange {
                priority: Some(Priority::High),
                ..Default::default()
            },
        ] {
            let error = apply_change(&closed, &change, &jane(), at(11, 0)).unwrap_err();
            assert!(
                matches!(error, DomainError::InvalidTransition(_)),
                "{error:?}"
            );
        }
    }

    #[test]
    fn forbidden_status_transitions_are_conflicts() {
        let resolved = Ticket {
            status: Status::Resolved,
            ..kens_ticket()
        };
        let change = TicketChange {
            status: Some(Status::Pending),
            ..Default::default()
        };
        let error = apply_change(&resolved, &change, &jane(), at(11, 0)).unwrap_err();
        assert!(matches!(error, DomainError::InvalidTransition(_)));
    }

    #[test]
    fn customers_and_outsiders_cannot_change_tickets() {
        let change = TicketChange {
            priority: Some(Priority::Urgent),
            ..Default::default()
        };
        let ken = Actor::Customer { id: 100 };
        assert!(matches!(
            apply_change(&kens_ticket(), &change, &ken, at(10, 0)),
            Err(DomainError::Forbidden(_))
        ));
        let outsider = Actor::Agent {
            id: 11,
            department_ids: vec![ENGINEERING],
        };
        assert_eq!(
            apply_change(&kens_ticket(), &change, &outsider, at(10, 0)),
            Err(DomainError::NotVisible)
        );
    }

    #[test]
    fn an_empty_subject_is_invalid() {
        let change = TicketChange {
            subject: Some("   ".into()),
            ..Default::default()
        };
        let error = apply_change(&kens_ticket(), &change, &jane(), at(10, 0)).unwrap_err();
        assert!(matches!(error, DomainError::Invalid { ref field, .. } if field == "subject"));
    }

    #[test]
    fn removing_the_plan_is_one_event() {
        let change = TicketChange {
            sla_plan: Some(None),
            ..Default::default()
        };
        let applied = apply_change(&kens_ticket(), &change, &jane(), at(10, 0)).unwrap();
        assert_eq!(applied.ticket.sla_plan_id, None);
        assert_eq!(kinds(&applied), vec![EventKind::SlaPlanChanged]);
    }
}
