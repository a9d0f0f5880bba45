//! The budget on a real `redis-server` that each test starts on a free loopback port (without
//! persistence) and kills at the end. Without `redis-server`, each test prints a notice and
//! passes, unless `CI` is set: then it fails.

mod common;

use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use std::sync::{Arc, Mutex};

use status_hyper::api::ClipRequest;

use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{
    AcquireError, ApiKey, ApiRequest, Client, ErrorKind, Event, Orphan, ProjectStore, RateLimiter,
    RateStore, RetryPolicy, StoreFallback,
};
use status_redis::{BudgetKeys, RedisBudget};
use tokio::time::Instant;

const KEY: &str = "sk-test-secret-key";

fn budget(url: &str, limit: usize, window_ms: u64) -> RedisBudget {
    RedisBudget::builder(url, KEY)
        .rate(limit, Duration::from_millis(window_ms))
        .lease(Duration::from_millis(400))
        .tick(Duration::from_millis(50))
        .rebuild_grace(Duration::from_millis(200))
        .build()
        .unwrap()
}

fn client(server: &MockServer, limiter: RateLimiter) -> status_hyper::ClientBuilder {
    Client::builder(server.uri(), ApiKey::new(KEY).unwrap())
        .rate_limiter(Some(limiter))
        .retry(RetryPolicy::never())
}

/// The most arrivals the server saw in any window starting at an arrival.
fn max_in_window(server: &MockServer, window: Duration) -> usize {
    let mut at: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    at.sort();
    (0..at.len())
        .map(|i| at[i..].iter().take_while(|&&t| t < at[i] + window).count())
        .max()
        .unwrap_or(0)
}

async fn deadline_in(store: &RedisBudget, ms: u64) -> Result<(), AcquireError> {
    let deadline = Instant::now() + Duration::from_millis(ms);
    RateStore::acquire(store, Some(deadline))
        .await
        .map(|(slot, _)| RateStore::complete(store, slot))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_on_several_clients_never_exceed_the_limit_at_the_server() {
    let redis = redis_or_return!();
    let (limit, window) = (4, Duration::from_millis(300));
    // The server counts from arrival; transit delays of up to 60 ms each way.
    let server = MockServer::builder()
        .rate_limit(Some((limit, window)))
        .handler(|_| {
            Some(MockReply::success("1").delay(Duration::from_millis(fastrand::u64(0..60))))
        })
        .transit_delay(|_| Duration::from_millis(fastrand::u64(0..60)))
        .start()
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let store = budget(&redis.url(), limit, 300);
        let client = client(&server, store.rate_limiter(StoreFallback::Wait)).build_http().unwrap();
        for _ in 0..6 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..2 {
                    client.send(&ApiRequest::get("/api/v2/clips/results/p")).await.unwrap();
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(server.request_count(), 36);
    assert_eq!(server.limit_rejections(), 0);
    assert!(max_in_window(&server, window) <= limit);
}

#[tokio::test]
async fn a_crashed_holders_permits_come_back_after_lease_and_window() {
    let redis = redis_or_return!();
    let crashed = budget(&redis.url(), 2, 500);
    // Two requests admitted and never answered: the process dies mid-flight.
    RateStore::acquire(&crashed, None).await.unwrap();
    RateStore::acquire(&crashed, None).await.unwrap();
    crashed.abandon();
    let crashed_at = Instant::now();
    let live = budget(&redis.url(), 2, 500);
    // Both slots are held: in flight, so none frees sooner than a window from now.
    assert!(matches!(deadline_in(&live, 300).await, Err(AcquireError::Deadline)));
    // The lease (400 ms) has run out: the requests count as answered then, so their slots
    // stay held for a window (500 ms) from then.
    tokio::time::sleep_until(crashed_at + Duration::from_millis(600)).await;
    assert!(matches!(deadline_in(&live, 100).await, Err(AcquireError::Deadline)));
    let deadline = Some(Instant::now() + Duration::from_secs(3));
    let (a, _) = RateStore::acquire(&live, deadline).await.unwrap();
    let (b, _) = RateStore::acquire(&live, deadline).await.unwrap();
    assert_ne!(a, b);
}

#[tokio::test]
async fn the_window_counts_from_the_reply_across_stores() {
    let redis = redis_or_return!();
    let a = budget(&redis.url(), 1, 1000);
    let b = budget(&redis.url(), 1, 1000);
    let (slot, _) = RateStore::acquire(&a, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    RateStore::complete(&a, slot);
    a.sync().await.unwrap();
    // Answered just now: not free for another second, wherever one asks.
    assert!(matches!(deadline_in(&b, 700).await, Err(AcquireError::Deadline)));
    deadline_in(&b, 2000).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_slots_are_shared_and_a_crashed_workers_project_is_adopted_and_polled() {
    let redis = redis_or_return!();
    let server = MockServer::builder().rate_limit(None).polls_to_finish(2).start().await.unwrap();
    let make = || {
        RedisBudget::builder(redis.url(), KEY)
            .project_limit(2)
            .lease(Duration::from_millis(400))
            .rebuild_grace(Duration::from_millis(100))
            .tick(Duration::from_millis(50))
            .build()
            .unwrap()
    };
    let (a, b) = (make(), make());
    let client_of = |store: &RedisBudget| {
        Client::builder(server.uri(), ApiKey::new(KEY).unwrap())
            .rate_limiter(None)
            .project_slots(store.project_slots(StoreFallback::Wait))
            .deadline(Some(Duration::from_millis(500)))
            .build_http()
            .unwrap()
    };
    let (ca, cb) = (client_of(&a), client_of(&b));
    let submit = ApiRequest::post("/api/v2/clips", "{}");
    let (_, pa) = ca.submit(&submit).await.unwrap();
    let (_, pb) = cb.submit(&submit).await.unwrap();
    // Two projects run, one from each process: a third waits, in either.
    let err = ca.submit(&submit).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Deadline);
    a.sync().await.unwrap();
    assert!(ProjectStore::orphans(&b).await.unwrap().is_empty());

    // Process A dies while its project runs on the server.
    let id = pa.id().unwrap().to_owned();
    core::mem::forget(pa);
    a.abandon();
    // Still counted: B cannot submit.
    assert_eq!(cb.submit(&submit).await.unwrap_err().kind(), ErrorKind::Deadline);
    let orphans = loop {
        let orphans = ProjectStore::orphans(&b).await.unwrap();
        if !orphans.is_empty() {
            break orphans;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // An untyped submission says nothing of where it is polled: left to the hook.
    assert_eq!(orphans, vec![Orphan::new(id.clone(), None)]);
    let mut adopted = cb.project_slots().adopt_orphans().await.unwrap();
    assert_eq!(adopted.len(), 1);
    assert!(cb.project_slots().adopt_orphans().await.unwrap().is_empty(), "adopted once");
    let mut project = adopted.pop().unwrap();
    assert_eq!(project.id(), Some(id.as_str()));
    let results = ApiRequest::get(format!("/api/v2/clips/results/{id}"));
    while project.is_running() {
        cb.poll(&mut project, &results).await.unwrap();
    }
    assert_eq!(project.status(), Some("SUCCEEDED"));
    b.sync().await.unwrap();
    // The adopted project finished: its slot is free again.
    let (_, pc) = cb.submit(&submit).await.unwrap();
    drop((pb, pc));
}

#[tokio::test]
async fn a_holder_that_crashed_before_learning_the_project_id_is_freed_after_the_timeout() {
    let redis = redis_or_return!();
    let make = || {
        RedisBudget::builder(redis.url(), KEY)
            .project_limit(1)
            .lease(Duration::from_millis(300))
            .tick(Duration::from_millis(50))
            .unbound_timeout(Duration::from_millis(800))
            .build()
            .unwrap()
    };
    let (a, b) = (make(), make());
    // A live worker that adopts orphans: there is nothing here it could adopt.
    let server = MockServer::builder().rate_limit(None).start().await.unwrap();
    let adoptions = Arc::new(Mutex::new(0));
    let seen = Arc::clone(&adoptions);
    let _live = client(&server, b.rate_limiter(StoreFallback::Wait))
        .project_slots(b.project_slots(StoreFallback::Wait))
        .observer(move |e| {
            if let Event::OrphanAdopted { .. } = e {
                *seen.lock().unwrap() += 1;
            }
        })
        .build_http()
        .unwrap();
    ProjectStore::acquire(&a, None).await.unwrap();
    a.abandon();
    let crashed_at = Instant::now();
    let soon = Some(Instant::now() + Duration::from_millis(300));
    assert!(matches!(ProjectStore::acquire(&b, soon).await, Err(AcquireError::Deadline)));
    // Without a project id there is nothing to adopt.
    assert!(ProjectStore::orphans(&b).await.unwrap().is_empty());
    // The lease (300 ms) ran out; the timeout (800 ms from taking it) has not.
    tokio::time::sleep_until(crashed_at + Duration::from_millis(450)).await;
    let soon = Some(Instant::now() + Duration::from_millis(100));
    assert!(matches!(ProjectStore::acquire(&b, soon).await, Err(AcquireError::Deadline)));
    let later = Some(Instant::now() + Duration::from_secs(3));
    ProjectStore::acquire(&b, later).await.unwrap();
    assert_eq!(*adoptions.lock().unwrap(), 0);
}

#[tokio::test]
async fn scripts_are_reloaded_after_script_flush() {
    let redis = redis_or_return!();
    let store = budget(&redis.url(), 10, 1000);
    deadline_in(&store, 1000).await.unwrap();
    let mut conn = redis.connection().await;
    let () = redis::cmd("SCRIPT").arg("FLUSH").query_async(&mut conn).await.unwrap();
    deadline_in(&store, 1000).await.unwrap();
    store.sync().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_window_is_rebuilt_from_the_live_processes() {
    let mut redis = redis_or_return!();
    let a = budget(&redis.url(), 3, 4000);
    for _ in 0..3 {
        deadline_in(&a, 1000).await.unwrap();
    }
    a.sync().await.unwrap();
    redis.restart();
    // A new process on the restarted, empty Redis: A re-registers its three replies during
    // the grace period, so nothing is free until they leave the window.
    let b = budget(&redis.url(), 3, 4000);
    let started = Instant::now();
    let err = deadline_in(&b, 1500).await;
    assert!(matches!(err, Err(AcquireError::Deadline)), "{err:?} after {:?}", started.elapsed());
    let mut conn = redis.connection().await;
    let done: usize =
        redis::cmd("ZCARD").arg(&a.keys().all()[3]).query_async(&mut conn).await.unwrap();
    assert_eq!(done, 3);
    // Once they leave the window, both get in again.
    deadline_in(&b, 6000).await.unwrap();
    deadline_in(&a, 1000).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_stopped_each_fallback_does_what_it_says_and_is_reported() {
    let mut redis = redis_or_return!();
    let server =
        MockServer::builder().rate_limit(None).handler(|_| Some(MockReply::success("1"))).start();
    let server = server.await.unwrap();
    let store = budget(&redis.url(), 5, 1000);
    let events = Arc::new(Mutex::new(Vec::new()));
    let make = |fallback| {
        let events = Arc::clone(&events);
        client(&server, store.rate_limiter(fallback))
            .deadline(Some(Duration::from_millis(800)))
            .observer(move |e| {
                if let Event::StoreUnavailable { fallback, admitted, .. } = e {
                    events.lock().unwrap().push((*fallback, *admitted));
                }
            })
            .build_http()
            .unwrap()
    };
    let request = ApiRequest::get("/api/v2/clips/results/p");
    let waiting = make(StoreFallback::Wait);
    waiting.send(&request).await.unwrap();
    redis.stop();

    let err = waiting.send(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StoreUnavailable);
    assert_eq!(events.lock().unwrap().pop(), Some((StoreFallback::Wait, false)));

    let open = make(StoreFallback::FailOpen);
    for _ in 0..8 {
        open.send(&request).await.unwrap();
    }
    assert_eq!(events.lock().unwrap().pop(), Some((StoreFallback::FailOpen, true)));

    let share = make(StoreFallback::LocalShare(2));
    share.send(&request).await.unwrap();
    share.send(&request).await.unwrap();
    assert_eq!(share.send(&request).await.unwrap_err().kind(), ErrorKind::Deadline);
    assert_eq!(events.lock().unwrap().pop(), Some((StoreFallback::LocalShare(2), true)));

    // Redis comes back (empty): waiting requests go through again.
    redis.restart();
    events.lock().unwrap().clear();
    waiting.send(&request).await.unwrap();
    let later = events.lock().unwrap().clone();
    assert!(later.iter().all(|&(f, admitted)| f == StoreFallback::Wait && admitted), "{later:?}");
}

#[tokio::test]
async fn a_429_from_the_server_holds_every_process_back() {
    let redis = redis_or_return!();
    let a = budget(&redis.url(), 10, 1000);
    let b = budget(&redis.url(), 10, 1000);
    deadline_in(&b, 1000).await.unwrap();
    a.rate_limiter(StoreFallback::Wait).server_refused(Duration::from_secs(2)).await.unwrap();
    assert!(matches!(deadline_in(&b, 1000).await, Err(AcquireError::Deadline)));
    deadline_in(&b, 3000).await.unwrap();
}

#[tokio::test]
async fn keys_carry_one_hash_tag_no_api_key_and_an_expiry() {
    let redis = redis_or_return!();
    let store = RedisBudget::builder(redis.url(), KEY)
        .rate(2, Duration::from_millis(2000))
        .project_limit(1)
        .lease(Duration::from_millis(500))
        .build()
        .unwrap();
    let (slot, _) = RateStore::acquire(&store, None).await.unwrap();
    let (held, _) = RateStore::acquire(&store, None).await.unwrap();
    RateStore::complete(&store, slot);
    let (project, _) = ProjectStore::acquire(&store, None).await.unwrap();
    ProjectStore::bind(&store, project, "prj_1");
    ProjectStore::bind_results_path(&store, project, "/api/v2/clips/results/prj_1");
    // A waiter for each limit, so that both queues exist.
    let waiters = {
        let (a, b) = (store.clone(), store.clone());
        [
            tokio::spawn(async move { RateStore::acquire(&a, None).await.map(|_| ()) }),
            tokio::spawn(async move { ProjectStore::acquire(&b, None).await.map(|_| ()) }),
        ]
    };
    let mut conn = redis.connection().await;
    for queue in &store.keys().all()[7..] {
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            let n: usize = redis::cmd("ZCARD").arg(queue).query_async(&mut conn).await.unwrap();
            if n == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    store.sync().await.unwrap();
    store
        .rate_limiter(StoreFallback::Wait)
        .server_refused(Duration::from_millis(10))
        .await
        .unwrap();

    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query_async(&mut conn).await.unwrap();
    let mut scanned = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) =
            redis::cmd("SCAN").arg(cursor).query_async(&mut conn).await.unwrap();
        scanned.extend(batch);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    scanned.sort();
    let mut expected: Vec<String> = store.keys().all().to_vec();
    expected.sort();
    assert_eq!(scanned, expected, "{keys:?}");
    let tag = format!("{{{}}}", store.keys().hash_tag());
    for key in &scanned {
        assert!(!key.contains(KEY), "{key}");
        assert!(key.contains(&tag), "{key}: every key of a budget has the one hash tag");
        let ttl: i64 = redis::cmd("PTTL").arg(key).query_async(&mut conn).await.unwrap();
        assert!(ttl > 0 && ttl <= 2500, "{key}: {ttl} ms");
        let slot: i64 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap_or(-1);
        let first: i64 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(&scanned[0])
            .query_async(&mut conn)
            .await
            .unwrap_or(-1);
        assert_eq!(slot, first, "{key}");
    }
    assert_eq!(BudgetKeys::new("status-redis", KEY), store.keys().clone());
    for waiter in waiters {
        waiter.abort();
    }
    RateStore::complete(&store, held);
}

/// What the adopting clients reported: (holder, event, path).
type Reports = Arc<Mutex<Vec<(String, &'static str, String)>>>;

/// A worker of the adoption tests: a budget (lease 400 ms, orphans looked for every 200 ms,
/// 100 requests a second) and a typed client on it polling every 50 ms, reporting adoptions.
fn worker(
    redis: &common::RedisServer,
    server: &MockServer,
    reports: &Reports,
) -> (RedisBudget, Client) {
    let budget = RedisBudget::builder(redis.url(), KEY)
        .rate(100, Duration::from_secs(1))
        .lease(Duration::from_millis(400))
        .tick(Duration::from_millis(50))
        .rebuild_grace(Duration::from_millis(100))
        .build()
        .unwrap();
    let (holder, reports) = (budget.holder().to_owned(), Arc::clone(reports));
    let client = client(server, budget.rate_limiter(StoreFallback::Wait))
        .project_slots(budget.project_slots(StoreFallback::Wait))
        .poll_interval(Duration::from_millis(50))
        .deadline(Some(Duration::from_millis(500)))
        .observer(move |e| {
            let report = match e {
                Event::OrphanAdopted { path } => ("adopted", *path),
                Event::OrphanFinished { path, .. } => ("finished", *path),
                _ => return,
            };
            reports.lock().unwrap().push((holder.clone(), report.0, report.1.to_owned()));
        })
        .build_http()
        .unwrap();
    (budget, client)
}

/// A mock API whose projects stay `ONGOING` until `finish` is set, then end in two polls.
async fn gated_server(finish: &Arc<AtomicBool>) -> MockServer {
    let gate = Arc::clone(finish);
    MockServer::builder()
        .rate_limit(None)
        .polls_to_finish(2)
        .handler(move |r| {
            let held = r.path.contains("/results/") && !gate.load(Ordering::SeqCst);
            held.then(|| MockReply::success(r#"{"status": "ONGOING"}"#))
        })
        .start()
        .await
        .unwrap()
}

/// Waits (up to 10 s) until `reports` holds `n` reports of `what`, and returns them.
async fn reported(reports: &Reports, what: &str, n: usize) -> Vec<(String, String)> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let seen: Vec<_> = reports
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.1 == what)
            .map(|r| (r.0.clone(), r.2.clone()))
            .collect();
        if seen.len() >= n || Instant::now() > until {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The project slots in Redis: member -> results path.
async fn slots_in_redis(
    redis: &common::RedisServer,
    budget: &RedisBudget,
) -> Vec<(String, String)> {
    let mut conn = redis.connection().await;
    let keys = budget.keys().all();
    let members: Vec<String> =
        redis::cmd("HKEYS").arg(&keys[4]).query_async(&mut conn).await.unwrap();
    let mut out = Vec::new();
    for m in members {
        let path: Option<String> =
            redis::cmd("HGET").arg(&keys[6]).arg(&m).query_async(&mut conn).await.unwrap();
        out.push((m, path.unwrap_or_default()));
    }
    out.sort();
    out
}

fn clip_request() -> ClipRequest {
    ClipRequest::new("https://www.youtube.com/watch?v=example")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_workers_projects_are_adopted_by_one_live_worker_each_polled_to_the_end_and_freed(
) {
    let redis = redis_or_return!();
    let finish = Arc::new(AtomicBool::new(false));
    let server = gated_server(&finish).await;
    let reports = Reports::default();
    let (a, ca) = worker(&redis, &server, &reports);
    let (b, cb) = worker(&redis, &server, &reports);
    let (d, cd) = worker(&redis, &server, &reports);
    let mut tasks = Vec::new();
    for _ in 0..5 {
        tasks.push(ca.submit_clips(&clip_request()).await.unwrap());
    }
    a.sync().await.unwrap();
    // Each slot carries where its project is polled, and nothing secret.
    let slots = slots_in_redis(&redis, &a).await;
    assert_eq!(slots.len(), 5);
    for (task, (member, path)) in tasks.iter().zip(&slots) {
        assert!(member.starts_with(a.holder()), "{member}");
        assert!(path.starts_with("/api/v2/clips/results/prj"), "{path}");
        assert!(!path.contains(KEY));
        assert!(slots.iter().any(|(_, p)| p.ends_with(task.id())));
    }

    // A dies with its five projects running on the server.
    a.abandon();
    let crashed_at = Instant::now();
    drop((tasks, ca));
    let adopted = reported(&reports, "adopted", 5).await;
    assert_eq!(adopted.len(), 5, "{adopted:?}");
    // For the README's figures (not asserted): lease 400 ms, a look every 200 ms.
    eprintln!("all 5 adopted {:?} after the crash", crashed_at.elapsed());
    // Each adopted once, by a live worker.
    let mut paths: Vec<_> = adopted.iter().map(|(_, p)| p.clone()).collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 5);
    assert!(adopted.iter().all(|(h, _)| h == b.holder() || h == d.holder()), "{adopted:?}");
    assert!(reports.lock().unwrap().iter().all(|r| r.1 == "adopted"), "none finished yet");
    // Still counted, in Redis and at the server: no sixth project starts anywhere.
    let slots = slots_in_redis(&redis, &a).await;
    assert_eq!(slots.len(), 5);
    assert!(slots.iter().all(|(m, _)| m.starts_with(b.holder()) || m.starts_with(d.holder())));
    assert_eq!(server.running_projects(), 5);
    assert_eq!(cb.submit_clips(&clip_request()).await.unwrap_err().kind(), ErrorKind::Deadline);
    assert_eq!(cd.submit_clips(&clip_request()).await.unwrap_err().kind(), ErrorKind::Deadline);

    // The projects finish on the server: the adopters see it and free the slots.
    finish.store(true, Ordering::SeqCst);
    let opened_at = Instant::now();
    let finished = reported(&reports, "finished", 5).await;
    assert_eq!(finished.len(), 5, "{finished:?}");
    eprintln!(
        "all 5 seen finished {:?} after the server let them (2 polls, 50 ms apart)",
        opened_at.elapsed()
    );
    assert_eq!(server.running_projects(), 0);
    for (holder, path) in &finished {
        assert!(adopted.contains(&(holder.clone(), path.clone())), "finished by its adopter");
    }
    b.sync().await.unwrap();
    d.sync().await.unwrap();
    assert!(slots_in_redis(&redis, &b).await.is_empty());
    let task = cb.submit_clips(&clip_request()).await.unwrap();
    assert!(task.is_running());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adopter_that_crashes_or_stops_hands_the_project_on_to_the_next_live_worker() {
    let redis = redis_or_return!();
    let finish = Arc::new(AtomicBool::new(false));
    let server = gated_server(&finish).await;
    let reports = Reports::default();
    let (a, ca) = worker(&redis, &server, &reports);
    let task = ca.submit_clips(&clip_request()).await.unwrap();
    let path = task.results_path(status_hyper::api::PathPrefix::Api);
    a.sync().await.unwrap();
    a.abandon();
    drop((task, ca));

    // B adopts it, then crashes too: an orphan again once B's lease runs out.
    let (b, cb) = worker(&redis, &server, &reports);
    assert_eq!(reported(&reports, "adopted", 1).await, vec![(b.holder().to_owned(), path.clone())]);
    b.abandon();
    drop(cb);
    let (c, cc) = worker(&redis, &server, &reports);
    let adopted = reported(&reports, "adopted", 2).await;
    assert_eq!(adopted.get(1), Some(&(c.holder().to_owned(), path.clone())), "{adopted:?}");
    c.sync().await.unwrap();
    let slots = slots_in_redis(&redis, &c).await;
    assert_eq!(slots.len(), 1, "counted once: {slots:?}");
    assert!(slots[0].0.starts_with(c.holder()));

    // C stops cleanly (its client is dropped) while the project runs: it hands the slot
    // over at once instead of freeing it, and D adopts it and sees it finish.
    drop(cc);
    c.sync().await.unwrap();
    let slots = slots_in_redis(&redis, &c).await;
    assert_eq!(slots.len(), 1, "still counted: {slots:?}");
    let (d, _cd) = worker(&redis, &server, &reports);
    let adopted = reported(&reports, "adopted", 3).await;
    assert_eq!(adopted.get(2), Some(&(d.holder().to_owned(), path.clone())), "{adopted:?}");
    finish.store(true, Ordering::SeqCst);
    assert_eq!(reported(&reports, "finished", 1).await, vec![(d.holder().to_owned(), path)]);
    d.sync().await.unwrap();
    assert!(slots_in_redis(&redis, &d).await.is_empty());
    assert_eq!(server.running_projects(), 0);
}

/// A budget of the queue tests: lease 400 ms, a look every 20 ms for a project slot.
fn queue_budget(redis: &common::RedisServer, limit: usize, window_ms: u64) -> RedisBudget {
    RedisBudget::builder(redis.url(), KEY)
        .rate(limit, Duration::from_millis(window_ms))
        .project_limit(limit)
        .lease(Duration::from_millis(400))
        .tick(Duration::from_millis(50))
        .rebuild_grace(Duration::from_millis(100))
        .poll_interval(Duration::from_millis(20))
        .build()
        .unwrap()
}

/// The tickets in a queue (`index` 7: requests, 8: projects), in arrival order.
async fn tickets(redis: &common::RedisServer, budget: &RedisBudget, index: usize) -> Vec<String> {
    let mut conn = redis.connection().await;
    let queue = &budget.keys().all()[index];
    redis::cmd("ZRANGE").arg(queue).arg(0).arg(-1).query_async(&mut conn).await.unwrap()
}

/// Waits (up to 10 s) until `what` holds.
async fn until(mut what: impl AsyncFnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(10);
    while !what().await && Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Who was admitted, in order.
type Admitted = Arc<Mutex<Vec<&'static str>>>;

/// Queues `name` on `budget` for a project slot (`project`) or a request slot, waits until
/// its ticket is the `n`th in Redis, and records its admission in `admitted`. A request is
/// answered as soon as it is admitted.
async fn queue_up(
    redis: &common::RedisServer,
    budget: &RedisBudget,
    project: bool,
    name: &'static str,
    n: usize,
    admitted: &Admitted,
) -> tokio::task::JoinHandle<Result<(), AcquireError>> {
    let (store, admitted) = (budget.clone(), Arc::clone(admitted));
    let task = tokio::spawn(async move {
        if project {
            ProjectStore::acquire(&store, None).await?;
        } else {
            let (slot, _) = RateStore::acquire(&store, None).await?;
            RateStore::complete(&store, slot);
        }
        admitted.lock().unwrap().push(name);
        Ok(())
    });
    let index = if project { 8 } else { 7 };
    until(async || tickets(redis, budget, index).await.len() == n).await;
    let queued = tickets(redis, budget, index).await;
    assert_eq!(queued.len(), n, "{name} queued: {queued:?}");
    assert!(queued[n - 1].starts_with(budget.holder()), "{name} is last: {queued:?}");
    task
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_in_different_processes_get_project_slots_in_arrival_order() {
    let redis = redis_or_return!();
    let owner = queue_budget(&redis, 5, 1000);
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(ProjectStore::acquire(&owner, None).await.unwrap().0);
    }
    // Four processes; A has two waiters, arriving first and fourth; D gives up meanwhile.
    let (a, b, c, d) = (
        queue_budget(&redis, 5, 1000),
        queue_budget(&redis, 5, 1000),
        queue_budget(&redis, 5, 1000),
        queue_budget(&redis, 5, 1000),
    );
    let admitted = Admitted::default();
    let mut waiters = vec![queue_up(&redis, &a, true, "a1", 1, &admitted).await];
    let soon = Some(Instant::now() + Duration::from_millis(300));
    let (store, gave_up) = (d.clone(), Arc::new(AtomicBool::new(false)));
    let flag = Arc::clone(&gave_up);
    let quitter = tokio::spawn(async move {
        let err = ProjectStore::acquire(&store, soon).await.map(|_| ()).unwrap_err();
        assert!(matches!(err, AcquireError::Deadline), "{err:?}");
        flag.store(true, Ordering::SeqCst);
    });
    until(async || tickets(&redis, &d, 8).await.len() == 2).await;
    waiters.push(queue_up(&redis, &b, true, "b1", 3, &admitted).await);
    waiters.push(queue_up(&redis, &a, true, "a2", 4, &admitted).await);
    waiters.push(queue_up(&redis, &c, true, "c1", 5, &admitted).await);
    quitter.await.unwrap();
    assert!(gave_up.load(Ordering::SeqCst));
    // The waiter that gave up leaves the queue with its process's next sync.
    until(async || tickets(&redis, &d, 8).await.len() == 4).await;
    let queued = tickets(&redis, &d, 8).await;
    assert!(queued.iter().all(|t| !t.starts_with(d.holder())), "{queued:?}");
    assert_eq!(queued.len(), 4, "{queued:?}");
    assert!(admitted.lock().unwrap().is_empty(), "nobody admitted while all 5 are taken");

    // Slots free one at a time: each goes to the waiter that arrived first.
    let expected = ["a1", "b1", "a2", "c1"];
    for (freed, name) in expected.iter().enumerate().take(2) {
        ProjectStore::release(&owner, held.pop().unwrap());
        owner.sync().await.unwrap();
        until(async || admitted.lock().unwrap().len() > freed).await;
        // Nobody else meanwhile: the others still wait for a slot.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(*admitted.lock().unwrap(), expected[..=freed], "after freeing {name}'s slot");
    }
    // Two at once: the next two, in their order.
    ProjectStore::release(&owner, held.pop().unwrap());
    ProjectStore::release(&owner, held.pop().unwrap());
    owner.sync().await.unwrap();
    until(async || admitted.lock().unwrap().len() == 4).await;
    let order = admitted.lock().unwrap().clone();
    assert_eq!(order.len(), 4, "{order:?}");
    assert_eq!(order[..2], expected[..2]);
    let mut last_two = order[2..].to_vec();
    last_two.sort_unstable();
    assert_eq!(last_two, ["a2", "c1"], "{order:?}");
    for w in waiters {
        w.await.unwrap().unwrap();
    }
    assert!(tickets(&redis, &a, 8).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_in_different_processes_get_request_slots_in_arrival_order() {
    let redis = redis_or_return!();
    let owner = queue_budget(&redis, 3, 300);
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(RateStore::acquire(&owner, None).await.unwrap().0);
    }
    let (a, b, c) =
        (queue_budget(&redis, 3, 300), queue_budget(&redis, 3, 300), queue_budget(&redis, 3, 300));
    let admitted = Admitted::default();
    let mut waiters = vec![queue_up(&redis, &b, false, "b1", 1, &admitted).await];
    waiters.push(queue_up(&redis, &a, false, "a1", 2, &admitted).await);
    waiters.push(queue_up(&redis, &b, false, "b2", 3, &admitted).await);
    waiters.push(queue_up(&redis, &c, false, "c1", 4, &admitted).await);
    // The owner's replies arrive one by one, 150 ms apart: the slots free a window later each.
    for slot in held {
        RateStore::complete(&owner, slot);
        owner.sync().await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    // The fourth gets the slot of the first admitted, a window after its reply.
    for w in waiters {
        w.await.unwrap().unwrap();
    }
    assert_eq!(*admitted.lock().unwrap(), ["b1", "a1", "b2", "c1"]);
    assert!(tickets(&redis, &a, 7).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_waiters_ticket_holds_the_queue_up_no_longer_than_its_lease() {
    let redis = redis_or_return!();
    let owner = queue_budget(&redis, 2, 1000);
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(ProjectStore::acquire(&owner, None).await.unwrap().0);
    }
    let admitted = Admitted::default();
    let crashed = queue_budget(&redis, 2, 1000);
    let crashed_waiter = queue_up(&redis, &crashed, true, "crashed", 1, &admitted).await;
    let live = queue_budget(&redis, 2, 1000);
    let live_waiter = queue_up(&redis, &live, true, "live", 2, &admitted).await;
    // The first in the queue crashes: its ticket is never removed.
    crashed.abandon();
    let crashed_at = Instant::now();
    let ticket = tickets(&redis, &crashed, 8).await[0].clone();
    assert!(ticket.starts_with(crashed.holder()));
    ProjectStore::release(&owner, held.pop().unwrap());
    owner.sync().await.unwrap();
    // While the crashed waiter's ticket is there, the live one waits behind it.
    let mut blocked_seen = 0;
    loop {
        let live_in = !admitted.lock().unwrap().is_empty();
        let ticket_there = tickets(&redis, &owner, 8).await.contains(&ticket);
        assert!(!(live_in && ticket_there), "admitted past a live ticket");
        if live_in {
            break;
        }
        blocked_seen += usize::from(ticket_there);
        assert!(crashed_at.elapsed() < Duration::from_secs(5), "the ticket never expired");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(blocked_seen > 0, "the freed slot waited for the crashed waiter's ticket");
    // For the README's figures (not asserted): lease 400 ms, a look every 20 ms.
    eprintln!(
        "the live waiter was admitted {:?} after the waiter ahead crashed",
        crashed_at.elapsed()
    );
    live_waiter.await.unwrap().unwrap();
    assert_eq!(*admitted.lock().unwrap(), ["live"]);
    let crashed = crashed_waiter.await.unwrap();
    assert!(matches!(crashed, Err(AcquireError::Unavailable(_))), "{crashed:?}");
    assert!(tickets(&redis, &owner, 8).await.is_empty());
}
