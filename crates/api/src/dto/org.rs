use crate::dto::{double_option, validate_name};
use helpdesk_domain::org::{Department, HelpTopic, Team};
use helpdesk_domain::Priority;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentResponse {
    pub id: i64,
    pub name: String,
    pub default_sla_plan_id: Option<i64>,
}

impl From<Department> for DepartmentResponse {
    fn from(d: Department) -> Self {
        DepartmentResponse {
            id: d.id,
            name: d.name,
            default_sla_plan_id: d.default_sla_plan_id,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Support", "default_sla_plan_id": 1}))]
pub struct CreateDepartmentRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    pub default_sla_plan_id: Option<i64>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateDepartmentRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: Option<String>,
    /// `null` removes the default plan.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub default_sla_plan_id: Option<Option<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamResponse {
    pub id: i64,
    pub name: String,
    pub department_id: i64,
    pub member_ids: Vec<i64>,
}

impl From<Team> for TeamResponse {
    fn from(t: Team) -> Self {
        TeamResponse {
            id: t.id,
            name: t.name,
            department_id: t.department_id,
            member_ids: t.member_ids,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Tier 2", "department_id": 2, "member_ids": [3]}))]
pub struct CreateTeamRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    pub department_id: i64,
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub member_ids: Vec<i64>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateTeamRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: Option<String>,
    pub department_id: Option<i64>,
    /// Replaces the members.
    #[validate(length(max = 1000))]
    pub member_ids: Option<Vec<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HelpTopicResponse {
    pub id: i64,
    pub name: String,
    pub department_id: i64,
    #[schema(schema_with = crate::dto::enums::priority)]
    pub default_priority: Priority,
    pub sla_plan_id: Option<i64>,
}

impl From<HelpTopic> for HelpTopicResponse {
    fn from(t: HelpTopic) -> Self {
        HelpTopicResponse {
            id: t.id,
            name: t.name,
            department_id: t.department_id,
            default_priority: t.default_priority,
            sla_plan_id: t.sla_plan_id,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Software", "department_id": 1, "default_priority": "normal", "sla_plan_id": 1}))]
pub struct CreateHelpTopicRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    pub department_id: i64,
    #[schema(schema_with = crate::dto::enums::priority)]
    pub default_priority: Option<Priority>,
    pub sla_plan_id: Option<i64>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateHelpTopicRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: Option<String>,
    pub department_id: Option<i64>,
    #[schema(schema_with = crate::dto::enums::priority)]
    pub default_priority: Option<Priority>,
    /// `null` removes the plan: the department's default applies.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>, nullable)]
    pub sla_plan_id: Option<Option<i64>>,
}
