//! Idempotency keys: the first request with a caller's key records a fingerprint of itself, and once
//! done its response; for 24 hours a repeat gets that response again and creates nothing. A claim
//! carries a token, and only its holder may complete or release it, so a request that outlives its
//! claim (it is taken over after a minute) can never store a second result.

use crate::connection::DbConnection;
use crate::error::{is_unique_violation_of, RepoError, RepoResult};
use crate::schema::idempotency_keys;
use crate::time::{from_db, to_db};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;
/// A request in progress longer than this was abandoned (its process died): the key is free again.
pub const ABANDONED_AFTER_SECONDS: i64 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

/// What a request with a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// Claimed with the token given: go ahead, then complete or release the key.
    Fresh,
    /// Done before with the same request: answer with this.
    Replay(StoredResponse),
    /// The same key with another request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

type Row = (
    String,
    String,
    Option<i32>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

/// The row of one caller's key.
type ByKey<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        idempotency_keys::table,
        diesel::dsl::Eq<idempotency_keys::caller, &'a str>,
    >,
    diesel::dsl::Eq<idempotency_keys::key, &'a str>,
>;

fn by_key<'a>(caller: &'a str, key: &'a str) -> ByKey<'a> {
    idempotency_keys::table
        .filter(idempotency_keys::caller.eq(caller))
        .filter(idempotency_keys::key.eq(key))
}

fn find(connection: &mut DbConnection, caller: &str, key: &str) -> RepoResult<Option<Row>> {
    Ok(by_key(caller, key)
        .select((
            idempotency_keys::fingerprint,
            idempotency_keys::token,
            idempotency_keys::status,
            idempotency_keys::location,
            idempotency_keys::body,
            idempotency_keys::created_at,
        ))
        .first::<Row>(connection)
        .optional()?)
}

/// Claims `key` for a request with `fingerprint` under `token`, or says why not. Call it in its own
/// transaction, so that a concurrent duplicate sees the claim.
pub fn begin(
    connection: &mut DbConnection,
    caller: &str,
    key: &str,
    fingerprint: &str,
    token: &str,
    now: DateTime<Utc>,
) -> RepoResult<KeyState> {
    for _ in 0..3 {
        let Some((stored, held_by, status, location, body, created_at)) =
            find(connection, caller, key)?
        else {
            let inserted = connection.transaction(|savepoint| {
                diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::caller.eq(caller),
                        idempotency_keys::key.eq(key),
                        idempotency_keys::fingerprint.eq(fingerprint),
                        idempotency_keys::token.eq(token),
                        idempotency_keys::created_at.eq(to_db(now)),
                    ))
                    .execute(savepoint)
            });
            match inserted {
                Ok(_) => return Ok(KeyState::Fresh),
                // A concurrent request claimed it first: look again.
                Err(error) if is_unique_violation_of(&error, "key") => continue,
                Err(error) => return Err(error.into()),
            }
        };
        let age = now - from_db(created_at);
        if age > Duration::hours(RETENTION_HOURS) {
            diesel::delete(by_key(caller, key).filter(idempotency_keys::token.eq(&held_by)))
                .execute(connection)?;
            continue;
        }
        if stored != fingerprint {
            return Ok(KeyState::Mismatch);
        }
        return Ok(match status {
            Some(status) => KeyState::Replay(StoredResponse {
                status: u16::try_from(status).unwrap_or(500),
                location,
                body: body.unwrap_or_default(),
            }),
            None if age > Duration::seconds(ABANDONED_AFTER_SECONDS) => {
                // Take over from the holder we saw, and only from it: of two takers, one wins.
                let taken = diesel::update(
                    by_key(caller, key)
                        .filter(idempotency_keys::token.eq(&held_by))
                        .filter(idempotency_keys::status.is_null()),
                )
                .set((
                    idempotency_keys::token.eq(token),
                    idempotency_keys::created_at.eq(to_db(now)),
                ))
                .execute(connection)?;
                if taken == 1 {
                    KeyState::Fresh
                } else {
                    KeyState::InProgress
                }
            }
            None => KeyState::InProgress,
        });
    }
    Ok(KeyState::InProgress)
}

/// Records the response of the request holding `token` (in the transaction that did the work). An
/// error when the claim was taken over meanwhile: the caller's transaction must not commit.
pub fn complete(
    connection: &mut DbConnection,
    caller: &str,
    key: &str,
    token: &str,
    response: &StoredResponse,
) -> RepoResult<()> {
    let written = diesel::update(
        by_key(caller, key)
            .filter(idempotency_keys::token.eq(token))
            .filter(idempotency_keys::status.is_null()),
    )
    .set((
        idempotency_keys::status.eq(i32::from(response.status)),
        idempotency_keys::location.eq(&response.location),
        idempotency_keys::body.eq(&response.body),
    ))
    .execute(connection)?;
    if written == 1 {
        Ok(())
    } else {
        Err(RepoError::Conflict(
            "the Idempotency-Key was taken over by a retry; this request is abandoned".into(),
        ))
    }
}

/// Frees `key` after its request failed, so that the client may retry with it (only the holder's claim).
pub fn release(
    connection: &mut DbConnection,
    caller: &str,
    key: &str,
    token: &str,
) -> RepoResult<()> {
    diesel::delete(
        by_key(caller, key)
            .filter(idempotency_keys::token.eq(token))
            .filter(idempotency_keys::status.is_null()),
    )
    .execute(connection)?;
    Ok(())
}

/// Forgets keys older than the retention period.
pub fn purge_expired(connection: &mut DbConnection, now: DateTime<Utc>) -> RepoResult<usize> {
    let before = to_db(now - Duration::hours(RETENTION_HOURS));
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(connection)?,
    )
}
