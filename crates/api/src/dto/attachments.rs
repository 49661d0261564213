//! Attachments as the API shows them, and the multipart forms that upload them.

use crate::dto::messages::CreateMessageRequest;
use crate::dto::tickets::CreateTicketRequest;
use crate::uploads::UploadForm;
use chrono::{DateTime, Utc};
use helpdesk_domain::attachment::Attachment;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    pub id: i64,
    pub filename: String,
    /// Sniffed from the content, not taken from the uploader.
    #[schema(example = "image/png")]
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Where to download it (with the same credentials).
    #[schema(example = "/api/v1/attachments/7")]
    pub url: String,
    pub created_at: DateTime<Utc>,
}

impl From<Attachment> for AttachmentResponse {
    fn from(a: Attachment) -> Self {
        AttachmentResponse {
            url: format!("/api/v1/attachments/{}", a.id),
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            created_at: a.created_at,
        }
    }
}

/// A ticket with files: the ticket as JSON in the `ticket` part, each file in an `attachments` part.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct TicketUpload {
    ticket: CreateTicketRequest,
    /// Up to 20 files, each within the attachment size limit (10 MiB by default).
    #[schema(value_type = Vec<String>, format = Binary, required = false)]
    attachments: Vec<Vec<u8>>,
}

/// A message with files: the message as JSON in the `message` part, each file in an `attachments`
/// part.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MessageUpload {
    message: CreateMessageRequest,
    /// Up to 20 files, each within the attachment size limit (10 MiB by default).
    #[schema(value_type = Vec<String>, format = Binary, required = false)]
    attachments: Vec<Vec<u8>>,
}

/// A file's content, as downloaded.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileContent(Vec<u8>);

impl UploadForm for CreateTicketRequest {
    const JSON_PART: &'static str = "ticket";
}

impl UploadForm for CreateMessageRequest {
    const JSON_PART: &'static str = "message";
}
