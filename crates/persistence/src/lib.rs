//! Helpdesk's storage on SQLite (the embedded default) and PostgreSQL (production), one codebase.
//!
//! Repositories are plain functions over a [`DbConnection`]; they return domain types. A
//! [`Database`] hands out connections from a pool and runs each write in one transaction.

pub mod api_keys;
pub mod attachments;
pub mod backlog;
pub mod blobs;
pub mod bulk;
pub mod business_hours;
pub mod connection;
pub mod database;
pub mod error;
pub mod events;
pub mod explain;
pub mod group_commit;
pub mod idempotency;
pub mod inbound_emails;
pub mod messages;
pub mod migrations;
pub mod org;
pub mod outbound_emails;
pub mod pagination;
pub mod schema;
pub mod search;
pub mod settings;
pub mod sla_breaches;
pub mod testing;
pub mod tickets;
pub mod time;
pub mod users;
pub mod wal_checkpoint;
pub mod webhooks;

pub use connection::{Backend, DbConnection};
pub use database::Database;
pub use error::RepoError;
pub use pagination::{Page, PageRequest};
