//! The client-side request-rate limit: at most N requests in any sliding window.

use core::time::Duration;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use tokio::sync::Mutex;
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
/// remembers when each of the last `limit` requests was admitted and admits another only when
/// the oldest of them has left the window. Waiters are served in arrival order.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
/// use std::time::Duration;
/// use status_hyper::RateLimiter;
///
/// let limiter = RateLimiter::new(2, Duration::from_secs(60));
/// let start = tokio::time::Instant::now();
/// limiter.acquire().await;
/// limiter.acquire().await;
/// limiter.acquire().await; // waits until the first one leaves the window
/// assert_eq!(start.elapsed(), Duration::from_secs(60));
/// # });
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    limit: usize,
    window: Duration,
    admitted: Mutex<VecDeque<Instant>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::api()
    }
}

impl RateLimiter {
    /// The API's documented limit: 15 requests a minute per key.
    pub const API_LIMIT: u32 = 15;

    /// The API's limit, [`API_LIMIT`](Self::API_LIMIT) in any 60 s.
    pub fn api() -> Self {
        Self::new(Self::API_LIMIT, Duration::from_secs(60))
    }

    /// At most `limit` (at least 1) requests in any `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
        Self {
            inner: Arc::new(Inner {
                limit,
                window: window.min(MAX_WINDOW),
                admitted: Mutex::new(VecDeque::with_capacity(limit.min(1024))),
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

    /// Waits until one more request fits in the window, records it, and returns how long
    /// it waited for the window (zero when it fit at once).
    pub async fn acquire(&self) -> Duration {
        let start = Instant::now();
        let mut admitted = self.inner.admitted.lock().await;
        let mut waited = Duration::ZERO;
        while let Some(ready) = self.try_admit(&mut admitted) {
            sleep_until(ready).await;
            waited = start.elapsed();
        }
        waited
    }

    /// As [`acquire`](Self::acquire), but fails at once, without waiting and without using
    /// up the budget, when the request could not be admitted by `deadline`.
    pub(crate) async fn acquire_by(&self, deadline: Option<Instant>) -> Result<Duration, Error> {
        let start = Instant::now();
        let lock = self.inner.admitted.lock();
        let mut admitted = match deadline {
            Some(d) => tokio::time::timeout_at(d, lock).await.map_err(|_| Error::deadline())?,
            None => lock.await,
        };
        let mut waited = Duration::ZERO;
        while let Some(ready) = self.try_admit(&mut admitted) {
            if deadline.is_some_and(|d| ready > d) {
                return Err(Error::deadline());
            }
            sleep_until(ready).await;
            waited = start.elapsed();
        }
        Ok(waited)
    }

    /// Admits a request now (`None`), or says when one will fit.
    fn try_admit(&self, admitted: &mut VecDeque<Instant>) -> Option<Instant> {
        let now = Instant::now();
        let window = self.inner.window;
        while admitted.front().is_some_and(|&at| at + window <= now) {
            admitted.pop_front();
        }
        if admitted.len() < self.inner.limit {
            admitted.push_back(now);
            return None;
        }
        admitted.front().map(|&oldest| oldest + window)
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
                limiter.acquire().await;
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
        limiter.acquire().await;
        let start = Instant::now();
        let deadline = Some(start + Duration::from_secs(30));
        let err = limiter.acquire_by(deadline).await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Deadline);
        assert_eq!(start.elapsed(), Duration::ZERO);
        let waited = limiter.acquire_by(Some(start + Duration::from_secs(60))).await.unwrap();
        assert_eq!(waited, Duration::from_secs(60));
    }
}
