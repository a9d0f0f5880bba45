//! The retry schedule and `Retry-After`, on tokio's paused clock: every wait is checked to the
//! nanosecond without the test taking that long.

use core::time::Duration;
use std::time::SystemTime;

use crate::common::{builder, paused, Recorder, Seen, PROTOCOLS};
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiKey, ApiRequest, Client, ErrorKind, RetryPolicy};
use tokio::time::Instant;

const S: fn(u64) -> Duration = Duration::from_secs;

fn gaps(times: &[Instant]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

fn retries(events: &[Seen]) -> Vec<(Duration, Option<Duration>, Duration)> {
    events
        .iter()
        .filter_map(|e| match e {
            Seen::Retry { scheduled, retry_after, delay, .. } => {
                Some((*scheduled, *retry_after, *delay))
            }
            _ => None,
        })
        .collect()
}

fn unavailable() -> MockReply {
    MockReply::message(503, "temporarily unavailable", "tr-503")
}

#[tokio::test(start_paused = true)]
async fn the_schedule_doubles_from_one_second_and_jitter_only_adds() {
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        server.push_all([unavailable(), unavailable(), unavailable(), MockReply::success("1")]);
        let recorder = Recorder::default();
        let client = recorder.attach(paused(builder(&server, http2))).build_http().unwrap();
        let response = client.send(&ApiRequest::get("/api/v2/clips/results/p")).await.unwrap();
        assert_eq!(response.attempts(), 4);

        let gaps = gaps(&recorder.attempts());
        let retries = retries(&recorder.take());
        assert_eq!(gaps.len(), 3);
        for (i, (gap, (scheduled, retry_after, delay))) in gaps.iter().zip(&retries).enumerate() {
            assert_eq!(scheduled, &S(1 << i));
            assert_eq!(retry_after, &None);
            // Exactly the reported wait, up to tokio's 1 ms timer resolution.
            assert!(gap >= delay && *gap - *delay <= Duration::from_millis(1), "{gap:?}");
            assert!(*delay >= *scheduled && *delay <= scheduled.mul_f64(1.25), "{delay:?}");
        }
        assert_eq!(response.waited(), gaps.iter().sum::<Duration>());
    }
}

#[tokio::test(start_paused = true)]
async fn attempts_stop_at_the_maximum() {
    let server = MockServer::start().await.unwrap();
    server.push_all(core::iter::repeat_with(unavailable).take(10));
    let recorder = Recorder::default();
    let policy = RetryPolicy::new().with_jitter_percent(0).with_max_attempts(5);
    let client =
        recorder.attach(paused(builder(&server, false))).retry(policy).build_http().unwrap();
    let start = Instant::now();
    let err = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    assert_eq!((err.attempts(), err.trace_id()), (5, Some("tr-503")));
    assert_eq!(gaps(&recorder.attempts()), [S(1), S(2), S(4), S(8)]);
    assert_eq!(start.elapsed(), S(15));
    assert_eq!(server.request_count(), 5);
}

#[tokio::test(start_paused = true)]
async fn retry_after_in_seconds_is_a_floor() {
    let server = MockServer::start().await.unwrap();
    let throttled = || MockReply::gateway(429, "Too Many Requests", "/api/v2/clips");
    server.push_all([
        throttled().retry_after_secs(7),
        throttled().retry_after_secs(1), // shorter than the schedule's 2 s
        MockReply::success(r#"{"project_id": "prj1", "status": "CREATED"}"#),
    ]);
    let recorder = Recorder::default();
    let policy = RetryPolicy::new().with_jitter_percent(0);
    let client =
        recorder.attach(paused(builder(&server, false))).retry(policy).build_http().unwrap();
    // A POST: a 429 means the request was refused, so it is safe to send again.
    let (response, project) =
        client.submit(&ApiRequest::post("/api/v2/clips", "{}")).await.unwrap();
    assert_eq!((response.attempts(), project.id()), (3, Some("prj1")));
    assert_eq!(gaps(&recorder.attempts()), [S(7), S(2)]);
    assert_eq!(retries(&recorder.take()), [(S(1), Some(S(7)), S(7)), (S(2), Some(S(1)), S(2))]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_as_an_http_date_counts_from_the_replys_date() {
    let server = MockServer::start().await.unwrap();
    // The server's clock says 2026; the wait is 5 s whatever the local clock says.
    let date = httpdate::parse_http_date("Tue, 10 Mar 2026 15:52:01 GMT").unwrap();
    server.push_all([unavailable().retry_after_date(date, S(5)), MockReply::success("1")]);
    let recorder = Recorder::default();
    let policy = RetryPolicy::new().with_jitter_percent(0);
    let client =
        recorder.attach(paused(builder(&server, true))).retry(policy).build_http().unwrap();
    client.send(&ApiRequest::get("/x")).await.unwrap();
    assert_eq!(gaps(&recorder.attempts()), [S(5)]);

    // Without a Date header, the local clock is the reference.
    server.push_all([
        unavailable().header(
            http::header::RETRY_AFTER,
            httpdate::fmt_http_date(SystemTime::now() + S(3600)).parse().unwrap(),
        ),
        MockReply::success("1"),
    ]);
    let err = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    // An hour is more than the 60 s cap: returned to the caller rather than retried early.
    assert!(err.retry_after().unwrap() > S(3590));
    assert_eq!(err.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_cap_is_returned_at_once() {
    let server = MockServer::start().await.unwrap();
    server.push(MockReply::gateway(429, "Too Many Requests", "/x").retry_after_secs(120));
    let client = paused(builder(&server, false)).build_http().unwrap();
    let start = Instant::now();
    let err = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    assert_eq!((err.attempts(), err.retry_after()), (1, Some(S(120))));
    assert_eq!(start.elapsed(), Duration::ZERO);

    let longer = RetryPolicy::new().with_max_retry_after(S(180)).with_jitter_percent(0);
    let client = paused(builder(&server, false)).retry(longer).build_http().unwrap();
    server.push(MockReply::gateway(429, "Too Many Requests", "/x").retry_after_secs(120));
    server.push(MockReply::success("1"));
    let start = Instant::now();
    assert_eq!(client.send(&ApiRequest::get("/x")).await.unwrap().attempts(), 2);
    assert_eq!(start.elapsed(), S(120));
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_never_retried() {
    let server = MockServer::start().await.unwrap();
    let client = paused(builder(&server, false)).build_http().unwrap();
    let replies = [
        MockReply::message(400, "bad input", "tr-400"),
        MockReply::empty(401),
        MockReply::gateway(403, "Forbidden", "/x"),
    ];
    for reply in replies {
        let status = reply.status();
        server.push(reply);
        server.push(MockReply::success("1"));
        let err = client.send(&ApiRequest::get("/x").mark_idempotent()).await.unwrap_err();
        assert_eq!((err.status(), err.attempts()), (Some(status), 1));
        server.push(MockReply::success("2"));
        // The queued success is still there: nothing was resent.
        let ok = client.send(&ApiRequest::get("/x")).await.unwrap();
        assert_eq!(ok.data().unwrap().get(), "1");
        assert_eq!(server.pending_script(), 1);
        client.send(&ApiRequest::get("/x")).await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn a_post_is_retried_only_when_safe() {
    let server = MockServer::start().await.unwrap();
    let client = paused(builder(&server, false)).build_http().unwrap();
    let post = ApiRequest::post("/api/v2/clips/export", r#"{"project_id": "prj1"}"#);

    server.push_all([unavailable(), MockReply::success("1")]);
    let err = client.send(&post).await.unwrap_err();
    assert_eq!((err.status().unwrap().as_u16(), err.attempts()), (503, 1));
    assert_eq!(server.pending_script(), 1);
    client.send(&ApiRequest::get("/drain")).await.unwrap();

    server.push_all([unavailable(), MockReply::empty(502), MockReply::success("1")]);
    let response = client.send(&post.clone().mark_idempotent()).await.unwrap();
    assert_eq!(response.attempts(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_is_retried_even_for_a_post() {
    // A port that was just free: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let base = format!("http://{addr}").parse().unwrap();
    let recorder = Recorder::default();
    let policy = RetryPolicy::new().with_max_attempts(3).with_jitter_percent(0);
    let client = recorder
        .attach(paused(Client::builder(base, ApiKey::new(crate::common::KEY).unwrap())))
        .retry(policy)
        .build_http()
        .unwrap();
    let err = client.send(&ApiRequest::post("/api/v2/clips", "{}")).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Connect, 3));
    assert!(err.is_connect() && err.is_retryable());
    assert_eq!(gaps(&recorder.attempts()), [S(1), S(2)]);
}

/// A connector that never connects: any `tower_service::Service<Uri>` plugs into the client.
#[derive(Clone)]
struct Unreachable;

impl tower_service::Service<http::Uri> for Unreachable {
    type Response = hyper_util::rt::TokioIo<tokio::net::TcpStream>;
    type Error = std::io::Error;
    type Future = core::future::Pending<Result<Self::Response, Self::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Result<(), Self::Error>> {
        core::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        core::future::pending()
    }
}

#[tokio::test(start_paused = true)]
async fn a_connect_timeout_is_retried_even_for_a_post() {
    let recorder = Recorder::default();
    let base = "https://wayinvideo-api.wayin.ai".parse().unwrap();
    let policy = RetryPolicy::new().with_max_attempts(3).with_jitter_percent(0);
    let client = recorder
        .attach(Client::builder(base, ApiKey::new(crate::common::KEY).unwrap()))
        .connect_timeout(Some(S(10)))
        .attempt_timeout(None)
        .deadline(None)
        .retry(policy)
        .build(Unreachable)
        .unwrap();
    let start = Instant::now();
    let err = client.send(&ApiRequest::post("/api/v2/clips", "{}")).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::ConnectTimeout, 3));
    assert!(err.is_connect() && err.is_timeout() && err.is_retryable());
    // Three 10 s connects with 1 s and 2 s between them.
    assert_eq!(gaps(&recorder.attempts()), [S(11), S(12)]);
    assert_eq!(start.elapsed(), S(33));
}
