//! OpenAPI schemas for the domain's enumerations (the domain crate knows nothing of utoipa), listing
//! exactly the values the domain accepts.

use helpdesk_domain::{ActorType, AuthorType, Priority, Role, Status, TicketSource};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::Object;

fn string_enum(values: impl IntoIterator<Item = &'static str>, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .build()
}

pub fn status() -> Object {
    string_enum(Status::ALL.iter().map(|s| s.as_str()), "open, pending (waiting on the customer), on_hold (waiting on a third party), resolved or closed")
}

pub fn priority() -> Object {
    string_enum(
        Priority::ALL.iter().map(|p| p.as_str()),
        "low, normal, high or urgent",
    )
}

pub fn role() -> Object {
    string_enum(
        Role::ALL.iter().map(|r| r.as_str()),
        "customer, agent or admin",
    )
}

pub fn author_type() -> Object {
    string_enum(
        AuthorType::ALL.iter().map(|a| a.as_str()),
        "who wrote the message",
    )
}

pub fn actor_type() -> Object {
    string_enum(
        ActorType::ALL.iter().map(|a| a.as_str()),
        "who caused the event",
    )
}

pub fn source() -> Object {
    string_enum(
        TicketSource::ALL.iter().map(|s| s.as_str()),
        "the channel the ticket came through",
    )
}

pub fn status_list() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .items(status())
        .build()
}
