//! The running-projects limit: a submission holds a slot until its project is finished.

use core::time::Duration;
use std::fmt;
use std::sync::{Arc, Mutex as StdMutex, MutexGuard, Weak};

use status_core::Success;
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;

use crate::error::Error;
use crate::store::{
    acquire_error, acquire_with_fallback, Acquired, LocalProjectStore, Orphan, ProjectStore,
    SlotId, StoreFallback,
};

/// Slots for running projects (by default 5, the API's limit), shared by all clones.
///
/// [`Client::submit`](crate::Client::submit) takes a slot before it sends, waiting while all
/// are taken, and hands it to the [`Project`] it returns. The slot is freed when that handle
/// is dropped, when [`Project::finish`] is called, or when a poll through
/// [`Client::poll`](crate::Client::poll) sees the project in a finished status.
///
/// The slots are kept in this process ([`LocalProjectStore`]) unless made
/// [`with_store`](Self::with_store), such as a store that many processes share.
#[derive(Clone)]
pub struct ProjectSlots {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ProjectStore>,
    fallback: StoreFallback,
    /// The in-process share used while the store is unreachable.
    share: Option<ProjectSlots>,
    finished: Vec<Box<str>>,
    /// Woken whenever a [`Project`] gives its slot back.
    freed: Notify,
    /// Running projects whose results path is known, so that a submission waiting for a slot
    /// can poll them itself (see [`Project::watch`]).
    watched: StdMutex<Vec<Watched>>,
}

/// A running project a waiting submission may poll: its id, where its results are, and its
/// slot (gone once the handle is dropped).
struct Watched {
    id: String,
    path: String,
    hold: Weak<StdMutex<Option<Hold>>>,
}

/// No code holding these locks can panic; a poisoned one is used as it is.
fn lock<T>(m: &StdMutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A slot taken for a project.
pub(crate) struct Hold {
    slot: HoldSlot,
    pub(crate) fallback: Option<StoreFallback>,
}

enum HoldSlot {
    Store(Arc<dyn ProjectStore>, SlotId),
    Open,
    Share(Box<Hold>),
}

impl Hold {
    fn bind(&self, project_id: &str) {
        match &self.slot {
            HoldSlot::Store(store, id) => store.bind(*id, project_id),
            HoldSlot::Open => {}
            HoldSlot::Share(hold) => hold.bind(project_id),
        }
    }

    fn bind_results_path(&self, path: &str) {
        match &self.slot {
            HoldSlot::Store(store, id) => store.bind_results_path(*id, path),
            HoldSlot::Open => {}
            HoldSlot::Share(hold) => hold.bind_results_path(path),
        }
    }

    /// Gives the slot up without freeing it in a shared store (see [`ProjectStore::disown`]).
    fn disown(mut self) {
        match core::mem::replace(&mut self.slot, HoldSlot::Open) {
            HoldSlot::Store(store, id) => store.disown(id),
            HoldSlot::Open => {}
            HoldSlot::Share(hold) => hold.disown(),
        }
    }
}

impl fmt::Debug for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = match &self.slot {
            HoldSlot::Store(_, id) => Some(id.0),
            _ => None,
        };
        f.debug_struct("Hold").field("slot", &slot).field("fallback", &self.fallback).finish()
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        if let HoldSlot::Store(store, id) = &self.slot {
            store.release(*id);
        }
    }
}

impl Default for ProjectSlots {
    fn default() -> Self {
        Self::api()
    }
}

impl ProjectSlots {
    /// The API's documented limit: 5 running projects per key.
    pub const API_LIMIT: usize = 5;

    /// The statuses that end a project unless configured otherwise.
    pub const DEFAULT_FINISHED: [&'static str; 2] = ["SUCCEEDED", "FAILED"];

    /// The API's limit, with the default finished statuses.
    pub fn api() -> Self {
        Self::new(Self::API_LIMIT)
    }

    /// At most `limit` (at least 1) running projects.
    pub fn new(limit: usize) -> Self {
        Self::with_finished_statuses(limit, Self::DEFAULT_FINISHED)
    }

    /// At most `limit` running projects; a project whose `data.status` is one of `finished`
    /// frees its slot when a poll sees it.
    pub fn with_finished_statuses<S: AsRef<str>>(
        limit: usize,
        finished: impl IntoIterator<Item = S>,
    ) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        let store = Arc::new(LocalProjectStore::new(limit));
        Self::with_store(store, StoreFallback::Wait, finished)
    }

    /// The slots kept in `store`, such as one shared by many processes; `fallback` says what
    /// to do while the store cannot be reached; a project whose `data.status` is one of
    /// `finished` frees its slot when a poll sees it.
    pub fn with_store<S: AsRef<str>>(
        store: Arc<dyn ProjectStore>,
        fallback: StoreFallback,
        finished: impl IntoIterator<Item = S>,
    ) -> Self {
        let finished: Vec<Box<str>> = finished.into_iter().map(|s| s.as_ref().into()).collect();
        let share = match fallback {
            StoreFallback::LocalShare(n) => Some(Self {
                inner: Arc::new(Inner {
                    store: Arc::new(LocalProjectStore::new(n)),
                    fallback: StoreFallback::Wait,
                    share: None,
                    finished: finished.clone(),
                    freed: Notify::new(),
                    watched: StdMutex::default(),
                }),
            }),
            _ => None,
        };
        let watched = StdMutex::default();
        Self {
            inner: Arc::new(Inner {
                store,
                fallback,
                share,
                finished,
                freed: Notify::new(),
                watched,
            }),
        }
    }

    /// The number of slots.
    pub fn limit(&self) -> usize {
        self.inner.store.limit()
    }

    /// The number of slots taken now (with a shared store: by this process).
    pub fn running(&self) -> usize {
        self.inner.store.held()
    }

    /// The store the slots are kept in.
    pub fn store(&self) -> &Arc<dyn ProjectStore> {
        &self.inner.store
    }

    /// Takes over every running project whose holder disappeared (a crashed process), as
    /// the shared store reports them, and returns their handles: poll each through
    /// [`Client::poll`](crate::Client::poll) (at [`Project::results_path`], when its holder
    /// said where) until it finishes, which frees its slot. The in-process store has none.
    ///
    /// A [`Client`](crate::Client) on a shared store does this by itself in the background
    /// for the orphans whose results path is known, unless
    /// [told not to](crate::ClientBuilder::adopt_orphans).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::StoreUnavailable`](crate::ErrorKind::StoreUnavailable) when the store
    /// cannot be reached.
    pub async fn adopt_orphans(&self) -> Result<Vec<Project>, Error> {
        self.adopt_orphans_where(|_| true).await
    }

    /// As [`adopt_orphans`](Self::adopt_orphans), for the orphans that `wanted` accepts.
    pub(crate) async fn adopt_orphans_where(
        &self,
        wanted: impl Fn(&Orphan) -> bool,
    ) -> Result<Vec<Project>, Error> {
        let store = &self.inner.store;
        let orphans = store.orphans().await.map_err(Error::store_unavailable)?;
        let mut adopted = Vec::new();
        for orphan in orphans.into_iter().filter(|o| wanted(o)) {
            if let Some(slot) = store.adopt(&orphan.id).await.map_err(Error::store_unavailable)? {
                let hold = Hold { slot: HoldSlot::Store(Arc::clone(store), slot), fallback: None };
                let mut project = Project::adopted(self.clone(), hold, orphan.id);
                if let Some(path) = orphan.results_path {
                    project.watch(path);
                }
                adopted.push(project);
            }
        }
        Ok(adopted)
    }

    /// Whether `status` ends a project.
    pub fn is_finished(&self, status: &str) -> bool {
        self.inner.finished.iter().any(|f| **f == *status)
    }

    /// Waits for a free slot (failing when `deadline` passes first) and says how long it took.
    pub(crate) async fn acquire_by(
        &self,
        deadline: Option<Instant>,
    ) -> Result<(Hold, Duration), Error> {
        let store = &self.inner.store;
        // The share is an in-process store, which is always reachable.
        let share = self.inner.share.as_ref().map(|share| async move {
            let local = &share.inner.store;
            let (id, _) = local.acquire(deadline).await.map_err(acquire_error)?;
            Ok(Hold { slot: HoldSlot::Store(Arc::clone(local), id), fallback: None })
        });
        let (acquired, fallback, waited) =
            acquire_with_fallback(deadline, self.inner.fallback, || store.acquire(deadline), share)
                .await?;
        let slot = match acquired {
            Acquired::Store(id) => HoldSlot::Store(Arc::clone(store), id),
            Acquired::Open => HoldSlot::Open,
            Acquired::Share(hold) => HoldSlot::Share(Box::new(hold)),
        };
        Ok((Hold { slot, fallback }, waited))
    }
}

// Projects that were already running when the client started, and waiting for a slot to free.
impl ProjectSlots {
    /// Declares a project that is already running on the server (submitted by another run or
    /// process) so that it counts against the limit: waits for a free slot and returns a
    /// handle that holds it, as a submission's does. Poll it like the client's own projects
    /// ([`Client::poll`](crate::Client::poll), or [`Client::wait`](crate::Client::wait)
    /// through [`Client::adopt`](crate::Client::adopt)); the slot is freed when it is seen
    /// finished or the handle is dropped.
    ///
    /// # Errors
    ///
    /// None with the in-process store: its slots are never closed. With a shared store,
    /// [`ErrorKind::StoreUnavailable`](crate::ErrorKind::StoreUnavailable) as for a submission.
    pub async fn adopt(&self, project_id: impl Into<String>) -> Result<Project, Error> {
        self.adopt_by(project_id.into(), None).await
    }

    /// As [`adopt`](Self::adopt), failing with [`ErrorKind::Deadline`](crate::ErrorKind)
    /// when no slot frees before `deadline`.
    pub(crate) async fn adopt_by(
        &self,
        project_id: String,
        deadline: Option<Instant>,
    ) -> Result<Project, Error> {
        let (permit, _) = self.acquire_by(deadline).await?;
        permit.bind(&project_id);
        Ok(Project::adopted(self.clone(), permit, project_id))
    }

    /// Completes when some project gives its slot back after the returned future was
    /// [enabled](tokio::sync::futures::Notified::enable) or first polled.
    pub(crate) fn freed(&self) -> tokio::sync::futures::Notified<'_> {
        self.inner.freed.notified()
    }

    /// The watched projects still holding a slot: their ids and results paths.
    pub(crate) fn watched(&self) -> Vec<(String, String)> {
        let mut watched = lock(&self.inner.watched);
        watched.retain(|w| w.hold.upgrade().is_some_and(|h| lock(&h).is_some()));
        watched.iter().map(|w| (w.id.clone(), w.path.clone())).collect()
    }

    /// Reads `data.status` of a watched project from a reply about it, and frees its slot,
    /// whoever holds the handle, when the status is a finished one. Tells whether it did.
    pub(crate) fn observe_watched(&self, id: &str, data: &Success<'_>) -> bool {
        let Some(status) = data_field(data, "status") else { return false };
        if !self.is_finished(&status) {
            return false;
        }
        let hold =
            lock(&self.inner.watched).iter().find(|w| w.id == id).and_then(|w| w.hold.upgrade());
        let freed = hold.is_some_and(|h| lock(&h).take().is_some());
        if freed {
            self.inner.freed.notify_waiters();
        }
        freed
    }
}

impl fmt::Debug for ProjectSlots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectSlots")
            .field("limit", &self.limit())
            .field("running", &self.running())
            .field("finished", &self.inner.finished)
            .finish()
    }
}

/// A submitted project and the slot it holds while it runs.
///
/// Dropping the handle frees the slot: keep it for as long as the project runs on the server.
pub struct Project {
    id: Option<String>,
    status: Option<String>,
    results_path: Option<String>,
    slots: ProjectSlots,
    /// Shared with the slots' watch list, so that a waiting submission that sees the project
    /// finished can free the slot.
    permit: Arc<StdMutex<Option<Hold>>>,
}

impl Project {
    pub(crate) fn new(slots: ProjectSlots, permit: Hold, data: &Success<'_>) -> Self {
        let permit = Arc::new(StdMutex::new(Some(permit)));
        let mut project = Self { id: None, status: None, results_path: None, slots, permit };
        project.id = data_field(data, "project_id").or_else(|| data_field(data, "id"));
        if let (Some(id), Some(hold)) = (&project.id, &*lock(&project.permit)) {
            hold.bind(id);
        }
        project.observe(data);
        project
    }

    fn adopted(slots: ProjectSlots, permit: Hold, id: String) -> Self {
        let permit = Arc::new(StdMutex::new(Some(permit)));
        Self { id: Some(id), status: None, results_path: None, slots, permit }
    }

    /// The project id the submission returned (`data.project_id`, or `data.id`).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The last `data.status` seen for this project.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// Whether this handle still holds a slot.
    pub fn is_running(&self) -> bool {
        lock(&self.permit).is_some()
    }

    /// Where the project's results are polled, once known (the typed submissions and
    /// [`Client::adopt`](crate::Client::adopt) know; see [`poll_at`](Self::poll_at)).
    pub fn results_path(&self) -> Option<&str> {
        self.results_path.as_deref()
    }

    /// Says where the project's results are polled: `results_path`, a path under the API's
    /// base such as `/api/v2/clips/results/<id>` (the typed submissions say it themselves).
    /// A submission that waits for a slot then polls this project there itself, and a shared
    /// store keeps the path with the slot, so that if this process crashes, a live one adopts
    /// the project and polls it to the end.
    pub fn poll_at(&mut self, results_path: impl Into<String>) {
        self.watch(results_path.into());
    }

    /// Binds `id` as the project id when the submission's reply did not name it in a field
    /// the handle reads.
    pub(crate) fn identify(&mut self, id: &str) {
        if self.id.is_some() {
            return;
        }
        if let Some(hold) = &*lock(&self.permit) {
            hold.bind(id);
        }
        self.id = Some(id.to_owned());
    }

    /// [`poll_at`](Self::poll_at), for a path already owned.
    pub(crate) fn watch(&mut self, results_path: String) {
        let Some(id) = self.id.clone() else { return };
        if let Some(hold) = &*lock(&self.permit) {
            hold.bind_results_path(&results_path);
        }
        let hold = Arc::downgrade(&self.permit);
        let path = results_path.clone();
        lock(&self.slots.inner.watched).push(Watched { id, path, hold });
        self.results_path = Some(results_path);
    }

    /// Stops holding the slot in this process without freeing it in a shared store: the
    /// project (which may still run) stays counted there as an orphan, which another process
    /// adopts and polls to the end. With the in-process store the slot is freed, as when the
    /// handle is dropped.
    pub fn disown(self) {
        let hold = lock(&self.permit).take();
        if let Some(hold) = hold {
            hold.disown();
        }
    }

    /// Frees the slot now, for a project known to be finished by other means.
    pub fn finish(&mut self) {
        if lock(&self.permit).take().is_some() {
            self.slots.inner.freed.notify_waiters();
        }
    }

    /// Reads `data.status` from a reply about this project and frees the slot when the
    /// status is a finished one. Returns the status seen.
    pub fn observe(&mut self, data: &Success<'_>) -> Option<&str> {
        if let Some(status) = data_field(data, "status") {
            if self.slots.is_finished(&status) {
                self.finish();
            }
            self.status = Some(status);
        }
        self.status.as_deref()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        self.finish();
    }
}

impl fmt::Debug for Project {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Project")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("running", &self.is_running())
            .finish()
    }
}

/// A string member of `data`, unescaped: read from the validated value itself, so any number
/// of members (or a repeated one, last wins) is fine.
fn data_field(success: &Success<'_>, name: &str) -> Option<String> {
    success.data()?.member(name)?.as_json_str().map(|s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn success(body: &'static [u8]) -> Success<'static> {
        status_core::decode(200, body).unwrap().into_result().unwrap()
    }

    #[tokio::test]
    async fn the_slot_is_held_until_finished_or_dropped() {
        let slots = ProjectSlots::new(2);
        let (permit, _) = slots.acquire_by(None).await.unwrap();
        let mut a = Project::new(
            slots.clone(),
            permit,
            &success(br#"{"data": {"project_id": "prj1", "status": "CREATED"}}"#),
        );
        assert_eq!((a.id(), a.status(), a.is_running()), (Some("prj1"), Some("CREATED"), true));
        let (permit, _) = slots.acquire_by(None).await.unwrap();
        let b = Project::new(slots.clone(), permit, &success(br#"{"data": {"id": "proj_2"}}"#));
        assert_eq!(b.id(), Some("proj_2"));
        assert_eq!(slots.running(), 2);

        assert_eq!(a.observe(&success(br#"{"data": {"status": "RUNNING"}}"#)), Some("RUNNING"));
        assert_eq!(slots.running(), 2);
        assert_eq!(
            a.observe(&success(br#"{"data": {"status": "SUCC\u0045EDED"}}"#)),
            Some("SUCCEEDED")
        );
        assert!(!a.is_running());
        assert_eq!(slots.running(), 1);
        drop(b);
        assert_eq!(slots.running(), 0);
    }

    #[tokio::test]
    async fn a_wide_results_object_or_a_repeated_key_still_frees_the_slot() {
        // A wide results object (200 members), and `status` twice inside `data`.
        let mut body = String::from(r#"{"data": {"project_id": "prj_w", "status": "ONGOING""#);
        for i in 0..200 {
            body.push_str(&format!(r#", "field_{i}": {{"n": {i}}}"#));
        }
        body.push_str(r#", "status": "SUCCEEDED"}}"#);
        let body: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());

        let slots = ProjectSlots::new(1);
        let (permit, _) = slots.acquire_by(None).await.unwrap();
        let project = Project::new(slots.clone(), permit, &success(body));
        assert_eq!(project.id(), Some("prj_w"));
        assert_eq!(project.status(), Some("SUCCEEDED"));
        assert!(!project.is_running());
        assert_eq!(slots.running(), 0);

        let (permit, _) = slots.acquire_by(None).await.unwrap();
        let mut again = Project::new(slots.clone(), permit, &success(br#"{"data": {"id": "p"}}"#));
        assert_eq!(again.observe(&success(body)), Some("SUCCEEDED"));
        assert_eq!(slots.running(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_for_a_slot_respects_the_deadline() {
        let slots = ProjectSlots::new(1);
        let (held, _) = slots.acquire_by(None).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let err = slots.acquire_by(Some(deadline)).await.unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Deadline);
        let slots2 = slots.clone();
        let waiter = tokio::spawn(async move { slots2.acquire_by(None).await.map(|(_, d)| d) });
        tokio::time::sleep(Duration::from_secs(3)).await;
        drop(held);
        assert_eq!(waiter.await.unwrap().unwrap(), Duration::from_secs(3));
    }
}
