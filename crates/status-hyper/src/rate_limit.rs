//! The client-side request-rate limit: at most N requests in any sliding window.

use core::time::Duration;
use std::fmt;
use std::sync::Arc;

use tokio::time::Instant;

use crate::error::Error;
use crate::store::{
    acquire_error, acquire_with_fallback, Acquired, LocalRateStore, RateStore, SlotId, StoreError,
    StoreFallback,
};

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
/// The budget is kept in this process ([`LocalRateStore`]) unless the limiter is made
/// [`with_store`](Self::with_store), such as a store that many processes share.
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
    store: Arc<dyn RateStore>,
    fallback: StoreFallback,
    /// The in-process share used while the store is unreachable, with
    /// [`StoreFallback::LocalShare`].
    share: Option<RateLimiter>,
}

/// A request's place in the rate window. Keep it until the reply has arrived: the window
/// is counted from when it is dropped.
#[must_use = "the window is counted from when the permit is dropped"]
pub struct RatePermit {
    slot: Slot,
    fallback: Option<StoreFallback>,
}

enum Slot {
    Store(StoreSlot),
    /// Admitted without a slot ([`StoreFallback::FailOpen`]).
    Open,
    /// Admitted by the in-process share ([`StoreFallback::LocalShare`]).
    Share(Box<RatePermit>),
}

struct StoreSlot {
    store: Arc<dyn RateStore>,
    id: SlotId,
}

impl Drop for StoreSlot {
    fn drop(&mut self) {
        self.store.complete(self.id);
    }
}

impl RatePermit {
    /// When the store could not be reached: what admitted this request instead
    /// ([`StoreFallback::Wait`]: the store, once it answered again).
    pub fn fallback(&self) -> Option<StoreFallback> {
        self.fallback
    }
}

impl fmt::Debug for RatePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RatePermit");
        match &self.slot {
            Slot::Store(s) => d.field("id", &s.id.0),
            Slot::Open => d.field("id", &"open"),
            Slot::Share(p) => d.field("share", p),
        };
        d.finish()
    }
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

    /// At most `limit` (at least 1) requests in any `window`, kept in this process
    /// ([`LocalRateStore`]).
    pub fn new(limit: usize, window: Duration) -> Self {
        Self::with_store(Arc::new(LocalRateStore::new(limit, window)), StoreFallback::Wait)
    }

    /// The budget kept in `store`, such as one shared by many processes; `fallback` says what
    /// to do while the store cannot be reached.
    pub fn with_store(store: Arc<dyn RateStore>, fallback: StoreFallback) -> Self {
        let share = match fallback {
            StoreFallback::LocalShare(n) => Some(Self::new(n, store.window())),
            _ => None,
        };
        Self { inner: Arc::new(Inner { store, fallback, share }) }
    }

    /// The number of requests admitted per window.
    pub fn limit(&self) -> usize {
        self.inner.store.limit()
    }

    /// The window length.
    pub fn window(&self) -> Duration {
        self.inner.store.window()
    }

    /// The store the budget is kept in.
    pub fn store(&self) -> &Arc<dyn RateStore> {
        &self.inner.store
    }

    /// What happens while the store cannot be reached.
    pub fn fallback(&self) -> StoreFallback {
        self.inner.fallback
    }

    /// Waits until a slot is free and takes it. Keep the permit until the reply has arrived.
    /// With a shared store that cannot be reached, this applies the fallback ([`StoreFallback::Wait`]
    /// keeps trying).
    pub async fn acquire(&self) -> RatePermit {
        match self.acquire_by(None).await {
            Ok((permit, _)) => permit,
            // Only a deadline makes acquiring fail, and none was given.
            Err(_) => unreachable!("acquiring without a deadline cannot fail"),
        }
    }

    /// Tells the store that the server answered 429 and asked for `retry_in`: a shared store
    /// then admits nothing anywhere until it has passed. The in-process store ignores it.
    pub async fn server_refused(&self, retry_in: Duration) -> Result<(), StoreError> {
        self.inner.store.server_refused(retry_in).await
    }

    /// As [`acquire`](Self::acquire), and says how long it waited (zero when a slot was free).
    /// Fails at once, without waiting and without taking a slot, when no slot can be free by
    /// `deadline`.
    pub(crate) async fn acquire_by(
        &self,
        deadline: Option<Instant>,
    ) -> Result<(RatePermit, Duration), Error> {
        let store = &self.inner.store;
        // The share is an in-process store, which is always reachable.
        let share = self.inner.share.as_ref().map(|share| async move {
            let local = &share.inner.store;
            let (id, _) = local.acquire(deadline).await.map_err(acquire_error)?;
            let slot = Slot::Store(StoreSlot { store: Arc::clone(local), id });
            Ok(RatePermit { slot, fallback: None })
        });
        let (acquired, fallback, waited) =
            acquire_with_fallback(deadline, self.inner.fallback, || store.acquire(deadline), share)
                .await?;
        let slot = match acquired {
            Acquired::Store(id) => Slot::Store(StoreSlot { store: Arc::clone(store), id }),
            Acquired::Open => Slot::Open,
            Acquired::Share(permit) => Slot::Share(Box::new(permit)),
        };
        Ok((RatePermit { slot, fallback }, waited))
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit())
            .field("window", &self.window())
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
