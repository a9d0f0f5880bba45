//! The client: auth, timeouts and the send loop that applies the limits and the retry policy.

use core::error::Error as StdError;
use core::future::Future;
use core::net::IpAddr;
use core::time::Duration;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, USER_AGENT};
use http::uri::{PathAndQuery, Scheme};
use http::{StatusCode, Uri};
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use status_core::stream::ItemPath;
use status_core::{Decoder, RawJson, Reply, Success};
use tokio::time::error::Elapsed;
use tokio::time::{sleep, timeout_at, Instant};

use crate::api::upload::UploadBody;
use crate::api::ApiSettings;
use crate::connect::{ConnectTimedOut, Connector, TimeoutConnector};
use crate::encoding;
use crate::error::{Error, ErrorKind};
use crate::event::Event;
use crate::projects::{Project, ProjectSlots};
use crate::proxy::{Proxy, ProxyConnector};
use crate::rate_limit::RateLimiter;
use crate::reply::BufferedResponse;
use crate::request::ApiRequest;
use crate::retry::RetryPolicy;
use crate::secret::ApiKey;
use crate::stream::{self, ItemStream};
use crate::trace;

/// The API's production base URI.
pub const API_BASE: &str = "https://wayinvideo-api.wayin.ai";

/// The `User-Agent` the client sends unless told otherwise: `status-hyper/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("status-hyper/", env!("CARGO_PKG_VERSION"));

/// The header that selects the API version.
pub const API_VERSION_HEADER: HeaderName = HeaderName::from_static("x-wayinvideo-api-version");

type Observer = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// Settings for a [`Client`]; start with [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    base: Uri,
    key: ApiKey,
    api_version: HeaderValue,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    deadline: Option<Duration>,
    retry: RetryPolicy,
    rate_limiter: Option<RateLimiter>,
    project_slots: ProjectSlots,
    body_limit: u64,
    decoder: Decoder,
    http2_only: bool,
    observer: Option<Observer>,
    user_agent: HeaderValue,
    proxy: Proxy,
    adopt_orphans: bool,
    /// The typed API's settings (`crate::api`): path prefix, poll interval, project limit.
    pub(crate) api: ApiSettings,
}

impl ClientBuilder {
    /// The API version sent in `x-wayinvideo-api-version` (default `v2`).
    pub fn api_version(mut self, version: HeaderValue) -> Self {
        self.api_version = version;
        self
    }

    /// The longest a connection (TCP and TLS) may take; `None` for no limit. Default 10 s.
    pub fn connect_timeout(mut self, t: Option<Duration>) -> Self {
        self.connect_timeout = t;
        self
    }

    /// The longest one attempt may take, from sending to the last byte of the body; `None`
    /// for no limit. Default 30 s.
    pub fn attempt_timeout(mut self, t: Option<Duration>) -> Self {
        self.attempt_timeout = t;
        self
    }

    /// The longest a call may take in all, counting waits for the rate limiter, for a project
    /// slot and between retries; `None` for no limit. Default 120 s. A wait that would end past
    /// the deadline is not started: the call fails at once.
    pub fn deadline(mut self, t: Option<Duration>) -> Self {
        self.deadline = t;
        self
    }

    /// The retry policy (default [`RetryPolicy::new`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The request-rate limiter (default [`RateLimiter::api`]); `None` to send unthrottled.
    /// Pass clones of one limiter to every client that uses the same key.
    pub fn rate_limiter(mut self, limiter: Option<RateLimiter>) -> Self {
        self.rate_limiter = limiter;
        self
    }

    /// The running-projects slots (default [`ProjectSlots::api`]). Share them like the
    /// rate limiter.
    pub fn project_slots(mut self, slots: ProjectSlots) -> Self {
        self.project_slots = slots;
        self
    }

    /// The largest body accepted (default [`BufferedResponse::DEFAULT_BODY_LIMIT`]).
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The decoder settings (default [`Decoder::new`]).
    pub fn decoder(mut self, decoder: Decoder) -> Self {
        self.decoder = decoder;
        self
    }

    /// Speak HTTP/2 only (with prior knowledge on plain connections). Default: HTTP/1.1,
    /// or whatever the TLS connector negotiates.
    pub fn http2_only(mut self, yes: bool) -> Self {
        self.http2_only = yes;
        self
    }

    /// The `User-Agent` sent with every request (default [`DEFAULT_USER_AGENT`],
    /// `status-hyper/<version>`); a request's own `User-Agent` header wins.
    pub fn user_agent(mut self, user_agent: HeaderValue) -> Self {
        self.user_agent = user_agent;
        self
    }

    /// The proxy settings for [`build_http`](Self::build_http) and
    /// [`build_https`](Self::build_https) (default [`Proxy::from_env`], read when the
    /// client is built). A connector passed to [`build`](Self::build) is used as it is.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Connects directly, whatever the environment's proxy variables say: short for
    /// `proxy(Proxy::none())`.
    pub fn no_proxy(self) -> Self {
        self.proxy(Proxy::none())
    }

    /// Whether the client adopts, in the background, the running projects of processes that
    /// disappeared (default `true`). Only a shared store has such orphans, and only one that
    /// says how often to look ([`ProjectStore::orphan_scan`](crate::ProjectStore::orphan_scan)):
    /// then, while the client lives, a task looks for them that often, claims each whose
    /// results path its holder stored (the store hands each to one process only), and polls
    /// it at the [poll interval](Self::poll_interval), through the rate limiter, until it
    /// finishes, which frees its slot. Each is reported as [`Event::OrphanAdopted`] and
    /// [`Event::OrphanFinished`] (and as `INFO` events with the `tracing` feature). When the
    /// client is dropped first, the projects it polls stay counted in the store, for another
    /// process to adopt. With `false`, adopt them with
    /// [`ProjectSlots::adopt_orphans`](crate::ProjectSlots::adopt_orphans), or not at all.
    pub fn adopt_orphans(mut self, yes: bool) -> Self {
        self.adopt_orphans = yes;
        self
    }

    /// Calls `observer` for every [`Event`]: waits, attempts, retries, and the end of
    /// each call.
    pub fn observer(mut self, observer: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Builds a client over plain TCP, through the [proxy](Self::proxy) when one applies.
    /// The key is refused unless the base URI is `https` or names a loopback host, so this
    /// suits local mocks and TLS-terminating sidecars.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build), and [`ErrorKind::Config`] for an unusable explicit proxy.
    pub fn build_http(self) -> Result<Client<ProxyConnector>, Error> {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        let connector = ProxyConnector::new(&self.proxy, http)?;
        self.build(connector)
    }

    /// Builds a client over HTTPS with hyper-rustls and the `ring` provider, trusting the
    /// webpki roots (or, with the `native-roots` feature, the platform's certificate
    /// store). TLS runs inside the [proxy](Self::proxy)'s tunnel when one applies.
    ///
    /// # Errors
    ///
    /// As [`build_http`](Self::build_http), and [`ErrorKind::Config`] when the platform's
    /// store has no usable certificate (`native-roots`).
    #[cfg(feature = "tls")]
    pub fn build_https(
        self,
    ) -> Result<Client<hyper_rustls::HttpsConnector<ProxyConnector>>, Error> {
        let connector = crate::tls::https_connector(self.http2_only, &self.proxy)?;
        self.build(connector)
    }

    /// Builds a client over `connector`, such as a hyper-rustls or hyper-tls connector.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when the base URI is not an absolute `http` or `https` URI, or
    /// is plain `http` to a host that is not loopback (the key would travel in clear); or
    /// when the client is to [adopt orphans](Self::adopt_orphans) from a shared store and is
    /// built outside a tokio runtime.
    pub fn build<C: Connector>(self, connector: C) -> Result<Client<C>, Error> {
        let scheme = self.base.scheme().cloned().ok_or(Error::config("base URI has no scheme"))?;
        let host = self.base.host().ok_or(Error::config("base URI has no host"))?;
        if scheme == Scheme::HTTP {
            if !is_loopback(host) {
                return Err(Error::config(
                    "the API key is only sent over https, or plain http to a loopback host",
                ));
            }
        } else if scheme != Scheme::HTTPS {
            return Err(Error::config("base URI must be http or https"));
        }
        let mut hyper = HyperClient::builder(TokioExecutor::new());
        hyper.http2_only(self.http2_only);
        let connector = TimeoutConnector::new(connector, self.connect_timeout);
        let upload = hyper.build(connector.clone());
        let http = hyper.build(connector);
        let base_path = self.base.path().trim_end_matches('/').to_owned();
        let scan = self.project_slots.store().orphan_scan().filter(|_| self.adopt_orphans);
        let runtime = match scan {
            Some(_) => Some(tokio::runtime::Handle::try_current().map_err(|_| {
                Error::config(
                    "a client that adopts orphaned projects is built inside a tokio runtime",
                )
            })?),
            None => None,
        };
        let inner = Arc::new(Inner {
            http,
            upload,
            base_path,
            config: self,
            adopter: std::sync::Mutex::new(None),
        });
        if let (Some(scan), Some(runtime)) = (scan, runtime) {
            let task = runtime.spawn(crate::orphans::adopt_and_poll(Arc::downgrade(&inner), scan));
            *inner.adopter.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
        }
        Ok(Client { inner })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base", &self.base)
            .field("key", &self.key)
            .field("api_version", &self.api_version)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .field("rate_limiter", &self.rate_limiter)
            .field("project_slots", &self.project_slots)
            .field("body_limit", &self.body_limit)
            .field("decoder", &self.decoder)
            .field("http2_only", &self.http2_only)
            .field("observer", &self.observer.as_ref().map(|_| "Fn(&Event)"))
            .field("user_agent", &self.user_agent)
            .field("proxy", &self.proxy)
            .field("adopt_orphans", &self.adopt_orphans)
            .field("api", &self.api)
            .finish()
    }
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A client for the API that keeps to its limits. Cheap to clone; clones share the
/// connection pool, the rate limiter and the project slots.
///
/// Each call:
/// 1. waits for a free project slot ([`submit`](Self::submit) only) and for the rate limiter;
/// 2. sends the request with `Authorization: Bearer <key>` and `x-wayinvideo-api-version`;
/// 3. reads the body under the limit and the attempt timeout, and decodes it;
/// 4. on a retryable failure waits per the [`RetryPolicy`] (never less than `Retry-After`)
///    and goes back to 1, all within the overall deadline.
pub struct Client<C = ProxyConnector> {
    inner: Arc<Inner<C>>,
}

pub(crate) struct Inner<C> {
    http: HyperClient<TimeoutConnector<C>, Full<Bytes>>,
    /// The same connector for streamed uploads to pre-signed URLs (no key is sent there).
    upload: HyperClient<TimeoutConnector<C>, UploadBody>,
    base_path: String,
    config: ClientBuilder,
    /// The task adopting orphaned projects, when there is one; ended with the client.
    adopter: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl<C> Drop for Inner<C> {
    fn drop(&mut self) {
        let task = self.adopter.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            task.abort();
        }
    }
}

impl<C> Client<C> {
    /// The client, while a clone of it lives.
    pub(crate) fn from_weak(inner: &std::sync::Weak<Inner<C>>) -> Option<Self> {
        inner.upgrade().map(|inner| Self { inner })
    }
}

impl<C> Clone for Client<C> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<C> fmt::Debug for Client<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

impl Client {
    /// Settings for a client of the API at `base` (such as [`API_BASE`]) using `key`.
    ///
    /// ```
    /// use status_hyper::{ApiKey, Client};
    ///
    /// let key = ApiKey::new("sk-example").unwrap();
    /// let client = Client::builder("http://127.0.0.1:8080".parse().unwrap(), key)
    ///     .build_http()
    ///     .unwrap();
    /// assert!(!format!("{client:?}").contains("sk-example"));
    ///
    /// // The key never travels in clear to another host.
    /// let key = ApiKey::new("sk-example").unwrap();
    /// let err = Client::builder("http://api.example.com".parse().unwrap(), key)
    ///     .build_http()
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), status_hyper::ErrorKind::Config);
    /// ```
    pub fn builder(base: Uri, key: ApiKey) -> ClientBuilder {
        ClientBuilder {
            base,
            key,
            api_version: HeaderValue::from_static("v2"),
            connect_timeout: Some(Duration::from_secs(10)),
            attempt_timeout: Some(Duration::from_secs(30)),
            deadline: Some(Duration::from_secs(120)),
            retry: RetryPolicy::new(),
            rate_limiter: Some(RateLimiter::api()),
            project_slots: ProjectSlots::api(),
            body_limit: BufferedResponse::DEFAULT_BODY_LIMIT,
            decoder: Decoder::new(),
            http2_only: false,
            observer: None,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            proxy: Proxy::default(),
            adopt_orphans: true,
            api: ApiSettings::default(),
        }
    }
}

impl<C: Connector> Client<C> {
    /// Sends `request`, retrying as the policy allows, and returns its 2xx reply.
    ///
    /// # Errors
    ///
    /// The last attempt's [`Error`]: a non-2xx reply ([`ErrorKind::Api`], with its fields,
    /// `Retry-After` and raw body), a malformed 2xx body, a body over the limit, a transport
    /// failure or a timeout; or [`ErrorKind::Deadline`] when the deadline passed first.
    pub async fn send(&self, request: &ApiRequest) -> Result<SuccessResponse, Error> {
        let (span, started) = self.start(request);
        let deadline = self.deadline();
        let result = span.run(self.run(request, deadline, &span)).await;
        self.finish(request, &span, started, result.as_ref());
        result
    }

    /// Submits a project: waits for a free project slot, sends `request`, and on success
    /// returns the reply with a [`Project`] handle that holds the slot.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send); the slot is freed again when the submission fails.
    pub async fn submit(&self, request: &ApiRequest) -> Result<(SuccessResponse, Project), Error> {
        let (span, started) = self.start(request);
        let deadline = self.deadline();
        let slots = &self.inner.config.project_slots;
        let submitting = async {
            let (permit, waited) =
                slots.acquire_by(deadline).await.inspect_err(|e| self.store_down(request, e))?;
            if let Some(fallback) = permit.fallback {
                self.store_fallback(request.path(), fallback, true);
            }
            if !waited.is_zero() {
                trace::slot_wait(&span, waited);
                self.emit(&Event::SlotWait { path: request.path(), waited });
            }
            let mut response = self.run(request, deadline, &span).await?;
            response.waited += waited;
            let project = Project::new(slots.clone(), permit, &response.success());
            Ok((response, project))
        };
        let result = span.run(submitting).await;
        self.finish(request, &span, started, result.as_ref().map(|(r, _)| r));
        result
    }

    /// Sends `request` about `project` (typically a GET of its results) and lets the project
    /// see the reply, which frees its slot once `data.status` is a finished one.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn poll(
        &self,
        project: &mut Project,
        request: &ApiRequest,
    ) -> Result<SuccessResponse, Error> {
        let response = self.send(request).await?;
        project.observe(&response.success());
        Ok(response)
    }

    /// The rate limiter, when there is one.
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.inner.config.rate_limiter.as_ref()
    }

    /// The project slots.
    pub fn project_slots(&self) -> &ProjectSlots {
        &self.inner.config.project_slots
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.config.retry
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.inner.config.deadline.and_then(|d| Instant::now().checked_add(d))
    }

    /// The typed API's settings.
    pub(crate) fn api_settings(&self) -> &ApiSettings {
        &self.inner.config.api
    }

    /// The hyper client for uploads, and the `User-Agent` to send with them.
    pub(crate) fn upload_http(
        &self,
    ) -> (&HyperClient<TimeoutConnector<C>, UploadBody>, &HeaderValue) {
        (&self.inner.upload, &self.inner.config.user_agent)
    }

    /// The span of a call and when it started.
    fn start(&self, request: &ApiRequest) -> (trace::Span, Instant) {
        let uri = || self.uri_for(request).unwrap_or_else(|_| self.inner.config.base.clone());
        (trace::Span::call(&request.method(), uri), Instant::now())
    }

    /// Reports the end of a call: the observer's `Finished`, the span's fields, an event.
    fn finish(
        &self,
        request: &ApiRequest,
        span: &trace::Span,
        started: Instant,
        result: Result<&SuccessResponse, &Error>,
    ) {
        let (status, error, attempts) = match result {
            Ok(r) => (Some(r.status()), None, r.attempts()),
            Err(e) => (e.status(), Some(e), e.attempts()),
        };
        self.finished(request, span, started, status, error, attempts);
    }

    /// Reports the end of a call from its status, error and attempts.
    fn finished(
        &self,
        request: &ApiRequest,
        span: &trace::Span,
        started: Instant,
        status: Option<StatusCode>,
        error: Option<&Error>,
        attempts: u32,
    ) {
        let elapsed = started.elapsed();
        span.outcome(status, error);
        span.attempts(attempts);
        trace::finished(span, status, error, attempts, elapsed);
        let method = request.method();
        self.emit(&Event::Finished {
            method: &method,
            path: request.path(),
            outcome: error.map_or(Ok(()), |e| Err(e.kind())),
            status,
            attempts,
            elapsed,
        });
    }

    /// Reports a limits' store that could not be reached in time.
    fn store_down(&self, request: &ApiRequest, error: &Error) {
        if error.kind() == ErrorKind::StoreUnavailable {
            self.store_fallback(request.path(), crate::StoreFallback::Wait, false);
        }
    }

    /// Reports what the client did while the limits' store could not be reached.
    fn store_fallback(&self, path: &str, fallback: crate::StoreFallback, admitted: bool) {
        #[cfg(feature = "tracing")]
        tracing::event!(
            target: "status_hyper",
            tracing::Level::WARN,
            store.fallback = tracing::field::debug(&fallback),
            store.admitted = admitted,
            "the limits' store could not be reached"
        );
        self.emit(&Event::StoreUnavailable { path, fallback, admitted });
    }

    pub(crate) fn emit(&self, event: &Event<'_>) {
        if let Some(observer) = &self.inner.config.observer {
            observer(event);
        }
    }

    async fn run(
        &self,
        request: &ApiRequest,
        deadline: Option<Instant>,
        span: &trace::Span,
    ) -> Result<SuccessResponse, Error> {
        let attempt = |uri| self.attempt(request, uri);
        let (reply, attempts, waited) = self.run_attempts(request, deadline, span, attempt).await?;
        Ok(SuccessResponse { reply, decoder: self.inner.config.decoder, attempts, waited })
    }

    /// The send loop: rate limiter, `attempt`, and the retry policy, within the deadline.
    /// Returns what the successful attempt gave, the number of attempts and the time waited.
    pub(crate) async fn run_attempts<R, F, Fut>(
        &self,
        request: &ApiRequest,
        deadline: Option<Instant>,
        span: &trace::Span,
        mut attempting: F,
    ) -> Result<(R, u32, Duration), Error>
    where
        R: Attempted,
        F: FnMut(Uri) -> Fut,
        Fut: Future<Output = Result<R, Error>>,
    {
        let config = &self.inner.config;
        let uri = self.uri_for(request)?;
        let path = request.path();
        let method = request.method();
        let mut waited = Duration::ZERO;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let attempt_span = span.attempt(attempt);
            let admitted_and_sent = async {
                // Held until the reply has arrived: the rate window counts from then.
                let mut rate_permit = None;
                let mut rate_wait = Duration::ZERO;
                if let Some(limiter) = &config.rate_limiter {
                    let (permit, w) = limiter
                        .acquire_by(deadline)
                        .await
                        .inspect_err(|e| self.store_down(request, e))?;
                    if let Some(fallback) = permit.fallback() {
                        self.store_fallback(path, fallback, true);
                    }
                    rate_permit = Some(permit);
                    if !w.is_zero() {
                        trace::rate_limited(&attempt_span, w);
                        self.emit(&Event::RateLimited { path, waited: w });
                        rate_wait = w;
                    }
                }
                self.emit(&Event::Attempt { method: &method, path, attempt, at: Instant::now() });
                let sending = attempting(uri.clone());
                let outcome = match deadline {
                    Some(d) => {
                        timeout_at(d, sending).await.unwrap_or_else(|_| Err(Error::deadline()))
                    }
                    None => sending.await,
                };
                drop(rate_permit);
                match &outcome {
                    Ok(reply) => attempt_span.outcome(Some(reply.status()), None),
                    Err(e) => attempt_span.outcome(None, Some(e)),
                }
                Ok::<_, Error>((outcome, rate_wait))
            };
            let (outcome, rate_wait) = attempt_span
                .run(admitted_and_sent)
                .await
                .map_err(|e| e.set_attempts(attempt - 1))?;
            waited += rate_wait;
            let error = match outcome {
                Ok(reply) => return Ok((reply, attempt, waited)),
                Err(e) => e,
            };
            let policy = &config.retry;
            if let (Some(limiter), Some(StatusCode::TOO_MANY_REQUESTS)) =
                (&config.rate_limiter, error.status())
            {
                // The server's count wins: a shared store holds every process back.
                let wait = error.retry_after().unwrap_or(policy.backoff().delay(attempt - 1));
                let _ = limiter.server_refused(wait).await;
            }
            let returned_429 =
                request.returns_429() && error.status() == Some(StatusCode::TOO_MANY_REQUESTS);
            if attempt >= policy.max_attempts()
                || returned_429
                || !policy.may_retry(&error, &method, request.is_idempotent())
            {
                return Err(error.set_attempts(attempt));
            }
            let retry_after = error.retry_after();
            let Some(delay) = policy.delay(attempt - 1, retry_after) else {
                return Err(error.set_attempts(attempt));
            };
            if deadline.is_some_and(|d| Instant::now().checked_add(delay).is_none_or(|t| t > d)) {
                return Err(error.set_attempts(attempt));
            }
            trace::retry(attempt, &error, delay, retry_after);
            self.emit(&Event::Retry {
                path,
                attempt,
                kind: error.kind(),
                status: error.status(),
                scheduled: policy.backoff().delay(attempt - 1),
                retry_after,
                delay,
            });
            let sleeping = Instant::now();
            sleep(delay).await;
            waited += sleeping.elapsed();
        }
    }

    async fn attempt(&self, request: &ApiRequest, uri: Uri) -> Result<BufferedResponse, Error> {
        let config = &self.inner.config;
        let http_request = self.http_request(request, uri)?;
        // One timer for headers and body together; a body that times out keeps its status.
        let limit = config.attempt_timeout;
        let ends = limit.and_then(|t| Instant::now().checked_add(t));
        let timed_out = |e, status| {
            let e = Error::timeout(limit.unwrap_or_default(), e);
            match status {
                Some(status) => e.with_status(status),
                None => e,
            }
        };
        let sending = self.inner.http.request(http_request);
        let response = within(ends, sending).await.map_err(|e| timed_out(e, None))?;
        let response = response.map_err(classify)?;
        let status = response.status();
        let reading = BufferedResponse::read_checked(response, config.body_limit, &config.decoder);
        let reply = within(ends, reading).await.map_err(|e| timed_out(e, Some(status)))??;
        reply.into_result_with(&config.decoder)
    }

    /// The request as sent: the caller's headers, the key, the API version and the defaults.
    fn http_request(
        &self,
        request: &ApiRequest,
        uri: Uri,
    ) -> Result<http::Request<Full<Bytes>>, Error> {
        let config = &self.inner.config;
        let mut builder = http::Request::builder().method(request.method()).uri(uri);
        if let Some(headers) = builder.headers_mut() {
            headers.extend(request.headers().clone());
            headers.insert(AUTHORIZATION, config.key.bearer().clone());
            headers.insert(API_VERSION_HEADER, config.api_version.clone());
            headers.entry(ACCEPT).or_insert(HeaderValue::from_static("application/json"));
            headers.entry(USER_AGENT).or_insert_with(|| config.user_agent.clone());
            if let Some(accepted) = encoding::ACCEPT_ENCODING {
                headers.entry(ACCEPT_ENCODING).or_insert(HeaderValue::from_static(accepted));
            }
        }
        builder
            .body(Full::new(request.body().clone()))
            .map_err(|_| Error::config("invalid request"))
    }

    /// Sends `request` and yields the typed items of the array at `path` inside its `data`
    /// as the body arrives, each gathered in a window of `window` bytes: memory is bounded
    /// by the window whatever the body's size (see [`ItemStream`]).
    ///
    /// The call returns once the first item has arrived (or the body ended without one).
    /// Up to then it is [`send`](Self::send): the rate limiter, the attempt timeout, the
    /// retry policy and the deadline apply, and a non-2xx reply is read whole and returned
    /// as its [`ErrorKind::Api`] error. Once an item may have been handed out, nothing is
    /// retried: a later failure is the stream's last item. The attempt timeout and the
    /// deadline keep running until the body's last byte.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send) for failures before the first item, with
    /// [`ErrorKind::Decode`] when the body is malformed before it (status-core's
    /// [`ItemTooLarge`](status_core::ErrorKind::ItemTooLarge) as the source when the first
    /// item is larger than the window), and [`ErrorKind::Data`] when it does not fit `T`.
    pub async fn stream_items<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        path: ItemPath,
        window: usize,
    ) -> Result<ItemStream<T>, Error> {
        let (span, started) = self.start(request);
        let deadline = self.deadline();
        let attempt = |uri| self.stream_attempt::<T>(request, uri, path, window, deadline);
        let result = span.run(self.run_attempts(request, deadline, &span, attempt)).await;
        let result = result.map(|(mut items, attempts, _)| {
            items.set_attempts(attempts);
            items
        });
        let (status, error, attempts) = match &result {
            Ok(items) => (Some(items.status()), None, items.attempts()),
            Err(e) => (e.status(), Some(e), e.attempts()),
        };
        self.finished(request, &span, started, status, error, attempts);
        result
    }

    async fn stream_attempt<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        uri: Uri,
        path: ItemPath,
        window: usize,
        deadline: Option<Instant>,
    ) -> Result<ItemStream<T>, Error> {
        let config = &self.inner.config;
        let http_request = self.http_request(request, uri)?;
        let limit = config.attempt_timeout;
        let ends = limit.and_then(|t| Instant::now().checked_add(t));
        let timed_out = |e| Error::timeout(limit.unwrap_or_default(), e);
        let sending = self.inner.http.request(http_request);
        let response = within(ends, sending).await.map_err(timed_out)?;
        let response = response.map_err(classify)?;
        let status = response.status();
        let until = stream::Until::earliest(
            ends.zip(limit).map(|(at, limit)| stream::Until::Attempt(at, limit)),
            deadline.map(stream::Until::Deadline),
        );
        if !status.is_success() {
            let reading =
                BufferedResponse::read_checked(response, config.body_limit, &config.decoder);
            let reply =
                within(ends, reading).await.map_err(|e| timed_out(e).with_status(status))??;
            return Err(match reply.into_result_with(&config.decoder) {
                Ok(_) => Error::config("a non-2xx reply decoded as a success"),
                Err(e) => e,
            });
        }
        let frame_limit = usize::try_from(config.body_limit).unwrap_or(usize::MAX);
        let mut items =
            ItemStream::new(response, path, window, &config.decoder, frame_limit, until)?;
        items.prime().await?;
        Ok(items)
    }

    fn uri_for(&self, request: &ApiRequest) -> Result<Uri, Error> {
        let path = request.path();
        if !path.starts_with('/') {
            return Err(Error::config("request path must start with '/'"));
        }
        let joined = format!("{}{path}", self.inner.base_path);
        let path_and_query = PathAndQuery::try_from(joined)
            .map_err(|_| Error::config("request path is not a valid URI path"))?;
        let mut parts = self.inner.config.base.clone().into_parts();
        parts.path_and_query = Some(path_and_query);
        Uri::from_parts(parts).map_err(|_| Error::config("invalid request URI"))
    }
}

/// What an attempt gives: its status is recorded on the attempt's span.
pub(crate) trait Attempted {
    fn status(&self) -> StatusCode;
}

impl Attempted for BufferedResponse {
    fn status(&self) -> StatusCode {
        BufferedResponse::status(self)
    }
}

impl<T> Attempted for ItemStream<T> {
    fn status(&self) -> StatusCode {
        ItemStream::status(self)
    }
}

/// Runs `fut` until `ends`, if there is an end.
async fn within<F: Future>(ends: Option<Instant>, fut: F) -> Result<F::Output, Elapsed> {
    match ends {
        Some(at) => timeout_at(at, fut).await,
        None => Ok(fut.await),
    }
}

/// Sorts a hyper-util error by whether the request can have reached the server.
fn classify(e: hyper_util::client::legacy::Error) -> Error {
    if e.is_connect() {
        let mut cause: Option<&(dyn StdError + 'static)> = e.source();
        while let Some(c) = cause {
            if c.is::<ConnectTimedOut>() {
                return Error::with_source(ErrorKind::ConnectTimeout, e);
            }
            cause = c.source();
        }
        return Error::with_source(ErrorKind::Connect, e);
    }
    Error::with_source(ErrorKind::Transport, e)
}

/// A 2xx reply with a valid body, and what it took to get it.
#[derive(Debug, Clone)]
pub struct SuccessResponse {
    reply: BufferedResponse,
    decoder: Decoder,
    attempts: u32,
    waited: Duration,
}

impl SuccessResponse {
    /// The decoded success, borrowing from this response.
    ///
    /// This decodes the body again (one linear pass, no allocation): keep the result rather
    /// than calling it repeatedly.
    pub fn success(&self) -> Success<'_> {
        match self.reply.reply_with(&self.decoder) {
            Ok(Reply::Success(s)) => s,
            // `SuccessResponse` is only built from a reply that decoded as a success with this very
            // decoder, and decoding is a pure function of the status and the bytes.
            _ => unreachable!("a SuccessResponse always holds a valid 2xx body"),
        }
    }

    /// The `data` value, byte-exact; `None` when the body had none.
    pub fn data(&self) -> Option<RawJson<'_>> {
        self.success().data()
    }

    /// Deserializes `data` into an owned `T`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Data`] when `data` does not fit `T`, with the decoder's
    /// [`DataError`](status_core::DataError) (kind, byte offset, message) as the source.
    pub fn data_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        self.reply.data_as_with(&self.decoder)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.reply.status()
    }

    /// The status, headers and body.
    pub fn buffered(&self) -> &BufferedResponse {
        &self.reply
    }

    /// Takes the status, headers and body.
    pub fn into_buffered(self) -> BufferedResponse {
        self.reply
    }

    /// How many attempts it took (1 when the first succeeded).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How long the call waited for the rate limiter, a project slot and between retries.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_types_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Client>();
        send_sync::<ClientBuilder>();
        send_sync::<SuccessResponse>();
        send_sync::<Error>();
        send_sync::<Project>();
        send_sync::<RateLimiter>();
        send_sync::<ProjectSlots>();
    }

    #[test]
    fn loopback_hosts() {
        for host in ["localhost", "LOCALHOST", "127.0.0.1", "127.9.9.9", "[::1]", "::1"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["example.com", "10.0.0.1", "[::2]", "localhost.example.com", "0.0.0.0"] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn request_uris_join_the_base_path() {
        let key = ApiKey::new("k").unwrap();
        let client = Client::builder("http://127.0.0.1:9/prefix/".parse().unwrap(), key)
            .build_http()
            .unwrap();
        let uri = client.uri_for(&ApiRequest::get("/api/v2/clips?x=1")).unwrap();
        assert_eq!(uri, "http://127.0.0.1:9/prefix/api/v2/clips?x=1");
        let err = client.uri_for(&ApiRequest::get("api/v2")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        let err = client.uri_for(&ApiRequest::get("/a b")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let build = |base: &str| {
            Client::builder(base.parse().unwrap(), ApiKey::new("k").unwrap()).build_http()
        };
        assert!(build("http://localhost:8080").is_ok());
        assert!(build("https://wayinvideo-api.wayin.ai").is_ok());
        for base in ["http://wayinvideo-api.wayin.ai", "ftp://127.0.0.1", "/relative"] {
            assert_eq!(build(base).unwrap_err().kind(), ErrorKind::Config, "{base}");
        }
    }
}
