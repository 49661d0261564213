//! Running one scenario at one concurrency for a while: that many clients, each doing one operation
//! after another, every latency recorded in an HDR histogram.

use crate::scenarios::{Fixture, Scenario};
use hdrhistogram::Histogram;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

pub struct LoadResult {
    pub operations: u64,
    pub errors: u64,
    pub elapsed: Duration,
    /// Latencies in microseconds.
    pub latencies: Histogram<u64>,
    /// The first error seen, to say what went wrong.
    pub first_error: Option<String>,
}

pub async fn run(
    fixture: &Fixture,
    scenario: Scenario,
    concurrency: usize,
    duration: Duration,
) -> LoadResult {
    let histogram = || {
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
            .unwrap_or_else(|_| unreachable!("valid bounds"))
    };
    // Warm-up: every client connects and performs one untimed operation, so that connection set-up
    // (all clients at once) is not counted as the server's latency.
    let clients = futures_util::future::join_all((0..concurrency).map(|worker| async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let _ = fixture.perform(&client, scenario, worker as u64).await;
        client
    }))
    .await;
    let merged = Rc::new(RefCell::new((histogram(), 0u64, None::<String>)));
    let started = Instant::now();
    let deadline = started + duration;
    let workers = clients.into_iter().enumerate().map(|(worker, client)| {
        let merged = merged.clone();
        async move {
            let mut latencies = histogram();
            let (mut errors, mut first_error) = (0u64, None);
            let mut n = worker as u64 * 1_000_003;
            while Instant::now() < deadline {
                n += 1;
                let began = Instant::now();
                let outcome = fixture.perform(&client, scenario, n).await;
                let micros = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
                latencies.saturating_record(micros.max(1));
                if let Err(error) = outcome {
                    errors += 1;
                    first_error.get_or_insert(error);
                }
            }
            let mut merged = merged.borrow_mut();
            merged
                .0
                .add(&latencies)
                .unwrap_or_else(|_| unreachable!("same bounds"));
            merged.1 += errors;
            if merged.2.is_none() {
                merged.2 = first_error;
            }
        }
    });
    futures_util::future::join_all(workers).await;
    let elapsed = started.elapsed();
    let (latencies, errors, first_error) = Rc::try_unwrap(merged)
        .map(RefCell::into_inner)
        .unwrap_or_else(|_| unreachable!("the workers are done"));
    LoadResult {
        operations: latencies.len(),
        errors,
        elapsed,
        latencies,
        first_error,
    }
}
