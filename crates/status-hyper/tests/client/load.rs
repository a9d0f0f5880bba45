//! 10,000 requests with 64 in flight against the loopback mock: none lost, none misclassified.

use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::common::builder;
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiRequest, Client, ErrorKind, RetryPolicy};

const REQUESTS: usize = 10_000;
const IN_FLIGHT: usize = 64;

/// The reply for request `i`: every documented status and a few undocumented ones.
fn reply_for(i: usize) -> MockReply {
    match i % 8 {
        0 => MockReply::success(&format!(r#"{{"i": {i}}}"#)),
        1 => MockReply::message(400, &format!("bad {i}"), &format!("tr-{i}")),
        2 => MockReply::gateway(403, "Forbidden", &format!("/load/{i}")),
        3 => MockReply::gateway(429, "Too Many Requests", &format!("/load/{i}")),
        4 => MockReply::message(500, &format!("fail {i}"), &format!("tr-{i}")),
        5 => MockReply::html(502, format!("<html>502 for {i}</html>")),
        6 => MockReply::success(&format!(r#"{{"i": {i}, "pad": "{}"}}"#, "z".repeat(i % 300)))
            .chunked(3),
        _ => MockReply::empty(204),
    }
}

/// Checks that the client classified request `i` as its reply says.
fn check(i: usize, result: Result<status_hyper::SuccessResponse, status_hyper::Error>) {
    match (i % 8, result) {
        (0, Ok(r)) => assert_eq!(r.data().unwrap().get(), format!(r#"{{"i": {i}}}"#)),
        (6, Ok(r)) => assert!(r.data().unwrap().get().starts_with(&format!(r#"{{"i": {i},"#))),
        (7, Ok(r)) => assert!(r.data().is_none() && r.status() == 204),
        (1 | 4, Err(e)) => {
            assert_eq!(e.kind(), ErrorKind::Api);
            assert_eq!(e.trace_id(), Some(format!("tr-{i}").as_str()), "{i}");
            assert_eq!(e.status().unwrap().as_u16(), if i % 8 == 1 { 400 } else { 500 });
        }
        (2 | 3, Err(e)) => {
            assert_eq!(e.path(), Some(format!("/load/{i}").as_str()), "{i}");
            assert_eq!(e.status().unwrap().as_u16(), if i % 8 == 2 { 403 } else { 429 });
        }
        (5, Err(e)) => {
            assert_eq!(e.status().unwrap().as_u16(), 502);
            assert_eq!(e.raw_body().unwrap(), format!("<html>502 for {i}</html>").as_bytes());
        }
        (_, other) => panic!("request {i} misclassified: {other:?}"),
    }
}

async fn run(http2: bool) {
    let server = MockServer::builder()
        .rate_limit(None)
        .handler(|req| {
            let i = req.path.strip_prefix("/load/")?.parse().ok()?;
            Some(reply_for(i))
        })
        .start()
        .await
        .unwrap();
    let client: Client = builder(&server, http2)
        .rate_limiter(None)
        .retry(RetryPolicy::never())
        .build_http()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (client, next, done) = (client.clone(), Arc::clone(&next), Arc::clone(&done));
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= REQUESTS {
                        break;
                    }
                    check(i, client.send(&ApiRequest::get(format!("/load/{i}"))).await);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(done.load(Ordering::Relaxed), REQUESTS);
    assert_eq!(server.request_count(), REQUESTS);
    let mut seen: Vec<usize> = server
        .requests()
        .iter()
        .map(|r| r.path.strip_prefix("/load/").unwrap().parse().unwrap())
        .collect();
    seen.sort_unstable();
    assert!(seen.iter().copied().eq(0..REQUESTS), "each request arrived exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_over_http1() {
    run(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_requests_over_http2() {
    run(true).await;
}
