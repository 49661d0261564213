//! Notification mail over SMTP (off unless `HELPDESK_SMTP_URL` is set). Two steps, each safe with
//! several replicas:
//!
//! 1. planning follows the event feed (ids in commit order) behind a cursor one worker at a time holds,
//!    and queues the mails the domain's rules ask for, in the same transaction that moves the cursor:
//!    no event is skipped or planned twice, and ticket writes pay nothing for mail;
//! 2. sending claims queued mails with `SKIP LOCKED` and a lease, sends them through the relay and
//!    records the outcome under the lease, retrying failures with the webhooks' backoff.

use crate::error::ApiError;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use helpdesk_domain::notification::{compose, domain_of, notices_for, NoticeKind, Quoted};
use helpdesk_domain::webhook::retry_delay;
use helpdesk_domain::{Ticket, TicketScope};
use helpdesk_persistence::events::{self, FeedQuery};
use helpdesk_persistence::outbound_emails::{self, NewOutboundEmail, OutboundEmail};
use helpdesk_persistence::{messages, tickets, users, RepoError};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

pub type Relay = AsyncSmtpTransport<Tokio1Executor>;

/// How many events one planning transaction reads.
const BATCH: i64 = 100;
/// One mail is claimed right before it is sent, leased for far longer than one SMTP conversation
/// can take (each of its steps times out after `TIMEOUT_SECONDS`). Replicas' clocks must agree
/// (NTP) to well within this.
const LEASE_SECONDS: i64 = 600;
const TIMEOUT_SECONDS: u64 = 20;

/// The relay named by `url` (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
/// `smtps://host:465`), checked at start.
pub fn relay(url: &str) -> Result<Relay, String> {
    Ok(Relay::from_url(url)
        .map_err(|error| format!("HELPDESK_SMTP_URL is not usable: {error}"))?
        .timeout(Some(std::time::Duration::from_secs(TIMEOUT_SECONDS)))
        .build())
}

/// Queues the mails of every event committed since the last planning. Returns how many were queued.
pub fn plan(state: &AppState, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let domain = domain_of(&state.config.mail_from).to_owned();
    let mut queued = 0;
    loop {
        let (count, more) = state.db.write(|c| {
            let start = events::last_event_id(c)?;
            let cursor = outbound_emails::lock_cursor(c, start)?;
            let feed = events::event_feed(
                c,
                &FeedQuery {
                    scope: TicketScope::All,
                    include_internal: true,
                    after: cursor,
                    kinds: Vec::new(),
                    ticket_id: None,
                    limit: BATCH,
                },
            )?;
            let mut count = 0;
            let mut tickets: HashMap<i64, Ticket> = HashMap::new();
            for event in &feed {
                let ticket: &Ticket = match tickets.entry(event.ticket_id) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(new) => new.insert(tickets::find_ticket(c, event.ticket_id)?),
                };
                for notice in notices_for(event, ticket, now) {
                    let recipient = match users::find_user(c, notice.recipient_id) {
                        Ok(user) if user.active => user,
                        Ok(_) | Err(RepoError::NotFound) => continue,
                        Err(error) => return Err(error.into()),
                    };
                    let quoted = match (notice.kind, event.data["message_id"].as_i64()) {
                        (NoticeKind::Reply, Some(id)) => Some(messages::find_message(c, id)?),
                        _ => None,
                    };
                    let letter = compose(
                        notice,
                        ticket,
                        event.id,
                        &recipient.name,
                        quoted.as_ref().map(|m| Quoted {
                            author_name: &m.author_name,
                            body: &m.body,
                        }),
                        &domain,
                    );
                    let mail = NewOutboundEmail {
                        ticket_id: ticket.id,
                        event_id: event.id,
                        recipient_id: recipient.id,
                        to_address: recipient.email,
                        to_name: recipient.name,
                        subject: letter.subject,
                        body: letter.body,
                        message_id: letter.message_id,
                        thread: letter.references,
                    };
                    if outbound_emails::enqueue(c, &mail, now)? {
                        count += 1;
                    }
                }
            }
            if let Some(last) = feed.last() {
                outbound_emails::set_cursor(c, last.id)?;
            }
            Ok::<_, ApiError>((count, feed.len() as i64 == BATCH))
        })?;
        queued += count;
        if !more {
            return Ok(queued);
        }
    }
}

/// Sends every due mail once, claiming each right before it goes out. Returns how many were
/// attempted. A refused address or a permanent SMTP error (5xx) fails the mail at once; anything else
/// is retried with backoff.
pub async fn send_due(state: &AppState, relay: &Relay) -> Result<usize, ApiError> {
    let from: Mailbox = state
        .config
        .mail_from
        .parse()
        .map_err(|error| ApiError::internal(format!("HELPDESK_MAIL_FROM: {error}")))?;
    let mut attempted = 0;
    loop {
        let now = state.clock.now();
        let lease_until = now + Duration::seconds(LEASE_SECONDS);
        let claimed = state
            .write(move |c| Ok(outbound_emails::claim_due(c, now, lease_until, 1)?))
            .await?;
        let Some(mail) = claimed.into_iter().next() else {
            return Ok(attempted);
        };
        attempted += 1;
        // (error, whether trying again can help)
        let failure = match build(&from, &mail) {
            Ok(message) => relay
                .send(message)
                .await
                .err()
                .map(|error| (error.to_string(), !error.is_permanent())),
            Err(error) => Some((error, false)),
        };
        let now = state.clock.now();
        let jitter = rand::thread_rng().gen_range(-0.2..=0.2);
        let retry_at = match &failure {
            Some((_, true)) => retry_delay(mail.attempts + 1, jitter).map(|delay| now + delay),
            _ => None,
        };
        if let Some((error, _)) = &failure {
            tracing::warn!(mail = mail.id, ticket = mail.ticket_id, %error, retry = retry_at.is_some(), "notification mail failed");
        }
        state
            .write(move |c| {
                let failure = failure
                    .as_ref()
                    .map(|(error, _)| (error.as_str(), retry_at));
                Ok(outbound_emails::record_attempt(c, &mail, failure, now)?)
            })
            .await?;
    }
}

/// The mail as the relay gets it: plain text, threaded, marked as automatic so that auto-responders
/// do not answer it.
fn build(from: &Mailbox, mail: &OutboundEmail) -> Result<Message, String> {
    let to = Mailbox::new(
        Some(mail.to_name.clone()),
        mail.to_address
            .parse()
            .map_err(|error| format!("the address {} is unusable: {error}", mail.to_address))?,
    );
    let bracketed = |id: &str| format!("<{id}>");
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(bracketed(&mail.message_id)))
        .header(ContentType::TEXT_PLAIN)
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    if let Some(parent) = mail.thread.last() {
        builder = builder.in_reply_to(bracketed(parent)).references(
            mail.thread
                .iter()
                .map(|id| bracketed(id))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    builder
        .body(mail.body.clone())
        .map_err(|error| error.to_string())
}

/// Plans and sends notification mail in the background, every `HELPDESK_MAIL_POLL_SECONDS`.
pub fn spawn_mail_worker(state: AppState, relay: Relay) {
    let seconds = state.config.mail_poll_seconds;
    if seconds == 0 {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(seconds));
        loop {
            interval.tick().await;
            let planner = state.clone();
            let now = state.clock.now();
            match actix_web::web::block(move || plan(&planner, now)).await {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::error!(%error, "planning notification mail failed"),
                Err(error) => tracing::error!(%error, "planning notification mail failed"),
            }
            if let Err(error) = send_due(&state, &relay).await {
                tracing::error!(%error, "sending notification mail failed");
            }
        }
    });
}
