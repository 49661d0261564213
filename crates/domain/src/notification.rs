//! Notification mail: who hears of which event, what the mail says, and the Message-IDs that make a
//! reply thread back to its ticket.
//!
//! Every mail of a ticket references the ticket's thread root `<ticket-NUMBER@DOMAIN>`, and its own
//! Message-ID starts with `ticket-NUMBER.`, so a mail client's reply (In-Reply-To/References) names
//! the ticket even without the `[#NUMBER]` in the subject.

use crate::event::TicketEvent;
use crate::ticket::Ticket;
use chrono::{DateTime, Duration, Utc};

/// Events older than this mail nobody (after mail was off for a while, a late acknowledgement would
/// only confuse).
pub const STALE_AFTER_HOURS: i64 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// To the requester: the ticket was filed.
    Received,
    /// To the requester: staff answered publicly.
    Reply,
    /// To an agent: the ticket was assigned to them by someone else.
    Assigned,
}

/// One mail to send for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub recipient_id: i64,
}

/// The mails `event` of `ticket` calls for at `now`. Internal events (notes, staff-side changes) never
/// mail the requester; public replies by staff or by an integration (an API key) do.
pub fn notices_for(event: &TicketEvent, ticket: &Ticket, now: DateTime<Utc>) -> Vec<Notice> {
    if now - event.created_at > Duration::hours(STALE_AFTER_HOURS) {
        return Vec::new();
    }
    let notice = |kind, recipient_id| vec![Notice { kind, recipient_id }];
    let by_staff = matches!(event.data["author_type"].as_str(), Some("agent" | "system"));
    match event.kind.as_str() {
        "created" => notice(NoticeKind::Received, ticket.requester_id),
        "message_added" if !event.internal && by_staff => {
            notice(NoticeKind::Reply, ticket.requester_id)
        }
        "assigned" => match event.data["to"].as_i64() {
            Some(agent) if event.actor_id != Some(agent) => notice(NoticeKind::Assigned, agent),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A message that a mail quotes.
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a> {
    pub author_name: &'a str,
    pub body: &'a str,
}

/// A composed notification mail (Message-IDs without angle brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub body: String,
    pub message_id: String,
    /// The thread: what `In-Reply-To` and `References` name.
    pub references: Vec<String>,
}

/// The Message-ID every mail of a ticket refers to.
pub fn thread_root(ticket_number: &str, domain: &str) -> String {
    format!("ticket-{ticket_number}@{domain}")
}

/// Writes the mail for `notice`, sent for event `event_id`. A reply quotes the message answered.
pub fn compose(
    notice: Notice,
    ticket: &Ticket,
    event_id: i64,
    recipient_name: &str,
    quoted: Option<Quoted<'_>>,
    domain: &str,
) -> Letter {
    let number = &ticket.number;
    let footer = format!(
        "\n\n-- \nTicket #{number}. Reply to this mail to add to the ticket; keep [#{number}] in the subject."
    );
    let (subject, text) = match notice.kind {
        NoticeKind::Received => (
            format!("[#{number}] {}", ticket.subject),
            format!(
                "Hello {recipient_name},\n\nwe have received your request \"{}\" and filed it as ticket #{number}. We will get back to you.",
                ticket.subject
            ),
        ),
        NoticeKind::Reply => {
            let (author, body) = quoted.map_or(("Support", ""), |q| (q.author_name, q.body));
            (
                format!("Re: [#{number}] {}", ticket.subject),
                format!("Hello {recipient_name},\n\n{author} wrote:\n\n{body}"),
            )
        }
        NoticeKind::Assigned => (
            format!("[#{number}] Assigned to you: {}", ticket.subject),
            format!(
                "Hello {recipient_name},\n\nticket #{number} \"{}\" was assigned to you.",
                ticket.subject
            ),
        ),
    };
    let root = thread_root(number, domain);
    let (message_id, references) = match notice.kind {
        // The acknowledgement starts the thread.
        NoticeKind::Received => (root, Vec::new()),
        _ => (
            format!(
                "ticket-{number}.{event_id}.{}@{domain}",
                notice.recipient_id
            ),
            vec![root],
        ),
    };
    Letter {
        subject,
        body: text + &footer,
        message_id,
        references,
    }
}

/// The ticket number a reply refers to through one of this installation's Message-IDs (`ids` as
/// In-Reply-To/References carry them, with or without angle brackets).
pub fn ticket_number_in_references(ids: &[String], domain: &str) -> Option<String> {
    ids.iter().find_map(|id| {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        let (local, host) = id.rsplit_once('@')?;
        if !host.eq_ignore_ascii_case(domain) {
            return None;
        }
        let number = local.strip_prefix("ticket-")?;
        let number = number.split('.').next()?;
        (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
            .then(|| number.to_owned())
    })
}

/// The domain part of a `From` address such as `Helpdesk <support@example.com>`.
pub fn domain_of(address: &str) -> &str {
    match address.rsplit_once('@') {
        Some((_, domain)) if !domain.trim_end_matches('>').trim().is_empty() => {
            domain.trim_end_matches('>').trim()
        }
        _ => "localhost",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::ActorType;
    use chrono::Utc;
    use serde_json::json;

    fn now() -> chrono::DateTime<Utc> {
        crate::ticket::tests::at(9, 0)
    }

    fn ticket() -> Ticket {
        let mut ticket = crate::ticket::tests::kens_ticket();
        ticket.number = "12345678".into();
        ticket.subject = "Adobe Reader not working".into();
        ticket.requester_id = 4;
        ticket
    }

    fn event(
        kind: &str,
        actor_id: Option<i64>,
        internal: bool,
        data: serde_json::Value,
    ) -> TicketEvent {
        TicketEvent {
            id: 42,
            ticket_id: 1,
            kind: kind.into(),
            actor_type: ActorType::Agent,
            actor_id,
            data,
            internal,
            created_at: now(),
        }
    }

    #[test]
    fn requesters_hear_of_their_ticket_and_of_public_staff_replies_only() {
        let t = ticket();
        let to_requester = |kind| {
            vec![Notice {
                kind,
                recipient_id: 4,
            }]
        };
        assert_eq!(
            notices_for(&event("created", Some(4), false, json!({})), &t, now()),
            to_requester(NoticeKind::Received)
        );
        assert_eq!(
            notices_for(
                &event(
                    "message_added",
                    Some(3),
                    false,
                    json!({"author_type": "agent"})
                ),
                &t,
                now()
            ),
            to_requester(NoticeKind::Reply)
        );
        assert!(notices_for(
            &event(
                "message_added",
                Some(3),
                true,
                json!({"author_type": "agent"})
            ),
            &t,
            now()
        )
        .is_empty());
        assert!(notices_for(
            &event(
                "message_added",
                Some(4),
                false,
                json!({"author_type": "customer"})
            ),
            &t,
            now()
        )
        .is_empty());
        assert!(notices_for(
            &event("status_changed", Some(3), false, json!({})),
            &t,
            now()
        )
        .is_empty());
    }

    #[test]
    fn agents_hear_of_assignments_by_others() {
        let t = ticket();
        assert_eq!(
            notices_for(
                &event("assigned", Some(2), true, json!({"from": null, "to": 3})),
                &t,
                now()
            ),
            vec![Notice {
                kind: NoticeKind::Assigned,
                recipient_id: 3
            }]
        );
        assert!(notices_for(
            &event("assigned", Some(3), true, json!({"to": 3})),
            &t,
            now()
        )
        .is_empty());
    }

    #[test]
    fn integrations_reply_like_staff_and_stale_events_mail_nobody() {
        let t = ticket();
        let by_key = event(
            "message_added",
            None,
            false,
            json!({"author_type": "system"}),
        );
        assert_eq!(notices_for(&by_key, &t, now()).len(), 1);
        let late = now() + Duration::hours(STALE_AFTER_HOURS + 1);
        assert!(notices_for(&event("created", Some(4), false, json!({})), &t, late).is_empty());
    }

    #[test]
    fn mails_thread_on_the_ticket_and_quote_the_reply() {
        let t = ticket();
        let received = compose(
            Notice {
                kind: NoticeKind::Received,
                recipient_id: 4,
            },
            &t,
            41,
            "Ken",
            None,
            "help.example.com",
        );
        assert_eq!(received.subject, "[#12345678] Adobe Reader not working");
        assert_eq!(received.message_id, "ticket-12345678@help.example.com");
        assert!(received.references.is_empty());
        let reply = compose(
            Notice {
                kind: NoticeKind::Reply,
                recipient_id: 4,
            },
            &t,
            42,
            "Ken",
            Some(Quoted {
                author_name: "John",
                body: "Please update to 11.0.4.",
            }),
            "help.example.com",
        );
        assert_eq!(reply.subject, "Re: [#12345678] Adobe Reader not working");
        assert_eq!(reply.message_id, "ticket-12345678.42.4@help.example.com");
        assert_eq!(reply.references, vec!["ticket-12345678@help.example.com"]);
        assert!(reply
            .body
            .contains("John wrote:\n\nPlease update to 11.0.4."));
        assert!(reply.body.contains("[#12345678]"));
    }

    #[test]
    fn replies_find_their_ticket_through_our_message_ids_only() {
        let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let domain = "help.example.com";
        assert_eq!(
            ticket_number_in_references(&ids(&["<ticket-12345678.42.4@help.example.com>"]), domain),
            Some("12345678".into())
        );
        assert_eq!(
            ticket_number_in_references(
                &ids(&["abc@mail.example", "ticket-87654321@HELP.example.com"]),
                domain
            ),
            Some("87654321".into())
        );
        assert_eq!(
            ticket_number_in_references(&ids(&["ticket-12345678@other.example"]), domain),
            None
        );
        assert_eq!(
            ticket_number_in_references(&ids(&["ticket-x1@help.example.com"]), domain),
            None
        );
        assert_eq!(
            domain_of("Helpdesk <support@help.example.com>"),
            "help.example.com"
        );
        assert_eq!(domain_of("support@help.example.com"), "help.example.com");
        assert_eq!(domain_of("no address"), "localhost");
    }
}
