use crate::auth::caller::Caller;
use crate::dto::org::{CreateTeamRequest, TeamResponse, UpdateTeamRequest};
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
use helpdesk_domain::org::Team;
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_persistence::org::teams::TeamChanges;
use helpdesk_persistence::org::{departments, teams};
use helpdesk_persistence::{users, DbConnection};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_teams)
        .service(create_team)
        .service(get_team)
        .service(update_team)
        .service(delete_team);
}

#[utoipa::path(
    tag = "organisation",
    params(PageQuery),
    responses((status = 200, description = "A page of teams", body = PageOf<TeamResponse>), BadRequest, Unauthorized, Forbidden),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/teams")]
async fn list_teams(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    read_json(
        &state,
        &caller,
        Action::ReadDirectory,
        move |c| teams::list_teams(c, &page.to_request()),
        |page| PageOf::from_page(page, TeamResponse::from),
    )
    .await
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Team id")),
    responses((status = 200, description = "The team", body = TeamResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/teams/{id}")]
async fn get_team(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    read_json(
        &state,
        &caller,
        Action::ReadDirectory,
        move |c| teams::find_team(c, id),
        TeamResponse::from,
    )
    .await
}

/// A team belongs to one department; its members must be agents.
#[utoipa::path(
    tag = "organisation",
    request_body = CreateTeamRequest,
    responses((status = 201, description = "The new team", body = TeamResponse), BadRequest, Unauthorized, Forbidden, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[post("/teams")]
async fn create_team(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<CreateTeamRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let now = state.clock.now();
    let team = state
        .write(move |c| {
            let team = Team {
                id: 0,
                name: request.name.trim().to_owned(),
                department_id: request.department_id,
                member_ids: request.member_ids,
            };
            check_references(c, Some(team.department_id), &team.member_ids)?;
            Ok(teams::insert_team(c, &team, now)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/teams/{}", team.id)))
        .json(TeamResponse::from(team)))
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Team id")),
    request_body = UpdateTeamRequest,
    responses((status = 200, description = "The team", body = TeamResponse), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[patch("/teams/{id}")]
async fn update_team(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(request): ValidJson<UpdateTeamRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let id = id.into_inner();
    let team = state
        .write(move |c| {
            check_references(
                c,
                request.department_id,
                request.member_ids.as_deref().unwrap_or_default(),
            )?;
            let changes = TeamChanges {
                name: request.name.map(|name| name.trim().to_owned()),
                department_id: request.department_id,
                member_ids: request.member_ids,
            };
            Ok(teams::update_team(c, id, &changes)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(TeamResponse::from(team)))
}

/// Deletes a team that no ticket uses (409 otherwise).
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path, description = "Team id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict),
    security(("bearer" = []))
)]
#[delete("/teams/{id}")]
async fn delete_team(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    delete_by(&state, &caller, Action::ManageOrganisation, move |c| {
        teams::delete_team(c, id)
    })
    .await
}

/// The department a team names must exist, and its members must be agents.
fn check_references(
    c: &mut DbConnection,
    department_id: Option<i64>,
    member_ids: &[i64],
) -> Result<(), ApiError> {
    if let Some(department_id) = department_id {
        referenced(
            departments::find_department(c, department_id),
            "department_id",
        )?;
    }
    for member in member_ids {
        referenced(users::find_agent(c, *member), "member_ids")?;
    }
    Ok(())
}
