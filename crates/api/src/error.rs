//! Every error leaves as RFC 9457 `application/problem+json`, with a stable snake_case `code` and, for
//! validation, the offending fields in `errors`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use helpdesk_domain::DomainError;
use helpdesk_persistence::RepoError;
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;
use validator::{ValidationErrors, ValidationErrorsKind};

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:problem:helpdesk:validation_failed",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "the request has invalid fields",
    "code": "validation_failed",
    "errors": [{"field": "subject", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:problem:helpdesk:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The stable, machine-readable name of the problem.
    pub code: String,
    /// The offending fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retry_after_seconds: Option<u64>,
    /// For 405: the methods the resource takes.
    allow: Vec<actix_web::http::Method>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_seconds: None,
            allow: Vec::new(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", detail)
    }

    pub fn precondition_failed(current_version: i64) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            format!("If-Match does not match the current version \"{current_version}\"; reload and retry"),
        )
    }

    /// One invalid field (HTTP 422).
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        ApiError {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "the request has invalid fields",
            )
        }
    }

    /// A failure that is ours, not the caller's: logged in full, shown as a generic 500.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an unexpected error occurred; it has been logged",
        )
    }

    /// 405 for a known path asked with a method it does not take.
    pub fn method_not_allowed(allow: Vec<actix_web::http::Method>) -> Self {
        ApiError {
            allow,
            ..ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this resource does not take that method; `Allow` lists the ones it does",
            )
        }
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_seconds = Some(seconds);
        self
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// A lost optimistic-concurrency race, which a handler may retry.
    pub fn is_stale(&self) -> bool {
        self.code == "stale_version"
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:problem:helpdesk:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if matches!(
            self.status,
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
        ) {
            // The unread rest of the body is still on the connection: do not reuse it.
            response.force_close();
        }
        if !self.allow.is_empty() {
            let allow: Vec<&str> = self.allow.iter().map(|m| m.as_str()).collect();
            response.insert_header((header::ALLOW, allow.join(", ")));
        }
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::InvalidTransition(rule) => {
                Self::new(StatusCode::CONFLICT, "invalid_transition", rule)
            }
            DomainError::Forbidden(reason) => Self::forbidden(reason),
            DomainError::NotVisible => Self::not_found(),
            DomainError::Invalid { field, message } => Self::invalid(&field, message),
        }
    }
}

impl From<RepoError> for ApiError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::NotFound => Self::not_found(),
            RepoError::Conflict(detail) => Self::conflict(detail),
            RepoError::StaleVersion => Self::new(
                StatusCode::CONFLICT,
                "stale_version",
                "the ticket was changed by someone else at the same time; reload and retry",
            ),
            RepoError::InvalidCursor => ApiError {
                errors: vec![FieldError {
                    field: "cursor".into(),
                    message: "is not a cursor this list produced".into(),
                }],
                ..Self::bad_request("the cursor is invalid")
            },
            RepoError::Unavailable(detail) => {
                tracing::error!(%detail, "database unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; retry shortly",
                )
                .with_retry_after(5)
            }
            other @ (RepoError::TicketNumberTaken | RepoError::Corrupt(_) | RepoError::Db(_)) => {
                Self::internal(other)
            }
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        RepoError::from(error).into()
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        let mut fields = Vec::new();
        collect_field_errors("", &errors, &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        Self::validation(fields)
    }
}

/// Flattens nested validation errors into `requester.email`-style field paths.
fn collect_field_errors(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|error| {
                FieldError {
                    field: path.clone(),
                    message: error
                        .message
                        .as_ref()
                        .map_or_else(|| error.code.to_string(), ToString::to_string),
                }
            })),
            ValidationErrorsKind::Struct(nested) => collect_field_errors(&path, nested, out),
            ValidationErrorsKind::List(items) => {
                for (index, nested) in items {
                    collect_field_errors(&format!("{path}[{index}]"), nested, out);
                }
            }
        }
    }
}
