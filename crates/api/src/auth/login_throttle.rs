//! Login throttling: every attempt takes one unit from the budget of its account (the email as typed,
//! normalised, whether or not it exists, so the answers tell nothing about which emails exist) and one
//! from the budget of its client address. A spent budget answers 429 with `Retry-After` before any
//! password is checked. Budgets refill steadily (GCRA, via governor); each replica keeps its own.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// An account's budget refills over this window; an address's over a minute.
const ACCOUNT_WINDOW: Duration = Duration::from_secs(15 * 60);
const ADDRESS_WINDOW: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct LoginThrottle {
    per_account: Arc<DefaultKeyedRateLimiter<String>>,
    per_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
}

fn quota(attempts: u32, window: Duration) -> Quota {
    let attempts = NonZeroU32::new(attempts.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(window / attempts.get())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(attempts)
}

impl LoginThrottle {
    /// `per_account` attempts per 15 minutes and `per_address` attempts per minute, in bursts.
    pub fn new(per_account: u32, per_address: u32) -> Self {
        LoginThrottle {
            per_account: Arc::new(RateLimiter::keyed(quota(per_account, ACCOUNT_WINDOW))),
            per_address: Arc::new(RateLimiter::keyed(quota(per_address, ADDRESS_WINDOW))),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt for `email` from `address`; `Err(seconds)` to wait when a budget is spent.
    /// The address is checked first, so a throttled address does not spend the account's budget.
    pub fn attempt(&self, email: &str, address: Option<IpAddr>) -> Result<(), u64> {
        let wait = |not_until: governor::NotUntil<_>| {
            not_until.wait_time_from(self.clock.now()).as_secs().max(1)
        };
        if let Some(address) = address {
            self.per_address.check_key(&address).map_err(wait)?;
        }
        self.per_account.check_key(&email.to_owned()).map_err(wait)
    }

    /// Drops budgets that have refilled completely (called by the maintenance loop).
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_account.shrink_to_fit();
        self.per_address.retain_recent();
        self.per_address.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_per_account_and_per_address() {
        let throttle = LoginThrottle::new(3, 5);
        let home: IpAddr = [192, 0, 2, 1].into();
        for _ in 0..3 {
            assert!(throttle.attempt("jane@example.com", Some(home)).is_ok());
        }
        let wait = throttle
            .attempt("jane@example.com", Some(home))
            .unwrap_err();
        assert!((1..=300).contains(&wait), "{wait}");
        // Another account from the same address still has budget, until the address's is spent.
        assert!(throttle.attempt("nobody@example.com", Some(home)).is_ok());
        assert!(throttle.attempt("nobody@example.com", Some(home)).is_err());
        let elsewhere: IpAddr = [198, 51, 100, 7].into();
        assert!(throttle.attempt("eve@example.com", Some(elsewhere)).is_ok());
    }
}
