use diesel::result::{DatabaseErrorKind, Error as DieselError};
use thiserror::Error;

/// What can go wrong in storage, in terms the API maps to HTTP.
#[derive(Debug, Error)]
pub enum RepoError {
    #[error("not found")]
    NotFound,
    /// A unique or foreign-key rule refused the write (a duplicate, or a record still in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The row changed since it was read (optimistic concurrency).
    #[error("the record was changed by someone else")]
    StaleVersion,
    /// The random ticket number is taken; the caller retries with another.
    #[error("the ticket number is taken")]
    TicketNumberTaken,
    #[error("the cursor is not one this list produced")]
    InvalidCursor,
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(DieselError),
}

impl From<DieselError> for RepoError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => RepoError::NotFound,
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => {
                    RepoError::Conflict(format!("already exists ({})", info.message()))
                }
                DatabaseErrorKind::ForeignKeyViolation => RepoError::Conflict(format!(
                    "still referenced or refers to nothing ({})",
                    info.message()
                )),
                other => RepoError::Db(DieselError::DatabaseError(other, info)),
            },
            other => RepoError::Db(other),
        }
    }
}

impl From<r2d2::Error> for RepoError {
    fn from(error: r2d2::Error) -> Self {
        RepoError::Unavailable(error.to_string())
    }
}

pub type RepoResult<T> = Result<T, RepoError>;

/// Turns an affected-row count of a write by id into `NotFound` when nothing was there.
pub fn expect_one(affected: usize) -> RepoResult<()> {
    if affected == 0 {
        Err(RepoError::NotFound)
    } else {
        Ok(())
    }
}

/// Is `error` a unique violation on `column`? PostgreSQL names the constraint (`tickets_number_key`),
/// SQLite the column (`UNIQUE constraint failed: tickets.number`).
pub fn is_unique_violation_of(error: &DieselError, column: &str) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name()
                .is_some_and(|name| name.contains(column))
                || info.message().contains(&format!(".{column}"))
        }
        _ => false,
    }
}
