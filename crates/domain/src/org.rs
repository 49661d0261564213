//! The organisation tickets are routed through: departments, teams, SLA plans and help topics.

use crate::enums::Priority;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    pub name: String,
    pub default_sla_plan_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub department_id: i64,
    pub member_ids: Vec<i64>,
}

/// Service targets. `resolution_minutes` is osTicket's grace period; no calendar means 24x7.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPlan {
    pub id: i64,
    pub name: String,
    pub first_response_minutes: i32,
    /// A staff answer due this long after each later customer message; `None`: not measured.
    pub next_response_minutes: Option<i32>,
    pub resolution_minutes: i32,
    pub business_hours_id: Option<i64>,
    /// Tighter (or looser) targets for some priorities.
    pub priority_targets: BTreeMap<Priority, SlaTargets>,
    /// What a breach does to the ticket.
    pub escalation: Escalation,
}

/// The targets of one priority, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlaTargets {
    pub first_response_minutes: i32,
    pub next_response_minutes: Option<i32>,
    pub resolution_minutes: i32,
}

/// Actions on a breach: raise the priority one step, move the ticket to a department, give it to a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Escalation {
    pub raise_priority: bool,
    pub department_id: Option<i64>,
    pub team_id: Option<i64>,
}

impl Escalation {
    pub fn is_none(&self) -> bool {
        !self.raise_priority && self.department_id.is_none() && self.team_id.is_none()
    }
}

impl SlaPlan {
    /// A plan with these targets for every priority, no calendar and no escalation.
    pub fn simple(
        id: i64,
        name: &str,
        first_response_minutes: i32,
        resolution_minutes: i32,
    ) -> SlaPlan {
        SlaPlan {
            id,
            name: name.to_owned(),
            first_response_minutes,
            next_response_minutes: None,
            resolution_minutes,
            business_hours_id: None,
            priority_targets: BTreeMap::new(),
            escalation: Escalation::default(),
        }
    }

    /// The targets for `priority`: its override, or the plan's own.
    pub fn targets(&self, priority: Priority) -> SlaTargets {
        self.priority_targets
            .get(&priority)
            .copied()
            .unwrap_or(SlaTargets {
                first_response_minutes: self.first_response_minutes,
                next_response_minutes: self.next_response_minutes,
                resolution_minutes: self.resolution_minutes,
            })
    }
}

/// What a customer picks at intake; it routes the ticket to a department with a priority and plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpTopic {
    pub id: i64,
    pub name: String,
    pub department_id: i64,
    pub default_priority: Priority,
    pub sla_plan_id: Option<i64>,
}
