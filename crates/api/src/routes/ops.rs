use crate::error::ApiError;
use crate::openapi::ServiceUnavailable;
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok`.
    status: String,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, body = HealthResponse)), security(()))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
    })
}

/// The database answers.
#[utoipa::path(tag = "operations", responses((status = 200, body = HealthResponse), ServiceUnavailable), security(()))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state
        .read(|connection| {
            connection.batch_execute("SELECT 1").map_err(|error| {
                ApiError::from(helpdesk_persistence::RepoError::Unavailable(
                    error.to_string(),
                ))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
    }))
}
