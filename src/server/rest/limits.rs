//! Rate limits of the REST API (GCRA, per instance): per token for calls with a personal token,
//! per client address for anonymous calls, and a stricter one for publishing.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Publishing: 5 uploads at once, then one a minute.
pub const PUBLISH_BURST: u32 = 5;
/// Other calls with a token: 600 a minute, 120 at once.
pub const TOKEN_PER_MINUTE: u32 = 600;
/// Anonymous calls, per address: 120 a minute, 60 at once.
pub const ANONYMOUS_PER_MINUTE: u32 = 120;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// The limiters of one instance.
pub struct RateLimits {
    publish: DefaultKeyedRateLimiter<String>,
    token: DefaultKeyedRateLimiter<String>,
    anonymous: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            publish: DefaultKeyedRateLimiter::keyed(
                Quota::per_minute(nz(1)).allow_burst(nz(PUBLISH_BURST)),
            ),
            token: DefaultKeyedRateLimiter::keyed(
                Quota::per_minute(nz(TOKEN_PER_MINUTE)).allow_burst(nz(120)),
            ),
            anonymous: DefaultKeyedRateLimiter::keyed(
                Quota::per_minute(nz(ANONYMOUS_PER_MINUTE)).allow_burst(nz(60)),
            ),
            checks: AtomicU64::new(0),
        }
    }
}

/// Whom a call is counted against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Client {
    /// A bearer token (by its hash, so that nothing is looked up before the limit).
    Token(String),
    /// An anonymous client's address.
    Address(IpAddr),
}

impl RateLimits {
    /// Counts a call; `Err(wait)` when the client must wait that long first.
    pub fn check(&self, client: &Client) -> Result<(), Duration> {
        self.tidy();
        let now = DefaultClock::default().now();
        match client {
            Client::Token(key) => self.token.check_key(key),
            Client::Address(ip) => self.anonymous.check_key(ip),
        }
        .map_err(|not_until| not_until.wait_time_from(now))
    }

    /// Counts an upload by the token `token_id`.
    pub fn check_publish(&self, token_id: &str) -> Result<(), Duration> {
        let now = DefaultClock::default().now();
        self.publish
            .check_key(&token_id.to_string())
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    /// Now and then forgets clients whose limits are back to full, so the maps stay small.
    fn tidy(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.token.retain_recent();
            self.anonymous.retain_recent();
            self.publish.retain_recent();
        }
    }
}

/// `Retry-After` seconds for a wait: whole seconds, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_allows_a_burst_then_one_a_minute() {
        let limits = RateLimits::default();
        for _ in 0..PUBLISH_BURST {
            assert!(limits.check_publish("ptk_1").is_ok());
        }
        let wait = limits.check_publish("ptk_1").unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        // Another token has its own budget.
        assert!(limits.check_publish("ptk_2").is_ok());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(60)), 60);
        assert_eq!(retry_after_secs(Duration::from_millis(59_001)), 60);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
