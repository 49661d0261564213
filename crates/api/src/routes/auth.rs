use crate::auth::caller::Caller;
use crate::dto::auth::{LoginRequest, RegisterRequest, TokenResponse, UserResponse};
use crate::error::ApiError;
use crate::extract::ValidJson;
use crate::openapi::{
    BadRequest, Conflict, Forbidden, TooManyRequests, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use helpdesk_domain::user::normalize_email;
use helpdesk_domain::Role;
use helpdesk_persistence::users::{self, NewUser};
use std::net::{IpAddr, Ipv4Addr};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(config: &mut ServiceConfig) {
    config.service(login).service(register).service(me);
}

/// Signs in with email and password. A failure never says whether the email exists. Attempts are
/// throttled per account and per client address (429 with `Retry-After`, before any password check).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses((status = 200, description = "An access token", body = TokenResponse), BadRequest, Unauthorized, UnsupportedMediaType, Unprocessable, TooManyRequests),
    security(())
)]
#[post("/auth/login")]
async fn login(
    http: HttpRequest,
    state: web::Data<AppState>,
    ValidJson(request): ValidJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = normalize_email(&request.email);
    let address = client_address(&http, state.config.trust_proxy);
    state
        .login_throttle
        .attempt(&email, address)
        .map_err(too_many_attempts)?;
    let found = state
        .read(move |c| Ok(users::find_credentials(c, &email)?))
        .await?;
    // The hash is checked even for an unknown email, so every failure takes the same time.
    let stored = found.as_ref().and_then(|(_, hash)| hash.clone());
    let verified = state.passwords.verify(request.password, stored).await?;
    let user = match found {
        Some((user, _)) if verified && user.active => user,
        _ => return Err(ApiError::unauthorized("invalid email or password")),
    };
    let user_id = user.id;
    let department_ids = state
        .read(move |c| Ok(users::department_ids_of(c, user_id)?))
        .await?;
    let token = state
        .jwt
        .issue(user.id, user.role.as_str(), state.clock.now())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.ttl().num_seconds(),
        user: UserResponse::new(user, department_ids),
    }))
}

/// Creates a customer account (unless self-registration is turned off).
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses((status = 201, description = "The new customer", body = UserResponse), BadRequest, Forbidden, Conflict, UnsupportedMediaType, Unprocessable, TooManyRequests),
    security(())
)]
#[post("/auth/register")]
async fn register(
    http: HttpRequest,
    state: web::Data<AppState>,
    ValidJson(request): ValidJson<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    if !state.config.allow_registration {
        return Err(ApiError::forbidden(
            "self-registration is turned off on this help desk",
        ));
    }
    // Registering hashes a password too: it shares the address's login budget.
    state
        .login_throttle
        .attempt_address(client_address(&http, state.config.trust_proxy))
        .map_err(too_many_attempts)?;
    let now = state.clock.now();
    let password_hash = state.passwords.hash(request.password.clone()).await?;
    let user = state
        .write(move |connection| {
            let new_user = NewUser {
                name: request.name.trim().to_owned(),
                email: normalize_email(&request.email),
                role: Role::Customer,
                password_hash: Some(password_hash),
            };
            Ok(users::insert_user(connection, &new_user, now)?)
        })
        .await?;
    Ok(HttpResponse::Created().json(UserResponse::new(user, Vec::new())))
}

/// The caller.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "The signed-in person", body = UserResponse), Unauthorized, Forbidden),
    security(("bearer" = []))
)]
#[get("/me")]
async fn me(caller: Caller) -> Result<HttpResponse, ApiError> {
    let user = caller.user.ok_or_else(|| {
        ApiError::forbidden("an API key is not a person; /me is for signed-in people")
    })?;
    let department_ids = match caller.actor {
        helpdesk_domain::Actor::Agent { department_ids, .. } => department_ids,
        _ => Vec::new(),
    };
    Ok(HttpResponse::Ok().json(UserResponse::new(user, department_ids)))
}

/// The client's address: the connection's peer; behind a trusted proxy, the address that proxy appended
/// to `X-Forwarded-For` (the last entry: anything before it the client may have written itself).
fn client_address(http: &HttpRequest, trust_proxy: bool) -> IpAddr {
    let peer = http
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |socket| socket.ip());
    if !trust_proxy {
        return peer;
    }
    http.headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .last()
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer)
}

fn too_many_attempts(seconds: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "too many attempts; try again later",
    )
    .with_retry_after(seconds)
}
