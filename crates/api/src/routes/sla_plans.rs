use crate::auth::caller::Caller;
use crate::dto::org::{CreateSlaPlanRequest, SlaPlanResponse, UpdateSlaPlanRequest};
use crate::dto::{PageOf, PageQuery};
use crate::error::ApiError;
use crate::extract::{ValidJson, ValidQuery};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::{delete_by, read_json};
use crate::state::AppState;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use helpdesk_domain::org::SlaPlan;
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_persistence::org::sla_plans::{self, SlaPlanChanges};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_sla_plans)
        .service(create_sla_plan)
        .service(get_sla_plan)
        .service(update_sla_plan)
        .service(delete_sla_plan);
}

#[utoipa::path(
    tag = "organisation",
    params(PageQuery),
    responses((status = 200, description = "A page of SLA plans", body = PageOf<SlaPlanResponse>), BadRequest, Unauthorized, Forbidden),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/sla-plans")]
async fn list_sla_plans(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    read_json(
        &state,
        &caller,
        Action::ReadDirectory,
        move |c| sla_plans::list_sla_plans(c, &page.to_request()),
        |page| PageOf::from_page(page, SlaPlanResponse::from),
    )
    .await
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "SLA plan id")),
    responses((status = 200, description = "The SLA plan", body = SlaPlanResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/sla-plans/{id}")]
async fn get_sla_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    read_json(
        &state,
        &caller,
        Action::ReadDirectory,
        move |c| sla_plans::find_sla_plan(c, id),
        SlaPlanResponse::from,
    )
    .await
}

/// Plans count their minutes around the clock for now; business-hours calendars come later.
#[utoipa::path(
    tag = "organisation",
    request_body = CreateSlaPlanRequest,
    responses((status = 201, description = "The new SLA plan", body = SlaPlanResponse), BadRequest, Unauthorized, Forbidden, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[post("/sla-plans")]
async fn create_sla_plan(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<CreateSlaPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let now = state.clock.now();
    let plan = SlaPlan {
        id: 0,
        name: request.name.trim().to_owned(),
        first_response_minutes: request.first_response_minutes,
        resolution_minutes: request.resolution_minutes,
        business_hours_id: None,
    };
    let plan = state
        .write(move |c| Ok(sla_plans::insert_sla_plan(c, &plan, now)?))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/sla-plans/{}", plan.id)))
        .json(SlaPlanResponse::from(plan)))
}

/// Changing a plan's targets applies to tickets whose plan is set or changed afterwards.
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "SLA plan id")),
    request_body = UpdateSlaPlanRequest,
    responses((status = 200, description = "The SLA plan", body = SlaPlanResponse), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[patch("/sla-plans/{id}")]
async fn update_sla_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(request): ValidJson<UpdateSlaPlanRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let id = id.into_inner();
    let changes = SlaPlanChanges {
        name: request.name.map(|name| name.trim().to_owned()),
        first_response_minutes: request.first_response_minutes,
        resolution_minutes: request.resolution_minutes,
    };
    let plan = state
        .write(move |c| Ok(sla_plans::update_sla_plan(c, id, &changes)?))
        .await?;
    Ok(HttpResponse::Ok().json(SlaPlanResponse::from(plan)))
}

/// Deletes a plan that no ticket, topic or department uses (409 otherwise).
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "SLA plan id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict),
    security(("bearer" = []))
)]
#[delete("/sla-plans/{id}")]
async fn delete_sla_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    delete_by(&state, &caller, Action::ManageOrganisation, move |c| {
        sla_plans::delete_sla_plan(c, id)
    })
    .await
}
