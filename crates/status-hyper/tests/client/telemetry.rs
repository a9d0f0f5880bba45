//! What the client tells the outside: `tracing` spans and events (feature `tracing`), and
//! the observer's `Finished` event, on tokio's paused clock.

use core::time::Duration;
use std::sync::{Arc, Mutex};

use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiRequest, ErrorKind, Event, ProjectSlots, RateLimiter, RetryPolicy};
use tokio::time::Instant;

use crate::common::{builder, paused, KEY};

/// One `Finished` event, owned.
#[derive(Debug, Clone, PartialEq)]
struct Finished {
    path: String,
    outcome: Result<(), ErrorKind>,
    status: Option<u16>,
    attempts: u32,
    elapsed: Duration,
}

fn finished_events(
    b: status_hyper::ClientBuilder,
) -> (status_hyper::ClientBuilder, Arc<Mutex<Vec<Finished>>>) {
    let seen: Arc<Mutex<Vec<Finished>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let b = b.observer(move |e| {
        if let Event::Finished { path, outcome, status, attempts, elapsed, .. } = e {
            sink.lock().unwrap().push(Finished {
                path: path.to_string(),
                outcome: *outcome,
                status: status.map(|s| s.as_u16()),
                attempts: *attempts,
                elapsed: *elapsed,
            });
        }
    });
    (b, seen)
}

#[tokio::test(start_paused = true)]
async fn every_call_ends_with_one_finished_event() {
    let server = MockServer::start().await.unwrap();
    server.push_all([
        MockReply::message(503, "busy", "tr-1").retry_after_secs(3),
        MockReply::success("1"),
        MockReply::message(400, "bad", "tr-2"),
    ]);
    let (b, seen) = finished_events(paused(builder(&server, false)).rate_limiter(None));
    let client = b.build_http().unwrap();
    let started = Instant::now();
    let ok = client.send(&ApiRequest::get("/a")).await.unwrap();
    let first = seen.lock().unwrap()[0].clone();
    assert_eq!(
        (first.path.as_str(), first.outcome, first.status, first.attempts),
        ("/a", Ok(()), Some(200), 2)
    );
    // On the paused clock only the retry's wait takes time, so the total is exactly it.
    assert_eq!(first.elapsed, ok.waited());
    assert_eq!(first.elapsed, started.elapsed());
    assert!(first.elapsed >= Duration::from_secs(3));

    client.send(&ApiRequest::get("/b")).await.unwrap_err();
    let second = seen.lock().unwrap()[1].clone();
    assert_eq!(
        (second.outcome, second.status, second.attempts, second.elapsed),
        (Err(ErrorKind::Api), Some(400), 1, Duration::ZERO)
    );

    // A submission that never gets a project slot before the deadline: no attempt at all.
    let (b, seen) =
        finished_events(paused(builder(&server, false)).project_slots(ProjectSlots::new(1)));
    let client = b.deadline(Some(Duration::from_secs(5))).build_http().unwrap();
    let submit = ApiRequest::post("/api/v2/clips", "{}");
    let (_, _held) = client.submit(&submit).await.unwrap();
    let e = client.submit(&submit).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Deadline);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[0].outcome, seen[0].attempts), (Ok(()), 1));
    assert_eq!(
        (seen[1].outcome, seen[1].status, seen[1].attempts),
        (Err(ErrorKind::Deadline), None, 0)
    );
}

#[cfg(feature = "tracing")]
mod spans {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::OnceLock;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event as TracingEvent, Subscriber};
    use tracing_subscriber::layer::{Context, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;
    use tracing_subscriber::Layer;

    type Fields = BTreeMap<String, String>;
    /// A span: its id, name, parent's id and fields.
    type SpanRecord = (u64, &'static str, Option<u64>, Fields);
    /// An event: the name and id of its span, and its fields.
    type EventRecord = (Option<&'static str>, Option<u64>, Fields);

    /// Everything a subscriber was told: spans with their fields as finally recorded, and
    /// events with the name of the span they happened in.
    #[derive(Clone, Default)]
    struct Capture {
        spans: Arc<Mutex<Vec<SpanRecord>>>,
        events: Arc<Mutex<Vec<EventRecord>>>,
    }

    struct Visitor<'a>(&'a mut Fields);

    impl Visit for Visitor<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn core::fmt::Debug) {
            self.0.insert(field.name().to_owned(), format!("{value:?}"));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.insert(field.name().to_owned(), value.to_owned());
        }
    }

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            let mut fields = Fields::new();
            attrs.record(&mut Visitor(&mut fields));
            let parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.id().into_u64());
            let name = attrs.metadata().name();
            self.spans.lock().unwrap().push((id.into_u64(), name, parent, fields));
        }

        fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
            let mut spans = self.spans.lock().unwrap();
            if let Some(span) = spans.iter_mut().find(|s| s.0 == id.into_u64()) {
                values.record(&mut Visitor(&mut span.3));
            }
        }

        fn on_event(&self, event: &TracingEvent<'_>, ctx: Context<'_, S>) {
            let mut fields = Fields::new();
            event.record(&mut Visitor(&mut fields));
            let span = ctx.event_span(event);
            let in_span = span.as_ref().map(|s| s.name());
            let id = span.map(|s| s.id().into_u64());
            self.events.lock().unwrap().push((in_span, id, fields));
        }
    }

    impl Capture {
        /// Makes this the thread's subscriber until the guard drops.
        ///
        /// tracing caches, per callsite and for the whole process, whether any subscriber
        /// wants it. While only one dispatcher exists it asks the thread that reaches the
        /// callsite first, so a sibling test's thread, which has none, could mark a callsite
        /// this test waits for as wanted by nobody. A second dispatcher that wants everything,
        /// alive for the whole run, makes every callsite be asked of all live subscribers.
        fn install(&self) -> tracing::subscriber::DefaultGuard {
            static ANCHOR: OnceLock<tracing::Dispatch> = OnceLock::new();
            ANCHOR.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
            tracing::subscriber::set_default(tracing_subscriber::registry().with(self.clone()))
        }

        fn spans(&self, name: &str) -> Vec<(u64, Option<u64>, Fields)> {
            let spans = self.spans.lock().unwrap();
            spans.iter().filter(|s| s.1 == name).map(|s| (s.0, s.2, s.3.clone())).collect()
        }

        fn events(&self, message: &str) -> Vec<EventRecord> {
            let events = self.events.lock().unwrap();
            events
                .iter()
                .filter(|e| e.2.get("message").is_some_and(|m| m == message))
                .cloned()
                .collect()
        }

        fn everything(&self) -> String {
            format!("{:?} {:?}", self.spans.lock().unwrap(), self.events.lock().unwrap())
        }
    }

    fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
        fields.get(name).map(String::as_str)
    }

    /// A hostile trace id: the span field must not carry its line break or escape.
    const FORGED: &str = "tr-503\r\n\u{1b}[31mforged";

    /// A call whose first attempt is refused with a 503, a Retry-After of 2 s and [`FORGED`],
    /// and whose retry also waits for a rate limiter of one request per 10 s.
    async fn retried_call() -> (MockServer, status_hyper::SuccessResponse) {
        let server = MockServer::start().await.unwrap();
        server.push_all([
            MockReply::message(503, "busy", FORGED).retry_after_secs(2),
            MockReply::success(r#"{"id": "proj_abc123", "note": "body-marker-7q"}"#),
        ]);
        let client = paused(builder(&server, false))
            .rate_limiter(Some(RateLimiter::new(1, Duration::from_secs(10))))
            .build_http()
            .unwrap();
        let path = "/api/v2/clips/results/proj_abc123?full=1";
        let response = client.send(&ApiRequest::get(path)).await.unwrap();
        (server, response)
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_and_its_attempts_are_spans_with_otel_fields() {
        let capture = Capture::default();
        let _guard = capture.install();
        // Another thread, without a subscriber, reaches every callsite first, as a test
        // running beside this one may: the capture must still see them all.
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap();
            runtime.block_on(retried_call())
        })
        .join()
        .unwrap();
        let (server, response) = retried_call().await;
        assert_eq!(response.attempts(), 2);

        let calls = capture.spans("request");
        assert_eq!(calls.len(), 1);
        let (call_id, _, call) = &calls[0];
        assert_eq!(field(call, "http.request.method"), Some("GET"));
        assert_eq!(field(call, "url.path"), Some("/api/v2/clips/results/proj_abc123"));
        assert_eq!(field(call, "server.address"), Some("127.0.0.1"));
        assert_eq!(field(call, "server.port"), Some(server.addr().port().to_string().as_str()));
        assert_eq!(field(call, "http.response.status_code"), Some("200"));
        assert_eq!(field(call, "attempts"), Some("2"));
        assert_eq!(field(call, "error.type"), None);

        let attempts = capture.spans("attempt");
        assert_eq!(attempts.len(), 2);
        assert!(attempts.iter().all(|(_, parent, _)| parent == &Some(*call_id)));
        let (first_id, _, first) = &attempts[0];
        assert_eq!(field(first, "attempt"), Some("1"));
        assert_eq!(field(first, "http.request.resend_count"), None);
        assert_eq!(field(first, "http.response.status_code"), Some("503"));
        assert_eq!(field(first, "error.type"), Some("Api"));
        assert_eq!(field(first, "api.trace_id"), Some(r"tr-503\r\n\u{1b}[31mforged"));
        let (second_id, _, second) = &attempts[1];
        assert_eq!(field(second, "attempt"), Some("2"));
        assert_eq!(field(second, "http.request.resend_count"), Some("1"));
        assert_eq!(field(second, "http.response.status_code"), Some("200"));
        assert_eq!(field(second, "error.type"), None);

        // The retry: its delay is at least the Retry-After; then the rate limiter held the
        // second attempt until 10 s after the first reply.
        let retries = capture.events("retrying");
        assert_eq!(retries.len(), 1);
        let (in_span, id, retry) = &retries[0];
        assert_eq!((*in_span, *id), (Some("request"), Some(*call_id)));
        assert_eq!(field(retry, "attempt"), Some("1"));
        assert_eq!(field(retry, "error.type"), Some("Api"));
        assert_eq!(field(retry, "http.response.status_code"), Some("503"));
        assert_eq!(field(retry, "retry.retry_after_ms"), Some("2000"));
        assert_eq!(field(retry, "api.trace_id"), Some(r"tr-503\r\n\u{1b}[31mforged"));
        let delay: u64 = field(retry, "retry.delay_ms").unwrap().parse().unwrap();
        assert!((2000..=2500).contains(&delay), "{delay}");
        let waits = capture.events("waited for the rate limiter");
        assert_eq!(waits.len(), 1);
        assert_eq!(waits[0].1, Some(*second_id));
        let waited: u64 = field(&waits[0].2, "wait.rate_limit_ms").unwrap().parse().unwrap();
        // Both in whole milliseconds, rounded down.
        assert!((9_999..=10_000).contains(&(waited + delay)), "{waited} + {delay}");
        assert_eq!(field(second, "wait.rate_limit_ms"), Some(waited.to_string().as_str()));
        assert_ne!(first_id, second_id);

        let done = capture.events("request finished");
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].1, Some(*call_id));
        assert_eq!(field(&done[0].2, "outcome"), Some("success"));
        assert_eq!(field(&done[0].2, "duration_ms"), Some("10000"));

        // Never the key, a header or a body.
        let all = capture.everything();
        assert!(!all.contains(KEY) && !all.contains("Bearer") && !all.contains("a1b2c3"), "{all}");
        assert!(!all.contains("body-marker-7q") && !all.contains("busy"), "{all}");
        assert!(!all.contains('\u{1b}') && !all.contains('\r'));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_and_project_slot_waits_are_recorded() {
        let capture = Capture::default();
        let _guard = capture.install();
        let server = MockServer::builder().polls_to_finish(1).start().await.unwrap();
        let client = paused(builder(&server, false))
            .rate_limiter(None)
            .project_slots(ProjectSlots::new(1))
            .retry(RetryPolicy::never())
            .build_http()
            .unwrap();
        let submit = ApiRequest::post("/api/v2/clips", "{}");
        let (_, held) = client.submit(&submit).await.unwrap();
        let freeing = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(7)).await;
            drop(held);
        });
        client.submit(&submit).await.unwrap();
        freeing.await.unwrap();

        let calls = capture.spans("request");
        assert_eq!(calls.len(), 2);
        assert_eq!(field(&calls[0].2, "wait.project_slot_ms"), None);
        assert_eq!(field(&calls[1].2, "wait.project_slot_ms"), Some("7000"));
        assert_eq!(field(&calls[1].2, "http.request.method"), Some("POST"));
        let waits = capture.events("waited for a project slot");
        assert_eq!(waits.len(), 1);
        assert_eq!(waits[0].1, Some(calls[1].0));

        server.push(MockReply::message(400, "bad", "tr-400"));
        let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Api);
        let calls = capture.spans("request");
        let failed = &calls[2].2;
        assert_eq!(field(failed, "error.type"), Some("Api"));
        assert_eq!(field(failed, "http.response.status_code"), Some("400"));
        assert_eq!(field(failed, "api.trace_id"), Some("tr-400"));
        let failures = capture.events("request failed");
        assert_eq!(failures.len(), 1);
        assert_eq!(field(&failures[0].2, "error.type"), Some("Api"));
        assert_eq!(field(&failures[0].2, "attempts"), Some("1"));
        assert!(!capture.everything().contains(KEY));
    }
}
