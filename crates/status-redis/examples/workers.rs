//! Many OS processes sharing one budget through Redis, measured at the server.
//!
//! ```text
//! cargo run -p status-redis --example workers -- --processes 8 --tasks 16 --limit 15 \
//!     --window-secs 2 --redis redis://127.0.0.1:6379/ [--base-url URL] [--kill-one] \
//!     [--limiter redis|gcra|both] [--requests N] [--lease-secs S]
//! cargo run -p status-redis --example workers -- --kill-project --processes 4 --projects 2 \
//!     --redis redis://127.0.0.1:6379/ [--project-secs S] [--lease-secs S]
//! cargo run -p status-redis --example workers -- --help
//! ```
//!
//! The parent starts the mock API on loopback (unless `--base-url` is given) with the same
//! limit and window enforced server-side and transit delays of 0 to 1.5 s (up to 0.75 s each
//! way), re-executes itself `--processes` times as workers that each run `--tasks` tasks
//! sending `--requests` GETs of clip results, and prints the most requests the server saw in
//! any window and the number of 429s. `--limiter gcra` runs the same harness with a GCRA
//! limiter of the same rate on the same Redis (for comparison); `both` (the default) runs the
//! two in turn. `--kill-one` kills one worker with SIGKILL mid-run and measures how long its
//! permits stay held in Redis. Last, it measures the admission latency the store adds on this
//! Redis.
//!
//! `--kill-project` runs running projects instead: each worker submits `--projects` typed
//! clipping projects (each runs `--project-secs` on the mock, which allows 5 at once) through
//! the shared project slots and waits for them; the parent kills one worker with SIGKILL while
//! it holds a project slot and prints when each of its projects was adopted by a live worker
//! (as Redis and the adopter report it) and when its slot came free.

use core::time::Duration;
use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;

use redis::aio::ConnectionManager;
use status_hyper::api::ClipRequest;
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{
    AcquireError, ApiKey, ApiRequest, Client, Event, RateLimiter, RateStore, RetryPolicy, SlotId,
    StoreError, StoreFallback, StoreFuture,
};
use status_redis::RedisBudget;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::time::Instant;

type Failure = Box<dyn core::error::Error + Send + Sync>;

#[derive(Clone, Debug)]
struct Args {
    processes: usize,
    tasks: usize,
    requests: usize,
    limit: usize,
    window: Duration,
    lease: Duration,
    redis: String,
    base_url: Option<String>,
    kill_one: bool,
    limiter: String,
    worker: bool,
    key: String,
    kill_project: bool,
    projects: usize,
    project_run: Duration,
    project_worker: bool,
}

const USAGE: &str = "\
Many OS processes sharing one budget through Redis, measured at the server.

usage: workers [options]

  --processes N      worker processes (default 8)
  --tasks N          tasks per worker (default 16)
  --requests N       GETs per task (default 1)
  --limit N          requests per window, enforced by the budget and the mock (default 15)
  --window-secs S    the window (default 2)
  --lease-secs S     each worker's lease (default 2)
  --redis URL        the Redis to share (default redis://127.0.0.1:6379/)
  --base-url URL     an API to send to instead of the built-in mock
  --limiter MODE     redis, gcra or both (default both): the budget, a GCRA of the same rate
  --kill-one         kill -9 one worker with a request in flight; time until its permits free
  --kill-project     run projects instead: kill -9 one worker holding a project slot and show
                     its projects adopted by a live worker, and when their slots free
  --projects N       with --kill-project: projects per worker (default 2)
  --project-secs S   with --kill-project: how long each project runs on the mock (default 5)
  -h, --help         this text
";

fn parse() -> Result<Args, Failure> {
    let mut args = Args {
        processes: 8,
        tasks: 16,
        requests: 1,
        limit: 15,
        window: Duration::from_secs(2),
        lease: Duration::from_secs(2),
        redis: "redis://127.0.0.1:6379/".into(),
        base_url: None,
        kill_one: false,
        limiter: "both".into(),
        worker: false,
        key: String::new(),
        kill_project: false,
        projects: 2,
        project_run: Duration::from_secs(5),
        project_worker: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--processes" => args.processes = value()?.parse()?,
            "--tasks" => args.tasks = value()?.parse()?,
            "--requests" => args.requests = value()?.parse()?,
            "--limit" => args.limit = value()?.parse()?,
            "--window-secs" => args.window = Duration::from_secs_f64(value()?.parse()?),
            "--lease-secs" => args.lease = Duration::from_secs_f64(value()?.parse()?),
            "--redis" => args.redis = value()?,
            "--base-url" => args.base_url = Some(value()?),
            "--kill-one" => args.kill_one = true,
            "--limiter" => args.limiter = value()?,
            "--worker" => args.worker = true,
            "--key" => args.key = value()?,
            "--kill-project" => args.kill_project = true,
            "--projects" => args.projects = value()?.parse()?,
            "--project-secs" => args.project_run = Duration::from_secs_f64(value()?.parse()?),
            "--project-worker" => args.project_worker = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other} (see --help)").into()),
        }
    }
    Ok(args)
}

fn main() -> Result<(), Failure> {
    let args = parse()?;
    if args.worker {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        if args.project_worker {
            return rt.block_on(project_worker(args));
        }
        return rt.block_on(worker(args));
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    if args.kill_project {
        return rt.block_on(projects(args));
    }
    rt.block_on(parent(args))
}

// ---------------------------------------------------------------- the parent

async fn parent(args: Args) -> Result<(), Failure> {
    println!(
        "{} processes x {} tasks x {} GETs, limit {} per {:?}, lease {:?}, transit 0-1.5 s, redis {}",
        args.processes, args.tasks, args.requests, args.limit, args.window, args.lease, args.redis
    );
    let modes: &[&str] = match args.limiter.as_str() {
        "both" => &["redis", "gcra"],
        "redis" => &["redis"],
        "gcra" => &["gcra"],
        other => return Err(format!("--limiter {other}: redis, gcra or both").into()),
    };
    for mode in modes {
        run(&args, mode).await?;
    }
    latency(&args).await?;
    Ok(())
}

async fn run(args: &Args, mode: &str) -> Result<(), Failure> {
    let server = match &args.base_url {
        Some(_) => None,
        None => Some(
            MockServer::builder()
                .rate_limit(Some((args.limit, args.window)))
                .handler(|_| {
                    let back = Duration::from_millis(fastrand::u64(0..=750));
                    Some(MockReply::success(r#"{"id": "p", "status": "SUCCEEDED"}"#).delay(back))
                })
                .transit_delay(|_| Duration::from_millis(fastrand::u64(0..=750)))
                .start()
                .await?,
        ),
    };
    let base = match (&args.base_url, &server) {
        (Some(url), _) => url.clone(),
        (None, Some(s)) => s.uri().to_string(),
        (None, None) => unreachable!(),
    };
    // A fresh budget for each run.
    let key = format!("workers-demo-{:08x}", fastrand::u32(..));
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let mut children = Vec::new();
    let mut readers = Vec::new();
    for _ in 0..args.processes {
        let mut child = tokio::process::Command::new(&exe)
            .args(["--worker", "--limiter", mode, "--key", &key, "--redis", &args.redis])
            .args(["--base-url", &base, "--tasks", &args.tasks.to_string()])
            .args(["--requests", &args.requests.to_string(), "--limit", &args.limit.to_string()])
            .args(["--window-secs", &args.window.as_secs_f64().to_string()])
            .args(["--lease-secs", &args.lease.as_secs_f64().to_string()])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(line);
            }
        });
        children.push(child);
        readers.push(rx);
    }
    let mut kill_report = None;
    if args.kill_one && mode == "redis" {
        let expected = args.processes * args.tasks * args.requests;
        let run_time = args.window.mul_f64(expected as f64 / args.limit as f64);
        let mut holders = Vec::new();
        for rx in &mut readers {
            let line = rx.recv().await.unwrap_or_default();
            holders.push(line.strip_prefix("holder ").unwrap_or_default().to_owned());
        }
        tokio::time::sleep(run_time / 3).await;
        // Kill a worker while it has a request in flight.
        let keys = status_redis::BudgetKeys::new("status-redis", &key);
        let mut conn =
            redis::Client::open(args.redis.as_str())?.get_multiplexed_async_connection().await?;
        let victim = loop {
            let inflight: Vec<String> = redis::cmd("ZRANGE")
                .arg(&keys.all()[2])
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await?;
            let found = inflight.iter().find_map(|m| {
                holders.iter().position(|h| !h.is_empty() && m.starts_with(&format!("{h}/")))
            });
            if let Some(i) = found {
                break i;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        children[victim].start_kill()?;
        let killed_at = Instant::now();
        let holder = holders[victim].clone();
        kill_report = Some(watch_killed(args, &keys, &holder, killed_at, started).await?);
    }
    let mut totals = [0usize; 4];
    for (child, mut rx) in children.into_iter().zip(readers) {
        let _ = child.wait_with_output().await;
        while let Some(line) = rx.recv().await {
            if let Some(rest) = line.strip_prefix("done ") {
                for (t, n) in totals.iter_mut().zip(rest.split(' ')) {
                    *t += n.parse::<usize>().unwrap_or(0);
                }
            }
        }
    }
    let took = started.elapsed();
    let [sent, ok, refused, errors] = totals;
    print!("[{mode:5}] sent {sent}, ok {ok}, 429s {refused}, other errors {errors}; ");
    match &server {
        Some(server) => {
            let most = max_in_window(server, args.window);
            println!(
                "server: {} requests, {} answered 429, most in any {:?} window {} (limit {}); {:.1} s",
                server.request_count(),
                server.limit_rejections(),
                args.window,
                most,
                args.limit,
                took.as_secs_f64()
            );
        }
        None => println!("{:.1} s (count the server's window on its side)", took.as_secs_f64()),
    }
    if let Some(report) = kill_report {
        println!("{report}");
    }
    Ok(())
}

fn max_in_window(server: &MockServer, window: Duration) -> usize {
    let mut at: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    at.sort();
    (0..at.len())
        .map(|i| at[i..].iter().take_while(|&&t| t < at[i] + window).count())
        .max()
        .unwrap_or(0)
}

/// Watches the killed worker's members in Redis until none is left.
async fn watch_killed(
    args: &Args,
    keys: &status_redis::BudgetKeys,
    holder: &str,
    killed_at: Instant,
    started: Instant,
) -> Result<String, Failure> {
    let client = redis::Client::open(args.redis.as_str())?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let prefix = format!("{holder}/");
    let mut first = None;
    let bound = args.lease + args.window;
    loop {
        let inflight: Vec<String> =
            redis::cmd("ZRANGE").arg(&keys.all()[2]).arg(0).arg(-1).query_async(&mut conn).await?;
        let done: Vec<String> =
            redis::cmd("ZRANGE").arg(&keys.all()[3]).arg(0).arg(-1).query_async(&mut conn).await?;
        let held_inflight = inflight.iter().filter(|m| m.starts_with(&prefix)).count();
        let held_done = done.iter().filter(|m| m.starts_with(&prefix)).count();
        first.get_or_insert((held_inflight, held_done));
        if held_inflight + held_done == 0 {
            let (i, d) = first.unwrap_or_default();
            return Ok(format!(
                "kill -9 of one worker at {:.1} s: it held {i} permits in flight and {d} answered; \
                 all were free again {:.2} s after the kill (lease + window = {:.2} s)",
                (killed_at - started).as_secs_f64(),
                killed_at.elapsed().as_secs_f64(),
                bound.as_secs_f64()
            ));
        }
        if killed_at.elapsed() > bound + Duration::from_secs(10) {
            return Ok(format!(
                "kill -9: permits STILL held {:?} after the kill",
                killed_at.elapsed()
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The admission latency on this Redis: a budget that is never full, sequential requests.
async fn latency(args: &Args) -> Result<(), Failure> {
    let key = format!("workers-latency-{:08x}", fastrand::u32(..));
    let budget =
        RedisBudget::builder(&args.redis, &key).rate(1_000_000, Duration::from_secs(2)).build()?;
    let limiter = budget.rate_limiter(StoreFallback::Wait);
    drop(limiter.acquire().await); // connect, load the scripts, open the budget
    tokio::time::sleep(Duration::from_millis(600)).await; // the new budget's grace period
                                                          // A plain PING on its own connection, interleaved, shows what the machine adds.
    let mut ping =
        redis::Client::open(args.redis.as_str())?.get_multiplexed_async_connection().await?;
    let (mut samples, mut pings) = (Vec::new(), Vec::new());
    for _ in 0..3000 {
        let start = std::time::Instant::now();
        let permit = limiter.acquire().await;
        samples.push(start.elapsed());
        drop(permit);
        let start = std::time::Instant::now();
        let _: String = redis::cmd("PING").query_async(&mut ping).await?;
        pings.push(start.elapsed());
    }
    let q = |v: &mut Vec<Duration>, p: f64| {
        v.sort();
        v[((v.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split(' ').next().unwrap_or("?").to_owned();
    println!(
        "store latency per request (admission, {} sequential, loopback): p50 {:.3} ms, p99 {:.3} ms; \
         a plain PING meanwhile: p50 {:.3} ms, p99 {:.3} ms (load average {load})",
        samples.len(),
        q(&mut samples, 0.5),
        q(&mut samples, 0.99),
        q(&mut pings, 0.5),
        q(&mut pings, 0.99),
    );
    budget.shutdown().await?;
    Ok(())
}

// ---------------------------------------------------------------- a worker

async fn worker(args: Args) -> Result<(), Failure> {
    let limiter = match args.limiter.as_str() {
        "gcra" => {
            let gcra = Gcra::connect(&args).await?;
            RateLimiter::with_store(Arc::new(gcra), StoreFallback::Wait)
        }
        _ => {
            let budget = RedisBudget::builder(&args.redis, &args.key)
                .rate(args.limit, args.window)
                .lease(args.lease)
                .build()?;
            println!("holder {}", budget.holder());
            budget.rate_limiter(StoreFallback::Wait)
        }
    };
    let client = Client::builder(
        args.base_url.as_deref().ok_or("no --base-url")?.parse()?,
        ApiKey::new(&args.key)?,
    )
    .rate_limiter(Some(limiter))
    .retry(RetryPolicy::never())
    .deadline(Some(Duration::from_secs(600)))
    .build_http()?;
    let mut tasks = Vec::new();
    for _ in 0..args.tasks {
        let client = client.clone();
        let requests = args.requests;
        tasks.push(tokio::spawn(async move {
            let mut counts = HashMap::new();
            for _ in 0..requests {
                let outcome = match client.send(&ApiRequest::get("/api/v2/clips/results/p")).await {
                    Ok(_) => "ok",
                    Err(e) if e.status().is_some_and(|s| s.as_u16() == 429) => "429",
                    Err(_) => "error",
                };
                *counts.entry(outcome).or_insert(0usize) += 1;
            }
            counts
        }));
    }
    let mut totals: HashMap<&str, usize> = HashMap::new();
    for t in tasks {
        for (k, v) in t.await? {
            *totals.entry(k).or_default() += v;
        }
    }
    let get = |k| totals.get(k).copied().unwrap_or(0);
    println!("done {} {} {} {}", args.tasks * args.requests, get("ok"), get("429"), get("error"));
    Ok(())
}

// ---------------------------------------------------------------- GCRA, for comparison

/// A GCRA limiter (as redis-cell and redis_rate): `limit` per `window` with a burst of
/// `limit`, counted from admission. For comparison only.
struct Gcra {
    conn: ConnectionManager,
    key: String,
    period_ms: f64,
    burst: usize,
    script: redis::Script,
}

impl core::fmt::Debug for Gcra {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gcra")
            .field("period_ms", &self.period_ms)
            .field("burst", &self.burst)
            .finish()
    }
}

const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local period, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allow_at = tat + period - burst * period
if now < allow_at then return {0, math.ceil(allow_at - now)} end
redis.call('SET', KEYS[1], tostring(tat + period), 'PX', math.ceil((burst + 1) * period))
return {1, 0}
"#;

impl Gcra {
    async fn connect(args: &Args) -> Result<Self, Failure> {
        let conn = ConnectionManager::new(redis::Client::open(args.redis.as_str())?).await?;
        Ok(Self {
            conn,
            key: format!("gcra:{{{}}}", args.key),
            period_ms: args.window.as_secs_f64() * 1e3 / args.limit as f64,
            burst: args.limit,
            script: redis::Script::new(GCRA),
        })
    }
}

impl RateStore for Gcra {
    fn limit(&self) -> usize {
        self.burst
    }

    fn window(&self) -> Duration {
        Duration::from_secs_f64(self.period_ms * self.burst as f64 / 1e3)
    }

    fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> StoreFuture<'_, Result<(SlotId, Duration), AcquireError>> {
        Box::pin(async move {
            let start = Instant::now();
            loop {
                let mut conn = self.conn.clone();
                let (ok, wait): (i64, u64) = self
                    .script
                    .key(&self.key)
                    .arg(self.period_ms)
                    .arg(self.burst)
                    .invoke_async(&mut conn)
                    .await
                    .map_err(|e| AcquireError::Unavailable(StoreError::new(e)))?;
                if ok == 1 {
                    return Ok((SlotId(0), start.elapsed()));
                }
                let at = Instant::now() + Duration::from_millis(wait.max(1));
                if deadline.is_some_and(|d| at > d) {
                    return Err(AcquireError::Deadline);
                }
                tokio::time::sleep_until(at).await;
            }
        })
    }

    fn complete(&self, _slot: SlotId) {}
}

// ---------------------------------------------------------------- projects: adoption

/// What the workers printed: (worker, when, line).
type Lines = Arc<std::sync::Mutex<Vec<(usize, Instant, String)>>>;

fn lines_of(lines: &Lines) -> std::sync::MutexGuard<'_, Vec<(usize, Instant, String)>> {
    lines.lock().unwrap_or_else(|p| p.into_inner())
}

/// `--kill-project`: workers run projects through the shared slots; one is killed while it
/// holds some, and its projects are followed until a live worker has polled them to the end.
async fn projects(args: Args) -> Result<(), Failure> {
    let scan = args.lease / 2;
    println!(
        "{} processes x {} projects, each running {:?} on the mock (5 at once), lease {:?}, \
         a look for orphans every {:?}, redis {}",
        args.processes, args.projects, args.project_run, args.lease, scan, args.redis
    );
    // A project runs from its first poll for `project_run`, then the next poll sees it done.
    let first_poll = Arc::new(std::sync::Mutex::new(HashMap::<String, Instant>::new()));
    let run_for = args.project_run;
    let server = MockServer::builder()
        .rate_limit(Some((args.limit, args.window)))
        .polls_to_finish(1)
        .handler(move |r| {
            let id = r.path.strip_prefix("/api/v2/clips/results/")?.to_owned();
            let mut seen = first_poll.lock().unwrap_or_else(|p| p.into_inner());
            let first = *seen.entry(id).or_insert(r.at);
            (r.at - first < run_for).then(|| MockReply::success(r#"{"status": "ONGOING"}"#))
        })
        .start()
        .await?;
    let base = server.uri().to_string();
    let key = format!("workers-projects-{:08x}", fastrand::u32(..));
    let keys = status_redis::BudgetKeys::new("status-redis", &key);
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let lines = Lines::default();
    let mut children = Vec::new();
    for index in 0..args.processes {
        let mut child = tokio::process::Command::new(&exe)
            .args(["--worker", "--project-worker", "--key", &key, "--redis", &args.redis])
            .args(["--base-url", &base, "--projects", &args.projects.to_string()])
            .args(["--limit", &args.limit.to_string()])
            .args(["--window-secs", &args.window.as_secs_f64().to_string()])
            .args(["--lease-secs", &args.lease.as_secs_f64().to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let lines = Arc::clone(&lines);
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                lines_of(&lines).push((index, Instant::now(), line));
            }
        });
        children.push(child);
    }
    let holders = loop {
        let holders: HashMap<usize, String> = lines_of(&lines)
            .iter()
            .filter_map(|(i, _, l)| Some((*i, l.strip_prefix("holder ")?.to_owned())))
            .collect();
        if holders.len() == args.processes {
            break holders;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let worker_of = |member: &str| {
        holders.iter().find(|(_, h)| member.starts_with(&format!("{h}/"))).map(|(&i, _)| i)
    };
    let mut conn =
        redis::Client::open(args.redis.as_str())?.get_multiplexed_async_connection().await?;
    // Kill a worker once the run is under way and it holds project slots whose results paths
    // are known (a slot still being submitted would only come free after the unbound timeout).
    tokio::time::sleep(args.project_run / 2).await;
    let (victim, paths) = loop {
        let slots: Vec<String> =
            redis::cmd("HKEYS").arg(&keys.all()[4]).query_async(&mut conn).await?;
        let known: HashMap<String, String> =
            redis::cmd("HGETALL").arg(&keys.all()[6]).query_async(&mut conn).await?;
        let candidate = slots.iter().filter_map(|m| worker_of(m)).find(|&w| {
            let prefix = format!("{}/", holders[&w]);
            slots.iter().filter(|m| m.starts_with(&prefix)).all(|m| known.contains_key(m))
        });
        if let Some(w) = candidate {
            let prefix = format!("{}/", holders[&w]);
            let paths: Vec<String> = known
                .iter()
                .filter(|(m, _)| m.starts_with(&prefix))
                .map(|(_, p)| p.clone())
                .collect();
            break (w, paths);
        }
        if started.elapsed() > Duration::from_secs(120) {
            return Err("no worker ever held a project slot".into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    children[victim].start_kill()?;
    let killed_at = Instant::now();
    // Follow each of its projects in Redis: adopted (its slot under another holder), freed.
    let mut adopted: HashMap<String, (Duration, usize)> = HashMap::new();
    let mut freed: HashMap<String, Duration> = HashMap::new();
    while freed.len() < paths.len() {
        let known: HashMap<String, String> =
            redis::cmd("HGETALL").arg(&keys.all()[6]).query_async(&mut conn).await?;
        for path in &paths {
            let holder = known.iter().find(|(_, p)| *p == path).map(|(m, _)| m);
            match holder.and_then(|m| worker_of(m)) {
                Some(w) if w != victim => {
                    adopted.entry(path.clone()).or_insert((killed_at.elapsed(), w));
                }
                Some(_) => {}
                None if holder.is_none() => {
                    freed.entry(path.clone()).or_insert(killed_at.elapsed());
                }
                None => {}
            }
        }
        if killed_at.elapsed() > args.lease * 2 + args.project_run + Duration::from_secs(30) {
            println!(
                "kill -9: {} of {} projects STILL held",
                paths.len() - freed.len(),
                paths.len()
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Done watching: the workers may leave.
    for (i, child) in children.iter_mut().enumerate() {
        if i != victim {
            drop(child.stdin.take());
        }
    }
    for child in children {
        let _ = child.wait_with_output().await;
    }
    let took = started.elapsed();
    let mut totals = [0usize; 3];
    for (_, _, line) in lines_of(&lines).iter() {
        if let Some(rest) = line.strip_prefix("done ") {
            for (t, n) in totals.iter_mut().zip(rest.split(' ')) {
                *t += n.parse::<usize>().unwrap_or(0);
            }
        }
    }
    let [submitted, ok, errors] = totals;
    println!(
        "[projects] the live workers: {submitted} projects, {ok} succeeded, {errors} failed; \
         server: {} running at most (limit 5), {} answered 429; {:.1} s",
        server.peak_running_projects(),
        server.limit_rejections(),
        took.as_secs_f64()
    );
    println!(
        "kill -9 of worker {victim} at {:.1} s while it held {} running projects \
         (lease + orphan scan = {:.2} s):",
        (killed_at - started).as_secs_f64(),
        paths.len(),
        (args.lease + scan).as_secs_f64()
    );
    let after = |at: Instant| at.saturating_duration_since(killed_at).as_secs_f64();
    for path in &paths {
        let id = path.rsplit('/').next().unwrap_or(path);
        let reports = lines_of(&lines);
        let reported = |what: &str| {
            reports.iter().find(|(_, _, l)| l.strip_prefix(what) == Some(path.as_str()))
        };
        match (adopted.get(path), freed.get(path)) {
            (Some((at, w)), Some(free)) => println!(
                "  {id}: adopted by worker {w} {:.2} s after the kill, its slot free {:.2} s after \
                 the kill",
                at.as_secs_f64(),
                free.as_secs_f64()
            ),
            _ => println!("  {id}: adopted {:?}, freed {:?}", adopted.get(path), freed.get(path)),
        }
        if let (Some((w, a, _)), Some((_, f, _))) =
            (reported("adopted "), reported("orphan-finished "))
        {
            println!(
                "  {id}: worker {w} reported it adopted at {:.2} s and seen finished at {:.2} s",
                after(*a),
                after(*f)
            );
        }
    }
    Ok(())
}

/// A worker of `--kill-project`: submits its projects through the shared slots, waits for
/// each to finish, and stays (adopting orphans) until the parent closes its stdin.
async fn project_worker(args: Args) -> Result<(), Failure> {
    let budget = RedisBudget::builder(&args.redis, &args.key)
        .rate(args.limit, args.window)
        .lease(args.lease)
        .build()?;
    println!("holder {}", budget.holder());
    let client = Client::builder(
        args.base_url.as_deref().ok_or("no --base-url")?.parse()?,
        ApiKey::new(&args.key)?,
    )
    .rate_limiter(Some(budget.rate_limiter(StoreFallback::Wait)))
    .project_slots(budget.project_slots(StoreFallback::Wait))
    .poll_interval(Duration::from_secs(1))
    .deadline(Some(Duration::from_secs(600)))
    .observer(|e| match e {
        Event::OrphanAdopted { path } => println!("adopted {path}"),
        Event::OrphanFinished { path, .. } => println!("orphan-finished {path}"),
        _ => {}
    })
    .build_http()?;
    let (closed, stdin_closed) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = closed.send(());
    });
    let mut tasks = Vec::new();
    for _ in 0..args.projects {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let request = ClipRequest::new("https://www.youtube.com/watch?v=example");
            let task = client.submit_clips(&request).await?;
            client.wait(task).run(|_| {}).await.map(drop)
        }));
    }
    let (mut ok, mut errors) = (0, 0);
    for t in tasks {
        match t.await? {
            Ok(()) => ok += 1,
            Err(_) => errors += 1,
        }
    }
    println!("done {} {ok} {errors}", args.projects);
    let _ = stdin_closed.await;
    drop(client);
    budget.shutdown().await?;
    Ok(())
}
