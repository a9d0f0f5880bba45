//! The rate limiter, the running-projects limit and the overall deadline.
//!
//! Limit tests run on tokio's paused clock, so minutes of waiting take no real time and every
//! admission instant is exact.

use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;

use crate::common::{builder, max_in_window, paused, Recorder, Seen};
use status_core::Backoff;
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiRequest, ErrorKind, ProjectSlots, RateLimiter, RetryPolicy};
use tokio::time::Instant;

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(start_paused = true)]
async fn sequential_requests_never_trip_the_servers_rate_limit() {
    // The mock enforces the API's 15 a minute and answers 429 beyond it.
    let server = MockServer::builder().handler(|_| Some(MockReply::success("1"))).start();
    let server = server.await.unwrap();
    let recorder = Recorder::default();
    let client = recorder.attach(paused(builder(&server, false))).build_http().unwrap();
    let start = Instant::now();
    for _ in 0..40 {
        let response = client.send(&ApiRequest::get("/api/v2/clips/results/p")).await.unwrap();
        assert_eq!(response.attempts(), 1);
    }
    let admitted = recorder.attempts();
    assert_eq!(admitted.len(), 40);
    assert_eq!(max_in_window(&admitted, MINUTE), 15);
    assert_eq!(admitted[14] - start, Duration::ZERO);
    assert_eq!(admitted[15] - start, MINUTE);
    assert_eq!(admitted[39] - start, 2 * MINUTE);
    assert_eq!(server.limit_rejections(), 0);
}

#[tokio::test(start_paused = true)]
async fn concurrent_clones_share_one_budget() {
    let server = MockServer::builder().rate_limit(None).start().await.unwrap();
    server.push_all(core::iter::repeat_with(|| MockReply::success("1")).take(100));
    let recorder = Recorder::default();
    let client = recorder.attach(paused(builder(&server, true))).build_http().unwrap();
    let tasks: Vec<_> = (0..100u64)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(i * 977)).await;
                client.send(&ApiRequest::get("/x")).await.map(|r| r.attempts())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 1);
    }
    let admitted = recorder.attempts();
    assert_eq!(admitted.len(), 100);
    assert_eq!(max_in_window(&admitted, MINUTE), 15);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uneven_transit_never_trips_the_servers_window() {
    // Real time, with the window scaled down. The server counts a request when it arrives;
    // the first 15 take 80 ms to get there, the rest none. Counted from admission, the 16th
    // would be admitted one window after the 1st and arrive less than a window after it.
    // Counting each request's window from its reply keeps the server's count within the limit.
    let window = Duration::from_millis(300);
    let seen = AtomicUsize::new(0);
    let server = MockServer::builder()
        .rate_limit(Some((15, window)))
        .transit_delay(move |_| {
            let slow = seen.fetch_add(1, Ordering::Relaxed) < 15;
            Duration::from_millis(if slow { 80 } else { 0 })
        })
        .handler(|_| Some(MockReply::success("1")))
        .start()
        .await
        .unwrap();
    let client = builder(&server, false)
        .rate_limiter(Some(RateLimiter::new(15, window)))
        .retry(RetryPolicy::never())
        .build_http()
        .unwrap();
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.send(&ApiRequest::get(format!("/burst/{i}"))).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(server.request_count(), 60);
    assert_eq!(server.limit_rejections(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_separate_client_with_the_same_limiter_shares_it_too() {
    let server = MockServer::builder().handler(|_| Some(MockReply::success("1"))).start();
    let server = server.await.unwrap();
    let limiter = RateLimiter::api();
    let recorder = Recorder::default();
    let a = recorder.attach(paused(builder(&server, false))).rate_limiter(Some(limiter.clone()));
    let b = recorder.attach(paused(builder(&server, true))).rate_limiter(Some(limiter));
    let (a, b) = (a.build_http().unwrap(), b.build_http().unwrap());
    for i in 0..30 {
        let client = if i % 2 == 0 { &a } else { &b };
        client.send(&ApiRequest::get("/x")).await.unwrap();
    }
    assert_eq!(max_in_window(&recorder.attempts(), MINUTE), 15);
    assert_eq!(server.limit_rejections(), 0);
}

#[tokio::test(start_paused = true)]
async fn running_projects_never_exceed_the_limit() {
    // The mock refuses a sixth running project with 429, like the API.
    let server = MockServer::builder().rate_limit(None).polls_to_finish(3).start().await.unwrap();
    let client = paused(builder(&server, false)).build_http().unwrap();
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let submit = ApiRequest::post("/api/v2/clips", format!(r#"{{"n": {i}}}"#));
                let (_, mut project) = client.submit(&submit).await.unwrap();
                assert!(client.project_slots().running() <= ProjectSlots::API_LIMIT);
                let results = format!("/api/v2/clips/results/{}", project.id().unwrap());
                let mut polls = 0;
                while project.is_running() {
                    // The API's advice: poll a running project every 30 s.
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    client.poll(&mut project, &ApiRequest::get(results.as_str())).await.unwrap();
                    polls += 1;
                }
                assert_eq!((project.status(), polls), (Some("SUCCEEDED"), 3));
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(server.limit_rejections(), 0);
    assert_eq!(server.peak_running_projects(), ProjectSlots::API_LIMIT);
    assert_eq!(server.running_projects(), 0);
    assert_eq!(client.project_slots().running(), 0);
}

#[tokio::test(start_paused = true)]
async fn dropping_a_handle_frees_its_slot() {
    // The server would take more: the wait is the client's own limit at work.
    let server = MockServer::builder().rate_limit(None).project_limit(100).start();
    let server = server.await.unwrap();
    let recorder = Recorder::default();
    let client = recorder.attach(paused(builder(&server, false))).build_http().unwrap();
    let submit = ApiRequest::post("/api/v2/clips", "{}");
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(client.submit(&submit).await.unwrap().1);
    }
    assert_eq!(client.project_slots().running(), 5);
    let dropper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(held.remove(0));
        held
    });
    let (response, sixth) = client.submit(&submit).await.unwrap();
    let held = dropper.await.unwrap();
    assert!(sixth.is_running());
    assert_eq!(response.waited(), Duration::from_secs(10));
    assert!(recorder.take().contains(&Seen::SlotWait(Duration::from_secs(10))));
    drop((held, sixth));
    assert_eq!(client.project_slots().running(), 0);
}

#[tokio::test]
async fn the_deadline_counts_rate_limit_waits() {
    let server = MockServer::builder().handler(|_| Some(MockReply::success("1"))).start();
    let server = server.await.unwrap();
    let client = builder(&server, false)
        .rate_limiter(Some(RateLimiter::new(1, MINUTE)))
        .deadline(Some(Duration::from_secs(5)))
        .build_http()
        .unwrap();
    client.send(&ApiRequest::get("/x")).await.unwrap();
    // The next slot is a minute away: the call fails now instead of failing in 5 s.
    let err = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Deadline, 0));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn the_deadline_counts_backoff() {
    let server = MockServer::start().await.unwrap();
    server.push(MockReply::message(503, "busy", "tr-busy"));
    let slow = Backoff { initial: MINUTE, max: MINUTE };
    let client = builder(&server, false)
        .retry(RetryPolicy::new().with_backoff(slow))
        .deadline(Some(Duration::from_secs(5)))
        .build_http()
        .unwrap();
    // A retry a minute from now would end past the deadline: the 503 is returned at once.
    let err = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    assert_eq!((err.kind(), err.trace_id(), err.attempts()), (ErrorKind::Api, Some("tr-busy"), 1));
}

#[tokio::test]
async fn the_deadline_ends_a_slow_attempt() {
    let server = MockServer::start().await.unwrap();
    server.push(MockReply::success("1").delay(Duration::from_secs(30)));
    let client = builder(&server, true)
        .attempt_timeout(None)
        .deadline(Some(Duration::from_millis(300)))
        .build_http()
        .unwrap();
    let err = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Deadline, 1));
    assert!(err.is_timeout() && !err.is_retryable());
}
