//! Spans and events through `tracing` (feature `tracing`); without it, all of this is empty.
//!
//! Each call gets a `request` span and each attempt an `attempt` span inside it, named as
//! OpenTelemetry's HTTP client conventions name them. Nothing here records the key, a
//! header or a body; the one server-controlled text, the API's trace id, goes through
//! [`LogSafe`](status_core::LogSafe).

use core::future::Future;
use core::time::Duration;

use http::{Method, StatusCode, Uri};

use crate::error::Error;

/// Milliseconds, the unit of every duration field.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(feature = "tracing")]
mod on {
    use super::*;
    use status_core::LogSafe;
    use tracing::field::Empty;
    use tracing::Instrument;

    const TARGET: &str = "status_hyper";

    /// A span, or nothing.
    #[derive(Clone)]
    pub(crate) struct Span(tracing::Span);

    impl Span {
        /// The span of one call: `send`, `submit` or `poll`; `uri` is only asked for when
        /// a subscriber wants the span.
        pub(crate) fn call(method: &Method, uri: impl FnOnce() -> Uri) -> Self {
            let span = tracing::info_span!(
                target: TARGET,
                "request",
                otel.kind = "client",
                http.request.method = %method,
                url.path = Empty,
                server.address = Empty,
                server.port = Empty,
                http.response.status_code = Empty,
                error.type = Empty,
                api.trace_id = Empty,
                attempts = Empty,
                wait.project_slot_ms = Empty,
            );
            if !span.is_disabled() {
                let uri = uri();
                let default_port = if uri.scheme_str() == Some("http") { 80 } else { 443 };
                span.record("url.path", uri.path());
                span.record("server.address", uri.host().unwrap_or_default());
                span.record("server.port", uri.port_u16().unwrap_or(default_port));
            }
            Self(span)
        }

        /// The span of attempt number `attempt` (from 1) of this call.
        pub(crate) fn attempt(&self, attempt: u32) -> Self {
            let span = tracing::debug_span!(
                target: TARGET,
                parent: &self.0,
                "attempt",
                attempt,
                http.request.resend_count = Empty,
                http.response.status_code = Empty,
                error.type = Empty,
                api.trace_id = Empty,
                wait.rate_limit_ms = Empty,
            );
            if attempt > 1 {
                span.record("http.request.resend_count", attempt - 1);
            }
            Self(span)
        }

        /// Runs `fut` inside this span.
        pub(crate) async fn run<F: Future>(&self, fut: F) -> F::Output {
            fut.instrument(self.0.clone()).await
        }

        /// Records how an attempt or call ended.
        pub(crate) fn outcome(&self, status: Option<StatusCode>, error: Option<&Error>) {
            if let Some(status) = status.or_else(|| error.and_then(Error::status)) {
                self.0.record("http.response.status_code", status.as_u16());
            }
            if let Some(e) = error {
                self.0.record("error.type", e.kind().as_str());
                if let Some(id) = e.trace_id() {
                    self.0.record("api.trace_id", tracing::field::display(LogSafe::new(id)));
                }
            }
        }

        /// Records how many attempts the call made.
        pub(crate) fn attempts(&self, attempts: u32) {
            self.0.record("attempts", attempts);
        }
    }

    pub(crate) fn rate_limited(span: &Span, waited: Duration) {
        span.0.record("wait.rate_limit_ms", ms(waited));
        tracing::event!(target: TARGET, tracing::Level::DEBUG, wait.rate_limit_ms = ms(waited), "waited for the rate limiter");
    }

    pub(crate) fn slot_wait(span: &Span, waited: Duration) {
        span.0.record("wait.project_slot_ms", ms(waited));
        tracing::event!(target: TARGET, tracing::Level::DEBUG, wait.project_slot_ms = ms(waited), "waited for a project slot");
    }

    pub(crate) fn retry(
        attempt: u32,
        error: &Error,
        delay: Duration,
        retry_after: Option<Duration>,
    ) {
        tracing::info!(
            target: TARGET,
            attempt,
            error.type = error.kind().as_str(),
            http.response.status_code = error.status().map(|s| s.as_u16()),
            api.trace_id = error.trace_id().map(|id| tracing::field::display(LogSafe::new(id))),
            retry.delay_ms = ms(delay),
            retry.retry_after_ms = retry_after.map(ms),
            "retrying"
        );
    }

    pub(crate) fn finished(
        span: &Span,
        status: Option<StatusCode>,
        error: Option<&Error>,
        attempts: u32,
        elapsed: Duration,
    ) {
        let status = status.map(|s| s.as_u16());
        span.0.in_scope(|| match error {
            None => tracing::debug!(
                target: TARGET,
                outcome = "success",
                http.response.status_code = status,
                attempts,
                duration_ms = ms(elapsed),
                "request finished"
            ),
            Some(e) => tracing::warn!(
                target: TARGET,
                outcome = "error",
                error.type = e.kind().as_str(),
                http.response.status_code = status,
                api.trace_id = e.trace_id().map(|id| tracing::field::display(LogSafe::new(id))),
                attempts,
                duration_ms = ms(elapsed),
                "request failed"
            ),
        });
    }
}

#[cfg(feature = "tracing")]
mod orphans_on {
    use super::*;

    const TARGET: &str = "status_hyper";

    pub(crate) fn orphan_adopted(path: &str) {
        tracing::event!(target: TARGET, tracing::Level::INFO, url.path = path, "adopted the running project of a holder that disappeared");
    }

    pub(crate) fn orphan_finished(path: &str, failed: bool, polls: u32, held: Duration) {
        tracing::event!(target: TARGET, tracing::Level::INFO, url.path = path, failed, polls, duration_ms = ms(held), "an adopted project finished");
    }

    pub(crate) fn orphan_poll_failed(path: &str, error: &Error) {
        tracing::event!(target: TARGET, tracing::Level::WARN, url.path = path, error.type = error.kind().as_str(), "polling an adopted project failed; polled again at the next interval");
    }

    pub(crate) fn orphan_scan_failed(error: &Error) {
        tracing::event!(target: TARGET, tracing::Level::WARN, error.type = error.kind().as_str(), "looking for orphaned projects failed; looked for again at the next scan");
    }
}

#[cfg(not(feature = "tracing"))]
mod orphans_off {
    use super::*;

    pub(crate) fn orphan_adopted(_: &str) {}

    pub(crate) fn orphan_finished(_: &str, _: bool, _: u32, _: Duration) {}

    pub(crate) fn orphan_poll_failed(_: &str, _: &Error) {}

    pub(crate) fn orphan_scan_failed(_: &Error) {}
}

#[cfg(not(feature = "tracing"))]
pub(crate) use orphans_off::*;
#[cfg(feature = "tracing")]
pub(crate) use orphans_on::*;

#[cfg(not(feature = "tracing"))]
mod off {
    use super::*;

    #[derive(Clone)]
    pub(crate) struct Span;

    impl Span {
        pub(crate) fn call(_: &Method, _: impl FnOnce() -> Uri) -> Self {
            Self
        }

        pub(crate) fn attempt(&self, _: u32) -> Self {
            Self
        }

        pub(crate) async fn run<F: Future>(&self, fut: F) -> F::Output {
            fut.await
        }

        pub(crate) fn outcome(&self, _: Option<StatusCode>, _: Option<&Error>) {}

        pub(crate) fn attempts(&self, _: u32) {}
    }

    pub(crate) fn rate_limited(_: &Span, _: Duration) {}

    pub(crate) fn slot_wait(_: &Span, _: Duration) {}

    pub(crate) fn retry(_: u32, _: &Error, _: Duration, _: Option<Duration>) {}

    pub(crate) fn finished(
        _: &Span,
        _: Option<StatusCode>,
        _: Option<&Error>,
        _: u32,
        _: Duration,
    ) {
    }
}

#[cfg(not(feature = "tracing"))]
pub(crate) use off::*;
#[cfg(feature = "tracing")]
pub(crate) use on::*;
