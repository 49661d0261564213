//! The ticket and its intake: how a new report is routed, prioritised and given due dates.

use crate::enums::{Priority, Status, TicketSource};
use crate::error::DomainError;
use crate::event::{EventDraft, EventKind};
use crate::org::HelpTopic;
use chrono::{DateTime, Utc};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub id: i64,
    /// The human-facing number, shown to customers and quoted in mail subjects.
    pub number: String,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub department_id: i64,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub requester_id: i64,
    pub help_topic_id: Option<i64>,
    pub sla_plan_id: Option<i64>,
    pub source: TicketSource,
    /// The id an integration knows the ticket by (unique per API key).
    pub external_id: Option<String>,
    /// Due dates of the SLA clocks, derived by [`crate::sla::evaluate`]; `None` when paused or not measured.
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub next_response_due_at: Option<DateTime<Utc>>,
    /// The resolution due date.
    pub due_at: Option<DateTime<Utc>>,
    /// When the next running clock breaches (what the breach sweep looks for).
    pub sla_next_check_at: Option<DateTime<Utc>>,
    /// A clock breached and is still unmet, as of the last evaluation.
    pub sla_overdue: bool,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; the ETag, and the guard of optimistic concurrency.
    pub version: i64,
}

impl Ticket {
    /// Overdue: a clock breached and is still unmet, as of the last evaluation or since (a running
    /// clock whose due date has passed, before the sweep has recorded it).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.sla_overdue || self.sla_next_check_at.is_some_and(|check| check <= now)
    }

    /// Stores an evaluation's due dates and overdue state on the ticket.
    /// `recorded` tells which breached clocks the sweep has already handled.
    pub fn apply_sla(
        &mut self,
        report: &crate::sla::SlaReport,
        recorded: impl Fn(&crate::sla::Clock) -> bool,
    ) {
        let dates = SlaDates::of(report, recorded);
        self.first_response_due_at = dates.first_response_due_at;
        self.next_response_due_at = dates.next_response_due_at;
        self.due_at = dates.due_at;
        self.sla_next_check_at = dates.sla_next_check_at;
        self.sla_overdue = dates.sla_overdue;
    }
}

/// What a ticket stores of an SLA evaluation: the clocks' due dates, the next check and overdue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaDates {
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub next_response_due_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub sla_next_check_at: Option<DateTime<Utc>>,
    pub sla_overdue: bool,
}

impl SlaDates {
    /// `recorded` tells which breached clocks the sweep has already handled.
    pub fn of(
        report: &crate::sla::SlaReport,
        recorded: impl Fn(&crate::sla::Clock) -> bool,
    ) -> SlaDates {
        use crate::sla::ClockKind;
        SlaDates {
            first_response_due_at: report.due_at(ClockKind::FirstResponse),
            next_response_due_at: report.due_at(ClockKind::NextResponse),
            due_at: report.due_at(ClockKind::Resolution),
            sla_next_check_at: report.next_check_at(recorded),
            sla_overdue: report.is_overdue(),
        }
    }
}

/// A ticket ready to be stored: everything but the id storage assigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub number: String,
    pub subject: String,
    pub priority: Priority,
    pub department_id: i64,
    pub requester_id: i64,
    pub help_topic_id: Option<i64>,
    pub sla_plan_id: Option<i64>,
    pub source: TicketSource,
    pub external_id: Option<String>,
    /// The API key `external_id` belongs to.
    pub external_key_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// Its SLA clocks as they start (evaluated before the insert, so the ticket is written once).
    pub sla: SlaDates,
}

/// What intake knows about a report once the API has looked up the ids it names.
#[derive(Debug, Clone)]
pub struct Intake<'a> {
    pub subject: &'a str,
    pub requester_id: i64,
    pub source: TicketSource,
    pub help_topic: Option<&'a HelpTopic>,
    /// An explicit department, overriding the help topic's.
    pub department_id: Option<i64>,
    /// The default plan of the department the ticket lands in.
    pub department_default_sla_plan_id: Option<i64>,
    /// An explicit priority, overriding the help topic's default.
    pub priority: Option<Priority>,
    pub random_number: u32,
    /// The integration's own id for the ticket, with the API key it belongs to.
    pub external: Option<(i64, &'a str)>,
}

/// Routes a report: the explicit department or the help topic's; the explicit priority, the topic's
/// default or `normal`; the topic's SLA plan or the department's default.
pub fn route_intake(intake: &Intake<'_>) -> Result<RoutedTicket, DomainError> {
    let department_id = intake
        .department_id
        .or(intake.help_topic.map(|topic| topic.department_id))
        .ok_or_else(|| {
            DomainError::invalid(
                "help_topic_id",
                "choose a help topic or a department for the ticket",
            )
        })?;
    let priority = intake
        .priority
        .or(intake.help_topic.map(|topic| topic.default_priority))
        .unwrap_or(Priority::Normal);
    let sla_plan_id = intake
        .help_topic
        .and_then(|topic| topic.sla_plan_id)
        .or(intake.department_default_sla_plan_id);
    Ok(RoutedTicket {
        department_id,
        priority,
        sla_plan_id,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutedTicket {
    pub department_id: i64,
    pub priority: Priority,
    pub sla_plan_id: Option<i64>,
}

/// Opens a routed ticket at `now`, with its `created` event. Its SLA due dates follow from
/// [`crate::sla::evaluate`] once it is stored.
pub fn open_ticket(
    intake: &Intake<'_>,
    routed: RoutedTicket,
    now: DateTime<Utc>,
) -> (NewTicket, EventDraft) {
    let ticket = NewTicket {
        number: ticket_number(intake.random_number),
        subject: intake.subject.trim().to_owned(),
        priority: routed.priority,
        department_id: routed.department_id,
        requester_id: intake.requester_id,
        help_topic_id: intake.help_topic.map(|topic| topic.id),
        sla_plan_id: routed.sla_plan_id,
        source: intake.source,
        external_id: intake.external.map(|(_, id)| id.to_owned()),
        external_key_id: intake.external.map(|(key, _)| key),
        created_at: now,
        sla: SlaDates::default(),
    };
    let event = EventDraft::new(
        EventKind::Created,
        json!({
            "number": ticket.number,
            "subject": ticket.subject,
            "department_id": ticket.department_id,
            "priority": ticket.priority,
            "source": ticket.source,
        }),
    );
    (ticket, event)
}

/// An eight-digit number from a random value. Random rather than sequential (as osTicket does), so the
/// numbers customers see do not reveal the ticket volume; storage keeps them unique.
pub fn ticket_number(random: u32) -> String {
    format!("{}", 10_000_000 + random % 90_000_000)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::TimeZone;

    pub fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, hour, minute, 0).unwrap()
    }

    /// Ken's ticket, open in Support (department 1), as intake leaves it.
    pub fn kens_ticket() -> Ticket {
        Ticket {
            id: 1,
            number: "12345678".into(),
            subject: "Adobe Reader not working".into(),
            status: Status::Open,
            priority: Priority::Normal,
            department_id: 1,
            team_id: None,
            assignee_id: None,
            requester_id: 100,
            help_topic_id: Some(1),
            sla_plan_id: Some(1),
            source: TicketSource::Web,
            external_id: None,
            first_response_due_at: Some(at(13, 0)),
            next_response_due_at: None,
            due_at: Some(at(23, 0)),
            sla_next_check_at: Some(at(13, 0)),
            sla_overdue: false,
            first_responded_at: None,
            resolved_at: None,
            closed_at: None,
            created_at: at(9, 0),
            updated_at: at(9, 0),
            version: 1,
        }
    }

    fn software_topic() -> HelpTopic {
        HelpTopic {
            id: 3,
            name: "Software".into(),
            department_id: 1,
            default_priority: Priority::Normal,
            sla_plan_id: Some(5),
        }
    }

    fn intake<'a>(topic: Option<&'a HelpTopic>) -> Intake<'a> {
        Intake {
            subject: "  Adobe Reader not working ",
            requester_id: 100,
            source: TicketSource::Web,
            help_topic: topic,
            department_id: None,
            department_default_sla_plan_id: Some(9),
            priority: None,
            random_number: 42,
            external: None,
        }
    }

    #[test]
    fn the_help_topic_routes_department_priority_and_plan() {
        let topic = software_topic();
        let routed = route_intake(&intake(Some(&topic))).unwrap();
        assert_eq!(
            routed,
            RoutedTicket {
                department_id: 1,
                priority: Priority::Normal,
                sla_plan_id: Some(5)
            }
        );
    }

    #[test]
    fn explicit_choices_override_the_topic_and_the_department_plan_fills_in() {
        let topic = HelpTopic {
            sla_plan_id: None,
            ..software_topic()
        };
        let mut request = intake(Some(&topic));
        request.department_id = Some(2);
        request.priority = Some(Priority::Urgent);
        let routed = route_intake(&request).unwrap();
        assert_eq!(
            routed,
            RoutedTicket {
                department_id: 2,
                priority: Priority::Urgent,
                sla_plan_id: Some(9)
            }
        );
    }

    #[test]
    fn a_ticket_without_topic_or_department_is_refused() {
        let error = route_intake(&intake(None)).unwrap_err();
        assert!(
            matches!(error, DomainError::Invalid { ref field, .. } if field == "help_topic_id")
        );
    }

    #[test]
    fn opening_records_the_routed_ticket_and_its_creation() {
        let topic = software_topic();
        let request = intake(Some(&topic));
        let routed = route_intake(&request).unwrap();
        let (ticket, event) = open_ticket(&request, routed, at(9, 0));
        assert_eq!(ticket.subject, "Adobe Reader not working");
        assert_eq!(ticket.number, "10000042");
        assert_eq!((ticket.sla_plan_id, ticket.created_at), (Some(5), at(9, 0)));
        assert_eq!(event.kind, EventKind::Created);
        assert!(!event.internal);
    }

    #[test]
    fn ticket_numbers_have_eight_digits() {
        for random in [0, 1, 89_999_999, u32::MAX] {
            assert_eq!(ticket_number(random).len(), 8, "{random}");
        }
    }

    #[test]
    fn overdue_means_a_breach_recorded_or_a_check_due() {
        let ticket = kens_ticket();
        assert!(!ticket.is_overdue(at(12, 59)));
        assert!(
            ticket.is_overdue(at(13, 0)),
            "the first response is due at 13:00"
        );
        let recorded = Ticket {
            sla_overdue: true,
            sla_next_check_at: None,
            ..kens_ticket()
        };
        assert!(recorded.is_overdue(at(9, 0)));
        let paused = Ticket {
            sla_next_check_at: None,
            ..kens_ticket()
        };
        assert!(!paused.is_overdue(at(23, 1)));
    }
}
