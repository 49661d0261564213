//! Reading an incoming mail into what intake needs, from either shape a mail gateway sends: the raw
//! RFC 5322 message (`message/rfc822`, parsed with mail-parser), or the JSON that inbound-mail
//! providers post (Postmark's field names, which several providers and relays share).

use crate::dto::tickets::{MAX_BODY_CHARS, MAX_SUBJECT_CHARS};
use crate::error::ApiError;
use actix_web::web::Bytes;
use base64::Engine;
use helpdesk_domain::attachment::{clean_filename, MAX_FILES_PER_MESSAGE};
use helpdesk_domain::email::{is_automatic, strip_quoted_reply};
use helpdesk_domain::user::normalize_email;
use mail_parser::decoders::html::html_to_text;
use mail_parser::{Addr, MessageParser, MimeHeaders};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::{Validate, ValidateEmail};

/// The longest sender name kept, in characters (as the API allows).
const MAX_NAME_CHARS: usize = 200;

/// The parts of a mail intake needs.
#[derive(Debug)]
pub struct Mail {
    pub from_email: String,
    pub from_name: String,
    pub subject: String,
    pub body: String,
    pub message_id: Option<String>,
    /// In-Reply-To, then References.
    pub references: Vec<String>,
    pub automatic: bool,
    /// Attachments within the limits: file name and content.
    pub files: Vec<(String, Bytes)>,
}

/// A mail as inbound-mail providers post it as JSON (Postmark's shape; unknown fields are ignored).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(example = json!({
    "FromFull": {"Email": "mia@example.com", "Name": "Mia Wong"},
    "Subject": "Laptop won't boot",
    "TextBody": "It shows a black screen.",
    "Headers": [{"Name": "Message-ID", "Value": "<m1@mail.example>"}],
    "Attachments": [{"Name": "photo.jpg", "Content": "/9j/4AAQ...", "ContentType": "image/jpeg"}]
}))]
pub struct ProviderMail {
    /// `Name <address>`; `FromFull` wins when both are sent.
    pub from: Option<String>,
    pub from_full: Option<ProviderAddress>,
    pub subject: Option<String>,
    /// The provider's own id; the `Message-ID` header, when present, is used instead.
    #[serde(rename = "MessageID")]
    pub message_id: Option<String>,
    pub text_body: Option<String>,
    /// Used when there is no text body.
    pub html_body: Option<String>,
    /// The reply without its quoted history, when the provider found it.
    pub stripped_text_reply: Option<String>,
    #[serde(default)]
    pub headers: Vec<ProviderHeader>,
    #[serde(default)]
    pub attachments: Vec<ProviderAttachment>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderAddress {
    pub email: String,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderHeader {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderAttachment {
    pub name: Option<String>,
    /// Base64.
    pub content: String,
    /// As declared; the stored type is sniffed from the content.
    pub content_type: Option<String>,
}

/// Parses a raw mail.
pub fn from_raw(raw: &[u8], max_file_bytes: usize) -> Result<Mail, ApiError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ApiError::invalid("body", "is not an RFC 5322 message"))?;
    let from = message
        .from()
        .and_then(|from| from.first())
        .ok_or_else(|| ApiError::invalid("From", "is missing"))?;
    let (from_email, from_name) = sender(from.address(), from.name(), "From")?;
    let text = |name: &str| {
        message
            .header(name)
            .and_then(|value| value.as_text())
            .map(str::to_owned)
    };
    let ids = |value: &mail_parser::HeaderValue<'_>| -> Vec<String> {
        value
            .as_text_list()
            .map(|ids| ids.iter().map(|id| id.to_string()).collect())
            .unwrap_or_default()
    };
    let mut references = ids(message.in_reply_to());
    references.extend(ids(message.references()));
    let mut kept = KeptFiles::new(max_file_bytes);
    for part in message.attachments() {
        kept.attach(part.attachment_name().unwrap_or_default(), part.contents());
    }
    let body = strip_quoted_reply(&message.body_text(0).unwrap_or_default());
    Ok(Mail {
        from_email,
        from_name,
        subject: subject_of(message.subject()),
        body: kept.body_with_notes(&body),
        message_id: message.message_id().map(str::to_owned),
        references,
        automatic: is_automatic(
            text("Auto-Submitted").as_deref(),
            text("Precedence").as_deref(),
        ),
        files: kept.files,
    })
}

/// Reads a provider's JSON mail.
pub fn from_provider(mail: ProviderMail, max_file_bytes: usize) -> Result<Mail, ApiError> {
    let header = |name: &str| {
        mail.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.trim().to_owned())
    };
    let (address, name) = match (&mail.from_full, &mail.from) {
        (Some(full), _) => (Some(full.email.clone()), full.name.clone()),
        (None, Some(from)) => {
            let parsed = MessageParser::default()
                .parse_headers(format!("From: {from}\r\n\r\n").as_bytes())
                .and_then(|m| {
                    m.from().and_then(|f| f.first()).map(|a: &Addr<'_>| {
                        (a.address().map(str::to_owned), a.name().map(str::to_owned))
                    })
                });
            parsed.unwrap_or((None, None))
        }
        (None, None) => (None, None),
    };
    let (from_email, from_name) = sender(address.as_deref(), name.as_deref(), "FromFull.Email")?;
    let message_ids = |value: Option<String>| -> Vec<String> {
        value
            .unwrap_or_default()
            .split_whitespace()
            .map(|id| id.trim_matches(['<', '>', ',']).to_owned())
            .filter(|id| !id.is_empty())
            .collect()
    };
    let mut references = message_ids(header("In-Reply-To"));
    references.extend(message_ids(header("References")));
    let mut kept = KeptFiles::new(max_file_bytes);
    for (index, file) in mail.attachments.iter().enumerate() {
        let content = base64::engine::general_purpose::STANDARD
            .decode(file.content.split_whitespace().collect::<String>())
            .map_err(|_| {
                ApiError::invalid(&format!("Attachments[{index}].Content"), "is not base64")
            })?;
        kept.attach(file.name.as_deref().unwrap_or_default(), &content);
    }
    let text = mail
        .stripped_text_reply
        .filter(|reply| !reply.trim().is_empty())
        .or_else(|| mail.text_body.map(|text| strip_quoted_reply(&text)))
        .filter(|text| !text.trim().is_empty())
        .or_else(|| {
            mail.html_body
                .map(|html| strip_quoted_reply(&html_to_text(&html)))
        })
        .unwrap_or_default();
    Ok(Mail {
        from_email,
        from_name,
        subject: subject_of(mail.subject.as_deref()),
        body: kept.body_with_notes(&text),
        message_id: message_ids(header("Message-ID"))
            .into_iter()
            .next()
            .or(mail.message_id.filter(|id| !id.trim().is_empty())),
        references,
        automatic: is_automatic(
            header("Auto-Submitted").as_deref(),
            header("Precedence").as_deref(),
        ),
        files: kept.files,
    })
}

/// The sender's normalised address and display name (the address when it has none).
fn sender(
    address: Option<&str>,
    name: Option<&str>,
    field: &str,
) -> Result<(String, String), ApiError> {
    let email = address
        .map(normalize_email)
        .ok_or_else(|| ApiError::invalid(field, "has no sender address"))?;
    if email.len() > 254 || !email.validate_email() {
        return Err(ApiError::invalid(field, "is not a usable email address"));
    }
    let name = Some(one_line(name.unwrap_or_default(), MAX_NAME_CHARS))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| one_line(&email, MAX_NAME_CHARS));
    Ok((email, name))
}

fn subject_of(subject: Option<&str>) -> String {
    Some(one_line(subject.unwrap_or_default(), MAX_SUBJECT_CHARS))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "(no subject)".to_owned())
}

/// One line of text as the API accepts it: control characters become spaces, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// The attachments of one mail: kept within the limits; the others are named in a note at the end of
/// the body (a mail is never refused for its attachments).
struct KeptFiles {
    max_file_bytes: usize,
    files: Vec<(String, Bytes)>,
    notes: Vec<String>,
}

impl KeptFiles {
    fn new(max_file_bytes: usize) -> Self {
        KeptFiles {
            max_file_bytes,
            files: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn attach(&mut self, name: &str, contents: &[u8]) {
        let filename = clean_filename(name);
        if contents.len() > self.max_file_bytes {
            self.notes.push(format!(
                "[The attachment \"{filename}\" ({} bytes) was not kept: attachments may have at most {} bytes.]",
                contents.len(),
                self.max_file_bytes
            ));
        } else if self.files.len() == MAX_FILES_PER_MESSAGE {
            self.notes.push(format!(
                "[The attachment \"{filename}\" was not kept: at most {MAX_FILES_PER_MESSAGE} files per message.]"
            ));
        } else {
            self.files
                .push((filename, Bytes::copy_from_slice(contents)));
        }
    }

    /// The body as the API accepts it (no control characters but line breaks and tabs, at most
    /// the API's length, cut with a note), with the notes on left-out files at the end.
    fn body_with_notes(&self, body: &str) -> String {
        let notes: String = self
            .notes
            .iter()
            .map(|note| format!("\n\n{note}"))
            .collect();
        let cleaned: String = body
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
        let room = MAX_BODY_CHARS.saturating_sub(notes.chars().count() + 200);
        let mut text = cleaned.trim().to_owned();
        if text.chars().count() > room {
            text = text.chars().take(room).collect();
            text.push_str("\n\n[The message was cut here: it was longer than a message may be.]");
        }
        (text + &notes).trim().to_owned()
    }
}
