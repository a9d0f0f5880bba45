//! The retry policy: which failures are retried, how often, and how long to wait.

use core::time::Duration;

use http::{Method, StatusCode};
use status_core::Backoff;

use crate::error::{Error, ErrorKind};

/// When and how the client retries.
///
/// The default follows the API's advice: at most 5 attempts, waiting 1, 2, 4 and 8 s
/// ([`Backoff::API`]) plus up to 25 % jitter, never less than a `Retry-After` of up to 60 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    backoff: Backoff,
    jitter_percent: u32,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl RetryPolicy {
    /// The default policy (see the type's documentation).
    pub const fn new() -> Self {
        Self {
            max_attempts: 5,
            backoff: Backoff::API,
            jitter_percent: 25,
            max_retry_after: Duration::from_secs(60),
        }
    }

    /// A policy that sends each request once.
    pub const fn never() -> Self {
        Self::new().with_max_attempts(1)
    }

    /// At most `n` attempts in all (at least 1).
    pub const fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = if n == 0 { 1 } else { n };
        self
    }

    /// The base schedule; the jitter is added on top of it.
    pub const fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Random extra wait of up to `percent` % of each wait (clamped to 100), so that many
    /// clients told to wait the same time do not return at the same instant. The jitter only
    /// lengthens a wait: no retry comes sooner than the schedule or `Retry-After`.
    pub const fn with_jitter_percent(mut self, percent: u32) -> Self {
        self.jitter_percent = if percent > 100 { 100 } else { percent };
        self
    }

    /// The longest `Retry-After` the client waits for. A reply that asks for longer is
    /// returned to the caller (with [`Error::retry_after`]) instead of being retried early.
    pub const fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The maximum number of attempts.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The base schedule.
    pub const fn backoff(&self) -> Backoff {
        self.backoff
    }

    /// The jitter, in percent of each wait.
    pub const fn jitter_percent(&self) -> u32 {
        self.jitter_percent
    }

    /// The longest `Retry-After` honoured.
    pub const fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// Whether `error` may be retried for a request with `method`.
    ///
    /// - 400, 401, 403 and every other status outside 408, 429, 500, 502, 503, 504: never.
    /// - 429 and failed connections: always, since the request was refused or never sent.
    /// - 408, 500, 502, 503, 504, timeouts and connections lost mid-exchange: only for
    ///   idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) or when the caller
    ///   marked the request idempotent, because a POST may already have taken effect.
    pub fn may_retry(&self, error: &Error, method: &Method, marked_idempotent: bool) -> bool {
        let repeatable = marked_idempotent || is_idempotent(method);
        match error.kind() {
            ErrorKind::Api => match error.status() {
                Some(StatusCode::TOO_MANY_REQUESTS) => true,
                Some(_) => error.is_retryable() && repeatable,
                None => false,
            },
            ErrorKind::Connect | ErrorKind::ConnectTimeout => true,
            ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::Body => repeatable,
            _ => false,
        }
    }

    /// The wait before retry number `retry` (0 for the first), or `None` when the server's
    /// `Retry-After` is longer than [`max_retry_after`](Self::max_retry_after).
    ///
    /// The wait is the larger of the schedule and `Retry-After`, plus the jitter.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        self.delay_with(retry, retry_after, fastrand::f64())
    }

    /// [`delay`](Self::delay) with the jitter's random draw `r` in `0.0..1.0` given.
    pub(crate) fn delay_with(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        r: f64,
    ) -> Option<Duration> {
        let scheduled = self.backoff.delay(retry);
        let base = match retry_after {
            Some(asked) if asked > self.max_retry_after => return None,
            Some(asked) => asked.max(scheduled),
            None => scheduled,
        };
        // Float-to-int `as` saturates, so no wait can overflow or panic here.
        let extra_nanos = base.as_nanos() as f64 * f64::from(self.jitter_percent) / 100.0 * r;
        Some(base.saturating_add(Duration::from_nanos(extra_nanos as u64)))
    }
}

/// RFC 9110's idempotent methods.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn api_error(status: u16) -> Error {
        let body: &'static [u8] = match status {
            403 | 429 => br#"{"timestamp": "2026-03-13T07:58:46.156+00:00", "status": 403, "error": "x", "path": "/p"}"#,
            _ => br#"{"message": "m", "trace_id": "t"}"#,
        };
        let reply = status_core::decode(status, body).unwrap();
        let api = reply.into_result().unwrap_err();
        Error::api(&api, StatusCode::from_u16(status).unwrap(), Bytes::from_static(body), None)
    }

    #[test]
    fn schedule_without_jitter_is_the_apis() {
        let p = RetryPolicy::new();
        let waits: Vec<_> = (0..5).map(|i| p.delay_with(i, None, 0.0).unwrap()).collect();
        assert_eq!(waits, [S(1), S(2), S(4), S(8), S(16)]);
    }

    #[test]
    fn jitter_only_lengthens() {
        let p = RetryPolicy::new();
        assert_eq!(p.delay_with(2, None, 0.999_999).unwrap().as_millis(), 4_999);
        for _ in 0..1000 {
            let d = p.delay(1, None).unwrap();
            assert!(d >= S(2) && d < Duration::from_millis(2_500), "{d:?}");
        }
        let flat = RetryPolicy::new().with_jitter_percent(0);
        assert_eq!(flat.delay(3, None), Some(S(8)));
    }

    #[test]
    fn retry_after_is_a_floor_and_capped() {
        let p = RetryPolicy::new().with_jitter_percent(0);
        assert_eq!(p.delay(0, Some(S(7))), Some(S(7)));
        assert_eq!(p.delay(3, Some(S(2))), Some(S(8)));
        assert_eq!(p.delay(0, Some(S(60))), Some(S(60)));
        assert_eq!(p.delay(0, Some(S(61))), None);
        assert_eq!(p.delay(0, Some(Duration::MAX)), None);
        let huge = p.with_backoff(Backoff { initial: Duration::MAX, max: Duration::MAX });
        assert_eq!(huge.with_jitter_percent(100).delay_with(5, None, 0.5), Some(Duration::MAX));
    }

    #[test]
    fn which_errors_are_retried() {
        let p = RetryPolicy::new();
        for status in [400, 401, 403, 404, 409, 413, 501] {
            assert!(!p.may_retry(&api_error(status), &Method::GET, true), "{status}");
        }
        for status in [408, 500, 502, 503, 504] {
            assert!(p.may_retry(&api_error(status), &Method::GET, false), "{status}");
            assert!(p.may_retry(&api_error(status), &Method::PUT, false), "{status}");
            assert!(!p.may_retry(&api_error(status), &Method::POST, false), "{status}");
            assert!(p.may_retry(&api_error(status), &Method::POST, true), "{status}");
        }
        assert!(p.may_retry(&api_error(429), &Method::POST, false));
        let connect = Error::with_source(ErrorKind::Connect, "refused");
        assert!(p.may_retry(&connect, &Method::POST, false));
        let lost = Error::with_source(ErrorKind::Transport, "closed");
        assert!(!p.may_retry(&lost, &Method::POST, false));
        assert!(p.may_retry(&lost, &Method::GET, false));
        let timeout = Error::timeout(Duration::from_secs(30), "elapsed");
        assert!(!p.may_retry(&timeout, &Method::POST, false));
        assert!(p.may_retry(&timeout, &Method::GET, false));
        assert!(!p.may_retry(&Error::deadline(), &Method::GET, true));
    }
}
