use crate::auth::api_key::{generate_key, hash_key, PREFIX_LENGTH};
use crate::auth::caller::Caller;
use crate::dto::api_keys::{ApiKeyResponse, CreateApiKeyRequest, CreatedApiKeyResponse};
use crate::dto::{PageOf, PageQuery};
use crate::error::ApiError;
use crate::extract::{ValidJson, ValidQuery};
use crate::openapi::{
    BadRequest, Forbidden, NotFound, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::routes::read_json;
use crate::state::AppState;
use actix_web::{delete, get, post, web, HttpResponse};
use helpdesk_domain::permissions::{ensure, Action};
use helpdesk_domain::Scope;
use helpdesk_persistence::api_keys::{self, NewApiKey};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config
        .service(list_api_keys)
        .service(create_api_key)
        .service(revoke_api_key);
}

#[utoipa::path(
    tag = "api-keys",
    params(PageQuery),
    responses((status = 200, description = "A page of keys (never the keys themselves)", body = PageOf<ApiKeyResponse>), BadRequest, Unauthorized, Forbidden),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/api-keys")]
async fn list_api_keys(
    state: web::Data<AppState>,
    caller: Caller,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    read_json(
        &state,
        &caller,
        Action::ManageApiKeys,
        move |c| api_keys::list_api_keys(c, &page.to_request()),
        |page| PageOf::from_page(page, ApiKeyResponse::from),
    )
    .await
}

/// Creates a key for an integrator. The response is the only time the key is shown.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKeyRequest,
    responses((status = 201, description = "The new key, shown once", body = CreatedApiKeyResponse), BadRequest, Unauthorized, Forbidden, UnsupportedMediaType, Unprocessable),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/api-keys")]
async fn create_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    ValidJson(request): ValidJson<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageApiKeys)?;
    let now = state.clock.now();
    if request.expires_at.is_some_and(|expiry| expiry <= now) {
        return Err(ApiError::invalid("expires_at", "must be in the future"));
    }
    let key = generate_key();
    let (hash, prefix) = (hash_key(&key), key[..PREFIX_LENGTH].to_owned());
    let created_by = caller.actor.user_id();
    let mut scopes = request
        .scopes
        .clone()
        .unwrap_or_else(|| Scope::TICKETS.to_vec());
    scopes.sort();
    scopes.dedup();
    let record = state
        .write(move |c| {
            let new_key = NewApiKey {
                name: request.name.trim(),
                key_hash: &hash,
                prefix: &prefix,
                scopes: &scopes,
                expires_at: request.expires_at,
                created_by,
            };
            Ok(api_keys::insert_api_key(c, &new_key, now)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedApiKeyResponse {
        id: record.id,
        name: record.name,
        key,
        scopes: record.scopes,
        expires_at: record.expires_at,
    }))
}

/// Revokes a key for good.
#[utoipa::path(
    tag = "api-keys",
    params(("id" = i64, Path, description = "API key id")),
    responses((status = 204, description = "Revoked"), Unauthorized, Forbidden, NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/api-keys/{id}")]
async fn revoke_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    ensure(&caller.actor, Action::ManageApiKeys)?;
    let (id, now) = (id.into_inner(), state.clock.now());
    state
        .write(move |c| Ok(api_keys::revoke_api_key(c, id, now)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
