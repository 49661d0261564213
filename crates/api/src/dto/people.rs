use crate::dto::validate_name;
use helpdesk_domain::user::{Agent, User};
use helpdesk_domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// A staff member: role `agent` or `admin`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentResponse {
    pub id: i64,
    pub name: String,
    pub email: String,
    #[schema(schema_with = crate::dto::enums::role)]
    pub role: Role,
    pub department_ids: Vec<i64>,
    pub team_ids: Vec<i64>,
    pub active: bool,
}

impl From<Agent> for AgentResponse {
    fn from(agent: Agent) -> Self {
        AgentResponse {
            id: agent.user.id,
            name: agent.user.name,
            email: agent.user.email,
            role: agent.user.role,
            department_ids: agent.department_ids,
            team_ids: agent.team_ids,
            active: agent.user.active,
        }
    }
}

/// Staff roles that `/agents` accepts.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Agent,
    Admin,
}

impl From<StaffRole> for Role {
    fn from(role: StaffRole) -> Role {
        match role {
            StaffRole::Agent => Role::Agent,
            StaffRole::Admin => Role::Admin,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "John Doe", "email": "john@example.com", "password": "a long passphrase", "department_ids": [1, 2]}))]
pub struct CreateAgentRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    #[validate(email(message = "must be an email address"), length(max = 254))]
    pub email: String,
    #[validate(length(min = 8, max = 256, message = "must be 8 to 256 characters"))]
    pub password: String,
    /// `agent` (default) or `admin`.
    pub role: Option<StaffRole>,
    #[serde(default)]
    #[validate(length(max = 100))]
    pub department_ids: Vec<i64>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateAgentRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: Option<String>,
    #[validate(email(message = "must be an email address"), length(max = 254))]
    pub email: Option<String>,
    #[validate(length(min = 8, max = 256, message = "must be 8 to 256 characters"))]
    pub password: Option<String>,
    pub role: Option<StaffRole>,
    #[validate(length(max = 100))]
    pub department_ids: Option<Vec<i64>>,
    /// `false` deactivates: the agent can no longer sign in and their tokens stop working.
    pub active: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerResponse {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub active: bool,
}

impl From<User> for CustomerResponse {
    fn from(user: User) -> Self {
        CustomerResponse {
            id: user.id,
            name: user.name,
            email: user.email,
            active: user.active,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Ken Adams", "email": "ken@example.com"}))]
pub struct CreateCustomerRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    #[validate(email(message = "must be an email address"), length(max = 254))]
    pub email: String,
    /// Optional: without one the customer cannot sign in until a password is set.
    #[validate(length(min = 8, max = 256, message = "must be 8 to 256 characters"))]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateCustomerRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: Option<String>,
    #[validate(email(message = "must be an email address"), length(max = 254))]
    pub email: Option<String>,
    #[validate(length(min = 8, max = 256, message = "must be 8 to 256 characters"))]
    pub password: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomerSearch {
    /// Part of a name or email, case-insensitive.
    #[validate(length(max = 200), custom(function = "crate::dto::validate_plain"))]
    pub q: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[validate(range(min = 1, max = 200))]
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[validate(length(max = 200))]
    pub cursor: Option<String>,
}
