//! The OpenAPI document's frame: info, both security schemes, tags and the shared error responses.
//! Paths and schemas come from the routes themselves (utoipa-actix-web).

use crate::error::Problem;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Helpdesk API",
        description = "An API-first help desk. People sign in with `POST /api/v1/auth/login` and send \
            `Authorization: Bearer <token>`; integrators send `X-API-Key: <key>`. Errors are RFC 9457 \
            `application/problem+json`. Lists take `limit` and an opaque `cursor` and return \
            `{items, next_cursor}`.",
        license(name = "MIT")
    ),
    modifiers(&SecuritySchemes),
    components(schemas(Problem)),
    tags(
        (name = "auth", description = "Signing in and registering"),
        (name = "tickets", description = "The ticket lifecycle: intake, assignment, conversation, resolution"),
        (name = "people", description = "Agents and customers"),
        (name = "organisation", description = "Departments, teams, SLA plans and help topics"),
        (name = "api-keys", description = "Integrators' keys"),
        (name = "webhooks", description = "Signed event notifications with retries and a delivery log"),
        (name = "operations", description = "Health and readiness")
    )
)]
pub struct ApiDoc;

pub const BEARER: &str = "bearer";
pub const API_KEY: &str = "api_key";

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "An integrator's key from POST /api/v1/api-keys",
            ))),
        );
    }
}

/// Declares one problem+json response type per error status, for `responses(...)` lists.
macro_rules! problem_responses {
    ($($name:ident => $status:literal, $description:literal;)+) => {$(
        #[derive(IntoResponses)]
        #[response(status = $status, description = $description, content_type = "application/problem+json")]
        #[allow(dead_code)]
        pub struct $name(Problem);
    )+};
}

problem_responses! {
    BadRequest => 400, "Malformed JSON, query or cursor";
    Unauthorized => 401, "Missing, invalid or expired credentials";
    Forbidden => 403, "Authenticated but not allowed";
    NotFound => 404, "Unknown, or not visible to the caller";
    Conflict => 409, "A transition the lifecycle forbids, or a duplicate";
    PreconditionFailed => 412, "If-Match does not match the current version";
    PayloadTooLarge => 413, "The body is too large";
    UnsupportedMediaType => 415, "The body is not application/json";
    Unprocessable => 422, "Validation failed; `errors` names the fields";
    TooManyRequests => 429, "Too many attempts; `Retry-After` says when to try again";
    ServiceUnavailable => 503, "The database is unavailable";
}

/// Documents on every operation the errors its shape implies, so no documented operation can return
/// an undocumented status: a body can be malformed (400), too large (413), of the wrong type (415) or
/// invalid (422); a query can be malformed (400) or out of range (422); a path id can name nothing
/// (404); and anything that touches the database can find it unavailable (503).
pub fn document_implied_errors(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{Operation, ParameterIn};
    for (path, item) in api.paths.paths.iter_mut() {
        let operations: [&mut Option<Operation>; 5] = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let has_query = parameters
                .iter()
                .any(|p| p.parameter_in == ParameterIn::Query);
            let has_path = parameters
                .iter()
                .any(|p| p.parameter_in == ParameterIn::Path);
            let mut implied = Vec::new();
            if operation.request_body.is_some() {
                implied.extend([
                    (400, "Malformed JSON"),
                    (413, "The body is too large"),
                    (415, "The body is not application/json"),
                    (422, "Validation failed; `errors` names the fields"),
                ]);
            }
            if has_query {
                implied.extend([
                    (400, "Malformed query string or cursor"),
                    (422, "A query value is out of range"),
                ]);
            }
            if has_path {
                implied.push((404, "Unknown, or not visible to the caller"));
            }
            if path != "/health" {
                implied.push((
                    503,
                    "The database is unavailable; retry after `Retry-After` seconds",
                ));
            }
            for (status, description) in implied {
                operation
                    .responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem_response(description));
            }
        }
    }
}

fn problem_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{Content, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
        .into()
}
