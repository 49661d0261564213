//! Helpdesk's domain: the models and the rules of the ticket lifecycle.
//!
//! Everything here is a pure function of its inputs. There is no I/O, no database and no clock:
//! callers pass `now` in, which keeps every rule (and every SLA due date) exactly testable.

pub mod attachment;
pub mod calendar;
pub mod email;
pub mod enums;
pub mod error;
pub mod escalation;
pub mod event;
pub mod lifecycle;
pub mod message;
pub mod notification;
pub mod org;
pub mod permissions;
pub mod sla;
pub mod ticket;
pub mod ticket_change;
pub mod user;
pub mod webhook;

pub use enums::{ActorType, AuthorType, Priority, Role, Scope, Status, TicketSource};
pub use error::DomainError;
pub use event::{EventDraft, EventKind};
pub use permissions::{Action, Actor, TicketScope};
pub use ticket::{NewTicket, SlaDates, Ticket};
