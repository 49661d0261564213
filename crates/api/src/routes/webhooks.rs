use crate::auth::caller::Caller;
use crate::dto::webhooks::{
    CreateWebhookRequest, CreatedWebhookResponse, DeliveryResponse, UpdateWebhookRequest,
    WebhookResponse,
};
use crate::dto::{PageOf, PageQuery};
use crate::error::ApiError;
use crate::extract::{ValidJson, ValidQuery};
use crate::openapi::{
    BadRequest, Forbidden, NotFound, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::{check_event_kinds, delete_by, read_json};
use crate::state::AppState;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_persistence::webhooks::{self, WebhookChanges};
use rand::distributions::Alphanumeric;
use rand::Rng;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(redeliver);
}

/// A URL whose host is this machine or a private network is refused unless the installation allows
/// it (`HELPDESK_WEBHOOK_ALLOW_PRIVATE`); host names are checked again, resolved, at each delivery.
fn check_destination(url: &str, allow_private: bool) -> Result<(), ApiError> {
    if allow_private {
        return Ok(());
    }
    let host = url
        .parse::<actix_web::http::Uri>()
        .ok()
        .and_then(|uri| uri.host().map(str::to_owned))
        .unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let private = host.eq_ignore_ascii_case("localhost")
        || host.parse().is_ok_and(crate::webhook_delivery::is_private);
    if private {
        return Err(ApiError::invalid("url", "points at this machine or a private network; set HELPDESK_WEBHOOK_ALLOW_PRIVATE=true to allow it"));
    }
    Ok(())
}

#[utoipa::path(
    tag = "webhooks",
    params(PageQuery),
    responses((status = 200, description = "A page of subscriptions", body = PageOf<WebhookResponse>), BadRequest, Unauthorized, Forbidden),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/webhooks")]
async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    read_json(
        &state,
        &caller,
        Action::ManageOrganisation,
        move |c| webhooks::list_webhooks(c, &page.to_request()),
        |page| PageOf::from_page(page, WebhookResponse::from),
    )
    .await
}

/// Subscribes a URL to ticket events. Each event is POSTed as JSON with a `Helpdesk-Signature` header
/// (`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), retried with backoff for over a day.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhookRequest,
    responses((status = 201, description = "The subscription and its secret (shown once)", body = CreatedWebhookResponse), BadRequest, Unauthorized, Forbidden, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/webhooks")]
async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    check_event_kinds(&request.event_kinds, "event_kinds")?;
    check_destination(&request.url, state.config.webhook_allow_private)?;
    let now = state.clock.now();
    let secret = request.secret.clone().unwrap_or_else(|| {
        format!(
            "whsec_{}",
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(40)
                .map(char::from)
                .collect::<String>()
        )
    });
    let stored_secret = secret.clone();
    let webhook = state
        .write(move |c| {
            Ok(webhooks::insert_webhook(
                c,
                &request.url,
                &request.event_kinds,
                &stored_secret,
                now,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/webhooks/{}", webhook.id)))
        .json(CreatedWebhookResponse {
            webhook: webhook.into(),
            secret,
        }))
}

#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 200, description = "The subscription", body = WebhookResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/webhooks/{id}")]
async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    read_json(
        &state,
        &caller,
        Action::ManageOrganisation,
        move |c| webhooks::find_webhook(c, id),
        WebhookResponse::from,
    )
    .await
}

#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    request_body = UpdateWebhookRequest,
    responses((status = 200, description = "The subscription", body = WebhookResponse), BadRequest, Unauthorized, Forbidden, NotFound, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/webhooks/{id}")]
async fn update_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(request): ValidJson<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    if let Some(kinds) = &request.event_kinds {
        check_event_kinds(kinds, "event_kinds")?;
    }
    if let Some(url) = &request.url {
        check_destination(url, state.config.webhook_allow_private)?;
    }
    let id = id.into_inner();
    let changes = WebhookChanges {
        url: request.url,
        event_kinds: request.event_kinds,
        active: request.active,
    };
    let webhook = state
        .write(move |c| Ok(webhooks::update_webhook(c, id, &changes)?))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookResponse::from(webhook)))
}

#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted, with its delivery log"), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/webhooks/{id}")]
async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    delete_by(&state, &caller, Action::ManageOrganisation, move |c| {
        webhooks::delete_webhook(c, id)
    })
    .await
}

/// The delivery log, newest first: status, attempts, the receiver's last answer.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), PageQuery),
    responses((status = 200, description = "A page of deliveries", body = PageOf<DeliveryResponse>), BadRequest, Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/webhooks/{id}/deliveries")]
async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    read_json(
        &state,
        &caller,
        Action::ManageOrganisation,
        move |c| {
            webhooks::find_webhook(c, id)?;
            webhooks::list_deliveries(c, id, &page.to_request())
        },
        |page| PageOf::from_page(page, DeliveryResponse::from),
    )
    .await
}

/// Sends a delivery again, now.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = i64, Path, description = "Webhook id"), ("delivery_id" = i64, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued", body = DeliveryResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
async fn redeliver(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let ((id, delivery_id), now) = (path.into_inner(), state.clock.now());
    let delivery = state
        .write(move |c| Ok(webhooks::redeliver(c, id, delivery_id, now)?))
        .await?;
    Ok(HttpResponse::Accepted().json(DeliveryResponse::from(delivery)))
}
