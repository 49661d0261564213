use crate::auth::caller::Caller;
use crate::dto::tickets::CreateTicketRequest;
use crate::error::ApiError;
use crate::extract::{RawBody, ValidQuery};
use crate::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::messages::{post_message, NewPost};
use crate::routes::tickets::file_ticket;
use crate::state::AppState;
use crate::uploads::{store_files, Upload};
use actix_web::http::{header, StatusCode};
use actix_web::web::Bytes;
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use helpdesk_domain::attachment::{clean_filename, NewAttachment, MAX_FILES_PER_MESSAGE};
use helpdesk_domain::email::{
    is_automatic, is_reply_to, strip_quoted_reply, ticket_number_in_subject,
};
use helpdesk_domain::notification::{domain_of, ticket_number_in_references};
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_domain::user::normalize_email;
use helpdesk_domain::{Actor, TicketSource};
use helpdesk_persistence::{inbound_emails, tickets, users, DbConnection};
use mail_parser::{MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

pub fn configure(config: &mut utoipa_actix_web::service_config::ServiceConfig) {
    config.service(inbound_email);
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboundParams {
    /// Where new tickets from this mailbox go.
    pub department_id: i64,
}

/// What became of a mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboundResult {
    /// `created` (a new ticket), `replied` (a message on its ticket), `duplicate` (taken in before) or
    /// `ignored` (an automatic reply).
    pub action: String,
    pub ticket_id: Option<i64>,
    pub reason: Option<String>,
}

/// The parts of a mail intake needs.
struct Mail {
    from_email: String,
    from_name: String,
    subject: String,
    body: String,
    message_id: Option<String>,
    references: Vec<String>,
    automatic: bool,
    files: Vec<Upload>,
}

/// Parses a raw mail. Attachments over `max_file_bytes` are left out, with a line saying so at the end
/// of the body (the mail itself is never refused for them).
fn parse(raw: &[u8], max_file_bytes: usize) -> Result<Mail, ApiError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ApiError::invalid("body", "is not an RFC 5322 message"))?;
    let from = message
        .from()
        .and_then(|from| from.first())
        .ok_or_else(|| ApiError::invalid("From", "is missing"))?;
    let from_email = from
        .address()
        .map(normalize_email)
        .filter(|email| email.contains('@'))
        .ok_or_else(|| ApiError::invalid("From", "has no address"))?;
    let text = |name: &str| {
        message
            .header(name)
            .and_then(|value| value.as_text())
            .map(str::to_owned)
    };
    let mut references: Vec<String> = message
        .in_reply_to()
        .as_text_list()
        .map(|ids| ids.iter().map(|id| id.to_string()).collect())
        .unwrap_or_default();
    references.extend(
        message
            .references()
            .as_text_list()
            .map(|ids| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>())
            .unwrap_or_default(),
    );
    let mut body = strip_quoted_reply(&message.body_text(0).unwrap_or_default());
    let mut files = Vec::new();
    for part in message.attachments() {
        let filename = clean_filename(part.attachment_name().unwrap_or_default());
        let contents = part.contents();
        if contents.len() > max_file_bytes {
            body.push_str(&format!(
                "\n\n[The attachment \"{filename}\" ({} bytes) was not kept: attachments may have at most {max_file_bytes} bytes.]",
                contents.len()
            ));
        } else if files.len() == MAX_FILES_PER_MESSAGE {
            body.push_str(&format!(
                "\n\n[The attachment \"{filename}\" was not kept: at most {MAX_FILES_PER_MESSAGE} files per message.]"
            ));
        } else {
            files.push(Upload {
                filename,
                bytes: Bytes::copy_from_slice(contents),
            });
        }
    }
    Ok(Mail {
        files,
        from_name: from
            .name()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .unwrap_or(&from_email)
            .to_owned(),
        subject: message
            .subject()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("(no subject)")
            .chars()
            .take(255)
            .collect(),
        body: body.trim().to_owned(),
        message_id: message.message_id().map(str::to_owned),
        references,
        automatic: is_automatic(
            text("Auto-Submitted").as_deref(),
            text("Precedence").as_deref(),
        ),
        from_email,
    })
}

/// Takes in a raw mail (`Content-Type: message/rfc822`) from a mail gateway: a reply (by
/// `In-Reply-To`/`References`, naming a mail taken in before or one of our notification mails, or
/// `[#number]` in the subject) from the ticket's requester becomes a
/// customer message on that ticket (reopening it if resolved); any other mail opens a ticket for its
/// sender in `department_id`. Quoted history is trimmed; automatic replies create nothing; a mail
/// taken in before (same `Message-ID`) is recognised.
#[utoipa::path(
    tag = "tickets",
    params(InboundParams),
    request_body(content = String, content_type = "message/rfc822", description = "The raw mail"),
    responses(
        (status = 201, description = "A ticket or a message was created", body = InboundResult),
        (status = 200, description = "Nothing was created: a duplicate or an automatic reply", body = InboundResult),
        BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Unprocessable
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/inbound/email")]
async fn inbound_email(
    http: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(params): ValidQuery<InboundParams>,
    RawBody(raw): RawBody,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::TakeInMail)?;
    let content_type = http
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("message/rfc822")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the raw mail as message/rfc822",
        ));
    }
    let mut mail = parse(&raw, state.config.max_attachment_bytes)?;
    if mail.automatic {
        return Ok(HttpResponse::Ok().json(InboundResult {
            action: "ignored".into(),
            ticket_id: None,
            reason: Some("an automatic reply".into()),
        }));
    }
    let now = state.clock.now();
    let files = store_files(&state, std::mem::take(&mut mail.files)).await?;
    let our_domain = domain_of(&state.config.mail_from).to_owned();
    let result = state
        .write(move |c| {
            take_in(
                c,
                &caller.actor,
                params.department_id,
                &mail,
                &files,
                &our_domain,
                now,
            )
        })
        .await?;
    let status = if matches!(result.action.as_str(), "created" | "replied") {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(result))
}

fn take_in(
    c: &mut DbConnection,
    gateway: &Actor,
    department_id: i64,
    mail: &Mail,
    files: &[NewAttachment],
    our_domain: &str,
    now: DateTime<Utc>,
) -> Result<InboundResult, ApiError> {
    if let Some(id) = &mail.message_id {
        if let Some(ticket_id) = inbound_emails::ticket_of(c, std::slice::from_ref(id))? {
            return Ok(InboundResult {
                action: "duplicate".into(),
                ticket_id: Some(ticket_id),
                reason: None,
            });
        }
    }
    let thread = match inbound_emails::ticket_of(c, &mail.references)? {
        Some(id) => Some(tickets::find_ticket(c, id)?),
        None => ticket_number_in_references(&mail.references, our_domain)
            .or_else(|| ticket_number_in_subject(&mail.subject))
            .map(|number| tickets::find_by_number(c, &number))
            .transpose()?
            .flatten(),
    };
    let requester = users::find_user_by_email(c, &mail.from_email)?;
    let reply_to = thread.filter(|ticket| {
        requester
            .as_ref()
            .is_some_and(|r| is_reply_to(ticket, r.id))
    });
    let (action, ticket_id) = match (reply_to, requester) {
        (Some(ticket), Some(requester)) => {
            let body = if mail.body.is_empty() {
                "(empty message)"
            } else {
                &mail.body
            };
            let post = NewPost {
                author_name: &requester.name,
                body,
                internal: false,
                via: Some("email"),
                attachments: files,
            };
            post_message(
                c,
                &ticket,
                &Actor::Customer { id: requester.id },
                &post,
                now,
            )?;
            ("replied", ticket.id)
        }
        _ => {
            let request = CreateTicketRequest {
                subject: mail.subject.clone(),
                body: if mail.body.is_empty() {
                    "(empty message)".into()
                } else {
                    mail.body.clone()
                },
                requester: Some(crate::dto::tickets::RequesterInput {
                    name: mail.from_name.clone(),
                    email: mail.from_email.clone(),
                }),
                help_topic_id: None,
                department_id: Some(department_id),
                priority: None,
                external_id: None,
            };
            let (ticket, _) = file_ticket(c, gateway, &request, files, TicketSource::Email, now)?;
            ("created", ticket.id)
        }
    };
    if let Some(id) = &mail.message_id {
        inbound_emails::record(c, id, ticket_id, now)?;
    }
    Ok(InboundResult {
        action: action.into(),
        ticket_id: Some(ticket_id),
        reason: None,
    })
}
