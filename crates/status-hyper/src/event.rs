//! What the client did, for logs, metrics and tests.

use core::time::Duration;

use http::{Method, StatusCode};
use tokio::time::Instant;

use crate::error::ErrorKind;

/// A step the client took, passed to the observer set with
/// [`ClientBuilder::observer`](crate::ClientBuilder::observer). Events never carry the key.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// The rate limiter held a request back for `waited`.
    RateLimited {
        /// The request's path.
        path: &'a str,
        /// How long it waited.
        waited: Duration,
    },
    /// A submission waited `waited` for a free project slot.
    SlotWait {
        /// The request's path.
        path: &'a str,
        /// How long it waited.
        waited: Duration,
    },
    /// The limits admitted an attempt, which is being sent now.
    Attempt {
        /// The method.
        method: &'a Method,
        /// The request's path.
        path: &'a str,
        /// 1 for the first attempt.
        attempt: u32,
        /// When it was admitted (tokio's clock, so paused-time tests see virtual time).
        at: Instant,
    },
    /// An attempt failed and the request will be sent again after `delay`.
    Retry {
        /// The request's path.
        path: &'a str,
        /// The attempt that failed.
        attempt: u32,
        /// What failed.
        kind: ErrorKind,
        /// The status, when a reply arrived.
        status: Option<StatusCode>,
        /// The schedule's wait for this retry, before jitter.
        scheduled: Duration,
        /// What the reply's `Retry-After` asked for.
        retry_after: Option<Duration>,
        /// The wait that follows: the larger of the two, plus jitter.
        delay: Duration,
    },
    /// The store that keeps the limits could not be reached; `fallback` says what admitted
    /// the request instead, or, with [`StoreFallback::Wait`](crate::StoreFallback::Wait),
    /// that it waited for the store (and `admitted` whether the store answered in time).
    StoreUnavailable {
        /// The request's path.
        path: &'a str,
        /// What the client did.
        fallback: crate::StoreFallback,
        /// Whether the request went ahead.
        admitted: bool,
    },
}
