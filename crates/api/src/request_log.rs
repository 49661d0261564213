//! One structured log line per request (method, path, status, latency), and a request id on each:
//! the caller's `X-Request-Id` when it sends a sane one, else a new one. The id is on every log line
//! written while the request runs and is sent back in the `X-Request-Id` header.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

/// The header's name, lower-case as HTTP/2 wants it.
pub const REQUEST_ID: &str = "x-request-id";

/// The caller's id if it is 1 to 128 characters of `A-Z a-z 0-9 . _ : -` (nothing that could forge log
/// fields), else a fresh UUID.
fn request_id(request: &ServiceRequest) -> String {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|id| {
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
        })
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

pub async fn log_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().clone();
    let path = request.path().to_owned();
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = match next.call(request).instrument(span.clone()).await {
        Ok(response) => response,
        Err(error) => {
            // An error that left a middleware (a request cut off, say) is answered by actix.
            let status = error.as_response_error().status_code().as_u16();
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            let _entered = span.enter();
            tracing::warn!(%method, %path, status, latency_ms, "request");
            return Err(error);
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), value);
    }
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    if status >= 500 {
        tracing::error!(%method, %path, status, latency_ms, "request");
    } else {
        tracing::info!(%method, %path, status, latency_ms, "request");
    }
    Ok(response)
}
