//! Who is calling: the [`Caller`] extractor authenticates a request by bearer token or API key and
//! resolves it to a domain [`Actor`] with the caller's current role and departments.

use crate::auth::api_key::hash_key;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Duration;
use futures_util::future::LocalBoxFuture;
use helpdesk_domain::user::User;
use helpdesk_domain::{Actor, Role};
use helpdesk_persistence::{api_keys, users, RepoError};

pub const API_KEY_HEADER: &str = "X-API-Key";

/// The authenticated caller. Extracting it from an unauthenticated request is a 401.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    /// The person's name, or the API key's, as messages show it.
    pub name: String,
    /// The person behind the call; `None` for an API key.
    pub user: Option<User>,
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = request.app_data::<web::Data<AppState>>().cloned();
        let header_text = |name| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let api_key = header_text(header::HeaderName::from_static("x-api-key"));
        let authorization = header_text(header::AUTHORIZATION);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::internal("application state is not configured"))?;
            let caller = match (api_key, authorization) {
                (Some(key), _) => authenticate_api_key(&state, key).await?,
                (None, Some(authorization)) => authenticate_bearer(&state, &authorization).await?,
                (None, None) => {
                    return Err(ApiError::unauthorized(
                        "send `Authorization: Bearer <token>` or `X-API-Key: <key>`",
                    )
                    .into())
                }
            };
            Ok(caller)
        })
    }
}

async fn authenticate_bearer(state: &AppState, authorization: &str) -> Result<Caller, ApiError> {
    let token = authorization
        .strip_prefix("Bearer ")
        .or_else(|| authorization.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be `Bearer <token>`")
        })?;
    let user_id = state
        .jwt
        .verify(token.trim(), state.clock.now())
        .ok_or_else(|| ApiError::unauthorized("the access token is invalid or expired"))?;
    state
        .read(move |connection| {
            let user = match users::find_user(connection, user_id) {
                Err(RepoError::NotFound) => {
                    return Err(ApiError::unauthorized("the account no longer exists"))
                }
                other => other?,
            };
            if !user.active {
                return Err(ApiError::unauthorized("the account is deactivated"));
            }
            let actor = match user.role {
                Role::Customer => Actor::Customer { id: user.id },
                Role::Admin => Actor::Admin { id: user.id },
                Role::Agent => Actor::Agent {
                    id: user.id,
                    department_ids: users::department_ids_of(connection, user.id)?,
                },
            };
            Ok(Caller {
                actor,
                name: user.name.clone(),
                user: Some(user),
            })
        })
        .await
}

async fn authenticate_api_key(state: &AppState, key: String) -> Result<Caller, ApiError> {
    let (hash, now) = (hash_key(key.trim()), state.clock.now());
    let record = state
        .read(move |connection| Ok(api_keys::find_active_api_key(connection, &hash, now)?))
        .await?
        .ok_or_else(|| ApiError::unauthorized("the API key is invalid, expired or revoked"))?;
    // Record use at most once a minute: a write on every request would serialise reads on SQLite.
    if record
        .last_used_at
        .is_none_or(|last| now - last > Duration::minutes(1))
    {
        let id = record.id;
        state
            .write(move |connection| Ok(api_keys::touch_api_key(connection, id, now)?))
            .await?;
    }
    Ok(Caller {
        actor: Actor::ApiKey {
            id: record.id,
            scopes: record.scopes,
        },
        name: record.name,
        user: None,
    })
}
