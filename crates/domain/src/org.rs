//! The organisation tickets are routed through: departments, teams, SLA plans and help topics.

use crate::enums::Priority;

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
    pub resolution_minutes: i32,
    pub business_hours_id: Option<i64>,
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
