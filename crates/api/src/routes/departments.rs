use crate::auth::caller::Caller;
use crate::dto::org::{CreateDepartmentRequest, DepartmentResponse, UpdateDepartmentRequest};
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
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_persistence::org::departments::DepartmentChanges;
use helpdesk_persistence::org::{departments, sla_plans};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_departments)
        .service(create_department)
        .service(get_department)
        .service(update_department)
        .service(delete_department);
}

#[utoipa::path(
    tag = "organisation",
    params(PageQuery),
    responses((status = 200, description = "A page of departments", body = PageOf<DepartmentResponse>), BadRequest, Unauthorized, Forbidden),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/departments")]
async fn list_departments(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    read_json(
        &state,
        &caller,
        Action::ReadDirectory,
        move |c| departments::list_departments(c, &page.to_request()),
        |page| PageOf::from_page(page, DepartmentResponse::from),
    )
    .await
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 200, description = "The department", body = DepartmentResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/departments/{id}")]
async fn get_department(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    read_json(
        &state,
        &caller,
        Action::ReadDirectory,
        move |c| departments::find_department(c, id),
        DepartmentResponse::from,
    )
    .await
}

#[utoipa::path(
    tag = "organisation",
    request_body = CreateDepartmentRequest,
    responses((status = 201, description = "The new department", body = DepartmentResponse), BadRequest, Unauthorized, Forbidden, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[post("/departments")]
async fn create_department(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<CreateDepartmentRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let now = state.clock.now();
    let department = state
        .write(move |c| {
            if let Some(plan_id) = request.default_sla_plan_id {
                referenced(sla_plans::find_sla_plan(c, plan_id), "default_sla_plan_id")?;
            }
            Ok(departments::insert_department(
                c,
                request.name.trim(),
                request.default_sla_plan_id,
                now,
            )?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/departments/{}", department.id)))
        .json(DepartmentResponse::from(department)))
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Department id")),
    request_body = UpdateDepartmentRequest,
    responses((status = 200, description = "The department", body = DepartmentResponse), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[patch("/departments/{id}")]
async fn update_department(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(request): ValidJson<UpdateDepartmentRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let id = id.into_inner();
    let department = state
        .write(move |c| {
            if let Some(Some(plan_id)) = request.default_sla_plan_id {
                referenced(sla_plans::find_sla_plan(c, plan_id), "default_sla_plan_id")?;
            }
            let changes = DepartmentChanges {
                name: request.name.map(|name| name.trim().to_owned()),
                default_sla_plan_id: request.default_sla_plan_id,
            };
            Ok(departments::update_department(c, id, &changes)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DepartmentResponse::from(department)))
}

/// Deletes a department that no ticket, topic or team uses (409 otherwise).
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Department id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict),
    security(("bearer" = []))
)]
#[delete("/departments/{id}")]
async fn delete_department(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    delete_by(&state, &caller, Action::ManageOrganisation, move |c| {
        departments::delete_department(c, id)
    })
    .await
}
