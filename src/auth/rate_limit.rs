//! Rate-limit policy: which buckets a request counts against and how much they hold.
//! Counting happens in the database (`db::queries::rate_limits`), so every instance
//! shares the same counters.

use time::{Duration, OffsetDateTime};

/// One limit: at most `limit` hits per fixed window of `window`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    /// Bucket name; holds keyed hashes, never plain addresses.
    pub bucket: String,
    /// Hits allowed per window.
    pub limit: u32,
    /// Window length.
    pub window: Duration,
}

impl Limit {
    /// The start of the window `now` falls in.
    pub fn window_start(&self, now: OffsetDateTime) -> OffsetDateTime {
        let secs = self.window.whole_seconds().max(1);
        let t = now.unix_timestamp();
        OffsetDateTime::from_unix_timestamp(t - t.rem_euclid(secs)).unwrap_or(now)
    }

    /// Seconds until the window `now` falls in ends.
    pub fn retry_after(&self, now: OffsetDateTime) -> i64 {
        let end = self.window_start(now) + self.window;
        (end - now).whole_seconds().max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn windows_are_fixed_and_aligned() {
        let limit = Limit { bucket: "b".into(), limit: 5, window: Duration::minutes(15) };
        let now = datetime!(2026-11-20 10:07:30 UTC);
        assert_eq!(limit.window_start(now), datetime!(2026-11-20 10:00 UTC));
        assert_eq!(limit.retry_after(now), 450);
    }
}
