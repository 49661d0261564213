use crate::auth::caller::Caller;
use crate::dto::sla::{
    priority_targets, CreateSlaPlanRequest, EscalationDto, SlaPlanResponse, UpdateSlaPlanRequest,
};
use crate::dto::{PageOf, PageQuery};
use crate::error::ApiError;
use crate::extract::{ValidJson, ValidQuery};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::{delete_by, read_json, referenced};
use crate::sla_service::recheck_plans;
use crate::state::AppState;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use helpdesk_domain::org::SlaPlan;
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_persistence::org::sla_plans::{self, SlaPlanChanges};
use helpdesk_persistence::org::{departments, teams};
use helpdesk_persistence::{business_hours, DbConnection};
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
/// Targets count business minutes on the plan's calendar (none: 24x7); per-priority overrides come
/// first; a breach runs the escalation.
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
        next_response_minutes: request.next_response_minutes,
        resolution_minutes: request.resolution_minutes,
        business_hours_id: request.business_hours_id,
        priority_targets: priority_targets(&request.priority_targets)?,
        escalation: request.escalation.into(),
    };
    let plan = state
        .write(move |c| {
            check_references(c, plan.business_hours_id, Some(&request.escalation))?;
            Ok(sla_plans::insert_sla_plan(c, &plan, now)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/sla-plans/{}", plan.id)))
        .json(SlaPlanResponse::from(plan)))
}

/// Changes apply to every ticket of the plan at its next change or SLA check, evaluated from its history.
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
    let (id, now) = (id.into_inner(), state.clock.now());
    let changes = SlaPlanChanges {
        name: request.name.map(|name| name.trim().to_owned()),
        first_response_minutes: request.first_response_minutes,
        next_response_minutes: request.next_response_minutes,
        resolution_minutes: request.resolution_minutes,
        business_hours_id: request.business_hours_id,
        priority_targets: request
            .priority_targets
            .as_ref()
            .map(priority_targets)
            .transpose()?,
        escalate_raise_priority: request.escalation.map(|e| e.raise_priority),
        escalate_department_id: request.escalation.map(|e| e.department_id),
        escalate_team_id: request.escalation.map(|e| e.team_id),
    };
    if changes
        .next_response_minutes
        .flatten()
        .is_some_and(|minutes| !(1..=525_600).contains(&minutes))
    {
        return Err(ApiError::invalid(
            "next_response_minutes",
            "must be 1 to 525600",
        ));
    }
    let plan = state
        .write(move |c| {
            check_references(
                c,
                request.business_hours_id.flatten(),
                request.escalation.as_ref(),
            )?;
            let plan = sla_plans::update_sla_plan(c, id, &changes)?;
            recheck_plans(c, &[plan.id], now)?;
            Ok(plan)
        })
        .await?;
    Ok(HttpResponse::Ok().json(SlaPlanResponse::from(plan)))
}

/// The calendar and escalation targets a plan names must exist; an escalation team belongs to the
/// escalation department when both are given.
fn check_references(
    c: &mut DbConnection,
    business_hours_id: Option<i64>,
    escalation: Option<&EscalationDto>,
) -> Result<(), ApiError> {
    if let Some(id) = business_hours_id {
        referenced(
            business_hours::find_business_hours(c, id),
            "business_hours_id",
        )?;
    }
    let Some(escalation) = escalation else {
        return Ok(());
    };
    if let Some(id) = escalation.department_id {
        referenced(
            departments::find_department(c, id),
            "escalation.department_id",
        )?;
    }
    if let Some(id) = escalation.team_id {
        let team = referenced(teams::find_team(c, id), "escalation.team_id")?;
        if escalation
            .department_id
            .is_some_and(|department| department != team.department_id)
        {
            return Err(ApiError::invalid(
                "escalation.team_id",
                "belongs to another department than escalation.department_id",
            ));
        }
    }
    Ok(())
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
