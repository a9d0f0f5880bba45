//! The client-side request-rate limit: at most N requests in any sliding window.

use core::time::Duration;
use std::fmt;
use std::sync::{Arc, Mutex as StdMutex, MutexGuard};

use tokio::sync::{Mutex, Notify};
use tokio::time::{sleep_until, Instant};

use crate::error::Error;

// Longer windows are clamped so that `Instant + window` cannot overflow.
const MAX_WINDOW: Duration = Duration::from_secs(366 * 24 * 3600);

/// Admits at most `limit` requests in any sliding window of `window` (by default 15 a minute,
/// the API's limit). Clones share one budget: give every client that uses the same API key
/// the same limiter.
///
/// Unlike a token bucket of the same rate, which refills continuously and lets a full bucket
/// plus its refill through within one window (about 29 in a minute for 15 a minute), this
/// keeps one slot per request of the last `limit` and admits another only when a slot is free.
///
/// A slot is held from admission until `window` after the request's [`RatePermit`] is dropped,
/// that is after its reply arrived. The server counts a request somewhere between the two, so
/// counting the window from the reply keeps the server's own count within the limit however
/// long requests take in transit, where counting from admission would let a slow request and
/// a fast one land in the same server-side window. Waiters are served in arrival order.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// use std::time::Duration;
/// use status_hyper::RateLimiter;
///
/// let limiter = RateLimiter::new(2, Duration::from_secs(60));
/// let start = tokio::time::Instant::now();
/// drop(limiter.acquire().await); // sent and answered at once
/// let slow = limiter.acquire().await;
/// tokio::time::sleep(Duration::from_secs(5)).await;
/// drop(slow); // answered 5 s later
/// limiter.acquire().await; // waits until the first leaves the window
/// assert_eq!(start.elapsed(), Duration::from_secs(60));
/// limiter.acquire().await; // waits until the slow one leaves it
/// assert_eq!(start.elapsed(), Duration::from_secs(65));
/// # });
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    limit: usize,
    window: Duration,
    /// Held by the waiter at the head of the queue, so that waiters go in arrival order.
    queue: Mutex<()>,
    slots: StdMutex<Slots>,
    /// Signalled when a request in flight completes.
    completed: Notify,
}

#[derive(Default)]
struct Slots {
    next_id: u64,
    /// One entry per slot held: its permit's id, and when the reply arrived (`None` while the
    /// request is in flight).
    held: Vec<(u64, Option<Instant>)>,
}

/// A request's place in the rate window. Keep it until the reply has arrived: the window
/// is counted from when it is dropped.
#[must_use = "the window is counted from when the permit is dropped"]
pub struct RatePermit {
    inner: Arc<Inner>,
    id: u64,
}

impl Drop for RatePermit {
    fn drop(&mut self) {
        let now = Instant::now();
        if let Some(slot) = lock(&self.inner.slots).held.iter_mut().find(|s| s.0 == self.id) {
            slot.1 = Some(now);
        }
        self.inner.completed.notify_waiters();
    }
}

impl fmt::Debug for RatePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RatePermit").field("id", &self.id).finish()
    }
}

/// No code holding this lock can panic, but do not turn a poisoned lock into a second panic.
fn lock(m: &StdMutex<Slots>) -> MutexGuard<'_, Slots> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the head of the queue does next.
enum Next {
    Admitted(u64),
    /// Sleep until this instant, or until a request in flight completes.
    Wait(Option<Instant>),
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::api()
    }
}

impl RateLimiter {
    /// The API's documented limit: 15 requests a minute per key.
    pub const API_LIMIT: usize = 15;

    /// The API's limit, [`API_LIMIT`](Self::API_LIMIT) in any 60 s.
    pub fn api() -> Self {
        Self::new(Self::API_LIMIT, Duration::from_secs(60))
    }

    /// At most `limit` (at least 1) requests in any `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        let limit = limit.max(1);
        Self {
            inner: Arc::new(Inner {
                limit,
                window: window.min(MAX_WINDOW),
                queue: Mutex::new(()),
                slots: StdMutex::new(Slots::default()),
                completed: Notify::new(),
            }),
        }
    }

    /// The number of requests admitted per window.
    pub fn limit(&self) -> usize {
        self.inner.limit
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        self.inner.window
    }

    /// Waits until a slot is free and takes it. Keep the permit until the reply has arrived.
    pub async fn acquire(&self) -> RatePermit {
        match self.acquire_by(None).await {
            Ok((permit, _)) => permit,
            // Only a deadline makes acquiring fail, and none was given.
            Err(_) => unreachable!("acquiring without a deadline cannot fail"),
        }
    }

    /// As [`acquire`](Self::acquire), and says how long it waited (zero when a slot was free).
    /// Fails at once, without waiting and without taking a slot, when no slot can be free by
    /// `deadline`.
    pub(crate) async fn acquire_by(
        &self,
        deadline: Option<Instant>,
    ) -> Result<(RatePermit, Duration), Error> {
        let queued = self.inner.queue.lock();
        let _head = match deadline {
            Some(d) => tokio::time::timeout_at(d, queued).await.map_err(|_| Error::deadline())?,
            None => queued.await,
        };
        let start = Instant::now();
        let mut waited = Duration::ZERO;
        loop {
            // Registered before looking, so that a completion in between is not missed.
            let completed = self.inner.completed.notified();
            let wake = match self.try_admit() {
                Next::Admitted(id) => {
                    return Ok((RatePermit { inner: Arc::clone(&self.inner), id }, waited))
                }
                Next::Wait(wake) => wake,
            };
            // A request still in flight frees its slot no sooner than `window` from now.
            let now = Instant::now();
            let in_flight_free = now + self.inner.window;
            let earliest = wake.map_or(in_flight_free, |at| at.min(in_flight_free));
            if deadline.is_some_and(|d| earliest > d) {
                return Err(Error::deadline());
            }
            let until = match (wake, deadline) {
                (Some(at), Some(d)) => Some(at.min(d)),
                (wake, deadline) => wake.or(deadline),
            };
            match until {
                Some(at) => tokio::select! {
                    () = sleep_until(at) => {}
                    () = completed => {}
                },
                None => completed.await,
            }
            waited = start.elapsed();
        }
    }

    /// Takes a slot if one is free; otherwise says when the first completed one frees up
    /// (`None` when every slot is held by a request still in flight).
    fn try_admit(&self) -> Next {
        let now = Instant::now();
        let window = self.inner.window;
        let mut slots = lock(&self.inner.slots);
        slots.held.retain(|&(_, done)| done.is_none_or(|at| at + window > now));
        if slots.held.len() < self.inner.limit {
            let id = slots.next_id;
            slots.next_id += 1;
            slots.held.push((id, None));
            return Next::Admitted(id);
        }
        Next::Wait(slots.held.iter().filter_map(|&(_, done)| done).min().map(|at| at + window))
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.inner.limit)
            .field("window", &self.inner.window)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every window `[t, t + window)` that starts at an admission holds at most `limit`.
    fn max_in_any_window(times: &[Instant], window: Duration) -> usize {
        let mut sorted = times.to_vec();
        sorted.sort();
        (0..sorted.len())
            .map(|i| sorted[i..].iter().take_while(|&&t| t < sorted[i] + window).count())
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn many_tasks_never_exceed_the_limit_in_any_window() {
        let limiter = RateLimiter::api();
        let start = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..100u64 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                // Arrivals spread over the first 90 s, some in bursts.
                tokio::time::sleep(Duration::from_millis(i * i * 9)).await;
                drop(limiter.acquire().await);
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        assert_eq!(max_in_any_window(&times, Duration::from_secs(60)), 15);
        // 100 requests need at least 6 full windows after the first batch.
        let last = times.iter().max().unwrap().duration_since(start);
        assert!(last >= Duration::from_secs(6 * 60), "{last:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_fails_at_once_and_costs_nothing() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        drop(limiter.acquire().await);
        let start = Instant::now();
        let deadline = Some(start + Duration::from_secs(30));
        let err = limiter.acquire_by(deadline).await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Deadline);
        assert_eq!(start.elapsed(), Duration::ZERO);
        let (_, waited) = limiter.acquire_by(Some(start + Duration::from_secs(60))).await.unwrap();
        assert_eq!(waited, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_counts_from_the_reply() {
        let limiter = RateLimiter::new(1, Duration::from_secs(60));
        let start = Instant::now();
        let slow = limiter.acquire().await;
        let waiter = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.acquire_by(None).await.map(|(_, waited)| waited) }
        });
        // In flight for 20 s: the waiter cannot know when the slot frees until it completes.
        tokio::time::sleep(Duration::from_secs(20)).await;
        drop(slow);
        assert_eq!(waiter.await.unwrap().unwrap(), Duration::from_secs(80));
        assert_eq!(start.elapsed(), Duration::from_secs(80));

        // With every slot in flight, a deadline closer than one window fails at once.
        let _held = limiter.acquire().await;
        let before = Instant::now();
        let deadline = Some(before + Duration::from_secs(59));
        assert_eq!(
            limiter.acquire_by(deadline).await.unwrap_err().kind(),
            crate::ErrorKind::Deadline
        );
        assert_eq!(before.elapsed(), Duration::ZERO);
    }
}
