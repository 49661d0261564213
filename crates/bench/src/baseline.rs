//! The raw-database baseline: the very transaction a ticket creation runs (`file_ticket`: requester,
//! routing, number, first message, search index, SLA, event, webhook outbox), called in a loop on the
//! server's database without HTTP, so that the HTTP layer's cost is a ratio, not a guess.

use crate::load::LoadResult;
use hdrhistogram::Histogram;
use helpdesk_api::dto::tickets::{CreateTicketRequest, RequesterInput};
use helpdesk_api::error::ApiError;
use helpdesk_api::routes::tickets::file_ticket;
use helpdesk_domain::{Actor, Scope, TicketSource};
use helpdesk_persistence::Database;
use std::time::{Duration, Instant};

/// Files tickets as the API key `key_id` would, from `concurrency` threads for `duration`.
pub fn run(
    database_url: &str,
    key_id: i64,
    concurrency: usize,
    duration: Duration,
) -> Result<LoadResult, String> {
    let database = Database::connect(database_url, concurrency as u32 + 1)
        .map_err(|error| error.to_string())?;
    let actor = Actor::ApiKey {
        id: key_id,
        scopes: Scope::TICKETS.to_vec(),
    };
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| {
            let (database, actor) = (database.clone(), actor.clone());
            std::thread::spawn(move || {
                let mut latencies = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
                    .unwrap_or_else(|_| unreachable!("valid bounds"));
                let (mut errors, mut first_error) = (0u64, None);
                let mut n = worker as u64 * 1_000_003;
                while Instant::now() < deadline {
                    n += 1;
                    let request = CreateTicketRequest {
                        subject: format!("Printer on floor {} jams", n % 7),
                        body: "Every second page jams since the toner was changed.".into(),
                        requester: Some(RequesterInput {
                            name: "Mia Wong".into(),
                            email: format!("mia{}@example.com", n % 50),
                        }),
                        help_topic_id: Some(1),
                        department_id: None,
                        priority: None,
                        external_id: None,
                    };
                    let began = Instant::now();
                    let outcome = database.write(|c| {
                        file_ticket(
                            c,
                            &actor,
                            &request,
                            &[],
                            TicketSource::Api,
                            chrono::Utc::now(),
                        )
                        .map(drop)
                    });
                    let micros = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
                    latencies.saturating_record(micros.max(1));
                    if let Err(error) = outcome {
                        let error: ApiError = error;
                        errors += 1;
                        first_error.get_or_insert(error.to_string());
                    }
                }
                (latencies, errors, first_error)
            })
        })
        .collect();
    let mut merged = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
        .unwrap_or_else(|_| unreachable!("valid bounds"));
    let (mut errors, mut first_error) = (0, None);
    for worker in workers {
        let (latencies, worker_errors, worker_first) =
            worker.join().map_err(|_| "a baseline worker panicked")?;
        merged
            .add(&latencies)
            .unwrap_or_else(|_| unreachable!("same bounds"));
        errors += worker_errors;
        first_error = first_error.or(worker_first);
    }
    Ok(LoadResult {
        operations: merged.len(),
        errors,
        elapsed: started.elapsed(),
        latencies: merged,
        first_error,
    })
}
