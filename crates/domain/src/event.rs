//! The audit timeline: every change to a ticket appends one event per fact.

use crate::enums::ActorType;
use chrono::{DateTime, Utc};
use serde_json::Value;

macro_rules! event_kinds {
    ($($variant:ident => $text:literal),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventKind { $($variant),+ }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<EventKind> {
                match text { $($text => Some(EventKind::$variant),)+ _ => None }
            }
        }
    };
}

event_kinds! {
    Created => "created",
    Assigned => "assigned",
    Unassigned => "unassigned",
    Transferred => "transferred",
    TeamChanged => "team_changed",
    PriorityChanged => "priority_changed",
    StatusChanged => "status_changed",
    SlaPlanChanged => "sla_plan_changed",
    SubjectChanged => "subject_changed",
    MessageAdded => "message_added",
    SlaBreached => "sla_breached",
    Escalated => "escalated",
}

/// An event the domain produced and storage has not yet numbered.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub kind: EventKind,
    pub data: Value,
    /// Hidden from customers: staff-side facts (assignment, routing) and internal notes.
    pub internal: bool,
}

impl EventDraft {
    /// Events a customer may read: their ticket's creation, status and public conversation.
    pub fn new(kind: EventKind, data: Value) -> Self {
        let internal = !matches!(
            kind,
            EventKind::Created
                | EventKind::StatusChanged
                | EventKind::MessageAdded
                | EventKind::SubjectChanged
        );
        EventDraft {
            kind,
            data,
            internal,
        }
    }

    pub fn internal_message(data: Value) -> Self {
        EventDraft {
            kind: EventKind::MessageAdded,
            data,
            internal: true,
        }
    }
}

/// A stored event, as the timeline shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: i64,
    pub kind: String,
    pub actor_type: ActorType,
    pub actor_id: Option<i64>,
    pub data: Value,
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn staff_side_events_are_hidden_from_customers() {
        let visible = [
            EventKind::Created,
            EventKind::StatusChanged,
            EventKind::MessageAdded,
        ];
        let hidden = [
            EventKind::Assigned,
            EventKind::Unassigned,
            EventKind::Transferred,
            EventKind::TeamChanged,
            EventKind::PriorityChanged,
            EventKind::SlaPlanChanged,
        ];
        for kind in visible {
            assert!(!EventDraft::new(kind, json!({})).internal, "{kind:?}");
        }
        for kind in hidden {
            assert!(EventDraft::new(kind, json!({})).internal, "{kind:?}");
        }
        assert!(EventDraft::internal_message(json!({})).internal);
    }

    #[test]
    fn kinds_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(*kind));
        }
    }
}
