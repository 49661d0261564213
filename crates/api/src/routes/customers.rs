use crate::auth::caller::Caller;
use crate::dto::people::{
    CreateCustomerRequest, CustomerResponse, CustomerSearch, UpdateCustomerRequest,
};
use crate::dto::PageOf;
use crate::error::ApiError;
use crate::extract::{ValidJson, ValidQuery};
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_domain::user::normalize_email;
use helpdesk_domain::Role;
use helpdesk_persistence::users::{self, NewUser, UserUpdate};
use helpdesk_persistence::PageRequest;
use helpdesk_persistence::{DbConnection, RepoError};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_customers)
        .service(create_customer)
        .service(get_customer)
        .service(update_customer);
}

/// Staff search customers by part of their name or email.
#[utoipa::path(
    tag = "people",
    params(CustomerSearch),
    responses((status = 200, description = "A page of customers", body = PageOf<CustomerResponse>), BadRequest, Unauthorized, Forbidden, Unprocessable),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/customers")]
async fn list_customers(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(search): ValidQuery<CustomerSearch>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ReadDirectory)?;
    let customers = state
        .read(move |connection| {
            Ok(users::list_users(
                connection,
                &[Role::Customer],
                search.q.as_deref(),
                &PageRequest {
                    limit: search.limit,
                    cursor: search.cursor.clone(),
                },
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(PageOf::from_page(customers, CustomerResponse::from)))
}

#[utoipa::path(
    tag = "people",
    params(("id" = i64, Path, description = "Customer id")),
    responses((status = 200, description = "The customer", body = CustomerResponse), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/customers/{id}")]
async fn get_customer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ReadDirectory)?;
    let id = id.into_inner();
    let customer = state
        .read(move |connection| find_customer(connection, id))
        .await?;
    Ok(HttpResponse::Ok().json(CustomerResponse::from(customer)))
}

/// Admins add customers (agents and API keys also create them implicitly, as ticket requesters).
#[utoipa::path(
    tag = "people",
    request_body = CreateCustomerRequest,
    responses((status = 201, description = "The new customer", body = CustomerResponse), BadRequest, Unauthorized, Forbidden, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[post("/customers")]
async fn create_customer(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<CreateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let now = state.clock.now();
    let password_hash = state
        .passwords
        .hash_optional(request.password.clone())
        .await?;
    let customer = state
        .write(move |connection| {
            let new_user = NewUser {
                name: request.name.trim().to_owned(),
                email: normalize_email(&request.email),
                role: Role::Customer,
                password_hash,
            };
            Ok(users::insert_user(connection, &new_user, now)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/customers/{}", customer.id)))
        .json(CustomerResponse::from(customer)))
}

#[utoipa::path(
    tag = "people",
    params(("id" = i64, Path, description = "Customer id")),
    request_body = UpdateCustomerRequest,
    responses((status = 200, description = "The customer", body = CustomerResponse), BadRequest, Unauthorized, Forbidden, NotFound, Conflict, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []))
)]
#[patch("/customers/{id}")]
async fn update_customer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
    ValidJson(request): ValidJson<UpdateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageOrganisation)?;
    let id = id.into_inner();
    let password_hash = state
        .passwords
        .hash_optional(request.password.clone())
        .await?;
    let customer = state
        .write(move |connection| {
            find_customer(connection, id)?;
            let update = UserUpdate {
                name: request.name.map(|name| name.trim().to_owned()),
                email: request.email.as_deref().map(normalize_email),
                role: None,
                active: request.active,
                password_hash,
            };
            Ok(users::update_user(connection, id, &update)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CustomerResponse::from(customer)))
}

fn find_customer(
    connection: &mut DbConnection,
    id: i64,
) -> Result<helpdesk_domain::user::User, ApiError> {
    let user = users::find_user(connection, id)?;
    if user.role != Role::Customer {
        return Err(RepoError::NotFound.into());
    }
    Ok(user)
}
