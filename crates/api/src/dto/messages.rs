use crate::dto::attachments::AttachmentResponse;
use crate::dto::tickets::validate_body;
use chrono::{DateTime, Utc};
use helpdesk_domain::attachment::Attachment;
use helpdesk_domain::event::TicketEvent;
use helpdesk_domain::message::Message;
use helpdesk_domain::{ActorType, AuthorType};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"body": "John, can you look at this? Reader 11 crashes on open.", "internal": true}))]
pub struct CreateMessageRequest {
    #[validate(custom(function = "validate_body"))]
    pub body: String,
    /// An internal note, for staff only (default `false`: a public reply).
    #[serde(default)]
    pub internal: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub id: i64,
    pub ticket_id: i64,
    pub internal: bool,
    #[schema(schema_with = crate::dto::enums::author_type)]
    pub author_type: AuthorType,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<AttachmentResponse>,
}

impl MessageResponse {
    pub fn new(m: Message, attachments: Vec<Attachment>) -> Self {
        MessageResponse {
            attachments: attachments.into_iter().map(Into::into).collect(),
            id: m.id,
            ticket_id: m.ticket_id,
            internal: m.internal,
            author_type: m.author_type,
            author_id: m.author_id,
            author_name: m.author_name,
            body: m.body,
            created_at: m.created_at,
        }
    }
}

/// One entry of a ticket's audit timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventResponse {
    pub id: i64,
    pub ticket_id: i64,
    /// `created`, `assigned`, `unassigned`, `transferred`, `team_changed`, `priority_changed`,
    /// `status_changed`, `sla_plan_changed`, `subject_changed` or `message_added`.
    #[schema(example = "priority_changed")]
    pub kind: String,
    #[schema(schema_with = crate::dto::enums::actor_type)]
    pub actor_type: ActorType,
    pub actor_id: Option<i64>,
    /// What changed, e.g. `{"from": "normal", "to": "high"}`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

impl From<TicketEvent> for EventResponse {
    fn from(e: TicketEvent) -> Self {
        EventResponse {
            id: e.id,
            ticket_id: e.ticket_id,
            kind: e.kind,
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            data: e.data,
            created_at: e.created_at,
        }
    }
}
