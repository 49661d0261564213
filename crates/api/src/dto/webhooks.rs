use chrono::{DateTime, Utc};
use helpdesk_persistence::webhooks::{Delivery, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

fn validate_url(url: &str) -> Result<(), ValidationError> {
    let parsed: Result<actix_web::http::Uri, _> = url.parse();
    match parsed {
        Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() => {
            Ok(())
        }
        _ => Err(ValidationError::new("url").with_message("must be an http or https URL".into())),
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"url": "https://example.com/hooks/helpdesk", "event_kinds": ["created", "status_changed", "sla_breached"]}))]
pub struct CreateWebhookRequest {
    #[validate(length(max = 2000), custom(function = "validate_url"))]
    pub url: String,
    /// Event kinds to send (e.g. `created`, `sla_breached`); empty or absent: every kind.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub event_kinds: Vec<String>,
    /// The signing secret; generated when absent. Shown in this response only.
    #[validate(length(min = 16, max = 200))]
    pub secret: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateWebhookRequest {
    #[validate(length(max = 2000), custom(function = "validate_url"))]
    pub url: Option<String>,
    #[validate(length(max = 20))]
    pub event_kinds: Option<Vec<String>>,
    /// `true` re-enables a subscription disabled after failures.
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: i64,
    pub url: String,
    pub event_kinds: Vec<String>,
    pub active: bool,
    /// Why delivery stopped, when it was disabled after persistent failure.
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookResponse {
    fn from(w: Webhook) -> Self {
        WebhookResponse {
            id: w.id,
            url: w.url,
            event_kinds: w.event_kinds,
            active: w.active,
            disabled_reason: w.disabled_reason,
            created_at: w.created_at,
        }
    }
}

/// A new subscription, with its signing secret (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookResponse {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: i64,
    pub webhook_id: i64,
    pub event_id: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryResponse {
    fn from(d: Delivery) -> Self {
        DeliveryResponse {
            id: d.id,
            webhook_id: d.webhook_id,
            event_id: d.event_id,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}
