//! Integrators' API keys. Only a SHA-256 hash of each key is stored: keys are long and random, so a
//! hash lookup is as safe as a slow password hash and costs nothing per request.

use crate::connection::DbConnection;
use crate::error::{RepoError, RepoResult};
use crate::pagination::{Cursor, Page, PageRequest};
use crate::schema::api_keys;
use crate::time::{from_db, opt_from_db, to_db};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, so people can tell keys apart.
    pub prefix: String,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

type Row = (
    i64,
    String,
    String,
    Option<i64>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

const COLUMNS: (
    api_keys::id,
    api_keys::name,
    api_keys::key_prefix,
    api_keys::created_by,
    api_keys::created_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
) = (
    api_keys::id,
    api_keys::name,
    api_keys::key_prefix,
    api_keys::created_by,
    api_keys::created_at,
    api_keys::last_used_at,
    api_keys::revoked_at,
);

fn record(
    (id, name, prefix, created_by, created_at, last_used_at, revoked_at): Row,
) -> ApiKeyRecord {
    ApiKeyRecord {
        id,
        name,
        prefix,
        created_by,
        created_at: from_db(created_at),
        last_used_at: opt_from_db(last_used_at),
        revoked_at: opt_from_db(revoked_at),
    }
}

pub fn insert_api_key(
    connection: &mut DbConnection,
    name: &str,
    key_hash: &str,
    prefix: &str,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> RepoResult<ApiKeyRecord> {
    let id = diesel::insert_into(api_keys::table)
        .values((
            api_keys::name.eq(name),
            api_keys::key_hash.eq(key_hash),
            api_keys::key_prefix.eq(prefix),
            api_keys::created_by.eq(created_by),
            api_keys::created_at.eq(to_db(now)),
        ))
        .returning(api_keys::id)
        .get_result::<i64>(connection)?;
    find_api_key(connection, id)
}

pub fn find_api_key(connection: &mut DbConnection, id: i64) -> RepoResult<ApiKeyRecord> {
    Ok(record(
        api_keys::table
            .find(id)
            .select(COLUMNS)
            .first::<Row>(connection)?,
    ))
}

/// The unrevoked key with this hash.
pub fn find_active_api_key(
    connection: &mut DbConnection,
    key_hash: &str,
) -> RepoResult<Option<ApiKeyRecord>> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(key_hash))
        .filter(api_keys::revoked_at.is_null())
        .select(COLUMNS)
        .first::<Row>(connection)
        .optional()?
        .map(record))
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
    let items = rows.into_iter().map(record).collect();
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
