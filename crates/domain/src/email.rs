//! Rules for mail that arrives at the help desk: what is an automatic reply, which ticket a subject
//! names, and what of a reply is new (the quoted history below it is not).

/// Auto-replies and bulk mail (`Auto-Submitted` other than `no`, `Precedence: bulk|junk|list|auto_reply`)
/// create nothing: two help desks must never answer each other forever.
pub fn is_automatic(auto_submitted: Option<&str>, precedence: Option<&str>) -> bool {
    let auto = auto_submitted
        .map(str::trim)
        .is_some_and(|value| !value.is_empty() && !value.eq_ignore_ascii_case("no"));
    let bulk = precedence
        .map(|value| value.trim().to_ascii_lowercase())
        .is_some_and(|value| matches!(value.as_str(), "bulk" | "junk" | "list" | "auto_reply"));
    auto || bulk
}

/// Whether a mail from user `sender_id` that names `ticket` continues it: only its requester's, and
/// never a closed ticket's (that mail opens a new ticket instead).
pub fn is_reply_to(ticket: &crate::Ticket, sender_id: i64) -> bool {
    ticket.requester_id == sender_id && ticket.status != crate::Status::Closed
}

/// The ticket number a subject quotes as `[#12345678]`.
pub fn ticket_number_in_subject(subject: &str) -> Option<String> {
    let start = subject.find("[#")? + 2;
    let rest = &subject[start..];
    let end = rest.find(']')?;
    let number = &rest[..end];
    (number.len() == 8 && number.bytes().all(|b| b.is_ascii_digit())).then(|| number.to_owned())
}

/// The new part of a reply: everything above the quoted history (`On ... wrote:`, an
/// `-----Original Message-----` line, or `>`-quoted lines), trimmed.
pub fn strip_quoted_reply(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let history = (trimmed.starts_with("On ") && trimmed.ends_with("wrote:"))
            || trimmed.starts_with("-----Original Message-----")
            || trimmed.starts_with("________________________________");
        if history {
            break;
        }
        if !trimmed.starts_with('>') {
            kept.push(line);
        }
    }
    kept.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_mail_is_recognised() {
        assert!(is_automatic(Some("auto-replied"), None));
        assert!(is_automatic(Some("auto-generated"), None));
        assert!(!is_automatic(Some("no"), None));
        assert!(is_automatic(None, Some("bulk")));
        assert!(!is_automatic(None, None));
    }

    #[test]
    fn subjects_name_tickets_by_number() {
        assert_eq!(
            ticket_number_in_subject("Re: [#12345678] Adobe Reader"),
            Some("12345678".into())
        );
        assert_eq!(ticket_number_in_subject("[#1234] short"), None);
        assert_eq!(ticket_number_in_subject("Re: Adobe Reader"), None);
        assert_eq!(ticket_number_in_subject("[#1234567x]"), None);
    }

    #[test]
    fn only_the_requester_continues_an_open_ticket() {
        let ticket = crate::ticket::tests::kens_ticket();
        assert!(is_reply_to(&ticket, ticket.requester_id));
        assert!(!is_reply_to(&ticket, ticket.requester_id + 1));
        let closed = crate::Ticket {
            status: crate::Status::Closed,
            ..ticket
        };
        assert!(!is_reply_to(&closed, closed.requester_id));
    }

    #[test]
    fn quoted_history_is_trimmed() {
        let reply = "Still broken after the update.\n\nThanks\nKen\n\nOn Fri, 27 Nov 2026 at 10:00, Helpdesk wrote:\n> Please try again.\n> John";
        assert_eq!(
            strip_quoted_reply(reply),
            "Still broken after the update.\n\nThanks\nKen"
        );
        assert_eq!(strip_quoted_reply("> only quotes\n"), "");
        assert_eq!(
            strip_quoted_reply("New text\n-----Original Message-----\nold"),
            "New text"
        );
    }
}
