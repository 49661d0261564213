use crate::auth::caller::Caller;
use crate::dto::attachments::MessageUpload;
use crate::dto::messages::{CreateMessageRequest, EventResponse, MessageResponse};
use crate::dto::{PageOf, PageQuery};
use crate::error::ApiError;
use crate::extract::{IfMatch, ValidQuery};
use crate::idempotency::IdempotencyKey;
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::tickets::{
    load_visible_ticket, load_visible_ticket_for_update, retry_when_stale,
};
use crate::sla_service::store_ticket_change;
use crate::state::AppState;
use crate::uploads::{keep_files, read_form};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use helpdesk_domain::attachment::{Attachment, NewAttachment};
use helpdesk_domain::message::add_message;
use helpdesk_domain::message::Message;
use helpdesk_domain::permissions::{can_see_internal, ensure, Action};
use helpdesk_domain::{Actor, Ticket};
use helpdesk_persistence::DbConnection;
use helpdesk_persistence::{attachments, events, messages};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_messages)
        .service(create_message)
        .service(list_events);
}

/// The conversation, oldest first. Customers never receive internal notes.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses((status = 200, description = "A page of messages", body = PageOf<MessageResponse>), BadRequest, Unauthorized, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/messages")]
async fn list_messages(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let page = state
        .read(move |c| {
            let ticket = load_visible_ticket(c, &caller.actor, id)?;
            let page = messages::list_messages(
                c,
                ticket.id,
                can_see_internal(&caller.actor),
                &page.to_request(),
            )?;
            let ids: Vec<i64> = page.items.iter().map(|m| m.id).collect();
            let mut files: HashMap<i64, Vec<Attachment>> = HashMap::new();
            for file in attachments::of_messages(c, &ids)? {
                files.entry(file.message_id).or_default().push(file);
            }
            Ok(PageOf::from_page(page, |m| {
                let attached = files.remove(&m.id).unwrap_or_default();
                MessageResponse::new(m, attached)
            }))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// A public reply, or (staff only) an internal note. A staff member's first public reply records
/// `first_responded_at`; a customer's reply reopens a pending or resolved ticket. Files come with a
/// `multipart/form-data` body: the message as JSON in the `message` part, files in `attachments`.
#[utoipa::path(
    tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body within 24 h returns the first response")
    ),
    request_body(content(
        (CreateMessageRequest = "application/json"),
        (MessageUpload = "multipart/form-data")
    )),
    responses(
        (status = 201, description = "The new message", body = MessageResponse),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/messages")]
async fn create_message(
    http: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), state.clock.now());
    // Whether the caller may write here is known before a byte of the body is read.
    let actor = caller.actor.clone();
    state
        .read(move |c| {
            load_visible_ticket(c, &actor, id)?;
            Ok(ensure(&actor, Action::WriteTickets)?)
        })
        .await?;
    let form = read_form::<CreateMessageRequest>(&http, payload, &state).await?;
    let request = form.request;
    let files = keep_files(&state, form.files).await?;
    let idempotency = IdempotencyKey::from_request(&http, &caller.actor, &(&request, &files))?;
    if let Some(key) = &idempotency {
        if let Some(answer) = key.claim(&state, now).await? {
            return Ok(answer);
        }
    }
    let (caller, request, files, claimed) = (
        Arc::new(caller),
        Arc::new(request),
        Arc::new(files),
        Arc::new(idempotency.clone()),
    );
    let outcome = retry_when_stale(IfMatch(None), || {
        let (caller, request, files, claimed) = (
            caller.clone(),
            request.clone(),
            files.clone(),
            claimed.clone(),
        );
        state.write(move |c| {
            let ticket = load_visible_ticket_for_update(c, &caller.actor, id)?;
            let post = NewPost {
                author_name: &caller.name,
                body: &request.body,
                internal: request.internal,
                via: None,
                attachments: &files,
            };
            let (message, attached) = post_message(c, &ticket, &caller.actor, &post, now)?;
            let message = MessageResponse::new(message, attached);
            if let Some(key) = claimed.as_ref() {
                key.complete(c, StatusCode::CREATED, None, &message)?;
            }
            Ok(message)
        })
    })
    .await;
    match outcome {
        Ok(message) => Ok(HttpResponse::Created().json(message)),
        Err(error) => {
            if let Some(key) = &idempotency {
                key.release(&state).await;
            }
            Err(error)
        }
    }
}

/// The audit timeline, oldest first. Customers see their ticket's creation, status changes and public
/// conversation; staff see everything.
#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses((status = 200, description = "A page of events", body = PageOf<EventResponse>), BadRequest, Unauthorized, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/events")]
async fn list_events(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let page = state
        .read(move |c| {
            let ticket = load_visible_ticket(c, &caller.actor, id)?;
            Ok(events::list_events(
                c,
                ticket.id,
                can_see_internal(&caller.actor),
                &page.to_request(),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(page, EventResponse::from)))
}

/// A message about to be written to a ticket.
pub(crate) struct NewPost<'a> {
    pub author_name: &'a str,
    pub body: &'a str,
    pub internal: bool,
    /// The channel it came through, when not the API (recorded on its event).
    pub via: Option<&'a str>,
    /// Stored files to attach.
    pub attachments: &'a [NewAttachment],
}

/// Writes a message with its files to a (locked) ticket: the domain's rules, the message, the
/// ticket's re-evaluated SLA and the events, in the caller's transaction.
pub(crate) fn post_message(
    c: &mut DbConnection,
    ticket: &Ticket,
    actor: &Actor,
    post: &NewPost<'_>,
    now: DateTime<Utc>,
) -> Result<(Message, Vec<Attachment>), ApiError> {
    let (mut applied, new_message) = add_message(
        ticket,
        actor,
        post.author_name,
        post.body,
        post.internal,
        now,
    )?;
    let message = messages::insert_message(c, &new_message)?;
    let attached = attachments::attach(c, ticket.id, message.id, post.attachments, now)?;
    applied.events[0].data["message_id"] = json!(message.id);
    if !attached.is_empty() {
        applied.events[0].data["attachment_ids"] =
            json!(attached.iter().map(|a| a.id).collect::<Vec<_>>());
    }
    if let Some(via) = post.via {
        applied.events[0].data["via"] = json!(via);
    }
    store_ticket_change(
        c,
        actor,
        ticket.version,
        applied.ticket,
        applied.events,
        now,
    )?;
    Ok((message, attached))
}
