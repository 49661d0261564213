use crate::error::ApiError;
use crate::openapi::{ServiceUnavailable, Unauthorized};
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

/// Prometheus metrics of this process: requests per route and status with latency histograms,
/// database pool use, and the shared background queues' backlog and lag.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain", body = String), Unauthorized, ServiceUnavailable),
    security(())
)]
#[get("/metrics")]
pub async fn metrics(
    http: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::metrics::render(http, state).await
}
