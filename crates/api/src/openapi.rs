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
    ServiceUnavailable => 503, "The database is unavailable";
}
