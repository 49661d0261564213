use crate::auth::caller::Caller;
use crate::dto::people::{AgentResponse, CreateAgentRequest, UpdateAgentRequest};
use crate::dto::{PageOf, PageQuery};
use crate::error::ApiError;
use crate::extract::{ValidJson, ValidQuery};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::referenced;
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_domain::user::normalize_email;
use helpdesk_domain::Role;
use helpdesk_persistence::org::departments;
use helpdesk_persistence::users::{self, NewUser, UserUpdate};
use helpdesk_persistence::DbConnection;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_agents)
        .service(create_agent)
        .service(get_agent)
        .service(update_agent);
}

/// Staff: agents and admins, with their departments and teams.
#[utoipa::path(
    tag = "people",
    params(PageQuery),
    responses((status = 200, description = "A page of agents", body = PageOf<AgentResponse>), BadRequest, Unauthorized, Forbidden),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/agents")]
async fn list_agents(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ReadDirectory)?;
    let agents = state
        .read(move |connection| Ok(users::list_agents(connection, &page.to_request())?))
        .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(agents, AgentResponse::from)))
}

#[utoipa::path(
    tag = "people",
    params(("id" = i64, Path, description = "Agent id")),
    responses((status = 200, description = "The agent", body = AgentResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/agents/{id}")]
async fn get_agent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ReadDirectory)?;
    let id = id.into_inner();
    let agent = state
        .read(move |connection| Ok(users::find_agent(connection, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(agent)))
}

/// Admins add staff.
#[utoipa::path(
    tag = "people",
    request_body = CreateAgentRequest,
    responses((status = 201, description = "The new agent", body = AgentResponse), BadRequest, Unauthorized, Forbidden, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[post("/agents")]
async fn create_agent(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<CreateAgentRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let now = state.clock.now();
    let password_hash = state.passwords.hash(request.password.clone()).await?;
    let agent = state
        .write(move |connection| {
            check_departments_exist(connection, &request.department_ids)?;
            let new_user = NewUser {
                name: request.name.trim().to_owned(),
                email: normalize_email(&request.email),
                role: request.role.map_or(Role::Agent, Role::from),
                password_hash: Some(password_hash),
            };
            let user = users::insert_user(connection, &new_user, now)?;
            users::set_agent_departments(connection, user.id, &request.department_ids)?;
            Ok(users::find_agent(connection, user.id)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/agents/{}", agent.user.id)))
        .json(AgentResponse::from(agent)))
}

/// Admins change staff: name, email, password, role, departments, or deactivate them.
#[utoipa::path(
    tag = "people",
    params(("id" = i64, Path, description = "Agent id")),
    request_body = UpdateAgentRequest,
    responses((status = 200, description = "The agent", body = AgentResponse), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[patch("/agents/{id}")]
async fn update_agent(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(request): ValidJson<UpdateAgentRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let id = id.into_inner();
    let password_hash = state
        .passwords
        .hash_optional(request.password.clone())
        .await?;
    let agent = state
        .write(move |connection| {
            users::find_agent(connection, id)?;
            let update = UserUpdate {
                name: request.name.map(|name| name.trim().to_owned()),
                email: request.email.as_deref().map(normalize_email),
                role: request.role.map(Role::from),
                active: request.active,
                password_hash,
            };
            users::update_user(connection, id, &update)?;
            if let Some(department_ids) = &request.department_ids {
                check_departments_exist(connection, department_ids)?;
                users::set_agent_departments(connection, id, department_ids)?;
            }
            Ok(users::find_agent(connection, id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AgentResponse::from(agent)))
}

fn check_departments_exist(connection: &mut DbConnection, ids: &[i64]) -> Result<(), ApiError> {
    for id in ids {
        referenced(
            departments::find_department(connection, *id),
            "department_ids",
        )?;
    }
    Ok(())
}
