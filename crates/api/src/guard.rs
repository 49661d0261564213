//! Two limits every request passes first: a method HTTP does not define is answered here (405 with
//! `Allow` on a known path, else 404) before anything records it, so invented methods cannot grow
//! the metrics' labels; and a request that has not been answered
//! within `HELPDESK_REQUEST_TIMEOUT_SECONDS` (a body trickling in, say) is cut off with 408.

use crate::error::ApiError;
use crate::known_paths::KnownPaths;
use crate::state::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use std::time::Duration;

/// HTTP's own methods, which go on to the routes (a known path answers the ones it does not take with
/// 405 there). Any other (`QUERY`, `FOO1`) is answered here.
const METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
    Method::TRACE,
    Method::CONNECT,
];

pub async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !METHODS.contains(request.method()) {
        let error = request
            .app_data::<web::Data<KnownPaths>>()
            .map_or_else(ApiError::not_found, |known| {
                known.unrouted(request.path(), request.method())
            });
        return Ok(request
            .into_response(error.error_response())
            .map_into_right_body());
    }
    let seconds = request
        .app_data::<web::Data<AppState>>()
        .map_or(0, |state| state.config.request_timeout_seconds);
    if seconds == 0 {
        return Ok(next.call(request).await?.map_into_left_body());
    }
    // The request itself is the handler's now (it must hold it alone), so a late one leaves as an
    // error that actix renders with the problem+json answer.
    match tokio::time::timeout(Duration::from_secs(seconds), next.call(request)).await {
        Ok(response) => Ok(response?.map_into_left_body()),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!("the request was not complete within {seconds} seconds"),
        )
        .into()),
    }
}
