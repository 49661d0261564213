use crate::dto::validate_name;
use chrono::{DateTime, Utc};
use helpdesk_domain::user::User;
use helpdesk_domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"email": "jane@example.com", "password": "jane-password"}))]
pub struct LoginRequest {
    #[validate(
        length(min = 1, max = 254),
        custom(function = "crate::dto::validate_plain")
    )]
    pub email: String,
    #[validate(length(min = 1, max = 256))]
    pub password: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Ken Adams", "email": "ken@example.com", "password": "a long passphrase"}))]
pub struct RegisterRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    #[validate(email(message = "must be an email address"), length(max = 254))]
    pub email: String,
    #[validate(length(min = 8, max = 256, message = "must be 8 to 256 characters"))]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub user: UserResponse,
}

/// A person, as `/me` and login show them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: i64,
    pub name: String,
    pub email: String,
    #[schema(schema_with = crate::dto::enums::role)]
    pub role: Role,
    pub active: bool,
    /// The departments of an agent; empty for customers.
    pub department_ids: Vec<i64>,
    pub created_at: DateTime<Utc>,
}

impl UserResponse {
    pub fn new(user: User, department_ids: Vec<i64>) -> Self {
        UserResponse {
            id: user.id,
            name: user.name,
            email: user.email,
            role: user.role,
            active: user.active,
            department_ids,
            created_at: user.created_at,
        }
    }
}
