//! Waiting for a task: polls at the configured interval, through the rate limiter, until
//! `SUCCEEDED` or `FAILED`, reporting progress on the way.

use core::time::Duration;
use std::collections::{BTreeSet, VecDeque};

use futures_core::Stream;
use tokio::time::{sleep_until, timeout_at, Instant};

use super::{Clip, Task, TaskResults, TaskStatus};
use crate::client::Client;
use crate::connect::Connector;
use crate::error::Error;

/// What [`TaskWait`] reports, in order of observation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress<R> {
    /// The task's status changed (the first report is the status already known, if any).
    Status(TaskStatus),
    /// Clips that appeared since the last poll (clipping and find moments while `ONGOING`,
    /// and the rest at `SUCCEEDED`).
    Clips(Vec<Clip>),
    /// The task `SUCCEEDED`: the complete results, with `expire_at`. Always the last report.
    Succeeded(R),
}

/// Waits for a task to finish: made by [`Client::wait`].
///
/// It polls the task's results every [poll interval](crate::ClientBuilder::poll_interval)
/// (the documented 30 s by default), counting from the previous reply; each poll goes
/// through the client's rate limiter and retry policy. A task whose status is already
/// known is first polled one interval after that; an [adopted](Client::adopt) one at once.
///
/// `FAILED` ends the wait with [`ErrorKind::TaskFailed`](crate::ErrorKind::TaskFailed),
/// carrying the task's `error_message`. A finished task gives its project slot back. Any
/// other error (the [deadline](Self::deadline), a failed poll) also ends the wait; the task
/// and its slot can be taken back with [`into_task`](Self::into_task) to wait again.
///
/// Reports come from [`next`](Self::next), from [`run`](Self::run) with a callback, or
/// as a [`Stream`] from [`into_stream`](Self::into_stream).
pub struct TaskWait<C, R> {
    client: Client<C>,
    task: Task<R>,
    interval: Duration,
    deadline: Option<Instant>,
    next_poll: Instant,
    seen_clips: BTreeSet<u32>,
    reported_status: Option<TaskStatus>,
    pending: VecDeque<Result<Progress<R>, Error>>,
    done: bool,
}

impl<C, R> core::fmt::Debug for TaskWait<C, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TaskWait")
            .field("task", &self.task)
            .field("interval", &self.interval)
            .field("deadline", &self.deadline)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<C: Connector, R: TaskResults> TaskWait<C, R> {
    pub(super) fn new(client: Client<C>, task: Task<R>, interval: Duration) -> Self {
        let now = Instant::now();
        let mut pending = VecDeque::new();
        let next_poll = match task.status.clone() {
            Some(status) => {
                pending.push_back(Ok(Progress::Status(status)));
                now.checked_add(interval).unwrap_or(now)
            }
            None => now,
        };
        let reported_status = task.status.clone();
        Self {
            client,
            task,
            interval,
            deadline: None,
            next_poll,
            seen_clips: BTreeSet::new(),
            reported_status,
            pending,
            done: false,
        }
    }

    /// Gives up at `deadline`: a poll that could not happen before it is not waited for,
    /// and the wait ends with [`ErrorKind::Deadline`](crate::ErrorKind::Deadline) at once.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Gives up `timeout` from now; see [`deadline`](Self::deadline).
    pub fn timeout(self, timeout: Duration) -> Self {
        match Instant::now().checked_add(timeout) {
            Some(at) => self.deadline(at),
            None => self,
        }
    }

    /// The task waited for.
    pub fn task(&self) -> &Task<R> {
        &self.task
    }

    /// Takes the task (and its slot, while it runs) back.
    pub fn into_task(self) -> Task<R> {
        self.task
    }

    /// The next report, polling as needed; `None` once the wait has ended.
    pub async fn next(&mut self) -> Option<Result<Progress<R>, Error>> {
        if let Some(item) = self.pending.pop_front() {
            return Some(item);
        }
        if self.done {
            return None;
        }
        loop {
            if let Err(e) = self.poll_once().await {
                self.done = true;
                return Some(Err(e));
            }
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
        }
    }

    /// Waits to the end, passing every report but the last to `on_progress`, and returns
    /// the results of a task that `SUCCEEDED`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TaskFailed`](crate::ErrorKind::TaskFailed) with the task's
    /// `error_message`, [`ErrorKind::Deadline`](crate::ErrorKind::Deadline), or what a poll
    /// failed with.
    pub async fn run(mut self, mut on_progress: impl FnMut(&Progress<R>)) -> Result<R, Error> {
        while let Some(item) = self.next().await {
            match item? {
                Progress::Succeeded(results) => return Ok(results),
                other => on_progress(&other),
            }
        }
        // The wait ends with `Succeeded` or an error; reaching here means it was used up.
        Err(Error::config("the wait has already ended"))
    }

    /// The reports as a [`Stream`]; it ends after `Succeeded` or an error.
    pub fn into_stream(self) -> impl Stream<Item = Result<Progress<R>, Error>> + Send + 'static {
        futures_util::stream::unfold(self, |mut wait| async move {
            let item = wait.next().await?;
            Some((item, wait))
        })
    }

    async fn poll_once(&mut self) -> Result<(), Error> {
        if self.deadline.is_some_and(|d| self.next_poll > d) {
            return Err(Error::deadline());
        }
        sleep_until(self.next_poll).await;
        let polling = self.client.results(&mut self.task);
        let results = match self.deadline {
            Some(d) => timeout_at(d, polling).await.unwrap_or_else(|_| Err(Error::deadline()))?,
            None => polling.await?,
        };
        let now = Instant::now();
        self.next_poll = now.checked_add(self.interval).unwrap_or(now);
        let status = results.status().clone();
        if self.reported_status.as_ref() != Some(&status) {
            self.reported_status = Some(status.clone());
            self.pending.push_back(Ok(Progress::Status(status.clone())));
        }
        let new: Vec<Clip> =
            results.clips().iter().filter(|c| !self.seen_clips.contains(&c.idx)).cloned().collect();
        if !new.is_empty() {
            self.seen_clips.extend(new.iter().map(|c| c.idx));
            self.pending.push_back(Ok(Progress::Clips(new)));
        }
        match status {
            TaskStatus::Succeeded => {
                self.done = true;
                self.pending.push_back(Ok(Progress::Succeeded(results)));
            }
            TaskStatus::Failed => {
                self.done = true;
                let error = Error::task_failed(self.task.id(), results.error_message());
                self.pending.push_back(Err(error));
            }
            _ => {}
        }
        Ok(())
    }
}
