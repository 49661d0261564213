//! Writing to a ticket: public replies and internal notes, and what each does to the ticket.

use crate::enums::{AuthorType, Status};
use crate::error::DomainError;
use crate::event::{EventDraft, EventKind};
use crate::permissions::{ensure, ensure_can_view_ticket, Action, Actor};
use crate::ticket::Ticket;
use crate::ticket_change::{change_status, Applied};
use chrono::{DateTime, Utc};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub ticket_id: i64,
    pub internal: bool,
    pub author_type: AuthorType,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub ticket_id: i64,
    pub internal: bool,
    pub author_type: AuthorType,
    pub author_id: Option<i64>,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Adds a message by `actor` to `ticket`. A staff member's first public reply meets the first
/// response; a customer's reply to a pending or resolved ticket reopens it.
pub fn add_message(
    ticket: &Ticket,
    actor: &Actor,
    author_name: &str,
    body: &str,
    internal: bool,
    now: DateTime<Utc>,
) -> Result<(Applied, NewMessage), DomainError> {
    ensure_can_view_ticket(actor, ticket)?;
    ensure(actor, Action::WriteTickets)?;
    if internal && !actor.is_staff() {
        return Err(DomainError::forbidden(
            "customers cannot write internal notes",
        ));
    }
    if ticket.status == Status::Closed {
        return Err(DomainError::transition(
            "a closed ticket accepts no messages; open a new ticket instead",
        ));
    }
    let body = body.trim();
    if body.is_empty() {
        return Err(DomainError::invalid("body", "must not be empty"));
    }

    let mut next = ticket.clone();
    let message = NewMessage {
        ticket_id: ticket.id,
        internal,
        author_type: actor.author_type(),
        author_id: actor.user_id(),
        author_name: author_name.to_owned(),
        body: body.to_owned(),
        created_at: now,
    };
    let data = json!({ "internal": internal, "author_type": message.author_type });
    let mut events = vec![if internal {
        EventDraft::internal_message(data)
    } else {
        EventDraft::new(EventKind::MessageAdded, data)
    }];

    let is_staff_reply = !internal && message.author_type == AuthorType::Agent;
    if is_staff_reply && next.first_responded_at.is_none() {
        next.first_responded_at = Some(now);
    }
    let customer_returns = message.author_type == AuthorType::Customer
        && matches!(next.status, Status::Pending | Status::Resolved);
    if customer_returns {
        let mut reopen = change_status(&mut next, Status::Open, now)?;
        reopen.data["reason"] = json!("customer_replied");
        events.push(reopen);
    }
    next.version += 1;
    next.updated_at = now;
    Ok((
        Applied {
            ticket: next,
            events,
        },
        message,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::tests::{at, kens_ticket};

    fn john() -> Actor {
        Actor::Agent {
            id: 20,
            department_ids: vec![1, 2],
        }
    }

    fn ken() -> Actor {
        Actor::Customer { id: 100 }
    }

    #[test]
    fn the_first_public_agent_reply_meets_the_first_response() {
        let (applied, message) = add_message(
            &kens_ticket(),
            &john(),
            "John Doe",
            " Try reinstalling ",
            false,
            at(10, 0),
        )
        .unwrap();
        assert_eq!(applied.ticket.first_responded_at, Some(at(10, 0)));
        assert_eq!(
            (
                message.body.as_str(),
                message.author_type,
                message.author_id
            ),
            ("Try reinstalling", AuthorType::Agent, Some(20))
        );
        assert_eq!(applied.ticket.version, 2);
        assert!(!applied.events[0].internal);
        let (later, _) = add_message(
            &applied.ticket,
            &john(),
            "John Doe",
            "again",
            false,
            at(11, 0),
        )
        .unwrap();
        assert_eq!(
            later.ticket.first_responded_at,
            Some(at(10, 0)),
            "only the first counts"
        );
    }

    #[test]
    fn an_internal_note_is_not_a_response_and_its_event_is_internal() {
        let (applied, message) = add_message(
            &kens_ticket(),
            &john(),
            "John Doe",
            "Jane, it's the plugin",
            true,
            at(10, 0),
        )
        .unwrap();
        assert_eq!(applied.ticket.first_responded_at, None);
        assert!(message.internal);
        assert!(applied.events[0].internal);
    }

    #[test]
    fn customers_cannot_write_internal_notes_nor_to_others_tickets() {
        assert!(matches!(
            add_message(&kens_ticket(), &ken(), "Ken", "hi", true, at(10, 0)),
            Err(DomainError::Forbidden(_))
        ));
        let other = Actor::Customer { id: 101 };
        assert_eq!(
            add_message(&kens_ticket(), &other, "Eve", "hi", false, at(10, 0)).unwrap_err(),
            DomainError::NotVisible
        );
    }

    #[test]
    fn a_customer_reply_reopens_pending_and_resolved_tickets() {
        for status in [Status::Pending, Status::Resolved] {
            let ticket = Ticket {
                status,
                resolved_at: Some(at(9, 30)),
                ..kens_ticket()
            };
            let (applied, _) = add_message(
                &ticket,
                &ken(),
                "Ken Adams",
                "still broken",
                false,
                at(10, 0),
            )
            .unwrap();
            assert_eq!(applied.ticket.status, Status::Open, "{status}");
            assert_eq!(applied.ticket.resolved_at, None);
            assert_eq!(applied.events[1].kind, EventKind::StatusChanged);
            assert_eq!(applied.events[1].data["reason"], "customer_replied");
        }
        let on_hold = Ticket {
            status: Status::OnHold,
            ..kens_ticket()
        };
        let (applied, _) =
            add_message(&on_hold, &ken(), "Ken Adams", "any news?", false, at(10, 0)).unwrap();
        assert_eq!(
            applied.ticket.status,
            Status::OnHold,
            "a third party is still awaited"
        );
    }

    #[test]
    fn closed_tickets_and_empty_bodies_are_refused() {
        let closed = Ticket {
            status: Status::Closed,
            ..kens_ticket()
        };
        assert!(matches!(
            add_message(&closed, &john(), "John", "hi", false, at(10, 0)),
            Err(DomainError::InvalidTransition(_))
        ));
        assert!(matches!(
            add_message(&kens_ticket(), &john(), "John", "  ", false, at(10, 0)),
            Err(DomainError::Invalid { .. })
        ));
    }

    #[test]
    fn api_keys_write_as_the_system() {
        let (applied, message) = add_message(
            &kens_ticket(),
            &Actor::ApiKey {
                id: 3,
                scopes: crate::enums::Scope::ALL.to_vec(),
            },
            "monitoring",
            "disk full",
            false,
            at(10, 0),
        )
        .unwrap();
        assert_eq!(
            (message.author_type, message.author_id),
            (AuthorType::System, None)
        );
        assert_eq!(applied.ticket.first_responded_at, None);
    }
}
