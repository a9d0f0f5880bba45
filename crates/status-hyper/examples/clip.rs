//! Clips a video end to end: submits it, waits for the task (printing progress to stderr),
//! and prints each clip as one JSON line on stdout.
//!
//! ```text
//! WAYINVIDEO_API_KEY=... cargo run -p status-hyper --features tls --example clip -- <video_url> [--find "<query>"] [--export]
//! cargo run -p status-hyper --example clip -- https://example.com/talk.mp4 --mock --export
//! ```
//!
//! Settings: `WAYINVIDEO_API_KEY` (required unless `--mock`), `WAYINVIDEO_BASE_URL` (default
//! the real API; plain `http` only to loopback), `WAYINVIDEO_POLL_SECS` (default 30; 1 with
//! `--mock`). `--mock` starts the in-process mock of the API on loopback instead.
//!
//! Each stdout line is `{"idx":..,"title":..,"begin_ms":..,"end_ms":..,"score":..,"tags":[..],"export_link":..}`
//! with the times as integers whatever form the server used. Exit status: 0 when the task
//! `SUCCEEDED`, 1 when it `FAILED` (with its message on stderr), 2 on any other error.

use core::time::Duration;
use std::ffi::OsString;
use std::io::Write;

use status_hyper::api::{ClipRequest, ClipResults, FindMomentsRequest, Progress, Task};
use status_hyper::mock::MockServer;
use status_hyper::{ApiKey, Client, ClientBuilder, Connector, ErrorKind, API_BASE};

const USAGE: &str = "usage: clip <video_url> [--find \"<query>\"] [--export] [--mock]";

/// What the command line asked for.
struct Args {
    video_url: String,
    find: Option<String>,
    export: bool,
    mock: bool,
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    let mut video_url = None;
    let (mut find, mut export, mut mock) = (None, false, false);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--find" => find = Some(args.next().ok_or("--find needs a query")?),
            "--export" => export = true,
            "--mock" => mock = true,
            "-h" | "--help" => return Err(USAGE.into()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ if video_url.is_some() => return Err("only one video_url, please".into()),
            _ => video_url = Some(arg),
        }
    }
    let video_url = video_url.ok_or_else(|| USAGE.to_string())?;
    Ok(Args { video_url, find, export, mock })
}

/// Runs the command with `args` (without the program name) and the environment `lookup`,
/// writing to `out` and `err`; returns the exit status.
pub async fn run(
    args: Vec<String>,
    mut lookup: impl FnMut(&str) -> Option<OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let args = match parse(args) {
        Ok(args) => args,
        Err(why) => {
            let _ = writeln!(err, "{why}");
            return 2;
        }
    };
    let poll = match lookup("WAYINVIDEO_POLL_SECS").map(|v| v.into_string()) {
        None => Duration::from_secs(if args.mock { 1 } else { 30 }),
        Some(Ok(text)) => {
            match text.trim().parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok())
            {
                Some(d) => d,
                None => {
                    let _ = writeln!(err, "WAYINVIDEO_POLL_SECS must be a number of seconds");
                    return 2;
                }
            }
        }
        Some(Err(_)) => {
            let _ = writeln!(err, "WAYINVIDEO_POLL_SECS is not valid Unicode");
            return 2;
        }
    };
    // Kept alive for the whole run when `--mock` is given.
    let mut _mock = None;
    let builder = if args.mock {
        let server = match MockServer::builder().polls_to_finish(4).start().await {
            Ok(server) => server,
            Err(e) => {
                let _ = writeln!(err, "could not start the mock: {e}");
                return 2;
            }
        };
        let _ = writeln!(err, "using the in-process mock at {}", server.uri());
        let key = ApiKey::new("mock-key").expect("a valid key");
        let builder = Client::builder(server.uri(), key);
        _mock = Some(server);
        builder
    } else {
        match Client::from_lookup(&mut lookup) {
            Ok(builder) => builder,
            Err(e) if e.is_missing() => {
                let _ = writeln!(
                    err,
                    "{e}.\n\
                     To call the API ({API_BASE}): WAYINVIDEO_API_KEY=... cargo run -p status-hyper --features tls --example clip -- <video_url>\n\
                     To try it against the in-process mock, no key needed: cargo run -p status-hyper --example clip -- <video_url> --mock\n\
                     {USAGE}"
                );
                return 2;
            }
            Err(e) => {
                let _ = writeln!(err, "{e}");
                return 2;
            }
        }
    };
    // Tasks take minutes: let a submission wait that long for a project slot.
    let builder = builder.poll_interval(poll).deadline(Some(Duration::from_secs(15 * 60)));
    let https = lookup("WAYINVIDEO_BASE_URL")
        .and_then(|v| v.into_string().ok())
        .map_or(!args.mock, |url| url.trim().starts_with("https:"));
    if https {
        build_https(builder, &args, out, err).await
    } else {
        match builder.build_http() {
            Ok(client) => drive(client, &args, out, err).await,
            Err(e) => {
                let _ = writeln!(err, "{e}");
                2
            }
        }
    }
}

#[cfg(feature = "tls")]
async fn build_https(
    builder: ClientBuilder,
    args: &Args,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    match builder.build_https() {
        Ok(client) => drive(client, args, out, err).await,
        Err(e) => {
            let _ = writeln!(err, "{e}");
            2
        }
    }
}

#[cfg(not(feature = "tls"))]
async fn build_https(
    _builder: ClientBuilder,
    _args: &Args,
    _out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let _ = writeln!(err, "an https base URL needs `--features tls` (or use `--mock`)");
    2
}

/// One stdout line, in the documented field order.
#[derive(serde::Serialize)]
struct Line<'a> {
    idx: u32,
    title: &'a str,
    begin_ms: u64,
    end_ms: u64,
    score: Option<f64>,
    tags: &'a [String],
    export_link: Option<&'a str>,
}

async fn drive<C: Connector>(
    client: Client<C>,
    args: &Args,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let submitted: Result<Task<ClipResults>, _> = match &args.find {
        Some(query) => {
            let request =
                FindMomentsRequest::new(&args.video_url, query).enable_export(args.export);
            client.find_moments(&request).await
        }
        None => {
            let request = ClipRequest::new(&args.video_url).enable_export(args.export);
            client.submit_clips(&request).await
        }
    };
    let task = match submitted {
        Ok(task) => task,
        Err(e) => {
            let _ = writeln!(err, "submission failed: {e}");
            return 2;
        }
    };
    let _ = writeln!(err, "task {} submitted", task.id());
    let mut clips_so_far = 0;
    let waited = client
        .wait(task)
        .run(|progress| match progress {
            Progress::Status(status) => {
                let _ = writeln!(err, "status {status}");
            }
            Progress::Clips(clips) => {
                clips_so_far += clips.len();
                let _ = writeln!(err, "{} new clips ({clips_so_far} so far)", clips.len());
            }
            _ => {}
        })
        .await;
    match waited {
        Ok(results) => {
            let _ = writeln!(err, "status SUCCEEDED: {} clips", results.clips.len());
            for clip in &results.clips {
                let line = Line {
                    idx: clip.idx,
                    title: &clip.title,
                    begin_ms: clip.begin_ms,
                    end_ms: clip.end_ms,
                    score: clip.score,
                    tags: &clip.tags,
                    export_link: clip.export_link.as_deref(),
                };
                match serde_json::to_string(&line) {
                    Ok(line) => {
                        let _ = writeln!(out, "{line}");
                    }
                    Err(e) => {
                        let _ = writeln!(err, "could not print a clip: {e}");
                        return 2;
                    }
                }
            }
            let _ = out.flush();
            0
        }
        Err(e) if e.kind() == ErrorKind::TaskFailed => {
            let _ = writeln!(err, "{e}");
            1
        }
        Err(e) => {
            let _ = writeln!(err, "waiting failed: {e}");
            2
        }
    }
}

#[allow(dead_code)]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = std::env::args().skip(1).collect();
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr());
    let code = run(args, |name| std::env::var_os(name), &mut out, &mut err).await;
    std::process::exit(code);
}
