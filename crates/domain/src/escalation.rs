//! What a breached SLA clock does to its ticket: a `sla_breached` event on the timeline, then the
//! plan's escalation (raise the priority one step, move to a department, give to a team) as one
//! change by the system.

use crate::event::{EventDraft, EventKind};
use crate::org::{Department, Escalation, Team};
use crate::permissions::Actor;
use crate::sla::Clock;
use crate::ticket::Ticket;
use crate::ticket_change::{apply_change, Applied, TicketChange};
use crate::user::Agent;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The records an escalation names, looked up by the caller.
#[derive(Debug, Clone, Default)]
pub struct EscalationTargets {
    pub department: Option<Department>,
    pub team: Option<Team>,
    /// The ticket's current assignee, who stays only if they may own tickets of the new department.
    pub current_assignee: Option<Agent>,
}

/// Records the breach of `clock` on `ticket` and applies `escalation`. An escalation the lifecycle
/// refuses (say, a team of another department) still records the breach, with the reason.
pub fn breach(
    ticket: &Ticket,
    clock: &Clock,
    escalation: &Escalation,
    targets: EscalationTargets,
    now: DateTime<Utc>,
) -> Applied {
    let mut events = vec![EventDraft::new(
        EventKind::SlaBreached,
        json!({
            "clock": clock.kind.as_str(),
            "started_at": clock.started_at,
            "due_at": clock.due_at,
            "target_minutes": clock.target_minutes,
        }),
    )];
    let change = TicketChange {
        priority: escalation.raise_priority.then(|| ticket.priority.raised()),
        department: targets.department,
        team: targets.team.map(Some),
        current_assignee: targets.current_assignee,
        ..Default::default()
    };
    let mut next = ticket.clone();
    match apply_change(ticket, &change, &Actor::System, now) {
        Ok(applied) if applied.changed() => {
            events.push(EventDraft::new(
                EventKind::Escalated,
                json!({ "clock": clock.kind.as_str(), "changes": applied.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>() }),
            ));
            events.extend(applied.events);
            next = applied.ticket;
        }
        Ok(_) => {}
        Err(error) => events[0].data["escalation_refused"] = json!(error.to_string()),
    }
    if next.version == ticket.version {
        next.version += 1;
        next.updated_at = now;
    }
    Applied {
        ticket: next,
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::Priority;
    use crate::sla::{ClockKind, ClockState};
    use crate::ticket::tests::{at, kens_ticket};

    fn breached_resolution() -> Clock {
        Clock {
            kind: ClockKind::Resolution,
            state: ClockState::Breached,
            started_at: at(9, 0),
            stopped_at: None,
            target_minutes: 480,
            due_at: Some(at(17, 0)),
            elapsed_minutes: 480,
            remaining_minutes: 0,
            pauses: vec![],
            explanation: String::new(),
        }
    }

    fn kinds(applied: &Applied) -> Vec<EventKind> {
        applied.events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn a_breach_without_escalation_is_one_event_and_one_version() {
        let applied = breach(
            &kens_ticket(),
            &breached_resolution(),
            &Escalation::default(),
            EscalationTargets::default(),
            at(17, 1),
        );
        assert_eq!(kinds(&applied), vec![EventKind::SlaBreached]);
        assert_eq!(applied.events[0].data["clock"], "resolution");
        assert!(applied.events[0].internal);
        assert_eq!(
            (applied.ticket.version, applied.ticket.updated_at),
            (2, at(17, 1))
        );
    }

    #[test]
    fn escalation_raises_priority_and_moves_the_ticket_in_one_change() {
        let escalation = Escalation {
            raise_priority: true,
            department_id: Some(2),
            team_id: Some(7),
        };
        let targets = EscalationTargets {
            department: Some(Department {
                id: 2,
                name: "Tier 2".into(),
                default_sla_plan_id: None,
            }),
            team: Some(Team {
                id: 7,
                name: "Escalations".into(),
                department_id: 2,
                member_ids: vec![],
            }),
            current_assignee: None,
        };
        let applied = breach(
            &kens_ticket(),
            &breached_resolution(),
            &escalation,
            targets,
            at(17, 1),
        );
        assert_eq!(
            kinds(&applied),
            vec![
                EventKind::SlaBreached,
                EventKind::Escalated,
                EventKind::Transferred,
                EventKind::TeamChanged,
                EventKind::PriorityChanged
            ]
        );
        assert_eq!(
            (
                applied.ticket.priority,
                applied.ticket.department_id,
                applied.ticket.team_id
            ),
            (Priority::High, 2, Some(7))
        );
        assert_eq!(applied.ticket.version, 2, "one change, one version");
    }

    #[test]
    fn an_urgent_ticket_stays_urgent_and_a_refused_escalation_is_recorded() {
        let urgent = Ticket {
            priority: Priority::Urgent,
            ..kens_ticket()
        };
        let escalation = Escalation {
            raise_priority: true,
            department_id: None,
            team_id: Some(7),
        };
        let targets = EscalationTargets {
            team: Some(Team {
                id: 7,
                name: "Elsewhere".into(),
                department_id: 2,
                member_ids: vec![],
            }),
            ..Default::default()
        };
        let applied = breach(
            &urgent,
            &breached_resolution(),
            &escalation,
            targets,
            at(17, 1),
        );
        assert_eq!(kinds(&applied), vec![EventKind::SlaBreached]);
        assert!(applied.events[0].data["escalation_refused"]
            .as_str()
            .unwrap()
            .contains("another department"));
        assert_eq!(applied.ticket.priority, Priority::Urgent);
    }
}
