//! `Idempotency-Key` on the POSTs that create something. The first request with a key claims it (in
//! its own transaction, so a concurrent duplicate sees the claim and gets 409), does its work and
//! records its response in one transaction; a repeat within 24 hours gets that response again
//! (`Idempotent-Replayed: true`) and creates nothing; the same key with another body is a 422.

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use helpdesk_domain::Actor;
use helpdesk_persistence::idempotency::{self, KeyState, StoredResponse};
use helpdesk_persistence::DbConnection;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const HEADER: &str = "Idempotency-Key";

/// A claimed or claimable key of one caller.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    caller: String,
    key: String,
    fingerprint: String,
    /// This request's claim: only it may complete or release the key.
    token: String,
}

impl IdempotencyKey {
    /// The request's key, if it sent one: scoped to the caller, fingerprinted by route and body.
    pub fn from_request(
        request: &HttpRequest,
        actor: &Actor,
        body: &impl Serialize,
    ) -> Result<Option<Self>, ApiError> {
        let Some(value) = request.headers().get(HEADER) else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|key| {
                (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
            })
            .ok_or_else(|| {
                ApiError::bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters")
            })?;
        let caller = match actor {
            Actor::ApiKey { id, .. } => format!("api_key:{id}"),
            other => format!("user:{}", other.id().unwrap_or_default()),
        };
        let mut digest = Sha256::new();
        digest.update(request.method().as_str());
        digest.update(request.path());
        digest.update(serde_json::to_vec(body).map_err(ApiError::internal)?);
        Ok(Some(IdempotencyKey {
            caller,
            key: key.to_owned(),
            fingerprint: hex::encode(digest.finalize()),
            token: hex::encode(rand::random::<[u8; 16]>()),
        }))
    }

    /// Claims the key. `Some(response)` answers the request at once: a replay, or why it cannot run.
    pub async fn claim(
        &self,
        state: &AppState,
        now: DateTime<Utc>,
    ) -> Result<Option<HttpResponse>, ApiError> {
        let this = self.clone();
        let claimed = state
            .write(move |c| {
                Ok(idempotency::begin(
                    c,
                    &this.caller,
                    &this.key,
                    &this.fingerprint,
                    &this.token,
                    now,
                )?)
            })
            .await?;
        match claimed {
            KeyState::Fresh => Ok(None),
            KeyState::Replay(stored) => Ok(Some(replay(&stored))),
            KeyState::Mismatch => Err(ApiError::invalid(
                "Idempotency-Key",
                "was used before with a different request; use a new key for a new request",
            )),
            KeyState::InProgress => Err(ApiError::new(
                StatusCode::CONFLICT,
                "idempotency_key_in_use",
                "a request with this Idempotency-Key is still in progress; retry in a moment",
            )
            .with_retry_after(1)),
        }
    }

    /// Records the response, inside the transaction that did the work.
    pub fn complete(
        &self,
        c: &mut DbConnection,
        status: StatusCode,
        location: Option<&str>,
        body: &impl Serialize,
    ) -> Result<(), ApiError> {
        let stored = StoredResponse {
            status: status.as_u16(),
            location: location.map(str::to_owned),
            body: serde_json::to_string(body).map_err(ApiError::internal)?,
        };
        Ok(idempotency::complete(
            c,
            &self.caller,
            &self.key,
            &self.token,
            &stored,
        )?)
    }

    /// Frees the key after the work failed, so that the client may retry with it.
    pub async fn release(&self, state: &AppState) {
        let this = self.clone();
        if let Err(error) = state
            .write(move |c| {
                Ok(idempotency::release(
                    c,
                    &this.caller,
                    &this.key,
                    &this.token,
                )?)
            })
            .await
        {
            tracing::warn!(%error, "could not release an idempotency key; it frees itself after a minute");
        }
    }
}

fn replay(stored: &StoredResponse) -> HttpResponse {
    let mut response =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    response.insert_header((header::CONTENT_TYPE, "application/json"));
    response.insert_header(("Idempotent-Replayed", "true"));
    if let Some(location) = &stored.location {
        response.insert_header((header::LOCATION, location.clone()));
    }
    response.body(stored.body.clone())
}
