//! A scriptable in-process mock of the API on loopback, for tests and examples
//! (feature `mock`).
//!
//! Each request is answered by, in order:
//! 1. the next scripted [`MockReply`] queued with [`MockServer::push`], as it is;
//! 2. the API's checks: a missing or wrong key gets 403, a missing version header 400, and a
//!    request beyond the rate limit (15 a minute by default) 429;
//! 3. the [handler](MockServerBuilder::handler), if it returns a reply;
//! 4. a small simulation of the API, under `/api/v2` and `/open/v2`:
//!    - `POST .../clips`, `.../clips/find-moments` (which requires `query`), `.../clips/export`,
//!      `.../transcripts` and `.../summaries` create tasks, refusing more than the
//!      running-projects limit with 429;
//!    - their results endpoints (`.../clips/results/{id}`, `.../clips/find-moments/results/{id}`,
//!      `.../clips/export/{id}`, `.../transcripts/results/{id}`, `.../summaries/results/{id}`)
//!      move a task through the documented flow as they are polled: `CREATED` at submission,
//!      `QUEUED` at the first poll when [`polls_to_finish`](MockServerBuilder::polls_to_finish)
//!      leaves room, then `ONGOING` with clips appearing a few at a time, then `SUCCEEDED`
//!      (all clips, `expire_at`, the usage, and `export_link`s when the task exports) at the
//!      `polls_to_finish`-th poll; a task whose `video_url` contains `fail` ends `FAILED`
//!      with an `error_message`;
//!    - `POST .../upload/single-file` hands out a pre-signed URL on the mock itself
//!      (`/storage/{token}?X-Mock-Signature=...`, valid for an hour of tokio's clock) and a
//!      file `identity`; the URL takes a `PUT` without an `Authorization` header (one with it
//!      gets 400, an expired URL 403), streamed, counting and hashing the bytes
//!      ([`MockServer::uploads`]); the identity is then accepted once as a `video_url`.
//!
//!    [`legacy_fields`](MockServerBuilder::legacy_fields) switches to the older pages'
//!    spellings: `project_id`, `identify`, `begin_ms` as strings, `api_units_usage`, and the
//!    `code`/`message` envelope.
//!
//! The server speaks HTTP/1.1 and HTTP/2 (prior knowledge) on `127.0.0.1`, and stops when
//! dropped.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use status_hyper::mock::{MockReply, MockServer};
//! use status_hyper::{ApiKey, ApiRequest, Client, RetryPolicy};
//! use status_core::Backoff;
//! use std::time::Duration;
//!
//! let server = MockServer::start().await?;
//! server.push(MockReply::gateway(429, "Too Many Requests", "/api/v2/clips").retry_after_secs(0));
//! server.push(MockReply::html(502, "<html>Bad Gateway</html>"));
//! server.push(MockReply::gateway(429, "Too Many Requests", "/api/v2/clips"));
//!
//! let fast = Backoff { initial: Duration::from_millis(1), max: Duration::from_millis(4) };
//! let client = Client::builder(server.uri(), ApiKey::new("test-key")?)
//!     .retry(RetryPolicy::new().with_backoff(fast))
//!     .build_http()?;
//! // A POST is retried after a 429 (it was refused), but not after a 502 (it may have
//! // taken effect): the caller gets the proxy's page back.
//! let submit = ApiRequest::post("/api/v2/clips", "{}");
//! let err = client.submit(&submit).await.unwrap_err();
//! assert_eq!((err.status().unwrap().as_u16(), err.attempts()), (502, 2));
//! assert_eq!(err.raw_body().unwrap().as_ref(), b"<html>Bad Gateway</html>");
//!
//! // The next submission meets the last scripted 429, then the simulated API.
//! let (response, project) = client.submit(&submit).await?;
//! assert_eq!(response.attempts(), 2);
//! assert_eq!(project.status(), Some("CREATED"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod api;
mod reply;

use core::convert::Infallible;
use core::net::SocketAddr;
use core::time::Duration;
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http::header::AUTHORIZATION;
use http::{HeaderMap, Method, Uri, Version};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

pub use reply::{MockBody, MockReply};

use api::FakeApi;

type Handler = Arc<dyn Fn(&MockRequest) -> Option<MockReply> + Send + Sync>;
type Transit = Arc<dyn Fn(&MockRequest) -> Duration + Send + Sync>;

/// A request as the mock received it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MockRequest {
    /// The method.
    pub method: Method,
    /// The path and query.
    pub path: String,
    /// The headers; `Authorization` is marked sensitive, so `Debug` does not show it.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The HTTP version it arrived with.
    pub version: Version,
    /// When it arrived (tokio's clock).
    pub at: Instant,
}

impl MockRequest {
    /// Whether `Authorization` is exactly `Bearer <key>`.
    pub fn has_bearer(&self, key: &str) -> bool {
        self.headers
            .get(AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .is_some_and(|k| k == key.as_bytes())
    }
}

/// Settings for a [`MockServer`].
#[derive(Clone)]
pub struct MockServerBuilder {
    api_key: Option<String>,
    rate_limit: Option<(usize, Duration)>,
    project_limit: usize,
    polls_to_finish: u32,
    pub(crate) clips_total: usize,
    pub(crate) clips_per_poll: usize,
    pub(crate) legacy_fields: bool,
    handler: Option<Handler>,
    transit: Option<Transit>,
}

impl fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("rate_limit", &self.rate_limit)
            .field("project_limit", &self.project_limit)
            .field("polls_to_finish", &self.polls_to_finish)
            .field("clips_total", &self.clips_total)
            .field("clips_per_poll", &self.clips_per_poll)
            .field("legacy_fields", &self.legacy_fields)
            .field("handler", &self.handler.as_ref().map(|_| "Fn"))
            .field("transit", &self.transit.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            api_key: None,
            rate_limit: Some((15, Duration::from_secs(60))),
            project_limit: 5,
            polls_to_finish: 2,
            clips_total: 4,
            clips_per_poll: 2,
            legacy_fields: false,
            handler: None,
            transit: None,
        }
    }
}

impl MockServerBuilder {
    /// Accept only this key (by default any `Bearer` key is accepted; none gets 403).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Answer 429 beyond `limit` requests in any `window` (default 15 a minute); `None` for
    /// no limit.
    pub fn rate_limit(mut self, limit: Option<(usize, Duration)>) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Answer 429 to a submission while `limit` projects run (default 5).
    pub fn project_limit(mut self, limit: usize) -> Self {
        self.project_limit = limit;
        self
    }

    /// How many result polls a project takes to reach `SUCCEEDED` (default 2).
    pub fn polls_to_finish(mut self, polls: u32) -> Self {
        self.polls_to_finish = polls;
        self
    }

    /// How many clips a finished clipping task has, and how many more each `ONGOING` poll
    /// shows (default 4 and 2).
    pub fn clips(mut self, total: usize, per_poll: usize) -> Self {
        self.clips_total = total;
        self.clips_per_poll = per_poll;
        self
    }

    /// Answer with the older pages' spellings: `project_id` for task ids, `identify` for
    /// the upload identifier, `begin_ms`/`end_ms` as strings, `api_units_usage`, and a
    /// `{"code": "0", "data": ..., "message": "success"}` envelope (default: the newer ones).
    pub fn legacy_fields(mut self, yes: bool) -> Self {
        self.legacy_fields = yes;
        self
    }

    /// Answers requests that passed the API's checks, before the simulated endpoints;
    /// returning `None` passes the request on to them.
    pub fn handler(
        mut self,
        handler: impl Fn(&MockRequest) -> Option<MockReply> + Send + Sync + 'static,
    ) -> Self {
        self.handler = Some(Arc::new(handler));
        self
    }

    /// Holds each request for the returned time before the server sees it (records it, counts
    /// it against its limits, answers it), as a slow or uneven network would.
    pub fn transit_delay(
        mut self,
        delay: impl Fn(&MockRequest) -> Duration + Send + Sync + 'static,
    ) -> Self {
        self.transit = Some(Arc::new(delay));
        self
    }

    /// Binds `127.0.0.1` on a free port and starts serving.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start(self) -> io::Result<MockServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            origin: format!("http://{addr}"),
            uploads: Mutex::new(Vec::new()),
            script: Mutex::new(VecDeque::new()),
            log: Mutex::new(Vec::new()),
            api: Mutex::new(FakeApi::default()),
            config: self,
        });
        let task = tokio::spawn(serve(listener, Arc::clone(&state)));
        Ok(MockServer { addr, state, task })
    }
}

/// The running mock; see the [module documentation](self).
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

struct State {
    origin: String,
    uploads: Mutex<Vec<MockUpload>>,
    script: Mutex<VecDeque<MockReply>>,
    log: Mutex<Vec<MockRequest>>,
    api: Mutex<FakeApi>,
    config: MockServerBuilder,
}

impl MockServer {
    /// Settings for a mock.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Starts a mock with the default settings.
    ///
    /// # Errors
    ///
    /// When the port cannot be bound.
    pub async fn start() -> io::Result<Self> {
        Self::builder().start().await
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, the base URI for a client.
    pub fn uri(&self) -> Uri {
        Uri::try_from(format!("http://{}", self.addr)).unwrap_or_default()
    }

    /// Queues a reply for the next request not yet answered by the script.
    pub fn push(&self, reply: MockReply) {
        lock(&self.state.script).push_back(reply);
    }

    /// Queues several replies, in order.
    pub fn push_all(&self, replies: impl IntoIterator<Item = MockReply>) {
        lock(&self.state.script).extend(replies);
    }

    /// The scripted replies not yet sent.
    pub fn pending_script(&self) -> usize {
        lock(&self.state.script).len()
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.state.log).clone()
    }

    /// The number of requests received so far.
    pub fn request_count(&self) -> usize {
        lock(&self.state.log).len()
    }

    /// How many 429s the simulation sent because a limit (rate or projects) was exceeded.
    pub fn limit_rejections(&self) -> usize {
        lock(&self.state.api).rejections
    }

    /// The simulated projects running now.
    pub fn running_projects(&self) -> usize {
        lock(&self.state.api).running()
    }

    /// The `PUT`s the storage endpoint received, in order.
    pub fn uploads(&self) -> Vec<MockUpload> {
        lock(&self.state.uploads).clone()
    }

    /// The most simulated projects that ever ran at once.
    pub fn peak_running_projects(&self) -> usize {
        lock(&self.state.api).peak_running
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // The accept task owns the connections' JoinSet, which aborts them all when dropped.
        self.task.abort();
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("config", &self.state.config)
            .finish_non_exhaustive()
    }
}

/// A poisoned lock only means a handler panicked; the data is still consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: let connections finish, then go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        while connections.try_join_next().is_some() {}
        let state = Arc::clone(&state);
        connections.spawn(async move {
            let service = service_fn(move |request| answer(Arc::clone(&state), request));
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A `PUT` the mock's storage endpoint received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MockUpload {
    /// The identity the URL was issued with.
    pub identity: String,
    /// The bytes received.
    pub bytes: u64,
    /// FNV-1a (64-bit) of the bytes, as [`fnv1a`] computes it.
    pub fnv1a: u64,
    /// The largest data frame received.
    pub largest_frame: usize,
    /// The `Content-Length` sent.
    pub content_length: Option<u64>,
    /// The `Content-Type` sent.
    pub content_type: Option<String>,
    /// Whether the request carried an `Authorization` header (it must not).
    pub had_authorization: bool,
    /// The status the mock answered with.
    pub status: u16,
}

/// The 64-bit FNV-1a hash, continued from `state` (start with [`FNV_OFFSET`]).
pub fn fnv1a(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// FNV-1a's starting state.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The storage endpoint: streams the body, never holding more than a frame of it.
async fn store(
    state: &State,
    parts: &http::request::Parts,
    mut body: Incoming,
) -> (MockReply, MockUpload) {
    let token = parts.uri.path().strip_prefix(api::STORAGE).unwrap_or_default().to_owned();
    let header = |name| parts.headers.get(name).and_then(|v: &http::HeaderValue| v.to_str().ok());
    let mut upload = MockUpload {
        identity: String::new(),
        bytes: 0,
        fnv1a: FNV_OFFSET,
        largest_frame: 0,
        content_length: header(http::header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
        content_type: header(http::header::CONTENT_TYPE).map(str::to_owned),
        had_authorization: parts.headers.contains_key(AUTHORIZATION),
        status: 200,
    };
    let issued = lock(&state.api).uploads.get(&token).map(|s| (s.identity.clone(), s.issued));
    let refusal = match issued {
        None => Some(MockReply::html(404, "<Error><Code>NoSuchUpload</Code></Error>")),
        Some((identity, issued)) => {
            upload.identity = identity;
            if upload.had_authorization {
                Some(MockReply::html(400, "<Error><Code>InvalidArgument</Code></Error>"))
            } else if Instant::now() >= issued + api::UPLOAD_LIFETIME {
                Some(MockReply::html(403, "<Error><Code>AccessDenied</Code>expired</Error>"))
            } else {
                None
            }
        }
    };
    if let Some(reply) = refusal {
        upload.status = reply.status.as_u16();
        return (reply, upload);
    }
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            upload.status = 499;
            return (MockReply::empty(400), upload);
        };
        if let Ok(data) = frame.into_data() {
            upload.bytes += data.len() as u64;
            upload.largest_frame = upload.largest_frame.max(data.len());
            upload.fnv1a = fnv1a(upload.fnv1a, &data);
        }
    }
    if upload.content_length.is_some_and(|n| n != upload.bytes) {
        upload.status = 400;
        return (MockReply::html(400, "<Error><Code>IncompleteBody</Code></Error>"), upload);
    }
    if let Some(slot) = lock(&state.api).uploads.get_mut(&token) {
        slot.uploaded = true;
    }
    (MockReply::empty(200), upload)
}

async fn answer(
    state: Arc<State>,
    request: http::Request<Incoming>,
) -> Result<http::Response<MockBody>, Infallible> {
    let (parts, body) = request.into_parts();
    if parts.method == Method::PUT && parts.uri.path().starts_with(api::STORAGE) {
        let (reply, upload) = store(&state, &parts, body).await;
        let mut headers = parts.headers;
        if let Some(auth) = headers.get_mut(AUTHORIZATION) {
            auth.set_sensitive(true);
        }
        lock(&state.log).push(MockRequest {
            method: parts.method,
            path: parts.uri.path_and_query().map_or_else(|| "/".into(), |p| p.as_str().into()),
            headers,
            body: Bytes::new(),
            version: parts.version,
            at: Instant::now(),
        });
        lock(&state.uploads).push(upload);
        let status = reply.status;
        let mut response = http::Response::new(reply.into_body());
        *response.status_mut() = status;
        return Ok(response);
    }
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut headers = parts.headers;
    if let Some(auth) = headers.get_mut(AUTHORIZATION) {
        auth.set_sensitive(true);
    }
    let mut request = MockRequest {
        method: parts.method,
        path: parts.uri.path_and_query().map_or_else(|| "/".into(), |p| p.as_str().into()),
        headers,
        body,
        version: parts.version,
        at: Instant::now(),
    };
    if let Some(transit) = &state.config.transit {
        let delay = transit(&request);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
            request.at = Instant::now();
        }
    }
    let scripted = lock(&state.script).pop_front();
    let reply = scripted
        .or_else(|| lock(&state.api).gate(&request, &state.config))
        .or_else(|| state.config.handler.as_ref().and_then(|h| h(&request)))
        .unwrap_or_else(|| lock(&state.api).route(&request, &state.config, &state.origin));
    lock(&state.log).push(request);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let (status, headers) = (reply.status, reply.headers.clone());
    let mut response = http::Response::new(reply.into_body());
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}
