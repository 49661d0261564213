use crate::auth::caller::Caller;
use crate::dto::attachments::TicketUpload;
use crate::dto::tickets::{
    CreateTicketRequest, PatchTicketRequest, TicketListQuery, TicketResponse,
};
use crate::dto::PageOf;
use crate::error::ApiError;
use crate::extract::{etag, IfMatch, ValidJson, ValidQuery};
use crate::idempotency::IdempotencyKey;
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::routes::referenced;
use crate::sla_service::{evaluate_new_ticket, store_ticket_change};
use crate::state::AppState;
use crate::uploads::{keep_files, read_form};
use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use helpdesk_domain::attachment::NewAttachment;
use helpdesk_domain::message::NewMessage;
use helpdesk_domain::permissions::{
    can_see_internal, check_intake, ensure, ensure_can_update_ticket, ensure_can_view_ticket,
    ensure_requester_is_customer, ticket_scope, Action, IntakeFields,
};
use helpdesk_domain::ticket::{open_ticket, route_intake, ticket_number, Intake};
use helpdesk_domain::ticket_change::{apply_change, TicketChange};
use helpdesk_domain::user::normalize_email;
use helpdesk_domain::{Actor, AuthorType, Ticket, TicketSource};
use helpdesk_persistence::org::{departments, help_topics, sla_plans, teams};
use helpdesk_persistence::tickets::{self, AssigneeFilter, TicketFilter, TicketSort};
use helpdesk_persistence::{
    attachments, events, messages, search, users, DbConnection, PageRequest, RepoError,
};
use std::sync::Arc;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_tickets)
        .service(create_ticket)
        .service(get_ticket)
        .service(patch_ticket);
}

/// Files a ticket. Customers file for themselves; agents and API keys name a `requester` (an unknown
/// email creates the customer). The help topic routes it to a department with a priority and SLA plan.
/// With `Idempotency-Key`, a repeat within 24 hours returns the first response and creates nothing; an
/// API key's `external_id` returns the ticket filed first under that id (200). Files come with a
/// `multipart/form-data` body: the ticket as JSON in the `ticket` part, files in `attachments`; they
/// are attached to the first message.
#[utoipa::path(
    tag = "tickets",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body within 24 h returns the first response")),
    request_body(content(
        (CreateTicketRequest = "application/json"),
        (TicketUpload = "multipart/form-data")
    )),
    responses(
        (status = 201, description = "The new ticket", body = TicketResponse,
            headers(("Location" = String, description = "The ticket's URL"), ("ETag" = String, description = "The ticket's version"))),
        (status = 200, description = "The ticket filed before under this `external_id`", body = TicketResponse,
            headers(("Location" = String, description = "The ticket's URL"))),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets")]
async fn create_ticket(
    http: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::CreateTicket)?;
    let now = state.clock.now();
    let form = read_form::<CreateTicketRequest>(&http, payload, &state).await?;
    let request = form.request;
    let files = keep_files(&state, form.files).await?;
    let idempotency = IdempotencyKey::from_request(&http, &caller.actor, &(&request, &files))?;
    if let Some(key) = &idempotency {
        if let Some(answer) = key.claim(&state, now).await? {
            return Ok(answer);
        }
    }
    let claimed = idempotency.clone();
    let outcome = state
        .write(move |c| {
            let (response, created) = file_ticket(
                c,
                &caller.actor,
                &request,
                &files,
                caller.actor.ticket_source(),
                now,
            )?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let location = format!("/api/v1/tickets/{}", response.id);
            if let Some(key) = &claimed {
                key.complete(c, status, Some(&location), &response)?;
            }
            Ok((status, location, response))
        })
        .await;
    let (status, location, response) = match outcome {
        Ok(outcome) => outcome,
        Err(error) => {
            if let Some(key) = &idempotency {
                key.release(&state).await;
            }
            return Err(error);
        }
    };
    Ok(HttpResponse::build(status)
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(response.version)))
        .json(response))
}

/// Files a ticket in one transaction: requester, routing, due dates, the first message with its files
/// and the `created` event. `false` when an API key's `external_id` names a ticket filed before: that one.
pub fn file_ticket(
    c: &mut DbConnection,
    actor: &Actor,
    request: &CreateTicketRequest,
    files: &[NewAttachment],
    source: TicketSource,
    now: DateTime<Utc>,
) -> Result<(TicketResponse, bool), ApiError> {
    let fields = IntakeFields {
        requester: request.requester.is_some(),
        department: request.department_id.is_some(),
        priority: request.priority.is_some(),
        external_id: request.external_id.is_some(),
    };
    let caller_requester = check_intake(actor, fields)?;
    let external = match (actor, request.external_id.as_deref()) {
        (Actor::ApiKey { id, .. }, Some(external_id)) => Some((*id, external_id)),
        _ => None,
    };
    if let Some((key, external_id)) = external {
        if let Some(existing) = tickets::find_by_external_id(c, key, external_id)? {
            return Ok((ticket_response(c, existing, now)?, false));
        }
    }
    let requester = match (caller_requester, &request.requester) {
        (Some(id), _) => users::find_user(c, id)?,
        (None, Some(input)) => {
            let requester = users::find_or_create_customer(
                c,
                input.name.trim(),
                &normalize_email(&input.email),
                now,
            )?;
            ensure_requester_is_customer(&requester)?;
            requester
        }
        (None, None) => return Err(ApiError::invalid("requester", "is required")),
    };
    let topic = request
        .help_topic_id
        .map(|id| referenced(help_topics::find_help_topic(c, id), "help_topic_id"))
        .transpose()?;
    let department_id = request
        .department_id
        .or(topic.as_ref().map(|t| t.department_id));
    let department = department_id
        .map(|id| referenced(departments::find_department(c, id), "department_id"))
        .transpose()?;
    let intake = Intake {
        subject: &request.subject,
        requester_id: requester.id,
        source,
        help_topic: topic.as_ref(),
        department_id: request.department_id,
        department_default_sla_plan_id: department.and_then(|d| d.default_sla_plan_id),
        priority: request.priority,
        random_number: rand::random(),
        external,
    };
    let routed = route_intake(&intake)?;
    let (mut new_ticket, created) = open_ticket(&intake, routed, now);
    new_ticket.sla = evaluate_new_ticket(c, &new_ticket, std::slice::from_ref(&created), now)?;
    let ticket =
        match tickets::insert_ticket_numbered(c, &new_ticket, || ticket_number(rand::random())) {
            // The same external id filed concurrently: the other request's ticket stands.
            Err(RepoError::Conflict(_)) if external.is_some() => {
                let (key, external_id) = external.unwrap_or_default();
                let existing = tickets::find_by_external_id(c, key, external_id)?
                    .ok_or_else(|| ApiError::conflict("external_id is taken"))?;
                return Ok((ticket_response(c, existing, now)?, false));
            }
            other => other?,
        };
    // The report itself is the conversation's first message, written by the requester (a customer).
    let first = NewMessage {
        ticket_id: ticket.id,
        internal: false,
        author_type: AuthorType::Customer,
        author_id: Some(requester.id),
        author_name: requester.name.clone(),
        body: request.body.trim().to_owned(),
        created_at: now,
    };
    let first = messages::insert_message(c, &first)?;
    attachments::attach(c, ticket.id, first.id, files, now)?;
    events::append_events(c, ticket.id, actor, &[created], now)?;
    Ok((TicketResponse::new(ticket, &requester, now), true))
}

/// How many of the most recent matching tickets a full-text search considers (as Zendesk's search API,
/// which returns at most 1,000 results): enough to refine a query, and a bound on its cost.
const SEARCH_LIMIT: i64 = 1_000;

/// The queue: the tickets the caller may see, filtered, sorted and paged.
#[utoipa::path(
    tag = "tickets",
    params(TicketListQuery),
    responses((status = 200, description = "A page of tickets", body = PageOf<TicketResponse>), BadRequest, Unauthorized, Forbidden, Unprocessable),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets")]
async fn list_tickets(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(query): ValidQuery<TicketListQuery>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ReadTickets)?;
    let now = state.clock.now();
    let mut filter = ticket_filter(&query, &caller.actor, now)?;
    let scope = ticket_scope(&caller.actor);
    let page = PageRequest {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let search = query.q.clone().filter(|q| !q.trim().is_empty());
    let include_internal = can_see_internal(&caller.actor);
    let response = state
        .read(move |c| {
            if let Some(words) = &search {
                filter.ids = Some(search::matching_ticket_ids(
                    c,
                    words,
                    &scope,
                    include_internal,
                    SEARCH_LIMIT,
                )?);
            }
            let page = tickets::list_tickets(c, &scope, &filter, &page)?;
            let requester_ids: Vec<i64> = page.items.iter().map(|t| t.requester_id).collect();
            let requesters = users::find_users(c, &requester_ids)?;
            page.try_map(|ticket| {
                let requester = requesters
                    .get(&ticket.requester_id)
                    .ok_or_else(|| ApiError::internal("a ticket's requester is missing"))?;
                Ok::<_, ApiError>(TicketResponse::new(ticket, requester, now))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(PageOf {
        items: response.items,
        next_cursor: response.next_cursor,
    }))
}

fn ticket_filter(
    query: &TicketListQuery,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<TicketFilter, ApiError> {
    let assignee = match query.assignee_id.as_deref().map(str::trim) {
        None => None,
        Some("none") => Some(AssigneeFilter::Unassigned),
        Some("me") => Some(AssigneeFilter::Agent(actor.user_id().ok_or_else(|| {
            ApiError::invalid(
                "assignee_id",
                "`me` needs a signed-in person, not an API key",
            )
        })?)),
        Some(id) => Some(AssigneeFilter::Agent(id.parse().map_err(|_| {
            ApiError::invalid("assignee_id", "must be an agent id, `me` or `none`")
        })?)),
    };
    let sort = match query.sort.as_deref() {
        None => TicketSort::default(),
        Some(text) => TicketSort::parse(text).ok_or_else(|| {
            let names: Vec<&str> = TicketSort::ALL.iter().map(|(name, _)| *name).collect();
            ApiError::invalid("sort", format!("must be one of: {}", names.join(", ")))
        })?,
    };
    Ok(TicketFilter {
        statuses: query.status.clone(),
        department_id: query.department_id,
        team_id: query.team_id,
        assignee,
        priority: query.priority,
        requester_id: query.requester_id,
        overdue_at: query.overdue.filter(|overdue| *overdue).map(|_| now),
        updated_since: query.updated_since,
        due_before: query.due_before,
        ids: None,
        sort,
    })
}

#[utoipa::path(
    tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket", body = TicketResponse, headers(("ETag" = String, description = "The ticket's version, for If-Match"))),
        Unauthorized, NotFound
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}")]
async fn get_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), state.clock.now());
    let response = state
        .read(move |c| {
            let ticket = load_visible_ticket(c, &caller.actor, id)?;
            ticket_response(c, ticket, now)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(response.version)))
        .json(response))
}

/// Changes any of the fields in one transaction; each change is checked by the lifecycle rules and
/// leaves an event. Send `If-Match` with the `ETag` to refuse the change if someone else changed the
/// ticket first (412).
#[utoipa::path(
    tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the change is based on")
    ),
    request_body = PatchTicketRequest,
    responses(
        (status = 200, description = "The changed ticket", body = TicketResponse, headers(("ETag" = String, description = "The new version"))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, UnsupportedMediaType, Unprocessable
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/tickets/{id}")]
async fn patch_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    if_match: IfMatch,
    ValidJson(request): ValidJson<PatchTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, now) = (id.into_inner(), state.clock.now());
    let (actor, request) = (Arc::new(caller.actor), Arc::new(request));
    let response = retry_when_stale(if_match, || {
        let (actor, request) = (actor.clone(), request.clone());
        state.write(move |c| {
            let ticket = load_visible_ticket_for_update(c, &actor, id)?;
            // Refuse customers before telling them anything about versions or other records.
            ensure_can_update_ticket(&actor, &ticket)?;
            check_if_match(if_match, &ticket)?;
            let change = resolve_change(c, &ticket, &request)?;
            let applied = apply_change(&ticket, &change, &actor, now)?;
            let changed = if applied.changed() {
                store_ticket_change(
                    c,
                    &actor,
                    ticket.version,
                    applied.ticket,
                    applied.events,
                    now,
                )?
            } else {
                applied.ticket
            };
            ticket_response(c, changed, now)
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(response.version)))
        .json(response))
}

/// Looks up the records a PATCH names; an id that names nothing is a 422 on its field.
fn resolve_change(
    c: &mut DbConnection,
    ticket: &Ticket,
    request: &PatchTicketRequest,
) -> Result<TicketChange, ApiError> {
    let department = request
        .department_id
        .map(|id| referenced(departments::find_department(c, id), "department_id"))
        .transpose()?;
    let moves = department
        .as_ref()
        .is_some_and(|d| d.id != ticket.department_id);
    Ok(TicketChange {
        subject: request.subject.clone(),
        status: request.status,
        priority: request.priority,
        team: request
            .team_id
            .map(|team| {
                team.map(|id| referenced(teams::find_team(c, id), "team_id"))
                    .transpose()
            })
            .transpose()?,
        assignee: request
            .assignee_id
            .map(|agent| {
                agent
                    .map(|id| referenced(users::find_agent(c, id), "assignee_id"))
                    .transpose()
            })
            .transpose()?,
        sla_plan: request
            .sla_plan_id
            .map(|plan| {
                plan.map(|id| referenced(sla_plans::find_sla_plan(c, id), "sla_plan_id"))
                    .transpose()
            })
            .transpose()?,
        current_assignee: match ticket.assignee_id {
            Some(id) if moves => Some(users::find_agent(c, id)?),
            _ => None,
        },
        department,
    })
}

/// The ticket about to be changed (its row locked until the transaction ends), if the actor may see it.
pub(crate) fn load_visible_ticket_for_update(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<Ticket, ApiError> {
    let ticket = tickets::find_ticket_for_update(c, id)?;
    ensure_can_view_ticket(actor, &ticket)?;
    Ok(ticket)
}

/// The ticket, if the actor may see it; otherwise it does not exist for them.
pub(crate) fn load_visible_ticket(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> Result<Ticket, ApiError> {
    let ticket = tickets::find_ticket(c, id)?;
    ensure_can_view_ticket(actor, &ticket)?;
    Ok(ticket)
}

pub(crate) fn check_if_match(if_match: IfMatch, ticket: &Ticket) -> Result<(), ApiError> {
    match if_match.0 {
        Some(expected) if expected != ticket.version => {
            Err(ApiError::precondition_failed(ticket.version))
        }
        _ => Ok(()),
    }
}

pub(crate) fn ticket_response(
    c: &mut DbConnection,
    ticket: Ticket,
    now: DateTime<Utc>,
) -> Result<TicketResponse, ApiError> {
    let requester = users::find_user(c, ticket.requester_id)?;
    Ok(TicketResponse::new(ticket, &requester, now))
}

/// Runs a ticket write, retrying when a concurrent change won the optimistic-concurrency race. With
/// `If-Match` the caller asked to be told instead: 412.
pub(crate) async fn retry_when_stale<T, F, Fut>(
    if_match: IfMatch,
    mut attempt: F,
) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    const ATTEMPTS: usize = 5;
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(error) if error.is_stale() && if_match.0.is_some() => {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::PRECONDITION_FAILED,
                    "precondition_failed",
                    "the ticket changed while this change was being made; reload and retry",
                ))
            }
            Err(error) if error.is_stale() && tries < ATTEMPTS => continue,
            other => return other,
        }
    }
}
