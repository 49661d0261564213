//! When a failed webhook delivery is tried again: exponential backoff with jitter, over more than a day.

use chrono::Duration;

/// After this many failed attempts a delivery is given up and its subscription disabled.
pub const MAX_ATTEMPTS: i32 = 16;

const FIRST_DELAY_SECONDS: i64 = 30;
const MAX_DELAY_SECONDS: i64 = 6 * 60 * 60;

/// The wait before the next attempt after `attempts` failed ones, stretched by `jitter` (a factor in
/// -0.2..=0.2, so that many failing deliveries do not retry in lockstep); `None`: give up.
pub fn retry_delay(attempts: i32, jitter: f64) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exponent = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
    let base = FIRST_DELAY_SECONDS
        .saturating_mul(2_i64.saturating_pow(exponent))
        .min(MAX_DELAY_SECONDS);
    let jitter = jitter.clamp(-0.2, 0.2);
    // Seconds of a few hours at most: the float round trip is exact enough.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let seconds = (base as f64 * (1.0 + jitter)).round() as i64;
    Some(Duration::seconds(seconds.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_six_hours() {
        let delays: Vec<i64> = (1..=12)
            .map(|n| retry_delay(n, 0.0).unwrap().num_seconds())
            .collect();
        assert_eq!(&delays[..5], &[30, 60, 120, 240, 480]);
        assert_eq!(delays[11], 6 * 60 * 60);
    }

    #[test]
    fn retries_span_more_than_a_day_then_stop() {
        let total: i64 = (1..MAX_ATTEMPTS)
            .map(|n| retry_delay(n, -0.2).unwrap().num_seconds())
            .sum();
        assert!(
            total > 24 * 60 * 60,
            "even with the most negative jitter: {total} s"
        );
        assert_eq!(retry_delay(MAX_ATTEMPTS, 0.0), None);
    }

    #[test]
    fn jitter_stretches_within_a_fifth() {
        assert_eq!(retry_delay(3, 0.2).unwrap().num_seconds(), 144);
        assert_eq!(retry_delay(3, -0.2).unwrap().num_seconds(), 96);
        assert_eq!(retry_delay(3, 5.0).unwrap().num_seconds(), 144, "clamped");
    }
}
