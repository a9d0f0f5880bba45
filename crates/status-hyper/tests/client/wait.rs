//! Waiting for tasks, and the running-projects limit, on tokio's paused clock.

use core::time::Duration;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use http::Method;
use status_hyper::api::{
    ClipRequest, ClipResults, Progress, ProjectLimitWait, TaskKind, TaskStatus,
};
use status_hyper::mock::MockServer;
use status_hyper::{ApiRequest, ErrorKind, Event, ProjectSlots};
use tokio::time::Instant;

use crate::common::{builder, paused, PROTOCOLS};

const POLL: Duration = Duration::from_secs(30);

fn polls(server: &MockServer) -> Vec<Instant> {
    server.requests().into_iter().filter(|r| r.method == Method::GET).map(|r| r.at).collect()
}

#[tokio::test(start_paused = true)]
async fn progress_arrives_in_order_at_the_documented_interval() {
    for http2 in PROTOCOLS {
        let server = MockServer::builder().polls_to_finish(4).clips(4, 2).start().await.unwrap();
        let client = paused(builder(&server, http2)).build_http().unwrap();
        let start = Instant::now();
        let task = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap();
        let reports: Vec<_> = client.wait(task).into_stream().collect().await;
        let reports: Vec<Progress<ClipResults>> = reports.into_iter().map(Result::unwrap).collect();
        let idx = |p: &Progress<ClipResults>| match p {
            Progress::Clips(c) => c.iter().map(|c| c.idx).collect::<Vec<_>>(),
            _ => vec![],
        };
        assert!(matches!(&reports[0], Progress::Status(TaskStatus::Created)));
        assert!(matches!(&reports[1], Progress::Status(TaskStatus::Queued)));
        assert!(matches!(&reports[2], Progress::Status(TaskStatus::Ongoing)));
        assert_eq!(idx(&reports[3]), [0, 1]);
        assert_eq!(idx(&reports[4]), [2, 3]);
        assert!(matches!(&reports[5], Progress::Status(TaskStatus::Succeeded)));
        let Progress::Succeeded(results) = &reports[6] else { panic!("{:?}", reports[6]) };
        assert_eq!((results.clips.len(), results.expire_at), (4, Some(1_775_751_200_314)));
        assert_eq!(reports.len(), 7);
        // One submission and four polls, 30 s apart: no tight loop.
        assert_eq!(server.request_count(), 5);
        let at: Vec<_> = polls(&server).iter().map(|t| *t - start).collect();
        assert_eq!(at, [POLL, 2 * POLL, 3 * POLL, 4 * POLL]);
        assert_eq!(client.project_slots().running(), 0, "the slot is freed at the end");
    }
}

#[tokio::test(start_paused = true)]
async fn the_interval_is_configurable_and_polls_go_through_the_rate_limiter() {
    let server = MockServer::builder().polls_to_finish(40).start().await.unwrap();
    let client =
        paused(builder(&server, false)).poll_interval(Duration::ZERO).build_http().unwrap();
    let start = Instant::now();
    let task = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap();
    client.wait(task).run(|_| {}).await.unwrap();
    assert_eq!(server.request_count(), 41);
    assert_eq!(server.limit_rejections(), 0);
    // 41 requests at 15 a minute: the last is admitted two minutes in.
    assert_eq!(*polls(&server).last().unwrap() - start, Duration::from_secs(120));
}

#[tokio::test(start_paused = true)]
async fn the_deadline_ends_the_wait_without_a_late_poll() {
    let server = MockServer::builder().polls_to_finish(100).start().await.unwrap();
    let client = paused(builder(&server, true)).build_http().unwrap();
    let start = Instant::now();
    let task = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap();
    let err = client.wait(task).timeout(Duration::from_secs(100)).run(|_| {}).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Deadline);
    // Polls at 30, 60 and 90 s; the one at 120 s would be past the deadline: not waited for.
    assert_eq!(Instant::now() - start, 3 * POLL);
    assert_eq!(polls(&server).len(), 3);
    assert_eq!(client.project_slots().running(), 0, "the dropped task freed its slot");
}

#[tokio::test(start_paused = true)]
async fn a_failed_task_is_a_typed_error_with_its_message() {
    let server = MockServer::builder().polls_to_finish(2).start().await.unwrap();
    let client = paused(builder(&server, false)).build_http().unwrap();
    let task = client.submit_clips(&ClipRequest::new("https://v.example/fail.mp4")).await.unwrap();
    let id = task.id().to_owned();
    let mut statuses = Vec::new();
    let err = client
        .wait(task)
        .run(|p| {
            if let Progress::Status(s) = p {
                statuses.push(s.clone());
            }
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TaskFailed);
    assert_eq!(
        (err.task_id(), err.message()),
        (Some(id.as_str()), Some("the video could not be processed"))
    );
    assert_eq!(err.to_string(), format!("task {id} failed: the video could not be processed"));
    assert_eq!(statuses, [TaskStatus::Created, TaskStatus::Ongoing, TaskStatus::Failed]);
    assert_eq!(client.project_slots().running(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_failure_message_cannot_forge_log_lines() {
    let server = MockServer::start().await.unwrap();
    server.push(status_hyper::mock::MockReply::success(r#"{"id": "p", "status": "CREATED"}"#));
    server.push(status_hyper::mock::MockReply::success(
        r#"{"id": "p", "status": "FAILED", "error_message": "bad\n2026 INFO ok\u001b[2J"}"#,
    ));
    let client = paused(builder(&server, false)).build_http().unwrap();
    let task = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap();
    let err = client.wait(task).run(|_| {}).await.unwrap_err();
    let shown = err.to_string();
    assert!(!shown.contains('\n') && !shown.contains('\u{1b}'), "{shown}");
    assert_eq!(err.message(), Some("bad\n2026 INFO ok\u{1b}[2J"));
}

#[tokio::test(start_paused = true)]
async fn an_adopted_task_is_polled_at_once_and_holds_a_slot() {
    let server = MockServer::builder().polls_to_finish(2).start().await.unwrap();
    let other = paused(builder(&server, false)).project_slots(ProjectSlots::api()).build_http();
    let (_, mut theirs) =
        other.unwrap().submit(&ApiRequest::post("/api/v2/clips", "{}")).await.unwrap();
    let id = theirs.id().unwrap().to_owned();
    theirs.finish(); // that process is gone; the project runs on

    let client = paused(builder(&server, false)).build_http().unwrap();
    let start = Instant::now();
    let task = client.adopt::<ClipResults>(TaskKind::Clips, id).await.unwrap();
    assert_eq!(client.project_slots().running(), 1);
    let handle = client.project_slots().adopt("prj_elsewhere").await.unwrap();
    assert_eq!((handle.id(), client.project_slots().running()), (Some("prj_elsewhere"), 2));
    drop(handle);
    let results = client.wait(task).run(|_| {}).await.unwrap();
    assert_eq!(results.status, TaskStatus::Succeeded);
    let at: Vec<_> = polls(&server).iter().map(|t| *t - start).collect();
    assert_eq!(at, [Duration::ZERO, POLL]);
    assert_eq!(client.project_slots().running(), 0);
}

/// Two projects run on the server, submitted by another process; the client knows one.
async fn full_server(
    wait: ProjectLimitWait,
) -> (MockServer, status_hyper::Client, String, Arc<Mutex<Vec<(u32, Duration)>>>) {
    let server = MockServer::builder().rate_limit(None).project_limit(2).polls_to_finish(2);
    let server = server.start().await.unwrap();
    let other = paused(builder(&server, false)).project_slots(ProjectSlots::api()).build_http();
    let other = other.unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (_, mut p) = other.submit(&ApiRequest::post("/api/v2/clips", "{}")).await.unwrap();
        ids.push(p.id().unwrap().to_owned());
        p.finish();
    }
    let waits: Arc<Mutex<Vec<(u32, Duration)>>> = Arc::default();
    let seen = Arc::clone(&waits);
    let client = paused(builder(&server, false))
        .on_project_limit(wait)
        .observer(move |e| {
            if let Event::ProjectLimit { refusals, waited, .. } = e {
                seen.lock().unwrap().push((*refusals, *waited));
            }
        })
        .build_http()
        .unwrap();
    (server, client, ids.remove(0), waits)
}

fn submissions(server: &MockServer) -> usize {
    server.requests().iter().filter(|r| r.method == Method::POST).count()
}

#[tokio::test(start_paused = true)]
async fn the_project_limit_waits_for_a_known_project_instead_of_retrying() {
    let (server, client, known, waits) = full_server(ProjectLimitWait::ForSlot).await;
    let adopted = client.adopt::<ClipResults>(TaskKind::Clips, known).await.unwrap();
    let waiter = client.clone();
    let start = Instant::now();
    let finishing = tokio::spawn(async move { waiter.wait(adopted).run(|_| {}).await });
    let task = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap();
    // Refused at 0 s; resubmitted when the adopted project was seen finished at 30 s.
    assert_eq!(Instant::now() - start, POLL);
    assert_eq!(finishing.await.unwrap().unwrap().status, TaskStatus::Succeeded);
    assert_eq!(submissions(&server), 2 + 2, "one refused and one accepted, no retries between");
    assert_eq!(server.limit_rejections(), 1);
    assert!(task.is_running());
    assert_eq!(*waits.lock().unwrap(), [(1, POLL)]);
}

#[tokio::test(start_paused = true)]
async fn the_project_limit_wait_polls_a_known_project_that_nobody_waits_on() {
    let (server, client, known, waits) = full_server(ProjectLimitWait::ForSlot).await;
    let adopted = client.adopt::<ClipResults>(TaskKind::Clips, known.clone()).await.unwrap();
    let start = Instant::now();
    // Nobody waits on the adopted task: the refused submission polls it itself, at the
    // interval, until it is seen finished (the mock finishes a task at its second poll).
    let task = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap();
    assert_eq!(Instant::now() - start, 2 * POLL);
    let at: Vec<_> = polls(&server).iter().map(|t| *t - start).collect();
    assert_eq!(at, [POLL, 2 * POLL], "one poll an interval, no tight loop");
    assert!(!adopted.is_running(), "the adopted task's slot was freed by the submission's poll");
    assert!(task.is_running());
    assert_eq!(submissions(&server), 2 + 2, "one refused and one accepted, no retries between");
    assert_eq!(server.limit_rejections(), 1);
    assert_eq!(*waits.lock().unwrap(), [(1, 2 * POLL)]);
}

#[tokio::test(start_paused = true)]
async fn the_project_limit_with_backoff_follows_the_schedule() {
    let (server, client, _, waits) = full_server(ProjectLimitWait::Backoff).await;
    let start = Instant::now();
    let err = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    // Five submissions, 1, 2, 4 and 8 s apart (plus at most 25 % jitter).
    assert_eq!(submissions(&server), 2 + 5);
    let waited = Instant::now() - start;
    assert!(
        waited >= Duration::from_secs(15) && waited <= Duration::from_millis(18_750),
        "{waited:?}"
    );
    let refusals: Vec<u32> = waits.lock().unwrap().iter().map(|w| w.0).collect();
    assert_eq!(refusals, [1, 2, 3, 4]);
}

#[tokio::test(start_paused = true)]
async fn the_project_limit_can_fail_at_once() {
    let (server, client, _, waits) = full_server(ProjectLimitWait::Fail).await;
    let err = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(submissions(&server), 2 + 1);
    assert_eq!(client.project_slots().running(), 0);
    assert!(waits.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn with_no_known_project_the_slot_wait_falls_back_to_backoff() {
    let (server, client, _, _) = full_server(ProjectLimitWait::ForSlot).await;
    let err = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(submissions(&server), 2 + 5);
}
