//! Where the limits are kept: the traits that a store shared by many processes (such as
//! Redis, in the `status-redis` crate) implements, and the in-process stores that are the
//! default.
//!
//! [`RateLimiter`](crate::RateLimiter) runs on a [`RateStore`] and
//! [`ProjectSlots`](crate::ProjectSlots) on a [`ProjectStore`]. Each store does its own waiting
//! (an in-process store is woken by completions, a shared one looks again), and reports a
//! store it cannot reach as [`AcquireError::Unavailable`]; the limiter then applies its
//! [`StoreFallback`].

use core::error::Error as StdError;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::time::Duration;
use std::collections::HashMap;
use std::sync::{Arc, Mutex as StdMutex, MutexGuard};

use tokio::sync::{Mutex, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::{sleep_until, Instant};

/// The future a store method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

type BoxError = Box<dyn StdError + Send + Sync>;

/// A store could not be reached or answered something it should not have.
pub struct StoreError {
    source: BoxError,
}

impl StoreError {
    /// Wraps the store's own error.
    pub fn new(source: impl Into<BoxError>) -> Self {
        Self { source: source.into() }
    }

    /// Takes the store's own error.
    pub fn into_source(self) -> BoxError {
        self.source
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("StoreError").field(&self.source).finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "limit store unavailable: {}", self.source)
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// Why a store did not hand out a slot.
#[derive(Debug)]
pub enum AcquireError {
    /// No slot can be free by the deadline (returned at once, without waiting for it to pass,
    /// when the store can tell).
    Deadline,
    /// The store could not be reached.
    Unavailable(StoreError),
}

/// A running project whose holder disappeared, as a shared store reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Orphan {
    /// The project id.
    pub id: String,
    /// Where its results are polled (a path under the API's base), when its holder said.
    pub results_path: Option<String>,
}

impl Orphan {
    /// The orphaned project `id`, polled at `results_path` when known.
    pub fn new(id: impl Into<String>, results_path: Option<String>) -> Self {
        Self { id: id.into(), results_path }
    }
}

/// A slot's id, unique within the store that handed it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotId(pub u64);

/// What a limiter does when its store cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StoreFallback {
    /// Keep trying (every 100 ms) until the request's deadline, then fail with
    /// [`ErrorKind::StoreUnavailable`](crate::ErrorKind::StoreUnavailable). Without a deadline,
    /// keep trying. The default: the limit is never exceeded.
    #[default]
    Wait,
    /// Send without a slot: availability over the limit. The server may answer 429.
    FailOpen,
    /// Keep to this process's share of the budget, this many slots (at least 1) per window
    /// (requests) or at once (projects), with an in-process limiter, until the store is back.
    /// With `n` = the budget divided by the number of processes, the limit still holds.
    LocalShare(usize),
}

/// The request-rate budget: at most [`limit`](Self::limit) requests in any window of
/// [`window`](Self::window), each request holding its slot from admission until `window`
/// after its reply arrived.
///
/// A store shared by many processes must admit atomically (no check-then-act across round
/// trips), take time from one clock that never goes backwards, and free a slot whose holder
/// disappeared (crashed mid-request) no later than a lease plus `window` after it was last seen.
pub trait RateStore: Send + Sync + fmt::Debug + 'static {
    /// The number of requests admitted per window.
    fn limit(&self) -> usize;

    /// The window length.
    fn window(&self) -> Duration;

    /// Waits until a slot is free and takes it, saying how long it waited. Fails with
    /// [`AcquireError::Deadline`] (at once, when it can tell) when no slot can be free by
    /// `deadline`.
    fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>>;

    /// The reply for `slot` arrived (or the attempt ended without one): the slot stays taken
    /// until `window` from now. Called from `Drop`: must not block; a shared store records it
    /// in the background.
    fn complete(&self, slot: SlotId);

    /// The server answered 429: whatever the count says, admit nothing for `retry_in`.
    /// The in-process store does nothing (the retry schedule already waits).
    fn server_refused(&self, retry_in: Duration) -> StoreFuture<'_, Result<(), StoreError>> {
        let _ = retry_in;
        Box::pin(async { Ok(()) })
    }
}

/// The running-projects budget: at most [`limit`](Self::limit) projects at once, each slot
/// held from before its submission until a poll sees the project finished.
///
/// A shared store keeps a slot whose holder disappeared counted while its project may still run:
/// once the project id is [bound](Self::bind), the slot is an orphan that another process
/// [adopts](Self::adopt) and polls to the end; a holder that disappeared before it learned
/// the id is freed after a configured time.
pub trait ProjectStore: Send + Sync + fmt::Debug + 'static {
    /// The number of slots.
    fn limit(&self) -> usize;

    /// Waits for a free slot and takes it for a submission, saying how long it waited.
    fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>>;

    /// The submission in `slot` created the project `project_id`. Must not block.
    fn bind(&self, slot: SlotId, project_id: &str);

    /// The project in `slot` finished (or the submission failed): the slot is free. Called
    /// from `Drop`: must not block.
    fn release(&self, slot: SlotId);

    /// The slots held through this store instance now (for the in-process store: all of
    /// them).
    fn held(&self) -> usize;

    /// The project in `slot` is polled at `results_path` (a path under the API's base, such
    /// as `/api/v2/clips/results/<id>`), so that another process that adopts it can poll it
    /// too. Never the key or anything secret. Must not block. The in-process store needs it
    /// not.
    fn bind_results_path(&self, slot: SlotId, results_path: &str) {
        let _ = (slot, results_path);
    }

    /// This process stops polling the project in `slot`, which may still run: a shared store
    /// keeps it counted, as an orphan for another process to [adopt](Self::adopt). By default
    /// (and in the in-process store, where nobody else could poll it) the slot is released.
    /// Called from `Drop`: must not block.
    fn disown(&self, slot: SlotId) {
        self.release(slot);
    }

    /// Running projects whose holder disappeared, to [adopt](Self::adopt).
    /// The in-process store has none.
    fn orphans(&self) -> StoreFuture<'_, Result<Vec<Orphan>, StoreError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// How often a live process should look for [orphans](Self::orphans) and adopt those it
    /// can poll; `None` (the default, and the in-process store's answer) when there can be
    /// none or adoption is switched off. A [`Client`](crate::Client) on such a store does it
    /// in the background (see
    /// [`ClientBuilder::adopt_orphans`](crate::ClientBuilder::adopt_orphans)).
    fn orphan_scan(&self) -> Option<Duration> {
        None
    }

    /// Takes over the orphaned project `project_id`'s slot; `None` when it is no longer an
    /// orphan (finished, or adopted by another process first).
    fn adopt(&self, project_id: &str) -> StoreFuture<'_, Result<Option<SlotId>, StoreError>> {
        let _ = project_id;
        Box::pin(async { Ok(None) })
    }
}

/// No code holding these locks can panic, but do not turn a poisoned lock into a second panic.
fn lock<T>(m: &StdMutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// Longer windows are clamped so that `Instant + window` cannot overflow.
const MAX_WINDOW: Duration = Duration::from_secs(366 * 24 * 3600);

/// The in-process request-rate store, the default: one slot per request of the last `limit`,
/// waiters served in arrival order and woken by completions.
pub struct LocalRateStore {
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
    /// One entry per slot held: its id, and when the reply arrived (`None` while the
    /// request is in flight).
    held: Vec<(u64, Option<Instant>)>,
}

/// What the head of the queue does next.
enum Next {
    Admitted(u64),
    /// Sleep until this instant, or until a request in flight completes.
    Wait(Option<Instant>),
}

impl LocalRateStore {
    /// At most `limit` (at least 1) requests in any `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window: window.min(MAX_WINDOW),
            queue: Mutex::new(()),
            slots: StdMutex::new(Slots::default()),
            completed: Notify::new(),
        }
    }

    async fn acquire_by(
        &self,
        deadline: Option<Instant>,
    ) -> Result<(SlotId, Duration), AcquireError> {
        let queued = self.queue.lock();
        let _head = match deadline {
            Some(d) => {
                tokio::time::timeout_at(d, queued).await.map_err(|_| AcquireError::Deadline)?
            }
            None => queued.await,
        };
        let start = Instant::now();
        let mut waited = Duration::ZERO;
        loop {
            // Registered before looking, so that a completion in between is not missed.
            let completed = self.completed.notified();
            let wake = match self.try_admit() {
                Next::Admitted(id) => return Ok((SlotId(id), waited)),
                Next::Wait(wake) => wake,
            };
            // A request still in flight frees its slot no sooner than `window` from now.
            let now = Instant::now();
            let in_flight_free = now + self.window;
            let earliest = wake.map_or(in_flight_free, |at| at.min(in_flight_free));
            if deadline.is_some_and(|d| earliest > d) {
                return Err(AcquireError::Deadline);
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
        let window = self.window;
        let mut slots = lock(&self.slots);
        slots.held.retain(|&(_, done)| done.is_none_or(|at| at + window > now));
        if slots.held.len() < self.limit {
            let id = slots.next_id;
            slots.next_id += 1;
            slots.held.push((id, None));
            return Next::Admitted(id);
        }
        Next::Wait(slots.held.iter().filter_map(|&(_, done)| done).min().map(|at| at + window))
    }
}

impl RateStore for LocalRateStore {
    fn limit(&self) -> usize {
        self.limit
    }

    fn window(&self) -> Duration {
        self.window
    }

    fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>> {
        Box::pin(self.acquire_by(deadline))
    }

    fn complete(&self, slot: SlotId) {
        let now = Instant::now();
        if let Some(held) = lock(&self.slots).held.iter_mut().find(|s| s.0 == slot.0) {
            held.1 = Some(now);
        }
        self.completed.notify_waiters();
    }
}

impl fmt::Debug for LocalRateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRateStore")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

/// The in-process running-projects store, the default: a fair semaphore.
pub struct LocalProjectStore {
    limit: usize,
    slots: Arc<Semaphore>,
    held: StdMutex<(u64, HashMap<u64, OwnedSemaphorePermit>)>,
}

impl LocalProjectStore {
    /// At most `limit` (at least 1) running projects.
    pub fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            limit,
            slots: Arc::new(Semaphore::new(limit)),
            held: StdMutex::new((0, HashMap::new())),
        }
    }

    fn keep(&self, permit: OwnedSemaphorePermit) -> SlotId {
        let mut held = lock(&self.held);
        let id = held.0;
        held.0 += 1;
        held.1.insert(id, permit);
        SlotId(id)
    }

    async fn acquire_by(
        &self,
        deadline: Option<Instant>,
    ) -> Result<(SlotId, Duration), AcquireError> {
        if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
            return Ok((self.keep(permit), Duration::ZERO));
        }
        let start = Instant::now();
        let acquire = Arc::clone(&self.slots).acquire_owned();
        let permit = match deadline {
            Some(d) => {
                tokio::time::timeout_at(d, acquire).await.map_err(|_| AcquireError::Deadline)?
            }
            None => acquire.await,
        };
        // The semaphore is never closed.
        let permit = permit.map_err(|e| AcquireError::Unavailable(StoreError::new(e)))?;
        Ok((self.keep(permit), start.elapsed()))
    }
}

impl ProjectStore for LocalProjectStore {
    fn limit(&self) -> usize {
        self.limit
    }

    fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>> {
        Box::pin(self.acquire_by(deadline))
    }

    fn bind(&self, _slot: SlotId, _project_id: &str) {}

    fn release(&self, slot: SlotId) {
        let permit = lock(&self.held).1.remove(&slot.0);
        drop(permit);
    }

    fn held(&self) -> usize {
        self.limit - self.slots.available_permits()
    }
}

impl fmt::Debug for LocalProjectStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalProjectStore")
            .field("limit", &self.limit)
            .field("held", &self.held())
            .finish()
    }
}

/// How often [`StoreFallback::Wait`] tries an unreachable store again.
pub(crate) const STORE_RETRY: Duration = Duration::from_millis(100);

/// What an acquisition through a store gave: the store's slot, or what its fallback gave.
pub(crate) enum Acquired<S, L> {
    /// The store's own slot.
    Store(S),
    /// Admitted unchecked ([`StoreFallback::FailOpen`]).
    Open,
    /// A slot of the in-process share ([`StoreFallback::LocalShare`]).
    Share(L),
}

/// The client's error for a store's refusal.
pub(crate) fn acquire_error(e: AcquireError) -> crate::error::Error {
    match e {
        AcquireError::Deadline => crate::error::Error::deadline(),
        AcquireError::Unavailable(e) => crate::error::Error::store_unavailable(e),
    }
}

/// Takes a slot from a store (`acquire`), and while the store cannot be reached does what
/// `fallback` says: try again every [`STORE_RETRY`] within `deadline`, admit unchecked, or take
/// a slot of the in-process share (`share`). Returns the slot, the fallback that admitted it
/// (`Wait` when the store answered only after being unreachable) and the time waited. The
/// rate limiter and the project slots both acquire this way.
pub(crate) async fn acquire_with_fallback<S, L, A, AF, SF>(
    deadline: Option<Instant>,
    fallback: StoreFallback,
    mut acquire: A,
    share: Option<SF>,
) -> Result<(Acquired<S, L>, Option<StoreFallback>, Duration), crate::error::Error>
where
    A: FnMut() -> AF,
    AF: Future<Output = Result<(S, Duration), AcquireError>>,
    SF: Future<Output = Result<L, crate::error::Error>>,
{
    use crate::error::Error;
    let start = Instant::now();
    let mut waited_on_store = None;
    let mut share = share;
    loop {
        let error = match acquire().await {
            Ok((slot, waited)) => {
                let waited = if waited_on_store.is_some() { start.elapsed() } else { waited };
                return Ok((Acquired::Store(slot), waited_on_store, waited));
            }
            Err(AcquireError::Deadline) => return Err(Error::deadline()),
            Err(AcquireError::Unavailable(e)) => e,
        };
        match (fallback, share.take()) {
            (StoreFallback::FailOpen, _) => {
                return Ok((Acquired::Open, Some(StoreFallback::FailOpen), start.elapsed()));
            }
            (StoreFallback::LocalShare(n), Some(share)) => {
                let slot = share.await?;
                return Ok((
                    Acquired::Share(slot),
                    Some(StoreFallback::LocalShare(n)),
                    start.elapsed(),
                ));
            }
            (_, kept) => {
                share = kept;
                let retry_at = Instant::now() + STORE_RETRY;
                if deadline.is_some_and(|d| retry_at > d) {
                    return Err(Error::store_unavailable(error));
                }
                waited_on_store = Some(StoreFallback::Wait);
                sleep_until(retry_at).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use core::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::{ErrorKind, ProjectSlots, RateLimiter};

    /// A store that cannot be reached for its first `down` calls.
    #[derive(Debug)]
    struct Flaky {
        down: usize,
        calls: AtomicUsize,
        local: LocalRateStore,
        projects: LocalProjectStore,
    }

    impl Flaky {
        fn new(down: usize) -> Arc<Self> {
            Arc::new(Self {
                down,
                calls: AtomicUsize::new(0),
                local: LocalRateStore::new(10, Duration::from_secs(60)),
                projects: LocalProjectStore::new(10),
            })
        }

        fn up(&self) -> Result<(), AcquireError> {
            if self.calls.fetch_add(1, Ordering::Relaxed) < self.down {
                return Err(AcquireError::Unavailable(StoreError::new("connection refused")));
            }
            Ok(())
        }
    }

    impl RateStore for Flaky {
        fn limit(&self) -> usize {
            self.local.limit()
        }
        fn window(&self) -> Duration {
            self.local.window()
        }
        fn acquire(
            &self,
            deadline: Option<Instant>,
        ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>> {
            Box::pin(async move {
                self.up()?;
                self.local.acquire(deadline).await
            })
        }
        fn complete(&self, slot: SlotId) {
            self.local.complete(slot);
        }
    }

    impl ProjectStore for Flaky {
        fn limit(&self) -> usize {
            self.projects.limit()
        }
        fn acquire(
            &self,
            deadline: Option<Instant>,
        ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>> {
            Box::pin(async move {
                self.up()?;
                self.projects.acquire(deadline).await
            })
        }
        fn bind(&self, _slot: SlotId, _project_id: &str) {}
        fn release(&self, slot: SlotId) {
            self.projects.release(slot);
        }
        fn held(&self) -> usize {
            self.projects.held()
        }
    }

    const DOWN: usize = usize::MAX;

    #[tokio::test(start_paused = true)]
    async fn waiting_for_an_unreachable_store_ends_at_the_deadline_with_a_typed_error() {
        let limiter = RateLimiter::with_store(Flaky::new(DOWN), StoreFallback::Wait);
        let start = Instant::now();
        let deadline = Some(start + Duration::from_secs(1));
        let err = limiter.acquire_by(deadline).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StoreUnavailable);
        assert!(start.elapsed() <= Duration::from_secs(1));
        assert!(core::error::Error::source(&err).is_some());

        let slots = ProjectSlots::with_store(Flaky::new(DOWN), StoreFallback::Wait, ["DONE"]);
        let err = slots.acquire_by(deadline).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::StoreUnavailable);
    }

    #[tokio::test(start_paused = true)]
    async fn a_store_that_comes_back_admits_the_waiting_request() {
        let limiter = RateLimiter::with_store(Flaky::new(3), StoreFallback::Wait);
        let (permit, waited) = limiter.acquire_by(None).await.unwrap();
        assert_eq!(permit.fallback(), Some(StoreFallback::Wait));
        assert_eq!(waited, 3 * STORE_RETRY_FOR_TESTS);
        let (permit, waited) = limiter.acquire_by(None).await.unwrap();
        assert_eq!((permit.fallback(), waited), (None, Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn fail_open_admits_everything_and_a_local_share_keeps_to_its_share() {
        let open = RateLimiter::with_store(Flaky::new(DOWN), StoreFallback::FailOpen);
        for _ in 0..50 {
            let (permit, waited) = open.acquire_by(None).await.unwrap();
            assert_eq!(
                (permit.fallback(), waited),
                (Some(StoreFallback::FailOpen), Duration::ZERO)
            );
        }
        let share = RateLimiter::with_store(Flaky::new(DOWN), StoreFallback::LocalShare(2));
        let deadline = Some(Instant::now() + Duration::from_secs(30));
        for _ in 0..2 {
            let (permit, _) = share.acquire_by(deadline).await.unwrap();
            assert_eq!(permit.fallback(), Some(StoreFallback::LocalShare(2)));
        }
        // The share's window (the store's, 60 s) is full.
        assert_eq!(share.acquire_by(deadline).await.unwrap_err().kind(), ErrorKind::Deadline);

        let slots =
            ProjectSlots::with_store(Flaky::new(DOWN), StoreFallback::LocalShare(1), ["DONE"]);
        let (held, _) = slots.acquire_by(deadline).await.unwrap();
        assert_eq!(held.fallback, Some(StoreFallback::LocalShare(1)));
        assert_eq!(slots.acquire_by(deadline).await.unwrap_err().kind(), ErrorKind::Deadline);
        drop(held);
        slots.acquire_by(deadline).await.unwrap();
    }

    const STORE_RETRY_FOR_TESTS: Duration = Duration::from_millis(100);
}
