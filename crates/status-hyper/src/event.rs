//! What the client did, for logs, metrics and tests.

use core::time::Duration;

use http::{Method, StatusCode};
use tokio::time::Instant;

use crate::error::ErrorKind;

/// A step the client took, passed to the observer set with
/// [`ClientBuilder::observer`](crate::ClientBuilder::observer). Events never carry the key
/// or any text the server sent.
///
/// Every call ends with exactly one [`Event::Finished`], which is enough for request
/// counters and latency histograms:
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
/// use status_hyper::{ApiKey, Client, Event};
///
/// let failures = Arc::new(AtomicU64::new(0));
/// let counter = Arc::clone(&failures);
/// let builder = Client::builder("http://127.0.0.1:8080".parse().unwrap(), ApiKey::new("k").unwrap())
///     .observer(move |event| {
///         if let Event::Finished { outcome: Err(_), .. } = event {
///             counter.fetch_add(1, Ordering::Relaxed);
///         }
///     });
/// # let _ = builder;
/// ```
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
    /// A typed submission was refused with 429 for the running-projects limit and waited
    /// `waited` (for a known project to finish, or the backoff) before submitting again.
    ProjectLimit {
        /// The request's path.
        path: &'a str,
        /// How many times the submission has been refused so far.
        refusals: u32,
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
    /// A call (`send`, `submit` or `poll`) returned: the one event per call, for metrics.
    Finished {
        /// The method.
        method: &'a Method,
        /// The request's path.
        path: &'a str,
        /// `Ok` for a 2xx reply with a valid body, else what failed.
        outcome: Result<(), ErrorKind>,
        /// The last reply's status, when one arrived.
        status: Option<StatusCode>,
        /// How many attempts were sent (0 when the call ended waiting for a limit).
        attempts: u32,
        /// How long the call took in all, waits included.
        elapsed: Duration,
    },
    /// A running project whose holder disappeared (a crashed process) was adopted from the
    /// shared store; it is polled at `path` until it finishes (see
    /// [`ClientBuilder::adopt_orphans`](crate::ClientBuilder::adopt_orphans)).
    OrphanAdopted {
        /// Its results path (with the project id).
        path: &'a str,
    },
    /// An adopted orphan was seen finished and its slot freed.
    OrphanFinished {
        /// Its results path (with the project id).
        path: &'a str,
        /// Whether it ended `FAILED`.
        failed: bool,
        /// How many polls this process sent for it.
        polls: u32,
        /// How long this process held it.
        held: Duration,
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
