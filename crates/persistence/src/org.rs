//! The organisation: departments, teams, SLA plans and help topics.

pub mod departments;
pub mod help_topics;
pub mod sla_plans;
pub mod teams;
