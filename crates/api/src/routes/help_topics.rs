use crate::auth::caller::Caller;
use crate::dto::org::{CreateHelpTopicRequest, HelpTopicResponse, UpdateHelpTopicRequest};
use crate::dto::{PageOf, PageQuery};
use crate::error::ApiError;
use crate::extract::{ValidJson, ValidQuery};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::referenced;
use crate::routes::{delete_by, read_json};
use crate::state::AppState;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use helpdesk_domain::org::HelpTopic;
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_domain::Priority;
use helpdesk_persistence::org::help_topics::HelpTopicChanges;
use helpdesk_persistence::org::{departments, help_topics, sla_plans};
use helpdesk_persistence::DbConnection;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_help_topics)
        .service(create_help_topic)
        .service(get_help_topic)
        .service(update_help_topic)
        .service(delete_help_topic);
}

/// Everyone signed in reads help topics: customers choose one when they file a ticket.
#[utoipa::path(
    tag = "organisation",
    params(PageQuery),
    responses((status = 200, description = "A page of help topics", body = PageOf<HelpTopicResponse>), BadRequest, Unauthorized),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/help-topics")]
async fn list_help_topics(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    read_json(
        &state,
        &caller,
        Action::ReadHelpTopics,
        move |c| help_topics::list_help_topics(c, &page.to_request()),
        |page| PageOf::from_page(page, HelpTopicResponse::from),
    )
    .await
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Help topic id")),
    responses((status = 200, description = "The help topic", body = HelpTopicResponse), Unauthorized, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/help-topics/{id}")]
async fn get_help_topic(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    read_json(
        &state,
        &caller,
        Action::ReadHelpTopics,
        move |c| help_topics::find_help_topic(c, id),
        HelpTopicResponse::from,
    )
    .await
}

#[utoipa::path(
    tag = "organisation",
    request_body = CreateHelpTopicRequest,
    responses((status = 201, description = "The new help topic", body = HelpTopicResponse), BadRequest, Unauthorized, Forbidden, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[post("/help-topics")]
async fn create_help_topic(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<CreateHelpTopicRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let now = state.clock.now();
    let topic = state
        .write(move |c| {
            let topic = HelpTopic {
                id: 0,
                name: request.name.trim().to_owned(),
                department_id: request.department_id,
                default_priority: request.default_priority.unwrap_or(Priority::Normal),
                sla_plan_id: request.sla_plan_id,
            };
            check_references(c, Some(topic.department_id), topic.sla_plan_id)?;
            Ok(help_topics::insert_help_topic(c, &topic, now)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/help-topics/{}", topic.id)))
        .json(HelpTopicResponse::from(topic)))
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Help topic id")),
    request_body = UpdateHelpTopicRequest,
    responses((status = 200, description = "The help topic", body = HelpTopicResponse), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[patch("/help-topics/{id}")]
async fn update_help_topic(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(request): ValidJson<UpdateHelpTopicRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let id = id.into_inner();
    let topic = state
        .write(move |c| {
            check_references(c, request.department_id, request.sla_plan_id.flatten())?;
            let changes = HelpTopicChanges {
                name: request.name.map(|name| name.trim().to_owned()),
                department_id: request.department_id,
                default_priority: request.default_priority,
                sla_plan_id: request.sla_plan_id,
            };
            Ok(help_topics::update_help_topic(c, id, &changes)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(HelpTopicResponse::from(topic)))
}

/// Deletes a topic that no ticket uses (409 otherwise).
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Help topic id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict),
    security(("bearer" = []))
)]
#[delete("/help-topics/{id}")]
async fn delete_help_topic(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    delete_by(&state, &caller, Action::ManageOrganisation, move |c| {
        help_topics::delete_help_topic(c, id)
    })
    .await
}

/// The department and plan a topic names must exist.
fn check_references(
    c: &mut DbConnection,
    department_id: Option<i64>,
    sla_plan_id: Option<i64>,
) -> Result<(), ApiError> {
    if let Some(department_id) = department_id {
        referenced(
            departments::find_department(c, department_id),
            "department_id",
        )?;
    }
    if let Some(plan_id) = sla_plan_id {
        referenced(sla_plans::find_sla_plan(c, plan_id), "sla_plan_id")?;
    }
    Ok(())
}
