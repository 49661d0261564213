//! Delivering the webhook outbox: claim due deliveries, POST each event as JSON with an HMAC-SHA256
//! signature, record the outcome, retry with backoff, give up (and disable the subscription) after a day.
//!
//! The `Helpdesk-Signature` header is `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed by
//! the subscription's secret>`. Receivers recompute it over the raw body, compare in constant time, and
//! reject timestamps older than a few minutes to refuse replays.

use crate::error::ApiError;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use helpdesk_domain::webhook::retry_delay;
use helpdesk_persistence::webhooks::{self, DueDelivery, Outcome};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::json;
use sha2::Sha256;

/// How long a claimed delivery stays leased to one worker before another may take it: longer than a
/// whole batch can take (each attempt times out after `TIMEOUT_SECONDS`).
const LEASE_SECONDS: i64 = 300;
const BATCH: i64 = 10;
const TIMEOUT_SECONDS: u64 = 10;

/// The signature header value for `body` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Whether `ip` belongs to this machine or a private network (loopback, private, link-local,
/// unique-local, unspecified, broadcast or multicast).
pub fn is_private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
        }
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(std::net::IpAddr::V4(v4)))
        }
    }
}

/// Refuses a delivery whose host resolves to a private address (unless allowed): a webhook must not
/// become a way into the server's own network.
async fn check_destination(url: &str, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let uri: actix_web::http::Uri = url
        .parse()
        .map_err(|_| "the URL does not parse".to_owned())?;
    let host = uri
        .host()
        .ok_or("the URL has no host")?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    let addresses = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|error| format!("cannot resolve {host}: {error}"))?;
    for address in addresses {
        if is_private(address.ip()) {
            return Err(format!(
                "refused: {host} resolves to the private address {}",
                address.ip()
            ));
        }
    }
    Ok(())
}

/// The JSON a receiver gets for one event.
fn payload(due: &DueDelivery) -> serde_json::Value {
    let event = &due.event;
    json!({
        "id": event.id,
        "type": format!("ticket.{}", event.kind),
        "ticket_id": event.ticket_id,
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "data": event.data,
        "created_at": event.created_at,
    })
}

/// Attempts every due delivery once, reading the clock afresh for each claim and each attempt (a run
/// can outlast a signature's freshness window). Returns how many were attempted.
pub async fn deliver_due(state: &AppState) -> Result<usize, ApiError> {
    let client = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(TIMEOUT_SECONDS))
        .disable_redirects()
        .finish();
    let mut attempted = 0;
    loop {
        let now = state.clock.now();
        let lease_until = now + Duration::seconds(LEASE_SECONDS);
        let batch = state
            .write(move |c| Ok(webhooks::claim_due(c, now, lease_until, BATCH)?))
            .await?;
        let claimed = batch.len();
        for due in batch {
            let outcome = attempt(
                &client,
                &due,
                state.clock.now(),
                state.config.webhook_allow_private,
            )
            .await;
            let now = state.clock.now();
            let recorded = state
                .write(move |c| Ok(webhooks::record_attempt(c, &due, &outcome, now)?))
                .await?;
            if !recorded {
                tracing::warn!("a webhook delivery's lease ran out during its attempt; its new holder records it");
            }
            attempted += 1;
        }
        if i64::try_from(claimed).unwrap_or(BATCH) < BATCH {
            return Ok(attempted);
        }
    }
}

async fn attempt(
    client: &awc::Client,
    due: &DueDelivery,
    now: DateTime<Utc>,
    allow_private: bool,
) -> Outcome {
    if let Err(error) = check_destination(&due.url, allow_private).await {
        return failed(due, None, error, now);
    }
    let body = payload(due).to_string();
    let sent = client
        .post(&due.url)
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("User-Agent", "Helpdesk-Webhooks/1"))
        .insert_header(("Helpdesk-Event-Id", due.event.id.to_string()))
        .insert_header(("Helpdesk-Delivery-Id", due.delivery.id.to_string()))
        .insert_header((
            "Helpdesk-Signature",
            signature(&due.secret, now.timestamp(), &body),
        ))
        .send_body(body)
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Outcome::Delivered {
            status_code: i32::from(response.status().as_u16()),
        },
        Ok(response) => failed(
            due,
            Some(i32::from(response.status().as_u16())),
            format!("the receiver answered {}", response.status()),
            now,
        ),
        Err(error) => failed(due, None, format!("could not deliver: {error}"), now),
    }
}

/// A failed attempt, retried after a backoff with jitter, or given up after the last attempt.
fn failed(
    due: &DueDelivery,
    status_code: Option<i32>,
    error: String,
    now: DateTime<Utc>,
) -> Outcome {
    let jitter = rand::thread_rng().gen_range(-0.2..=0.2);
    let retry_at = retry_delay(due.delivery.attempts + 1, jitter).map(|delay| now + delay);
    Outcome::Failed {
        status_code,
        error,
        retry_at,
    }
}

/// Runs [`deliver_due`] every `HELPDESK_WEBHOOK_POLL_SECONDS` for as long as the server runs.
pub fn spawn_webhook_worker(state: &AppState) {
    let seconds = state.config.webhook_poll_seconds;
    if seconds == 0 {
        return;
    }
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(std::time::Duration::from_secs(seconds));
        loop {
            ticks.tick().await;
            match deliver_due(&state).await {
                Ok(0) => {}
                Ok(attempted) => tracing::info!(attempted, "webhook deliveries"),
                Err(error) => tracing::error!(%error, "webhook delivery failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_recognised() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn signatures_follow_the_documented_recipe() {
        // The expected value was computed with Python's hmac module, as a receiver would.
        let value = signature("secret", 1_700_000_000, "{}");
        assert_eq!(
            value,
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
        assert_ne!(value, signature("other", 1_700_000_000, "{}"));
        assert_ne!(value, signature("secret", 1_700_000_001, "{}"));
    }
}
