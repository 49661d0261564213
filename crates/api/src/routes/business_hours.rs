use crate::auth::caller::Caller;
use crate::dto::sla::{BusinessHoursRequest, BusinessHoursResponse};
use crate::dto::{PageOf, PageQuery};
use crate::error::ApiError;
use crate::extract::{ValidJson, ValidQuery};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::{delete_by, read_json};
use crate::sla_service::recheck_plans;
use crate::state::AppState;
use actix_web::{delete, get, post, put, web, HttpResponse};
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_persistence::business_hours;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_business_hours)
        .service(create_business_hours)
        .service(get_business_hours)
        .service(replace_business_hours)
        .service(delete_business_hours);
}

#[utoipa::path(
    tag = "organisation",
    params(PageQuery),
    responses((status = 200, description = "A page of business-hours calendars", body = PageOf<BusinessHoursResponse>), BadRequest, Unauthorized, Forbidden),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/business-hours")]
async fn list_business_hours(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    read_json(
        &state,
        &caller,
        Action::ReadDirectory,
        move |c| business_hours::list_business_hours(c, &page.to_request()),
        |page| PageOf::from_page(page, BusinessHoursResponse::from),
    )
    .await
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Calendar id")),
    responses((status = 200, description = "The calendar", body = BusinessHoursResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/business-hours/{id}")]
async fn get_business_hours(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    read_json(
        &state,
        &caller,
        Action::ReadDirectory,
        move |c| business_hours::find_business_hours(c, id),
        BusinessHoursResponse::from,
    )
    .await
}

/// A weekly calendar in an IANA time zone: open intervals (several a day, overnight shifts) and holidays.
#[utoipa::path(
    tag = "organisation",
    request_body = BusinessHoursRequest,
    responses((status = 201, description = "The new calendar", body = BusinessHoursResponse), BadRequest, Unauthorized, Forbidden, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[post("/business-hours")]
async fn create_business_hours(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<BusinessHoursRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let (calendar, now) = (request.to_calendar(0)?, state.clock.now());
    let calendar = state
        .write(move |c| Ok(business_hours::insert_business_hours(c, &calendar, now)?))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/business-hours/{}", calendar.id),
        ))
        .json(BusinessHoursResponse::from(calendar)))
}

/// Replaces the calendar; tickets under plans that use it follow at their next change or SLA check.
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Calendar id")),
    request_body = BusinessHoursRequest,
    responses((status = 200, description = "The calendar", body = BusinessHoursResponse), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[put("/business-hours/{id}")]
async fn replace_business_hours(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(request): ValidJson<BusinessHoursRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let (calendar, now) = (request.to_calendar(id.into_inner())?, state.clock.now());
    let calendar = state
        .write(move |c| {
            let calendar = business_hours::update_business_hours(c, &calendar)?;
            let plans = business_hours::plans_using(c, calendar.id)?;
            recheck_plans(c, &plans, now)?;
            Ok(calendar)
        })
        .await?;
    Ok(HttpResponse::Ok().json(BusinessHoursResponse::from(calendar)))
}

/// Deletes a calendar no SLA plan uses (409 otherwise).
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Calendar id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict),
    security(("bearer" = []))
)]
#[delete("/business-hours/{id}")]
async fn delete_business_hours(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    delete_by(&state, &caller, Action::ManageOrganisation, move |c| {
        business_hours::delete_business_hours(c, id)
    })
    .await
}
