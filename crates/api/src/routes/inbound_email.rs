use crate::auth::caller::Caller;
use crate::dto::tickets::CreateTicketRequest;
use crate::error::ApiError;
use crate::extract::{parse_json, ValidQuery};
use crate::mail_intake::{self, Mail, ProviderMail};
use crate::openapi::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::messages::{post_message, NewPost};
use crate::routes::tickets::file_ticket;
use crate::state::AppState;
use crate::uploads::{keep_bytes, read_limited};
use actix_web::http::{header, StatusCode};
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use helpdesk_domain::attachment::NewAttachment;
use helpdesk_domain::email::{is_reply_to, ticket_number_in_subject};
use helpdesk_domain::notification::{domain_of, ticket_number_in_references};
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_domain::{Actor, TicketSource};
use helpdesk_persistence::{inbound_emails, tickets, users, DbConnection};
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

/// Takes in a mail from a mail gateway, raw (`Content-Type: message/rfc822`) or as an inbound-mail
/// provider's JSON (`application/json`, Postmark's field names): a reply (by
/// `In-Reply-To`/`References`, naming a mail taken in before or one of our notification mails, or
/// `[#number]` in the subject) from the ticket's requester becomes a
/// customer message on that ticket (reopening it if resolved); any other mail opens a ticket for its
/// sender in `department_id`. Quoted history is trimmed; automatic replies create nothing; a mail
/// taken in before (same `Message-ID`) is recognised. Attachments are kept; one over the attachment
/// limit is left out and named at the end of the message.
#[utoipa::path(
    tag = "tickets",
    params(InboundParams),
    request_body(description = "The mail", content(
        (String = "message/rfc822"),
        (ProviderMail = "application/json")
    )),
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
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::TakeInMail)?;
    let raw = read_limited(payload, state.config.max_mail_bytes).await?;
    let content_type = http
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok());
    let max_file_bytes = state.config.max_attachment_bytes;
    let mut mail = match content_type {
        Some(t) if t.type_() == "message" && t.subtype() == "rfc822" => {
            mail_intake::from_raw(&raw, max_file_bytes)?
        }
        Some(t) if t.subtype() == mime::JSON => {
            let provider: ProviderMail = parse_json(&raw)?;
            drop(raw);
            provider.validate().map_err(ApiError::from)?;
            mail_intake::from_provider(provider, max_file_bytes)?
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the raw mail as message/rfc822, or a provider's JSON as application/json",
            ))
        }
    };
    if mail.automatic {
        return Ok(HttpResponse::Ok().json(InboundResult {
            action: "ignored".into(),
            ticket_id: None,
            reason: Some("an automatic reply".into()),
        }));
    }
    let now = state.clock.now();
    let files = keep_bytes(&state, std::mem::take(&mut mail.files)).await?;
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
        // A provider retrying while the first delivery is still being taken in waits for it here.
        inbound_emails::lock_message_id(c, id)?;
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
            let ticket = tickets::find_ticket_for_update(c, ticket.id)?;
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
            // Intake cleaned the mail's fields; this is the API's own check as a safety net.
            request.validate().map_err(ApiError::from)?;
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
