//! Shared set-up: a mock on loopback and a client for it, over HTTP/1.1 or HTTP/2.
#![allow(dead_code, unreachable_pub)]

use core::time::Duration;
use std::sync::{Arc, Mutex};

use status_core::Backoff;
use status_hyper::mock::MockServer;
use status_hyper::{ApiKey, Client, ClientBuilder, Event, RetryPolicy};
use tokio::time::Instant;

pub const KEY: &str = "sk-test-a1b2c3-distinctive-KEY-9z8y7x";

/// Both protocols the client speaks on plain connections.
pub const PROTOCOLS: [bool; 2] = [false, true];

pub fn builder(server: &MockServer, http2: bool) -> ClientBuilder {
    Client::builder(server.uri(), ApiKey::new(KEY).unwrap()).http2_only(http2)
}

/// A backoff short enough for real-time tests.
pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    let fast = Backoff { initial: Duration::from_millis(1), max: Duration::from_millis(8) };
    RetryPolicy::new().with_backoff(fast).with_max_attempts(max_attempts)
}

/// Settings for paused-clock tests: tokio's paused clock jumps to the next timer whenever
/// the runtime waits, even for loopback I/O that is about to arrive, so the only timers
/// left are the waits under test.
pub fn paused(builder: ClientBuilder) -> ClientBuilder {
    builder.connect_timeout(None).attempt_timeout(None).deadline(None)
}

/// An observer that records events as owned summaries.
#[derive(Clone, Default)]
pub struct Recorder {
    pub events: Arc<Mutex<Vec<Seen>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Attempt { path: String, attempt: u32, at: Instant },
    Retry { attempt: u32, scheduled: Duration, retry_after: Option<Duration>, delay: Duration },
    RateLimited(Duration),
    SlotWait(Duration),
}

impl Recorder {
    pub fn attach(&self, builder: ClientBuilder) -> ClientBuilder {
        let events = Arc::clone(&self.events);
        builder.observer(move |e| {
            let seen = match e {
                Event::Attempt { path, attempt, at, .. } => {
                    Seen::Attempt { path: path.to_string(), attempt: *attempt, at: *at }
                }
                Event::Retry { attempt, scheduled, retry_after, delay, .. } => Seen::Retry {
                    attempt: *attempt,
                    scheduled: *scheduled,
                    retry_after: *retry_after,
                    delay: *delay,
                },
                Event::RateLimited { waited, .. } => Seen::RateLimited(*waited),
                Event::SlotWait { waited, .. } => Seen::SlotWait(*waited),
                _ => return,
            };
            events.lock().unwrap().push(seen);
        })
    }

    pub fn take(&self) -> Vec<Seen> {
        core::mem::take(&mut *self.events.lock().unwrap())
    }

    pub fn attempts(&self) -> Vec<Instant> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Seen::Attempt { at, .. } => Some(*at),
                _ => None,
            })
            .collect()
    }
}

/// The most instants that fall in any half-open window `[t, t + window)`.
pub fn max_in_window(times: &[Instant], window: Duration) -> usize {
    let mut sorted = times.to_vec();
    sorted.sort();
    (0..sorted.len())
        .map(|i| sorted[i..].iter().take_while(|&&t| t < sorted[i] + window).count())
        .max()
        .unwrap_or(0)
}

/// What a [`ConnectProxy`] saw of one connection: the request line and headers it was sent.
#[derive(Debug, Clone)]
pub struct ProxiedRequest {
    pub request_line: String,
    pub headers: Vec<String>,
}

/// A small HTTP proxy on loopback that only tunnels: it answers `CONNECT host:port` with
/// 200, then copies bytes both ways; anything else gets 405. It records every request head.
pub struct ConnectProxy {
    pub addr: core::net::SocketAddr,
    pub seen: Arc<Mutex<Vec<ProxiedRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ConnectProxy {
    pub async fn start() -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen: Arc<Mutex<Vec<ProxiedRequest>>> = Arc::default();
        let log = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { continue };
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    // Read the request head byte by byte, so that nothing after it is consumed.
                    let mut head = Vec::new();
                    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
                        let mut byte = [0u8; 1];
                        if client.read_exact(&mut byte).await.is_err() {
                            return;
                        }
                        head.push(byte[0]);
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
                    let request_line = lines.next().unwrap_or_default().to_owned();
                    let headers = lines.map(str::to_owned).collect();
                    log.lock()
                        .unwrap()
                        .push(ProxiedRequest { request_line: request_line.clone(), headers });
                    let mut parts = request_line.split(' ');
                    let (method, target) = (parts.next(), parts.next());
                    let (Some("CONNECT"), Some(target)) = (method, target) else {
                        let _ = client
                            .write_all(
                                b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n",
                            )
                            .await;
                        return;
                    };
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                        let _ = client
                            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                            .await;
                        return;
                    };
                    if client
                        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                        .await
                        .is_ok()
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
            }
        });
        Self { addr, seen, task }
    }

    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<ProxiedRequest> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A gzip member whose body inflates to `mib` MiB of zeros, built without compressing them
/// all: one MiB is deflated after a full flush (so the block refers to nothing before it)
/// and that block is repeated. Deflate cannot do better than about 1:1032, so a GiB of
/// zeros is about 1 MB of gzip.
#[cfg(feature = "gzip")]
pub fn gzip_of_zeros(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut deflate = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(4096);
    deflate.compress_vec(&zeros, &mut block, FlushCompress::Full).unwrap();
    assert_eq!(deflate.total_in(), 1 << 20, "one call takes the whole MiB");
    let mut crc_one = Crc::new();
    crc_one.update(&zeros);
    let mut crc = Crc::new();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    for _ in 0..mib {
        out.extend_from_slice(&block);
        crc.combine(&crc_one);
    }
    // A final, empty block with the fixed codes: BFINAL 1, BTYPE 01, end-of-block.
    out.extend_from_slice(&[0x03, 0x00]);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(((mib as u64) << 20) as u32).to_le_bytes());
    out
}
