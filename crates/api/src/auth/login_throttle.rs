//! Login throttling: every attempt takes one unit from the budget of its account (the email as typed,
//! normalised, whether or not it exists, so the answers tell nothing about which emails exist) and one
//! from the budget of its client address. A spent budget answers 429 with `Retry-After` before any
//! password is checked. Budgets refill steadily (GCRA, via governor); each replica keeps its own.
//! An IPv6 client is counted by its /64 (one subscriber's whole prefix), an IPv4-mapped one as IPv4.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// An account's budget refills over this window; an address's over a minute.
const ACCOUNT_WINDOW: Duration = Duration::from_secs(15 * 60);
const ADDRESS_WINDOW: Duration = Duration::from_secs(60);
/// Budgets that refilled completely are dropped every this many attempts, so the maps stay small.
const PRUNE_EVERY: u64 = 4096;

#[derive(Clone)]
pub struct LoginThrottle {
    per_account: Arc<DefaultKeyedRateLimiter<String>>,
    per_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
    attempts: Arc<AtomicU64>,
}

fn quota(attempts: u32, window: Duration) -> Quota {
    let attempts = NonZeroU32::new(attempts.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(window / attempts.get())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(attempts)
}

/// The key an address is counted under.
fn address_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

impl LoginThrottle {
    /// `per_account` attempts per 15 minutes and `per_address` attempts per minute, in bursts.
    pub fn new(per_account: u32, per_address: u32) -> Self {
        LoginThrottle {
            per_account: Arc::new(RateLimiter::keyed(quota(per_account, ACCOUNT_WINDOW))),
            per_address: Arc::new(RateLimiter::keyed(quota(per_address, ADDRESS_WINDOW))),
            clock: DefaultClock::default(),
            attempts: Arc::default(),
        }
    }

    /// Takes one attempt for `email` from `address`; `Err(seconds)` to wait when a budget is spent.
    /// The address is checked first, so a throttled address does not spend the account's budget.
    pub fn attempt(&self, email: &str, address: IpAddr) -> Result<(), u64> {
        self.attempt_address(address)?;
        self.per_account
            .check_key(&email.to_owned())
            .map_err(|not_until| self.seconds_until(not_until))
    }

    /// Takes one attempt of `address` alone (registration, which has no account yet).
    pub fn attempt_address(&self, address: IpAddr) -> Result<(), u64> {
        if self.attempts.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.forget_idle();
        }
        self.per_address
            .check_key(&address_key(address))
            .map_err(|not_until| self.seconds_until(not_until))
    }

    fn seconds_until(
        &self,
        not_until: governor::NotUntil<<DefaultClock as Clock>::Instant>,
    ) -> u64 {
        not_until.wait_time_from(self.clock.now()).as_secs().max(1)
    }

    /// Drops budgets that have refilled completely.
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_account.shrink_to_fit();
        self.per_address.retain_recent();
        self.per_address.shrink_to_fit();
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_per_account_and_per_address() {
        let throttle = LoginThrottle::new(3, 5);
        let home: IpAddr = [192, 0, 2, 1].into();
        for _ in 0..3 {
            assert!(throttle.attempt("jane@example.com", home).is_ok());
        }
        let wait = throttle.attempt("jane@example.com", home).unwrap_err();
        assert!((1..=300).contains(&wait), "{wait}");
        // Another account from the same address still has budget, until the address's is spent.
        assert!(throttle.attempt("nobody@example.com", home).is_ok());
        assert!(throttle.attempt("nobody@example.com", home).is_err());
        let elsewhere: IpAddr = [198, 51, 100, 7].into();
        assert!(throttle.attempt("eve@example.com", elsewhere).is_ok());
    }

    #[test]
    fn an_ipv6_prefix_is_one_address_and_mapped_ipv4_is_ipv4() {
        let throttle = LoginThrottle::new(100, 2);
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let other_in_prefix: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert!(throttle.attempt_address(one).is_ok());
        assert!(throttle.attempt_address(other_in_prefix).is_ok());
        assert!(
            throttle.attempt_address(one).is_err(),
            "the /64 shares one budget"
        );
        assert!(throttle
            .attempt_address("2001:db8:1:3::1".parse().unwrap())
            .is_ok());
        let v4: IpAddr = [192, 0, 2, 9].into();
        let mapped: IpAddr = "::ffff:192.0.2.9".parse().unwrap();
        assert!(throttle.attempt_address(v4).is_ok());
        assert!(throttle.attempt_address(mapped).is_ok());
        assert!(
            throttle.attempt_address(v4).is_err(),
            "mapped IPv4 counts as the IPv4 address"
        );
    }
}
