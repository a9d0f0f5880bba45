//! The clipping API, typed: a method per endpoint, request builders with the documented
//! defaults, result models that accept every documented spelling, a waiter for long tasks,
//! and streamed uploads.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use status_hyper::api::{ClipRequest, Progress, Ratio, Resolution};
//! use status_hyper::mock::MockServer;
//! use status_hyper::{ApiKey, Client};
//! use std::time::Duration;
//!
//! # let server = MockServer::builder().polls_to_finish(4).start().await?;
//! let client = Client::builder(server.uri(), ApiKey::new("sk-...")?)
//!     .poll_interval(Duration::from_millis(10)) // the API's advice is 30 s, the default
//!     .build_http()?;
//! let request = ClipRequest::new("https://www.youtube.com/watch?v=example")
//!     .enable_export(true)
//!     .resolution(Resolution::Hd720)
//!     .enable_ai_reframe(true)
//!     .ratio(Ratio::Ratio9x16);
//! let task = client.submit_clips(&request).await?;
//! // Polls every `poll_interval` through the rate limiter; the slot is freed at the end.
//! let results = client
//!     .wait(task)
//!     .run(|progress| {
//!         if let Progress::Clips(clips) = progress {
//!             eprintln!("{} new clips", clips.len());
//!         }
//!     })
//!     .await?;
//! assert!(results.status.is_succeeded());
//! for clip in &results.clips {
//!     println!("{} {}..{} ms {:?}", clip.title, clip.begin_ms, clip.end_ms, clip.export_link);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

/// A string enum of the API with a fallback variant that keeps any other value, so that a
/// value the server adds later still decodes, and serialises back to the same string.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// Every documented value, in the documentation's order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// The value as the API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Other(other) => other,
                }
            }

            /// The variant for `text`, or [`Other`](Self::Other) when it is not documented.
            pub fn parse(text: &str) -> Self {
                match text {
                    $( $text => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl core::str::FromStr for $name {
            type Err = core::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::parse(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::parse(v))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

mod models;
mod requests;
pub(crate) mod upload;
mod wait;

use core::marker::PhantomData;
use core::time::Duration;
use std::fmt;

use serde::Serialize;

use crate::client::{Client, ClientBuilder};
use crate::connect::Connector;
use crate::error::Error;
use crate::projects::Project;
use crate::request::ApiRequest;

pub use models::{
    Clip, ClipResults, SubmittedTask, SummaryResults, TaskResults, TaskStatus, TranscriptResults,
    TranscriptSegment, UploadTarget,
};
pub use requests::{
    AiHookPosition, AiHookStyle, CaptionDisplay, ClipRequest, ExportRequest, FindMomentsRequest,
    Language, Ratio, ReframeLayout, Resolution, SummaryRequest, TargetDuration,
    TranscriptionRequest,
};
pub use upload::{Uploaded, MAX_UPLOAD_BYTES, UPLOAD_URL_LIFETIME};
pub use wait::{Progress, TaskWait};

/// The documented interval between polls of a running task: 30 s.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(30);

/// The path prefix of the endpoints. The newer pages (and every localized copy) use
/// `/api/v2`; the English pages dated March 10, 2026 show `/open/v2`. No page says whether
/// both are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathPrefix {
    /// `/api/v2`, the default.
    #[default]
    Api,
    /// `/open/v2`, as the older English pages show it.
    Open,
}

impl PathPrefix {
    /// The prefix, without a trailing `/`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Api => "/api/v2",
            Self::Open => "/open/v2",
        }
    }
}

/// What a typed submission does when it is refused with 429 while the client's own rate
/// budget had room (the [rate limiter](crate::RateLimiter) admitted it): the API then means
/// its running-projects limit, counting projects the client does not know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProjectLimitWait {
    /// Wait until one of the projects the client knows of (its own, and those declared with
    /// [`Client::adopt`]) is seen finished, then submit again; when it knows of none, wait
    /// as [`Backoff`](Self::Backoff) does. No submission is spent while waiting. The default.
    ///
    /// The waiting submission polls the known tasks itself, at the
    /// [poll interval](ClientBuilder::poll_interval) and through the rate limiter, so a slot
    /// frees even when nobody waits on the task that holds it; a [`TaskWait`],
    /// [`Client::poll`] or a dropped handle frees one sooner. The wait is bounded by the
    /// client's [deadline](ClientBuilder::deadline), counted from the first submission:
    /// tasks take minutes, so give submissions that wait this way a deadline that long.
    #[default]
    ForSlot,
    /// Wait the [retry policy](crate::RetryPolicy)'s backoff (at least `Retry-After`) and
    /// submit again, up to its attempt limit.
    Backoff,
    /// Return the 429 at once.
    Fail,
}

/// The typed API's settings, kept in the [`ClientBuilder`].
#[derive(Debug, Clone)]
pub(crate) struct ApiSettings {
    prefix: PathPrefix,
    pub(crate) poll_interval: Duration,
    on_project_limit: ProjectLimitWait,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            prefix: PathPrefix::Api,
            poll_interval: DEFAULT_POLL_INTERVAL,
            on_project_limit: ProjectLimitWait::ForSlot,
        }
    }
}

impl ClientBuilder {
    /// The endpoints' path prefix (default [`PathPrefix::Api`], `/api/v2`).
    pub fn path_prefix(mut self, prefix: PathPrefix) -> Self {
        self.api.prefix = prefix;
        self
    }

    /// How long [`TaskWait`] waits between polls of a running task (default
    /// [`DEFAULT_POLL_INTERVAL`], the documented 30 s). Every poll also goes through the
    /// rate limiter, so even `Duration::ZERO` never sends more than it allows.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.api.poll_interval = interval;
        self
    }

    /// What a typed submission does on the running-projects limit (default
    /// [`ProjectLimitWait::ForSlot`]).
    pub fn on_project_limit(mut self, wait: ProjectLimitWait) -> Self {
        self.api.on_project_limit = wait;
        self
    }
}

/// Which endpoint family a task belongs to; it decides where its results are polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskKind {
    /// AI clipping: `POST {prefix}/clips`, results at `{prefix}/clips/results/{id}`.
    Clips,
    /// Find moments: `POST {prefix}/clips/find-moments`, results at
    /// `{prefix}/clips/find-moments/results/{id}`.
    FindMoments,
    /// Clips export: `POST {prefix}/clips/export`, results at `{prefix}/clips/export/{id}`
    /// (the path the vendor's CLI uses; the captured docs do not show it).
    Export,
    /// Transcription: `POST {prefix}/transcripts`, results at
    /// `{prefix}/transcripts/results/{id}`.
    Transcription,
    /// Summarization: `POST {prefix}/summaries`, results at `{prefix}/summaries/results/{id}`.
    Summary,
}

impl TaskKind {
    fn submit_path(self) -> &'static str {
        match self {
            Self::Clips => "/clips",
            Self::FindMoments => "/clips/find-moments",
            Self::Export => "/clips/export",
            Self::Transcription => "/transcripts",
            Self::Summary => "/summaries",
        }
    }

    fn results_path(self) -> &'static str {
        match self {
            Self::Clips => "/clips/results/",
            Self::FindMoments => "/clips/find-moments/results/",
            Self::Export => "/clips/export/",
            Self::Transcription => "/transcripts/results/",
            Self::Summary => "/summaries/results/",
        }
    }
}

/// A submitted (or [adopted](Client::adopt)) task and the project slot it holds while it
/// runs. `R` is the type of its results. Dropping it frees the slot.
pub struct Task<R> {
    kind: TaskKind,
    id: String,
    name: Option<String>,
    status: Option<TaskStatus>,
    project: Project,
    results: PhantomData<fn() -> R>,
}

impl<R> Task<R> {
    /// The task id (`data.id`, `data.project_id` or `data.export_task_id` of the submission).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The name the submission returned.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The last status seen: the submission's (`CREATED`), then each poll's; `None` for an
    /// adopted task not polled yet.
    pub fn status(&self) -> Option<&TaskStatus> {
        self.status.as_ref()
    }

    /// The endpoint family.
    pub fn kind(&self) -> TaskKind {
        self.kind
    }

    /// Whether the task still holds a project slot (it has not been seen finished).
    pub fn is_running(&self) -> bool {
        self.project.is_running()
    }

    /// The results path under `prefix`, with the id percent-encoded.
    pub fn results_path(&self, prefix: PathPrefix) -> String {
        results_path(self.kind, prefix, &self.id)
    }
}

impl<R> fmt::Debug for Task<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("name", &self.name)
            .field("status", &self.status)
            .field("running", &self.is_running())
            .finish()
    }
}

fn results_path(kind: TaskKind, prefix: PathPrefix, id: &str) -> String {
    let mut path = String::from(prefix.as_str());
    path.push_str(kind.results_path());
    percent_encode_into(&mut path, id);
    path
}

/// Appends `segment` with everything but RFC 3986's unreserved letters, digits, `-`, `_` and `~` percent-encoded,
/// so that an id can never leave its path segment.
fn percent_encode_into(out: &mut String, segment: &str) {
    use core::fmt::Write as _;
    for b in segment.bytes() {
        // `.` is encoded too, so that an id of `..` stays one segment.
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|_| Error::config("the request could not be serialised"))
}

// The typed endpoints.
impl<C: Connector> Client<C> {
    /// Submits an AI clipping task (`POST {prefix}/clips`).
    ///
    /// Waits for a project slot first; see [`ProjectLimitWait`] for a 429 that means the
    /// running-projects limit.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for a request the API documents as
    /// invalid (empty `video_url`, `enable_ai_reframe` without `ratio`); otherwise as
    /// [`Client::submit`].
    pub async fn submit_clips(&self, request: &ClipRequest) -> Result<Task<ClipResults>, Error> {
        request.check()?;
        self.submit_task(TaskKind::Clips, to_json(request)?).await
    }

    /// Submits a find-moments task (`POST {prefix}/clips/find-moments`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for an empty `video_url` or `query`
    /// (the newer pages require it); otherwise as [`Client::submit`].
    pub async fn find_moments(
        &self,
        request: &FindMomentsRequest,
    ) -> Result<Task<ClipResults>, Error> {
        request.check()?;
        self.submit_task(TaskKind::FindMoments, to_json(request)?).await
    }

    /// Submits an export (render) of clips of a finished clipping or find-moments task
    /// (`POST {prefix}/clips/export`). The new task's id is read from `data.export_task_id`,
    /// `data.id` or `data.project_id`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for an empty `project_id` or
    /// `enable_ai_reframe` without `ratio`; otherwise as [`Client::submit`].
    pub async fn export_clips(&self, request: &ExportRequest) -> Result<Task<ClipResults>, Error> {
        request.check()?;
        self.submit_task(TaskKind::Export, to_json(request)?).await
    }

    /// Submits a transcription task (`POST {prefix}/transcripts`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for an empty `video_url`; otherwise
    /// as [`Client::submit`].
    pub async fn transcribe(
        &self,
        request: &TranscriptionRequest,
    ) -> Result<Task<TranscriptResults>, Error> {
        request.check()?;
        self.submit_task(TaskKind::Transcription, to_json(request)?).await
    }

    /// Submits a summarization task (`POST {prefix}/summaries`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for an empty `video_url`; otherwise
    /// as [`Client::submit`].
    pub async fn summarize(&self, request: &SummaryRequest) -> Result<Task<SummaryResults>, Error> {
        request.check()?;
        self.submit_task(TaskKind::Summary, to_json(request)?).await
    }

    /// The results of a clipping task (`GET {prefix}/clips/results/{id}`), without a
    /// [`Task`] handle: clips so far while `ONGOING`, all of them at `SUCCEEDED`.
    ///
    /// # Errors
    ///
    /// As [`Client::send`], and [`ErrorKind::Data`](crate::ErrorKind::Data) when `data` does
    /// not fit [`ClipResults`].
    pub async fn clip_results(&self, id: &str) -> Result<ClipResults, Error> {
        self.results_of(TaskKind::Clips, id).await
    }

    /// The clips of a clipping task (`GET {prefix}/clips/results/{id}`), typed one by one
    /// as the body arrives: [`Client::stream_items`] over `data.clips`, each clip gathered
    /// in a window of `window` bytes (the largest clip must fit; 16 KiB is ample for the
    /// API's clips). The clips are those [`clip_results`](Self::clip_results) would give,
    /// in the same order, without the body ever being held.
    ///
    /// # Errors
    ///
    /// As [`Client::stream_items`].
    pub async fn stream_clips(
        &self,
        id: &str,
        window: usize,
    ) -> Result<crate::ItemStream<Clip>, Error> {
        let request =
            ApiRequest::get(results_path(TaskKind::Clips, self.api_settings().prefix, id));
        let clips = status_core::stream::ItemPath::new(&["clips"])
            .ok_or(Error::config("the item path does not fit an ItemPath"))?;
        self.stream_items(&request, clips, window).await
    }

    /// The results of a find-moments task (`GET {prefix}/clips/find-moments/results/{id}`).
    ///
    /// # Errors
    ///
    /// As [`clip_results`](Self::clip_results).
    pub async fn find_moments_results(&self, id: &str) -> Result<ClipResults, Error> {
        self.results_of(TaskKind::FindMoments, id).await
    }

    /// The results of an export task (`GET {prefix}/clips/export/{id}`).
    ///
    /// # Errors
    ///
    /// As [`clip_results`](Self::clip_results).
    pub async fn export_results(&self, id: &str) -> Result<ClipResults, Error> {
        self.results_of(TaskKind::Export, id).await
    }

    /// The results of a transcription task (`GET {prefix}/transcripts/results/{id}`).
    ///
    /// # Errors
    ///
    /// As [`clip_results`](Self::clip_results).
    pub async fn transcript_results(&self, id: &str) -> Result<TranscriptResults, Error> {
        self.results_of(TaskKind::Transcription, id).await
    }

    /// The results of a summarization task (`GET {prefix}/summaries/results/{id}`).
    ///
    /// # Errors
    ///
    /// As [`clip_results`](Self::clip_results).
    pub async fn summary_results(&self, id: &str) -> Result<SummaryResults, Error> {
        self.results_of(TaskKind::Summary, id).await
    }

    /// Polls `task` once: its results, through the rate limiter, updating its status and
    /// freeing its slot when it is seen finished.
    ///
    /// # Errors
    ///
    /// As [`clip_results`](Self::clip_results).
    pub async fn results<R: TaskResults>(&self, task: &mut Task<R>) -> Result<R, Error> {
        let request = ApiRequest::get(task.results_path(self.api_settings().prefix));
        let response = self.poll(&mut task.project, &request).await?;
        let results: R = response.data_as()?;
        task.status = Some(results.status().clone());
        Ok(results)
    }

    /// Declares a task that is already running on the server, submitted by another run or
    /// process, so that it counts against the project slots (waiting for one, within the
    /// client's deadline) and can be [waited for](Self::wait) like the client's own.
    ///
    /// ```
    /// # async fn f(client: status_hyper::Client) -> Result<(), status_hyper::Error> {
    /// use status_hyper::api::{ClipResults, TaskKind};
    /// let task = client.adopt::<ClipResults>(TaskKind::Clips, "proj_abc123").await?;
    /// let results = client.wait(task).run(|_| {}).await?;
    /// # let _ = results; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Deadline`](crate::ErrorKind::Deadline) when no slot frees in time.
    pub async fn adopt<R: TaskResults>(
        &self,
        kind: TaskKind,
        id: impl Into<String>,
    ) -> Result<Task<R>, Error> {
        let id = id.into();
        let mut project = self.project_slots().adopt_by(id.clone(), self.deadline()).await?;
        project.watch(results_path(kind, self.api_settings().prefix, &id));
        Ok(Task { kind, id, name: None, status: None, project, results: PhantomData })
    }

    /// Waits for `task` to finish; see [`TaskWait`].
    pub fn wait<R: TaskResults>(&self, task: Task<R>) -> TaskWait<C, R> {
        TaskWait::new(self.clone(), task, self.api_settings().poll_interval)
    }

    async fn results_of<R: TaskResults>(&self, kind: TaskKind, id: &str) -> Result<R, Error> {
        let request = ApiRequest::get(results_path(kind, self.api_settings().prefix, id));
        self.send(&request).await?.data_as()
    }

    async fn submit_task<R>(&self, kind: TaskKind, body: Vec<u8>) -> Result<Task<R>, Error> {
        let settings = self.api_settings();
        let path = format!("{}{}", settings.prefix.as_str(), kind.submit_path());
        let request = ApiRequest::post(path, body).returning_429();
        let (response, mut project) = self.submit_through_project_limit(&request).await?;
        let submitted: SubmittedTask = response.data_as()?;
        // An export's id is `data.export_task_id`, which the untyped handle does not read.
        project.identify(&submitted.id);
        project.watch(results_path(kind, settings.prefix, &submitted.id));
        Ok(Task {
            kind,
            id: submitted.id,
            name: submitted.name,
            status: submitted.status,
            project,
            results: PhantomData,
        })
    }

    /// [`Client::submit`], handling a 429 as [`ProjectLimitWait`] says, within one deadline.
    async fn submit_through_project_limit(
        &self,
        request: &ApiRequest,
    ) -> Result<(crate::SuccessResponse, Project), Error> {
        use tokio::time::{sleep, timeout_at, Instant};
        let deadline = self.deadline();
        let slots = self.project_slots();
        let policy = *self.retry_policy();
        let mut refusals: u32 = 0;
        loop {
            // Registered before sending, so that a slot freed meanwhile is not missed.
            let freed = slots.freed();
            let mut freed = core::pin::pin!(freed);
            freed.as_mut().enable();
            let submitting = self.submit(request);
            let result = match deadline {
                Some(d) => {
                    timeout_at(d, submitting).await.unwrap_or_else(|_| Err(Error::deadline()))
                }
                None => submitting.await,
            };
            let error = match result {
                Ok(done) => return Ok(done),
                Err(e) if e.status() == Some(http::StatusCode::TOO_MANY_REQUESTS) => e,
                Err(e) => return Err(e),
            };
            refusals += 1;
            let wait = self.api_settings().on_project_limit;
            // The limiter admitted the request, so the client's own budget had room: the
            // 429 is the running-projects limit.
            let budget_had_room = self.rate_limiter().is_some();
            let waiting = Instant::now();
            match wait {
                ProjectLimitWait::Fail => return Err(error),
                ProjectLimitWait::ForSlot if budget_had_room && slots.running() > 0 => {
                    if !self.poll_for_slot(freed.as_mut(), deadline).await {
                        return Err(Error::deadline().set_attempts(error.attempts()));
                    }
                }
                _ => {
                    if refusals >= policy.max_attempts() {
                        return Err(error);
                    }
                    let Some(delay) = policy.delay(refusals - 1, error.retry_after()) else {
                        return Err(error);
                    };
                    if deadline.is_some_and(|d| Instant::now() + delay > d) {
                        return Err(error);
                    }
                    sleep(delay).await;
                }
            }
            self.emit(&crate::Event::ProjectLimit {
                path: request.path(),
                refusals,
                waited: waiting.elapsed(),
            });
        }
    }

    /// Waits until a project this process knows of gives its slot back, polling those whose
    /// results path is known ([`Project::watch`]) at the poll interval, through the rate
    /// limiter; `false` when `deadline` passes first. A failed poll leaves its project as it
    /// was, to be polled again at the next interval.
    async fn poll_for_slot(
        &self,
        mut freed: core::pin::Pin<&mut tokio::sync::futures::Notified<'_>>,
        deadline: Option<tokio::time::Instant>,
    ) -> bool {
        use tokio::time::{sleep_until, timeout_at, Instant};
        let slots = self.project_slots();
        let interval = self.api_settings().poll_interval;
        loop {
            let next = Instant::now() + interval;
            match deadline {
                Some(d) if next > d => return timeout_at(d, freed.as_mut()).await.is_ok(),
                _ => {}
            }
            tokio::select! {
                () = freed.as_mut() => return true,
                () = sleep_until(next) => {}
            }
            for (id, path) in slots.watched() {
                if let Ok(response) = self.send(&ApiRequest::get(path)).await {
                    if slots.observe_watched(&id, &response.success()) {
                        return true;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_leave_their_path_segment() {
        let path = results_path(TaskKind::Clips, PathPrefix::Api, "../x y/%?#");
        assert_eq!(path, "/api/v2/clips/results/%2E%2E%2Fx%20y%2F%25%3F%23");
        let path = results_path(TaskKind::Export, PathPrefix::Open, "proj_abc-1~");
        assert_eq!(path, "/open/v2/clips/export/proj_abc-1~");
    }
}
