//! Integrators' API keys. Only a SHA-256 hash of each key is stored: keys are long and random, so a
//! hash lookup is as safe as a slow password hash and costs nothing per request.

use crate::connection::DbConnection;
use crate::error::{RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::api_keys;
use crate::time::{from_db, opt_from_db, opt_to_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use helpdesk_domain::Scope;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, so people can tell keys apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What a new key is.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub key_hash: &'a str,
    pub prefix: &'a str,
    pub scopes: &'a [Scope],
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<i64>,
}

type Row = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

const COLUMNS: (
    api_keys::id,
    api_keys::name,
    api_keys::key_prefix,
    api_keys::scopes,
    api_keys::created_by,
    api_keys::created_at,
    api_keys::expires_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
) = (
    api_keys::id,
    api_keys::name,
    api_keys::key_prefix,
    api_keys::scopes,
    api_keys::created_by,
    api_keys::created_at,
    api_keys::expires_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
);

fn record(
    (id, name, prefix, scopes, created_by, created_at, expires_at, last_used_at, revoked_at): Row,
) -> RepoResult<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id,
        name,
        prefix,
        scopes: scopes
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(RepoError::Corrupt)?,
        created_by,
        created_at: from_db(created_at),
        expires_at: opt_from_db(expires_at),
        last_used_at: opt_from_db(last_used_at),
        revoked_at: opt_from_db(revoked_at),
    })
}

fn scopes_text(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn insert_api_key(
    connection: &mut DbConnection,
    key: &NewApiKey<'_>,
    now: DateTime<Utc>,
) -> RepoResult<ApiKeyRecord> {
    let id = diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(key.name),
            api_keys::key_hash.eq(key.key_hash),
            api_keys::key_prefix.eq(key.prefix),
            api_keys::scopes.eq(scopes_text(key.scopes)),
            api_keys::expires_at.eq(opt_to_db(key.expires_at)),
            api_keys::created_by.eq(key.created_by),
            api_keys::created_at.eq(to_db(now)),
        ))
        .returning(api_keys::id)
        .get_result::<i64>(connection)?;
    find_api_key(connection, id)
}

pub fn find_api_key(connection: &mut DbConnection, id: i64) -> RepoResult<ApiKeyRecord> {
    record(
        api_keys::table
            .find(id)
            .select(COLUMNS)
            .first::<Row>(connection)?,
    )
}

/// The key with this hash, unless revoked or expired at `now`.
pub fn find_active_api_key(
    connection: &mut DbConnection,
    key_hash: &str,
    now: DateTime<Utc>,
) -> RepoResult<Option<ApiKeyRecord>> {
    api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .filter(
            api_keys::expires_at
                .is_null()
                .or(api_keys::expires_at.gt(to_db(now))),
        )
        .select(COLUMNS)
        .first::<Row>(connection)
        .optional()?
        .map(record)
        .transpose()
}

pub fn touch_api_key(connection: &mut DbConnection, id: i64, now: DateTime<Utc>) -> RepoResult<()> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(to_db(now)))
        .execute(connection)?;
    Ok(())
}

pub fn list_api_keys(
    connection: &mut DbConnection,
    page: &PageRequest,
) -> RepoResult<Page<ApiKeyRecord>> {
    let mut query = api_keys::table.select(COLUMNS).into_boxed();
    if let Some(after) = page.position()? {
        query = query.filter(api_keys::id.gt(after.id));
    }
    let rows = query
        .order(api_keys::id)
        .limit(page.limit() + 1)
        .load::<Row>(connection)?;
    let items = rows
        .into_iter()
        .map(record)
        .collect::<RepoResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit(), |k: &ApiKeyRecord| {
        Cursor { key: 0, id: k.id }
    }))
}

/// Revokes a key for good; `NotFound` if there is no such key or it was already revoked.
pub fn revoke_api_key(
    connection: &mut DbConnection,
    id: i64,
    now: DateTime<Utc>,
) -> RepoResult<()> {
    let affected = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(to_db(now)))
    .execute(connection)?;
    if affected == 0 {
        return Err(RepoError::NotFound);
    }
    Ok(())
}
