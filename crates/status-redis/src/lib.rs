#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod keys;
mod scripts;

use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex as StdMutex, MutexGuard, Weak};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Value;
use status_hyper::{
    AcquireError, Orphan, ProjectSlots, ProjectStore, RateLimiter, RateStore, SlotId, StoreError,
    StoreFallback, StoreFuture,
};
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinHandle;
use tokio::time::{sleep, sleep_until, timeout, Instant};

pub use keys::BudgetKeys;
use scripts::Scripts;

/// Settings for a [`RedisBudget`]; start with [`RedisBudget::builder`].
#[derive(Clone)]
pub struct RedisBudgetBuilder {
    url: String,
    keys: BudgetKeys,
    limit: usize,
    window: Duration,
    project_limit: usize,
    lease: Duration,
    tick: Duration,
    grace: Duration,
    unbound_timeout: Duration,
    poll: Duration,
    io_timeout: Duration,
    /// `None`: never; `Some(None)`: the default, half the lease.
    orphan_scan: Option<Option<Duration>>,
}

impl fmt::Debug for RedisBudgetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudgetBuilder")
            .field("keys", &self.keys)
            .field("limit", &self.limit)
            .field("window", &self.window)
            .field("project_limit", &self.project_limit)
            .field("lease", &self.lease)
            .field("tick", &self.tick)
            .field("grace", &self.grace)
            .field("unbound_timeout", &self.unbound_timeout)
            .field("poll", &self.poll)
            .field("io_timeout", &self.io_timeout)
            .field("orphan_scan", &self.orphan_scan)
            .finish_non_exhaustive()
    }
}

impl RedisBudgetBuilder {
    /// At most `limit` (at least 1) requests in any `window` (default 15 a minute).
    pub fn rate(mut self, limit: usize, window: Duration) -> Self {
        self.limit = limit.max(1);
        self.window = window.max(Duration::from_millis(1));
        self
    }

    /// At most `limit` (at least 1) running projects (default 5).
    pub fn project_limit(mut self, limit: usize) -> Self {
        self.project_limit = limit.max(1);
        self
    }

    /// How long a process's hold lasts without renewal (default 5 s). A crashed process's
    /// requests in flight count as answered when it runs out, so their slots come back
    /// within `lease + window`; its running projects become orphans to adopt. The lease is
    /// renewed in the background every [`tick`](Self::tick).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(10));
        self
    }

    /// How often the background task renews the lease and records replies (default 150 ms;
    /// at most a third of the lease is used).
    pub fn tick(mut self, tick: Duration) -> Self {
        self.tick = tick.max(Duration::from_millis(1));
        self
    }

    /// How long a budget that Redis lost (a restart without persistence, or expiry after
    /// `window + lease` unused) admits nothing new, so that every live process re-registers
    /// what it holds first (default 500 ms; keep it above two ticks).
    pub fn rebuild_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How long after it was taken a project slot whose holder crashed before it learned
    /// the project id is freed (default 10 min: longer than a submission can take).
    pub fn unbound_timeout(mut self, t: Duration) -> Self {
        self.unbound_timeout = t;
        self
    }

    /// How often a waiter for a project slot looks again while all are taken (default
    /// 100 ms). A waiter for a request slot needs no polling: the budget tells it when the
    /// first slot frees, and with every slot in flight none frees within a window.
    pub fn poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll.max(Duration::from_millis(1));
        self
    }

    /// The longest one Redis call (and a connection attempt) may take before the store counts
    /// as unreachable (default 500 ms).
    pub fn io_timeout(mut self, t: Duration) -> Self {
        self.io_timeout = t.max(Duration::from_millis(1));
        self
    }

    /// How often a [`Client`](status_hyper::Client) on this budget looks for the running
    /// projects of processes whose lease ran out, to adopt those whose results path is known
    /// and poll them to the end (default half the lease; `None`: never, adopt them with
    /// [`ProjectSlots::adopt_orphans`] if at all). Each look is one script call.
    pub fn orphan_scan(mut self, every: Option<Duration>) -> Self {
        self.orphan_scan = every.map(|d| Some(d.max(Duration::from_millis(1))));
        self
    }

    /// Connects lazily (the first call connects) and starts the background task. Call it
    /// inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// When the URL is not a valid Redis URL.
    pub fn build(self) -> Result<RedisBudget, redis::RedisError> {
        let client = redis::Client::open(self.url.as_str())?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.io_timeout))
            .set_response_timeout(Some(self.io_timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(10))
            .set_max_delay(Duration::from_millis(100));
        let conn = ConnectionManager::new_lazy_with_config(client, config)?;
        let holder = format!("{:016x}", fastrand::u64(..));
        let tick = self.tick.min(self.lease / 3).max(Duration::from_millis(1));
        let shared = Arc::new(Shared {
            conn,
            scripts: Scripts::new(),
            holder,
            config: RedisBudgetBuilder { tick, ..self },
            state: StdMutex::new(State::default()),
            op: Mutex::new(()),
            queue_moved: Notify::new(),
            changed: Notify::new(),
            dirty: Arc::new(Notify::new()),
            task: StdMutex::new(None),
            abandoned: AtomicBool::new(false),
        });
        let task =
            tokio::spawn(background(Arc::downgrade(&shared), Arc::clone(&shared.dirty), tick));
        *lock(&shared.task) = Some(task);
        Ok(RedisBudget { shared })
    }
}

/// The API's request-rate and running-projects budget for one key, kept in Redis and shared
/// by every process that uses it; see the [crate documentation](crate).
///
/// Clones share one holder (one lease). Dropping the last clone stops the background task
/// without giving anything back, as a crash would: call [`shutdown`](Self::shutdown) to leave
/// cleanly.
#[derive(Clone)]
pub struct RedisBudget {
    shared: Arc<Shared>,
}

struct Shared {
    conn: ConnectionManager,
    scripts: Scripts,
    holder: String,
    config: RedisBudgetBuilder,
    state: StdMutex<State>,
    /// One script call at a time per process, so that a sync never races an admission.
    op: Mutex<()>,
    /// Signalled when a waiter of this process leaves its queue (admitted or given up), so
    /// that the next one looks.
    queue_moved: Notify,
    /// Signalled when a sync recorded a reply or freed a project slot.
    changed: Notify,
    /// Signalled when there is something for the background task to record.
    dirty: Arc<Notify>,
    task: StdMutex<Option<JoinHandle<()>>>,
    /// Set by [`RedisBudget::abandon`]: no more calls to Redis.
    abandoned: AtomicBool,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

/// What this process holds, in Redis terms; re-sent whole by every sync.
#[derive(Default)]
struct State {
    epoch: String,
    /// The highest Redis time seen (ms): the clock never goes back below it.
    floor: u64,
    next: u64,
    inflight: BTreeSet<u64>,
    /// Answered requests: the reply's Redis time, `None` until a sync recorded it.
    done: BTreeMap<u64, Option<u64>>,
    /// Project slots held.
    projects: BTreeMap<u64, ProjectSlot>,
    /// Project slots given up while their project may still run, until a sync hands them
    /// over as orphans.
    disowned: BTreeMap<u64, ProjectSlot>,
    /// The waiters of this process, per [`Queue`], in arrival order: ticket number ->
    /// whether Redis has the ticket.
    tickets: [BTreeMap<u64, bool>; 2],
    /// Something changed that Redis does not know yet.
    dirty: bool,
    /// Counts changes, so that a sync knows whether one came in while it ran.
    generation: u64,
}

/// A project slot: when taken (Redis ms), the project id and its results path once known.
#[derive(Clone, Default)]
struct ProjectSlot {
    taken: u64,
    id: Option<String>,
    path: Option<String>,
}

/// What a sync sent: its arguments, the replies it records, the disowned slots it hands
/// over, and the state's generation.
struct Snapshot {
    args: Vec<String>,
    pending: Vec<u64>,
    disowned: Vec<u64>,
    generation: u64,
}

fn lock<T>(m: &StdMutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A script's answer: `{code, now, extra...}`.
struct Answer {
    code: i64,
    now: u64,
    extra: Vec<Value>,
}

#[derive(Debug)]
struct Protocol(&'static str);

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl core::error::Error for Protocol {}

impl From<Protocol> for StoreError {
    fn from(p: Protocol) -> Self {
        StoreError::new(p)
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::BulkString(b) => core::str::from_utf8(b).ok()?.parse().ok(),
        _ => None,
    }
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Which script to run, with its own arguments.
#[derive(Clone, Copy)]
enum Op {
    Admit,
    ProjectAcquire,
    Sync,
    Refused,
    Orphans,
    Adopt,
}

impl Shared {
    fn member(&self, kind: char, id: u64) -> String {
        format!("{}/{kind}{id}", self.holder)
    }

    /// Runs `op` once; on a stale epoch, syncs the whole state into the current one and runs
    /// it again. The caller holds `self.op`.
    async fn call(&self, op: Op, args: &[String]) -> Result<Answer, StoreError> {
        for _ in 0..4 {
            let answer = self.invoke(op, args).await?;
            if answer.code != -1 {
                return Ok(answer);
            }
            let epoch = answer.extra.first().and_then(string).ok_or(Protocol("no epoch"))?;
            lock(&self.state).epoch = epoch;
            // Re-register everything held, then run `op` again.
            let sync = self.snapshot(false, true);
            let answer = self.invoke(Op::Sync, &sync.args).await?;
            if answer.code == 1 {
                self.synced(&sync, &answer);
            }
        }
        Err(StoreError::new(Protocol("the budget's epoch kept changing")))
    }

    async fn invoke(&self, op: Op, args: &[String]) -> Result<Answer, StoreError> {
        if self.abandoned.load(Ordering::Relaxed) {
            return Err(StoreError::new(Protocol("this budget was abandoned")));
        }
        let s = &self.scripts;
        let script = match op {
            Op::Admit => &s.admit,
            Op::ProjectAcquire => &s.project_acquire,
            Op::Sync => &s.sync,
            Op::Refused => &s.refused,
            Op::Orphans => &s.orphans,
            Op::Adopt => &s.adopt,
        };
        let mut invocation = script.prepare_invoke();
        for key in self.config.keys.all() {
            invocation.key(key);
        }
        let c = &self.config;
        let (epoch, floor) = {
            let state = lock(&self.state);
            (state.epoch.clone(), state.floor)
        };
        invocation
            .arg(epoch)
            .arg(floor)
            .arg(&self.holder)
            .arg(ms(c.lease))
            .arg(ms(c.window))
            .arg(ms(c.grace))
            .arg(ms(c.unbound_timeout))
            .arg(format!("{:016x}", fastrand::u64(..)));
        for a in args {
            invocation.arg(a);
        }
        let mut conn = self.conn.clone();
        let value: Value = timeout(c.io_timeout, invocation.invoke_async(&mut conn))
            .await
            .map_err(StoreError::new)?
            .map_err(StoreError::new)?;
        let Value::Array(items) = value else {
            return Err(StoreError::new(Protocol(
                "a script answered something else than an array",
            )));
        };
        let mut items = items.into_iter();
        let code = items.next().as_ref().and_then(int).ok_or(Protocol("no code"))?;
        let now = items.next().as_ref().and_then(int).ok_or(Protocol("no time"))?;
        let now = u64::try_from(now).map_err(|_| Protocol("negative time"))?;
        let mut state = lock(&self.state);
        state.floor = state.floor.max(now);
        Ok(Answer { code, now, extra: items.collect() })
    }

    /// The state as SYNC takes it: everything in flight and every project slot, and the
    /// replies not yet recorded; with `full` (re-registering in a new epoch), every reply
    /// still in the window too.
    fn snapshot(&self, leaving: bool, full: bool) -> Snapshot {
        let state = lock(&self.state);
        let pending = state.done.iter().filter(|(_, at)| at.is_none()).map(|(&id, _)| id);
        let pending = pending.collect();
        let flag = |yes: bool| if yes { "1" } else { "0" }.to_owned();
        let mut args = vec![flag(leaving), flag(full)];
        args.push(state.inflight.len().to_string());
        args.extend(state.inflight.iter().map(|&id| self.member('r', id)));
        let done: Vec<_> = state.done.iter().filter(|(_, at)| full || at.is_none()).collect();
        args.push(done.len().to_string());
        for (&id, at) in done {
            args.push(self.member('r', id));
            args.push(at.unwrap_or(0).to_string());
        }
        for slots in [&state.projects, &state.disowned] {
            args.push(slots.len().to_string());
            for (&id, slot) in slots {
                args.push(self.member('p', id));
                args.push(slot.taken.to_string());
                args.push(slot.id.clone().unwrap_or_default());
                args.push(slot.path.clone().unwrap_or_default());
            }
        }
        let tickets: Vec<String> = Queue::ALL
            .iter()
            .flat_map(|&q| {
                let queued = state.tickets[q as usize].iter().filter(|(_, &queued)| queued);
                queued.map(move |(&n, _)| self.member(q.ticket_kind(), n))
            })
            .collect();
        args.push(tickets.len().to_string());
        args.extend(tickets);
        let disowned = state.disowned.keys().copied().collect();
        Snapshot { args, pending, disowned, generation: state.generation }
    }

    /// The sync that sent `sent` was recorded at Redis time `now`; `answer` says which
    /// project slots it found taken from this process.
    fn synced(&self, sent: &Snapshot, answer: &Answer) {
        let now = answer.now;
        let window = ms(self.config.window);
        let mut state = lock(&self.state);
        for id in &sent.disowned {
            state.disowned.remove(id);
        }
        let prefix = format!("{}/p", self.holder);
        for lost in answer.extra.iter().filter_map(string) {
            if let Some(id) = lost.strip_prefix(&prefix).and_then(|n| n.parse().ok()) {
                state.projects.remove(&id);
            }
        }
        for id in &sent.pending {
            if let Some(at) = state.done.get_mut(id) {
                at.get_or_insert(now);
            }
        }
        // Replies not yet recorded stay; recorded ones until they leave the window.
        state.done.retain(|_, at| at.is_none_or(|at| at + window > now));
        if state.generation == sent.generation {
            state.dirty = false;
        }
        drop(state);
        self.changed.notify_waiters();
    }

    async fn sync(&self, leaving: bool) -> Result<(), StoreError> {
        let _op = self.op.lock().await;
        let sent = self.snapshot(leaving, false);
        let answer = self.call(Op::Sync, &sent.args).await?;
        self.synced(&sent, &answer);
        Ok(())
    }

    fn holds_anything(&self) -> bool {
        let state = lock(&self.state);
        state.dirty
            || !state.inflight.is_empty()
            || !state.done.is_empty()
            || !state.projects.is_empty()
            || !state.disowned.is_empty()
            || state.tickets.iter().any(|t| t.values().any(|&queued| queued))
    }

    /// Admits one request, or queues the waiter's `ticket` and says how long until the slot
    /// it will get may be free (`None`: that slot is still in flight).
    async fn try_admit(&self, ticket: u64) -> Result<Result<u64, Option<Duration>>, StoreError> {
        self.try_take(Queue::Rate, ticket).await
    }

    /// Takes a project slot, or queues the waiter's `ticket`.
    async fn try_take_project(
        &self,
        ticket: u64,
    ) -> Result<Result<u64, Option<Duration>>, StoreError> {
        self.try_take(Queue::Project, ticket).await
    }

    async fn try_take(
        &self,
        queue: Queue,
        ticket: u64,
    ) -> Result<Result<u64, Option<Duration>>, StoreError> {
        let _op = self.op.lock().await;
        let id = {
            let mut state = lock(&self.state);
            state.next += 1;
            state.next
        };
        let (op, kind, limit) = match queue {
            Queue::Rate => (Op::Admit, 'r', self.config.limit),
            Queue::Project => (Op::ProjectAcquire, 'p', self.config.project_limit),
        };
        let args =
            [self.member(kind, id), limit.to_string(), self.member(queue.ticket_kind(), ticket)];
        let answer = self.call(op, &args).await?;
        // Under `op`, so that a sync sends the ticket exactly while Redis has it.
        let mut state = lock(&self.state);
        let tickets = &mut state.tickets[queue as usize];
        if answer.code == 1 {
            tickets.remove(&ticket);
            match queue {
                Queue::Rate => {
                    state.inflight.insert(id);
                }
                Queue::Project => {
                    let slot = ProjectSlot { taken: answer.now, ..ProjectSlot::default() };
                    state.projects.insert(id, slot);
                }
            }
            drop(state);
            self.queue_moved.notify_waiters();
            return Ok(Ok(id));
        }
        if let Some(queued) = tickets.get_mut(&ticket) {
            *queued = true;
        }
        Ok(Err(wait_of(&answer)))
    }

    /// The waiting loop shared by both limits. Each waiter takes a ticket in arrival order;
    /// Redis admits it only once fewer tickets are ahead of it than slots are free, so waiters
    /// are served in arrival order across processes. Every waiter asks once on arrival (which
    /// queues its ticket); after that only the first of this process's waiters looks again,
    /// the others wait for it to leave the queue.
    async fn acquire_with<F, Fut>(
        &self,
        queue: Queue,
        deadline: Option<Instant>,
        in_flight_free: Option<Duration>,
        mut attempt: F,
    ) -> Result<(SlotId, Duration), AcquireError>
    where
        F: FnMut(u64) -> Fut,
        Fut: core::future::Future<Output = Result<Result<u64, Option<Duration>>, StoreError>>,
    {
        let ticket = Ticket::take(self, queue);
        let start = Instant::now();
        let mut waited = false;
        loop {
            let changed = self.changed.notified();
            if waited && !ticket.is_first() {
                let moved = self.queue_moved.notified();
                let mut moved = core::pin::pin!(moved);
                moved.as_mut().enable();
                if !ticket.is_first() {
                    match deadline {
                        Some(d) => tokio::time::timeout_at(d, moved)
                            .await
                            .map_err(|_| AcquireError::Deadline)?,
                        None => moved.await,
                    }
                    continue;
                }
            }
            let wait = match attempt(ticket.number).await.map_err(AcquireError::Unavailable)? {
                // Admitted at once: the round trip is not a wait.
                Ok(id) if !waited => {
                    ticket.admitted();
                    return Ok((SlotId(id), Duration::ZERO));
                }
                Ok(id) => {
                    ticket.admitted();
                    return Ok((SlotId(id), start.elapsed()));
                }
                Err(wait) => wait,
            };
            waited = true;
            let now = Instant::now();
            // With every slot in flight, none frees sooner than a window from now.
            let earliest = wait.or(in_flight_free).map(|w| now + w);
            if let Some(d) = deadline {
                if now >= d || earliest.is_some_and(|at| at > d) {
                    return Err(AcquireError::Deadline);
                }
            }
            if !ticket.is_first() {
                // Queued; the first waiter of this process looks for everyone.
                continue;
            }
            // A known time is exact (nothing can free sooner); with every slot in flight
            // nothing frees within a window; a project slot may free at any time.
            let mut until = now + earliest.map_or(self.config.poll, |at| at - now);
            if let Some(d) = deadline {
                until = until.min(d);
            }
            tokio::select! {
                () = sleep_until(until) => {}
                () = changed => {}
            }
        }
    }

    fn mark_dirty(&self) {
        let mut state = lock(&self.state);
        state.dirty = true;
        state.generation += 1;
        drop(state);
        self.dirty.notify_one();
    }
}

/// The two limits a waiter can queue for, each with its own queue in Redis.
#[derive(Clone, Copy)]
enum Queue {
    Rate = 0,
    Project = 1,
}

impl Queue {
    const ALL: [Self; 2] = [Self::Rate, Self::Project];

    /// The member kind of its tickets (`holder/qN`, `holder/wN`), which tells SYNC the queue.
    fn ticket_kind(self) -> char {
        match self {
            Self::Rate => 'q',
            Self::Project => 'w',
        }
    }
}

/// A waiter's place in its queue. Dropped without being admitted (the deadline passed, or
/// the caller gave up), it leaves the queue: at once in this process, in Redis with the next
/// sync, which the drop asks for.
struct Ticket<'a> {
    shared: &'a Shared,
    queue: Queue,
    number: u64,
    admitted: bool,
}

impl<'a> Ticket<'a> {
    fn take(shared: &'a Shared, queue: Queue) -> Self {
        let mut state = lock(&shared.state);
        state.next += 1;
        let number = state.next;
        state.tickets[queue as usize].insert(number, false);
        Self { shared, queue, number, admitted: false }
    }

    /// Whether no waiter of this process arrived before this one and still waits.
    fn is_first(&self) -> bool {
        let state = lock(&self.shared.state);
        state.tickets[self.queue as usize].keys().next().is_none_or(|&n| n == self.number)
    }

    /// The admission removed the ticket (in Redis and here) already.
    fn admitted(mut self) {
        self.admitted = true;
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if self.admitted {
            return;
        }
        lock(&self.shared.state).tickets[self.queue as usize].remove(&self.number);
        // Also when Redis may have queued it without this process learning it (an attempt
        // cut off mid-call): the sync removes whatever ticket this process no longer has.
        self.shared.mark_dirty();
        self.shared.queue_moved.notify_waiters();
    }
}

fn wait_of(answer: &Answer) -> Option<Duration> {
    let w = answer.extra.first().and_then(int)?;
    u64::try_from(w).ok().map(|w| Duration::from_millis(w.max(1)))
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 4)
}

/// Renews the lease and records replies and finished projects while the process holds
/// anything; ends when the budget is dropped.
async fn background(shared: Weak<Shared>, dirty: Arc<Notify>, tick: Duration) {
    loop {
        match shared.upgrade() {
            Some(s) => {
                if s.holds_anything() {
                    // A failure is retried at the next tick; the lease outlasts several.
                    let _ = s.sync(false).await;
                }
            }
            None => return,
        }
        tokio::select! {
            () = sleep(tick) => {}
            () = dirty.notified() => {
                // Gather the replies that arrive together into one sync.
                sleep(COALESCE.min(tick)).await;
            }
        }
    }
}

/// How long the background task waits after a reply before recording it, to record those
/// that arrive together in one call. A reply is counted this much later (never earlier).
const COALESCE: Duration = Duration::from_millis(5);

impl RedisBudget {
    /// A budget for `api_key` on the Redis at `url` (`redis://host:port/db`,
    /// `redis+unix:///path`): the API's 15 requests a minute and 5 running projects until
    /// changed. The key itself is never stored or sent: the Redis keys carry a hash of it.
    pub fn builder(url: impl Into<String>, api_key: &str) -> RedisBudgetBuilder {
        RedisBudgetBuilder {
            url: url.into(),
            keys: BudgetKeys::new("status-redis", api_key),
            limit: RateLimiter::API_LIMIT,
            window: Duration::from_secs(60),
            project_limit: ProjectSlots::API_LIMIT,
            lease: Duration::from_secs(5),
            tick: Duration::from_millis(150),
            grace: Duration::from_millis(500),
            unbound_timeout: Duration::from_secs(600),
            poll: Duration::from_millis(100),
            io_timeout: Duration::from_millis(500),
            orphan_scan: Some(None),
        }
    }

    /// A [`RateLimiter`] on this budget, with `fallback` while Redis cannot be reached.
    pub fn rate_limiter(&self, fallback: StoreFallback) -> RateLimiter {
        RateLimiter::with_store(Arc::new(self.clone()), fallback)
    }

    /// [`ProjectSlots`] on this budget, with `fallback` while Redis cannot be reached and the
    /// default finished statuses.
    pub fn project_slots(&self, fallback: StoreFallback) -> ProjectSlots {
        ProjectSlots::with_store(Arc::new(self.clone()), fallback, ProjectSlots::DEFAULT_FINISHED)
    }

    /// The Redis keys of this budget.
    pub fn keys(&self) -> &BudgetKeys {
        &self.shared.config.keys
    }

    /// This process's holder id, as it appears in the budget's members.
    pub fn holder(&self) -> &str {
        &self.shared.holder
    }

    /// Records everything now and renews the lease (the background task does this every
    /// tick).
    ///
    /// # Errors
    ///
    /// When Redis cannot be reached.
    pub async fn sync(&self) -> Result<(), StoreError> {
        self.shared.sync(false).await
    }

    /// Stops talking to Redis without giving anything back, as a process that crashed would:
    /// its lease runs out, its requests in flight count as answered then, and its running
    /// projects become orphans. Every later call fails. For tests and fault drills.
    pub fn abandon(&self) {
        self.shared.abandoned.store(true, Ordering::Relaxed);
        if let Some(task) = lock(&self.shared.task).take() {
            task.abort();
        }
    }

    /// Leaves cleanly: requests in flight count as answered now, running projects become
    /// orphans for another process to adopt, and the lease ends; then the background task
    /// stops.
    ///
    /// # Errors
    ///
    /// When Redis cannot be reached (the lease then runs out by itself).
    pub async fn shutdown(&self) -> Result<(), StoreError> {
        if let Some(task) = lock(&self.shared.task).take() {
            task.abort();
        }
        self.shared.sync(true).await
    }
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudget")
            .field("holder", &self.shared.holder)
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl RateStore for RedisBudget {
    fn limit(&self) -> usize {
        self.shared.config.limit
    }

    fn window(&self) -> Duration {
        self.shared.config.window
    }

    fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>> {
        let s = &self.shared;
        Box::pin(s.acquire_with(Queue::Rate, deadline, Some(s.config.window), |t| s.try_admit(t)))
    }

    fn complete(&self, slot: SlotId) {
        let mut state = lock(&self.shared.state);
        if state.inflight.remove(&slot.0) {
            state.done.insert(slot.0, None);
        }
        drop(state);
        self.shared.mark_dirty();
    }

    fn server_refused(&self, retry_in: Duration) -> StoreFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let _op = self.shared.op.lock().await;
            self.shared.call(Op::Refused, &[ms(retry_in).to_string()]).await.map(|_| ())
        })
    }
}

impl ProjectStore for RedisBudget {
    #[allow(clippy::misnamed_getters)] // the project limit, not the rate limit
    fn limit(&self) -> usize {
        self.shared.config.project_limit
    }

    fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>> {
        let s = &self.shared;
        Box::pin(s.acquire_with(Queue::Project, deadline, None, |t| s.try_take_project(t)))
    }

    fn bind(&self, slot: SlotId, project_id: &str) {
        if let Some(entry) = lock(&self.shared.state).projects.get_mut(&slot.0) {
            entry.id = Some(project_id.to_owned());
        }
        self.shared.mark_dirty();
    }

    fn bind_results_path(&self, slot: SlotId, results_path: &str) {
        if let Some(entry) = lock(&self.shared.state).projects.get_mut(&slot.0) {
            entry.path = Some(results_path.to_owned());
        }
        self.shared.mark_dirty();
    }

    fn disown(&self, slot: SlotId) {
        let mut state = lock(&self.shared.state);
        if let Some(entry) = state.projects.remove(&slot.0) {
            state.disowned.insert(slot.0, entry);
        }
        drop(state);
        self.shared.mark_dirty();
    }

    fn orphan_scan(&self) -> Option<Duration> {
        let c = &self.shared.config;
        c.orphan_scan.map(|every| every.unwrap_or(c.lease / 2).max(Duration::from_millis(1)))
    }

    fn release(&self, slot: SlotId) {
        lock(&self.shared.state).projects.remove(&slot.0);
        self.shared.mark_dirty();
    }

    fn held(&self) -> usize {
        lock(&self.shared.state).projects.len()
    }

    fn orphans(&self) -> StoreFuture<'_, Result<Vec<Orphan>, StoreError>> {
        Box::pin(async move {
            let _op = self.shared.op.lock().await;
            let answer = self.shared.call(Op::Orphans, &[]).await?;
            let fields: Vec<String> = answer.extra.iter().filter_map(string).collect();
            let orphans = fields.chunks_exact(2).filter_map(|pair| match pair {
                [id, path] => Some(Orphan::new(id, Some(path.clone()).filter(|p| !p.is_empty()))),
                _ => None,
            });
            Ok(orphans.collect())
        })
    }

    fn adopt(&self, project_id: &str) -> StoreFuture<'_, Result<Option<SlotId>, StoreError>> {
        let project_id = project_id.to_owned();
        Box::pin(async move {
            let s = &self.shared;
            let _op = s.op.lock().await;
            let id = {
                let mut state = lock(&s.state);
                state.next += 1;
                state.next
            };
            let answer = s.call(Op::Adopt, &[project_id.clone(), s.member('p', id)]).await?;
            if answer.code != 1 {
                return Ok(None);
            }
            let taken = answer.extra.first().and_then(int).and_then(|t| u64::try_from(t).ok());
            let taken = taken.unwrap_or(answer.now);
            let path = answer.extra.get(1).and_then(string).filter(|p| !p.is_empty());
            let slot = ProjectSlot { taken, id: Some(project_id), path };
            lock(&s.state).projects.insert(id, slot);
            Ok(Some(SlotId(id)))
        })
    }
}
