//! Helpdesk's HTTP API: thin actix-web handlers over the domain rules and the repositories, with
//! RFC 9457 errors and an OpenAPI document built from the very routes that serve traffic.

pub mod app;
pub mod auth;
pub mod bootstrap;
pub mod clock;
pub mod config;
pub mod dto;
pub mod error;
pub mod extract;
pub mod file_sweep;
pub mod guard;
pub mod idempotency;
pub mod known_paths;
pub mod mail_intake;
pub mod mail_notifier;
pub mod metrics;
pub mod openapi;
pub mod request_log;
pub mod routes;
pub mod sla_service;
pub mod state;
pub mod uploads;
pub mod webhook_delivery;

pub use app::{build_app, openapi_document};
pub use clock::Clock;
pub use config::Config;
pub use state::AppState;
