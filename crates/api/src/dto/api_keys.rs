use crate::dto::validate_name;
use chrono::{DateTime, Utc};
use helpdesk_domain::Scope;
use helpdesk_persistence::api_keys::ApiKeyRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "monitoring"}))]
pub struct CreateApiKeyRequest {
    #[validate(custom(function = "validate_name"))]
    pub name: String,
    /// Any of `tickets:create`, `tickets:read`, `tickets:write`, `admin`; default: the three tickets scopes.
    #[validate(length(min = 1, max = 4))]
    #[schema(value_type = Option<Vec<String>>, example = json!(["tickets:create", "tickets:read"]))]
    pub scopes: Option<Vec<Scope>>,
    /// When the key stops working; never if absent.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: i64,
    pub name: String,
    /// The key's first characters, to tell keys apart.
    pub prefix: String,
    #[schema(value_type = Vec<String>, example = json!(["tickets:create", "tickets:read", "tickets:write"]))]
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKeyRecord> for ApiKeyResponse {
    fn from(key: ApiKeyRecord) -> Self {
        ApiKeyResponse {
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            scopes: key.scopes,
            created_at: key.created_at,
            expires_at: key.expires_at,
            last_used_at: key.last_used_at,
            revoked_at: key.revoked_at,
        }
    }
}

/// A new key. `key` is shown this once; only its hash is stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyResponse {
    pub id: i64,
    pub name: String,
    /// Send it as `X-API-Key`.
    pub key: String,
    #[schema(value_type = Vec<String>)]
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
}
