//! Runs the client through every documented status and prints what it decoded and did.
//!
//! By default it starts an in-process mock of the API on loopback: no key, no network.
//! With `WAYINVIDEO_API_KEY` set (and the `tls` feature) it calls the real API instead, with
//! one read-only request for `WAYINVIDEO_PROJECT_ID`.
//!
//! ```text
//! cargo run -p status-hyper --example quickstart
//! RUST_LOG=status_hyper=debug cargo run -p status-hyper --example quickstart
//! WAYINVIDEO_API_KEY=... cargo run -p status-hyper --example quickstart --features tls
//! ```
//!
//! With `RUST_LOG` set, the client's `tracing` spans and events go to stderr as well: one
//! `request` span per call and one `attempt` span per attempt, with the waits and retries.

use core::error::Error as StdError;
use core::time::Duration;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use status_core::Backoff;
use status_hyper::api::{ClipRequest, Progress};
use status_hyper::mock::{MockReply, MockServer};
#[cfg(feature = "tls")]
use status_hyper::Connector;
use status_hyper::{
    ApiKey, ApiRequest, Client, ClientBuilder, Error, Event, RateLimiter, RetryPolicy,
    SuccessResponse,
};

/// The demo runs the API's schedule and rate window sixty times faster.
const SCALE: u32 = 60;

/// The API's advice: poll a running task every 30 s.
const POLL: Duration = Duration::from_secs(30);

type Log = Arc<Mutex<Vec<String>>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn StdError>> {
    if std::env::var_os("RUST_LOG").is_some() {
        use std::io::IsTerminal as _;
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .init();
    }
    match std::env::var("WAYINVIDEO_API_KEY") {
        Ok(key) if !key.trim().is_empty() => real_api(&key).await,
        _ => mock_api().await,
    }
}

/// Records what the client does, one line per wait or retry.
fn observe(builder: ClientBuilder, log: &Log) -> ClientBuilder {
    let log = Arc::clone(log);
    builder.observer(move |event| {
        let line = match event {
            Event::RateLimited { waited, .. } => format!("rate limit wait {}", ms(*waited)),
            Event::SlotWait { waited, .. } => format!("project slot wait {}", ms(*waited)),
            Event::Retry { status, retry_after, delay, .. } => {
                let cause = status.map_or("connection".to_string(), |s| s.as_u16().to_string());
                let asked =
                    retry_after.map_or(String::new(), |r| format!(", Retry-After {}", ms(r)));
                format!("{cause}: retry in {}{asked}", ms(*delay))
            }
            _ => return,
        };
        log.lock().unwrap().push(line);
    })
}

fn ms(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        "<1 ms".into()
    } else if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

fn clip(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}...", one_line.chars().take(max - 3).collect::<String>())
    }
}

/// One table row: the scenario, the status, what was decoded, and what the client did.
fn row(scenario: &str, result: &Result<SuccessResponse, Error>, log: &Log) {
    let (status, decoded, attempts) = match result {
        Ok(r) => {
            let data = r.data().map_or("(no data)".to_string(), |d| format!("data {}", d.get()));
            (r.status().as_u16().to_string(), data, r.attempts())
        }
        Err(e) => {
            let status = e.status().map_or("-".to_string(), |s| s.as_u16().to_string());
            let retry = if e.is_retryable() { "retryable" } else { "final" };
            // The error's own line, then its causes, as an error reporter would print them.
            let mut text = format!("{retry}: {e}");
            let mut cause = StdError::source(e);
            while let Some(c) = cause {
                text.push_str(&format!(": {c}"));
                cause = c.source();
            }
            (status, text, e.attempts())
        }
    };
    let did = core::mem::take(&mut *log.lock().unwrap());
    let tries =
        if attempts == 1 { "1 attempt".to_string() } else { format!("{attempts} attempts") };
    println!("{scenario:<28} {status:>4}  {}", clip(&decoded, 90));
    println!("{:<35}client: {}", "", [vec![tries], did].concat().join("; "));
}

async fn mock_api() -> Result<(), Box<dyn StdError>> {
    // The mock enforces the same scaled rate limit as the client keeps to.
    let window = Duration::from_secs(60) / SCALE;
    let server =
        MockServer::builder().api_key("demo-key").rate_limit(Some((15, window))).start().await?;
    let fast = Backoff { initial: Backoff::API.initial / SCALE, max: Backoff::API.max / SCALE };
    let api_waits: Vec<_> = (0..4).map(|i| ms(Backoff::API.delay(i))).collect();
    let demo_waits: Vec<_> = (0..4).map(|i| ms(fast.delay(i))).collect();
    println!("In-process mock of the API at {} (no key, no network).", server.uri());
    println!(
        "The API's retry schedule is {} (+ up to 25 % jitter, never less than Retry-After);",
        api_waits.join(", ")
    );
    println!(
        "this demo runs it {SCALE}x faster: {}, and allows 15 requests per {} instead of per minute.\n",
        demo_waits.join(", "),
        ms(window)
    );
    println!("{:<28} {:>4}  what was decoded / what the client did", "scenario", "HTTP");
    println!("{}", "-".repeat(126));

    let log: Log = Arc::default();
    let client = observe(
        Client::builder(server.uri(), ApiKey::new("demo-key")?)
            .retry(RetryPolicy::new().with_backoff(fast))
            .rate_limiter(Some(RateLimiter::new(15, window))),
        &log,
    )
    .build_http()?;

    // The typed flow: submit a clipping task, then wait for it. The waiter polls at the
    // poll interval (the API's 30 s, scaled here), through the rate limiter, and reports
    // each status change and the clips as they appear.
    let poll = POLL / SCALE;
    let typed = observe(
        Client::builder(server.uri(), ApiKey::new("demo-key")?)
            .retry(RetryPolicy::new().with_backoff(fast))
            .rate_limiter(Some(RateLimiter::new(15, window)))
            .poll_interval(poll),
        &log,
    )
    .build_http()?;
    let request = ClipRequest::new("https://example.com/v.mp4").enable_export(true);
    let task = typed.submit_clips(&request).await?;
    println!("{:<28} {:>4}  task {} submitted", "typed: submit_clips", "200", task.id());
    let results = typed
        .wait(task)
        .run(|progress| match progress {
            Progress::Status(status) => {
                println!(
                    "{:<28} {:>4}  status {status} (polled every {})",
                    "typed: wait",
                    "200",
                    ms(poll)
                );
            }
            Progress::Clips(clips) => {
                let idx: Vec<_> = clips.iter().map(|c| c.idx).collect();
                println!("{:<35}new clips {idx:?}", "");
            }
            _ => {}
        })
        .await?;
    for clip in &results.clips {
        println!(
            "{:<35}clip {} {:?}, {}..{} ms, tags {:?}",
            "", clip.idx, clip.title, clip.begin_ms, clip.end_ms, clip.tags
        );
    }
    log.lock().unwrap().clear();

    // The raw transport underneath: a submission and a poll as `ApiRequest`s.
    let submit = ApiRequest::post("/api/v2/clips", r#"{"video_url": "https://example.com/v.mp4"}"#);
    let (response, mut project) = client.submit(&submit).await?;
    row("200 submit a project", &Ok(response), &log);
    let results = ApiRequest::get(format!("/api/v2/clips/results/{}", project.id().unwrap_or("?")));
    while project.is_running() {
        tokio::time::sleep(poll).await;
        let polled = client.poll(&mut project, &results).await;
        row(&format!("200 poll: {}", project.status().unwrap_or("?")), &polled, &log);
    }

    // 200 with the vendor's extra top-level keys.
    server.push(MockReply::json(
        200,
        r#"{"code": "0", "data": {"id": "proj_abc123"}, "message": "Succeed"}"#,
    ));
    row(
        "200 with code and message",
        &client.send(&ApiRequest::get("/api/v2/clips/results/x")).await,
        &log,
    );

    // 400: the simulation does not know this project.
    row(
        "400 unknown project",
        &client.send(&ApiRequest::get("/api/v2/clips/results/prj_none")).await,
        &log,
    );

    // 403: a wrong key.
    let wrong =
        observe(Client::builder(server.uri(), ApiKey::new("wrong-key")?), &log).build_http()?;
    row("403 wrong key", &wrong.send(&results).await, &log);

    // 429 twice, then 200: the POST is retried because a 429 means it was refused.
    server.push_all([
        MockReply::gateway(429, "Too Many Requests", "/api/v2/clips").retry_after_secs(1),
        MockReply::gateway(429, "Too Many Requests", "/api/v2/clips"),
    ]);
    let (response, mut project2) = client.submit(&submit).await?;
    row("429, 429, 200 on a POST", &Ok(response), &log);
    let results2 =
        ApiRequest::get(format!("/api/v2/clips/results/{}", project2.id().unwrap_or("?")));
    while project2.is_running() {
        tokio::time::sleep(poll).await;
        client.poll(&mut project2, &results2).await?;
    }
    log.lock().unwrap().clear();

    // 429 whose Retry-After is longer than the client will wait: returned at once.
    server
        .push(MockReply::gateway(429, "Too Many Requests", "/api/v2/clips").retry_after_secs(300));
    row("429 with Retry-After 300 s", &client.send(&results).await, &log);

    // 500 twice on a GET, then 200.
    server.push_all([
        MockReply::message(500, "internal failure", "trace-5xx-1"),
        MockReply::message(500, "internal failure", "trace-5xx-2"),
    ]);
    row("500, 500, 200 on a GET", &client.send(&results).await, &log);

    // 500 on a POST: it may have taken effect, so it is not sent again.
    server.push(MockReply::message(500, "internal failure", "trace-post-500"));
    row("500 on a POST", &client.send(&submit).await, &log);

    // 503 with Retry-After as an HTTP date.
    let now = SystemTime::now();
    server.push(MockReply::empty(503).retry_after_date(now, Duration::from_secs(1)));
    row("503 with Retry-After date", &client.send(&results).await, &log);

    // A proxy's HTML 502 on every attempt: the client gives up and keeps the page.
    server.push_all(
        (0..5).map(|_| MockReply::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")),
    );
    row("502 HTML from a proxy", &client.send(&results).await, &log);

    // An empty 504, then a chunked 200.
    server.push_all([MockReply::empty(504), MockReply::success(r#"{"chunked": true}"#).chunked(4)]);
    row("504 empty, then chunked 200", &client.send(&results).await, &log);

    // A malformed 200 and an oversized one.
    server.push(MockReply::json(200, r#"{"data": {"id": "prj1",}}"#));
    row("200 with malformed JSON", &client.send(&results).await, &log);
    let small =
        observe(Client::builder(server.uri(), ApiKey::new("demo-key")?).body_limit(64), &log)
            .build_http()?;
    server.push(MockReply::success(&format!(r#""{}""#, "x".repeat(200))));
    row("200 larger than the limit", &small.send(&results).await, &log);

    // A burst of 20 GETs: 15 go at once, the rest wait for the window to move on.
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, results) = (client.clone(), results.clone());
        burst.spawn(async move { client.send(&results).await });
    }
    let mut ok = 0;
    while let Some(result) = burst.join_next().await {
        ok += usize::from(result.is_ok_and(|r| r.is_ok()));
    }
    let held: Vec<String> = core::mem::take(&mut *log.lock().unwrap());
    println!("{:<28} {:>4}  {ok} of 20 succeeded", "burst of 20 GETs", "200");
    println!(
        "{:<35}client: {} held back by the rate limiter ({})",
        "",
        held.len(),
        held.join(", ")
    );

    // The sixth running project waits until one of the five is seen finished.
    let mut running = Vec::new();
    for _ in 0..5 {
        running.push(client.submit(&submit).await?.1);
    }
    let mut first = running.remove(0);
    let poller = client.clone();
    let finish = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let results =
            ApiRequest::get(format!("/api/v2/clips/results/{}", first.id().unwrap_or("?")));
        while first.is_running() {
            tokio::time::sleep(POLL / SCALE).await;
            poller.poll(&mut first, &results).await?;
        }
        Ok::<_, Error>(())
    });
    let (response, _sixth) = client.submit(&submit).await?;
    finish.await??;
    log.lock().unwrap().retain(|l| l.starts_with("project slot"));
    row("sixth project (limit 5)", &Ok(response), &log);

    println!(
        "\nThe mock answered {} requests and refused none for exceeding a limit: {}.",
        server.request_count(),
        server.limit_rejections() == 0
    );
    Ok(())
}

#[cfg(feature = "tls")]
async fn real_api(_key: &str) -> Result<(), Box<dyn StdError>> {
    let log: Log = Arc::default();
    // The key from WAYINVIDEO_API_KEY, the base URL from WAYINVIDEO_BASE_URL if set.
    let client = observe(Client::from_env()?, &log).build_https()?;
    call_real(client, &log).await
}

#[cfg(feature = "tls")]
async fn call_real<C: Connector>(client: Client<C>, log: &Log) -> Result<(), Box<dyn StdError>> {
    let id = std::env::var("WAYINVIDEO_PROJECT_ID").unwrap_or_else(|_| "prj_does_not_exist".into());
    println!("Calling {} (read-only: the results of project {id}).\n", status_hyper::API_BASE);
    let result = client.send(&ApiRequest::get(format!("/api/v2/clips/results/{id}"))).await;
    row("real API: clip results", &result, log);
    Ok(())
}

#[cfg(not(feature = "tls"))]
async fn real_api(_key: &str) -> Result<(), Box<dyn StdError>> {
    Err("WAYINVIDEO_API_KEY is set, but the real API needs HTTPS: \
         run with `--features tls`, or unset the variable to use the mock"
        .into())
}
