use crate::dto::{double_option, validate_name};
use chrono::{DateTime, Utc};
use helpdesk_domain::user::User;
use helpdesk_domain::{Priority, Status, Ticket, TicketSource};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

pub const MAX_SUBJECT_CHARS: usize = 255;
pub const MAX_BODY_CHARS: usize = 100_000;

pub fn validate_subject(subject: &str) -> Result<(), ValidationError> {
    crate::dto::validate_plain(subject)?;
    let length = subject.trim().chars().count();
    if length == 0 {
        Err(ValidationError::new("length").with_message("must not be empty".into()))
    } else if length > MAX_SUBJECT_CHARS {
        Err(ValidationError::new("length").with_message("must be at most 255 characters".into()))
    } else {
        Ok(())
    }
}

pub fn validate_body(body: &str) -> Result<(), ValidationError> {
    crate::dto::validate_multiline(body)?;
    let length = body.trim().chars().count();
    if length == 0 {
        Err(ValidationError::new("length").with_message("must not be empty".into()))
    } else if length > MAX_BODY_CHARS {
        Err(ValidationError::new("length").with_message("must be at most 100000 characters".into()))
    } else {
        Ok(())
    }
}

/// The person a ticket is for, when staff or an integrator files it. An unknown email creates the customer.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct RequesterInput {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    #[validate(email(message = "must be an email address"), length(max = 254))]
    pub email: String,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"subject": "Adobe Reader not working", "body": "It crashes when I open a PDF.", "help_topic_id": 1}))]
pub struct CreateTicketRequest {
    #[validate(custom(function = "validate_subject"))]
    pub subject: String,
    /// The first message of the conversation.
    #[validate(custom(function = "validate_body"))]
    pub body: String,
    /// Required from agents and API keys; customers file for themselves and leave it out.
    #[validate(nested)]
    pub requester: Option<RequesterInput>,
    /// Routes the ticket: its department, default priority and SLA plan.
    pub help_topic_id: Option<i64>,
    /// Staff only: overrides the help topic's department.
    pub department_id: Option<i64>,
    /// Staff only: overrides the help topic's default priority.
    #[schema(schema_with = crate::dto::enums::priority)]
    pub priority: Option<Priority>,
    /// API keys only: the integration's own id for the ticket. Filing again with the same id returns
    /// the ticket filed first (200) instead of a duplicate.
    #[validate(
        length(min = 1, max = 255),
        custom(function = "crate::dto::validate_plain")
    )]
    pub external_id: Option<String>,
}

/// Any of these fields; each change is checked by the lifecycle rules and leaves an event.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"priority": "high", "sla_plan_id": 2, "assignee_id": 3}))]
pub struct PatchTicketRequest {
    #[validate(custom(function = "validate_subject"))]
    pub subject: Option<String>,
    #[schema(schema_with = crate::dto::enums::status)]
    pub status: Option<Status>,
    #[schema(schema_with = crate::dto::enums::priority)]
    pub priority: Option<Priority>,
    /// Transfers the ticket; a team or assignee outside the new department is dropped.
    pub department_id: Option<i64>,
    /// `null` removes the team.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub team_id: Option<Option<i64>>,
    /// `null` unassigns.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub assignee_id: Option<Option<i64>>,
    /// `null` removes the plan and its due dates; a new plan recomputes them from creation.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub sla_plan_id: Option<Option<i64>>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketListQuery {
    /// Repeatable: `?status=open&status=pending`.
    #[serde(default)]
    #[param(schema_with = crate::dto::enums::status_list)]
    pub status: Vec<Status>,
    pub department_id: Option<i64>,
    pub team_id: Option<i64>,
    /// An agent's id, `me`, or `none` for unassigned tickets.
    #[validate(length(max = 20))]
    pub assignee_id: Option<String>,
    #[param(schema_with = crate::dto::enums::priority)]
    pub priority: Option<Priority>,
    pub requester_id: Option<i64>,
    /// `true`: only tickets with a breached SLA clock that is still unmet.
    pub overdue: Option<bool>,
    /// Only tickets changed at or after this time (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Only tickets whose resolution is due before this time (RFC 3339).
    pub due_before: Option<DateTime<Utc>>,
    /// Full text: tickets whose subject or messages contain every word (customers' searches never
    /// match internal notes). Matches the 1,000 most recent such tickets.
    #[validate(length(max = 200), custom(function = "crate::dto::validate_plain"))]
    pub q: Option<String>,
    /// `created_at`, `-created_at` (default), `updated_at`, `-updated_at`, `priority`, `-priority`, or
    /// `due_at` (soonest resolution due date first; only tickets that have one).
    #[validate(length(max = 20))]
    pub sort: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200))]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[validate(length(max = 200))]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequesterResponse {
    pub id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketResponse {
    pub id: i64,
    /// The human-facing number, shown to customers.
    #[schema(example = "48213377")]
    pub number: String,
    pub subject: String,
    #[schema(schema_with = crate::dto::enums::status)]
    pub status: Status,
    #[schema(schema_with = crate::dto::enums::priority)]
    pub priority: Priority,
    pub department_id: i64,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub requester: RequesterResponse,
    pub help_topic_id: Option<i64>,
    pub sla_plan_id: Option<i64>,
    #[schema(schema_with = crate::dto::enums::source)]
    pub source: TicketSource,
    /// The integration's own id, when an API key filed the ticket with one.
    pub external_id: Option<String>,
    /// Due dates of the SLA clocks (`GET /tickets/{id}/sla` explains them); null while paused or
    /// not measured.
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub next_response_due_at: Option<DateTime<Utc>>,
    /// The resolution due date.
    pub due_at: Option<DateTime<Utc>>,
    pub first_responded_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub is_overdue: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; also the `ETag`.
    pub version: i64,
}

impl TicketResponse {
    pub fn new(ticket: Ticket, requester: &User, now: DateTime<Utc>) -> Self {
        TicketResponse {
            is_overdue: ticket.is_overdue(now),
            id: ticket.id,
            number: ticket.number,
            subject: ticket.subject,
            status: ticket.status,
            priority: ticket.priority,
            department_id: ticket.department_id,
            team_id: ticket.team_id,
            assignee_id: ticket.assignee_id,
            requester: RequesterResponse {
                id: requester.id,
                name: requester.name.clone(),
                email: requester.email.clone(),
            },
            help_topic_id: ticket.help_topic_id,
            sla_plan_id: ticket.sla_plan_id,
            source: ticket.source,
            external_id: ticket.external_id,
            first_response_due_at: ticket.first_response_due_at,
            next_response_due_at: ticket.next_response_due_at,
            due_at: ticket.due_at,
            first_responded_at: ticket.first_responded_at,
            resolved_at: ticket.resolved_at,
            closed_at: ticket.closed_at,
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            version: ticket.version,
        }
    }
}
