//! Installation settings kept in the database, such as the generated JWT secret of the SQLite default.

use crate::connection::DbConnection;
use crate::error::RepoResult;
use crate::schema::settings;
use diesel::prelude::*;

pub fn get_setting(connection: &mut DbConnection, key: &str) -> RepoResult<Option<String>> {
    Ok(settings::table
        .find(key)
        .select(settings::value)
        .first::<String>(connection)
        .optional()?)
}

/// Returns the stored value of `key`, storing `make()` first if there is none. Call it in a write.
pub fn get_or_insert_setting(
    connection: &mut DbConnection,
    key: &str,
    make: impl FnOnce() -> String,
) -> RepoResult<String> {
    if let Some(value) = get_setting(connection, key)? {
        return Ok(value);
    }
    let value = make();
    diesel::insert_into(settings::table)
        .values((settings::key.eq(key), settings::value.eq(&value)))
        .execute(connection)?;
    Ok(value)
}
