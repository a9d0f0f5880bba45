//! The status policy: which body shape each status promises, and what a caller should do.

use core::time::Duration;

/// What the caller should do about a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Retry {
    /// The request succeeded: nothing to retry.
    NotNeeded,
    /// Sending the same request again will fail the same way: fix the request or credentials.
    Never,
    /// A transient condition: retry later, waiting per [`Backoff::API`] (or `Retry-After`).
    Backoff,
}

impl Retry {
    /// The advice for an HTTP status.
    ///
    /// 2xx need no retry; 408, 429, 500, 502, 503 and 504 are transient; every other status
    /// (400, 401, 403, 404, 501, any 1xx or 3xx that reaches a decoder ...) will not change by
    /// itself.
    pub const fn for_status(status: u16) -> Self {
        match status {
            200..=299 => Self::NotNeeded,
            408 | 429 | 500 | 502 | 503 | 504 => Self::Backoff,
            _ => Self::Never,
        }
    }

    /// Whether retrying can help.
    pub const fn is_retryable(self) -> bool {
        matches!(self, Self::Backoff)
    }

    /// A stable `snake_case` name: `not_needed`, `never` or `backoff`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotNeeded => "not_needed",
            Self::Never => "never",
            Self::Backoff => "backoff",
        }
    }
}

/// An exponential backoff schedule: `initial`, then doubled per attempt up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Backoff {
    /// The wait before the first retry.
    pub initial: Duration,
    /// The longest single wait.
    pub max: Duration,
}

impl Backoff {
    /// The API's recommended schedule: 1 s, doubling each attempt (1, 2, 4, 8 s ...), capped
    /// at one minute, the length of its rate-limit window.
    pub const API: Self = Self { initial: Duration::from_secs(1), max: Duration::from_secs(60) };

    /// The wait before retry number `retry` (0 for the first retry): `initial * 2^retry`,
    /// capped at `max`, without overflow for any `retry`.
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry).unwrap_or(u32::MAX);
        self.initial.checked_mul(factor).map_or(self.max, |d| d.min(self.max))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::API
    }
}

/// The body shape a status promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// `{"data": ...}` or nothing.
    Success,
    /// `{"message", "trace_id"}` (400, 500).
    Message,
    /// `{"timestamp", "status", "error", "path"}` (403, 429).
    Gateway,
    /// Not documented: whichever error shape the body turns out to be.
    AnyError,
}

impl Expect {
    pub(crate) const fn for_status(status: u16) -> Self {
        match status {
            200..=299 => Self::Success,
            400 | 500 => Self::Message,
            403 | 429 => Self::Gateway,
            _ => Self::AnyError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_advice_per_status() {
        for s in [200, 201, 204, 299] {
            assert_eq!(Retry::for_status(s), Retry::NotNeeded);
        }
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(Retry::for_status(s), Retry::Backoff, "{s}");
        }
        for s in [100, 301, 304, 400, 401, 403, 404, 409, 413, 422, 501, 505, 599, 999] {
            assert_eq!(Retry::for_status(s), Retry::Never, "{s}");
        }
    }

    #[test]
    fn api_schedule_doubles_from_one_second_and_saturates() {
        let b = Backoff::API;
        let secs: [u64; 8] = core::array::from_fn(|i| b.delay(i as u32).as_secs());
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(60));
    }
}
