//! Streaming workloads: the push decoder (`status_core::stream`) fed a body in chunks of 1,
//! 64 and 4096 bytes, against whole-body `decode` of the same body in the same run.

use core::hint::black_box;
use core::time::Duration;
use std::time::Instant;

use status_core::stream::{Events, Outcome, PushDecoder};

use crate::{corpus_envelopes, generated_envelopes, malformed, Body};

/// How a body is fed: `None` whole to `decode`, `Some(n)` to the push decoder in `n`-byte
/// chunks.
pub const MODES: [Option<usize>; 4] = [None, Some(4096), Some(64), Some(1)];

/// The name of a mode in tables, ids and `profile` engine names.
pub fn mode_name(mode: Option<usize>) -> String {
    match mode {
        None => "decode".to_string(),
        Some(n) => format!("stream-{n}"),
    }
}

/// The mode a name stands for (`decode`, `stream-N`).
pub fn parse_mode(name: &str) -> Option<Option<usize>> {
    if name == "decode" {
        return Some(None);
    }
    name.strip_prefix("stream-")?.parse().ok().filter(|&n| n > 0).map(Some)
}

/// Events that count `data`'s bytes, so that the pass-through is part of what is measured.
struct Count(usize);

impl Events for Count {
    #[inline]
    fn data(&mut self, bytes: &[u8]) {
        self.0 += black_box(bytes).len();
    }
}

/// Decodes a 2xx body in `mode`: the length of `data`, or `Err` for a malformed body.
pub fn run(mode: Option<usize>, bytes: &[u8]) -> Result<usize, status_core::Error> {
    let Some(n) = mode else {
        let reply = status_core::decode(200, bytes)?;
        return Ok(reply.into_result().ok().and_then(|s| s.data()).map_or(0, |d| d.get().len()));
    };
    let mut decoder = PushDecoder::new(200)?;
    let mut count = Count(0);
    for chunk in bytes.chunks(n) {
        decoder.feed(chunk, &mut count)?;
    }
    match decoder.finish()? {
        Outcome::Success { .. } => Ok(count.0),
        Outcome::Error(_) => Ok(0),
    }
}

/// The valid bodies streamed: the corpora and generated payloads of 64 KiB and 4 MiB.
pub fn valid_bodies(quick: bool) -> Vec<Body> {
    let sizes: &[usize] = if quick { &[64 << 10] } else { &[64 << 10, 4 << 20] };
    corpus_envelopes().into_iter().chain(generated_envelopes(sizes)).collect()
}

/// Malformed bodies of two sizes, to show that rejection does not grow with the body.
pub fn malformed_bodies() -> Vec<Body> {
    ["truncated", "open-brackets", "bad-escape-end"]
        .into_iter()
        .flat_map(|kind| [malformed(kind, 4 << 10), malformed(kind, 1 << 20)])
        .collect()
}

/// The best of `rounds` batches of about `batch`, in nanoseconds per run, every mode taking
/// its turn in each round.
fn measure(body: &Body, rounds: usize, batch: Duration) -> Vec<f64> {
    let mut iters = Vec::new();
    for mode in MODES {
        let start = Instant::now();
        let mut n = 1u64;
        black_box(run(mode, &body.bytes)).ok();
        while start.elapsed() < batch / 4 {
            for _ in 0..n {
                black_box(run(mode, black_box(&body.bytes))).ok();
            }
            n *= 2;
        }
        let per = start.elapsed().as_secs_f64() / (2 * n - 1) as f64;
        iters.push(((batch.as_secs_f64() / per) as u64).max(1));
    }
    let mut best = vec![f64::INFINITY; MODES.len()];
    for _ in 0..rounds {
        for (i, &mode) in MODES.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..iters[i] {
                black_box(run(mode, black_box(&body.bytes))).ok();
            }
            let ns = start.elapsed().as_secs_f64() * 1e9 / iters[i] as f64;
            best[i] = best[i].min(ns);
        }
    }
    best
}

/// The streaming tables of the `report` binary: GB/s per mode (ratio to whole-body
/// `decode`), then time per malformed body, then the targets.
pub fn report(quick: bool, filter: Option<&str>, rounds: usize, batch: Duration) {
    let wanted = |b: &Body| filter.is_none_or(|f| b.name.contains(f));
    let header = || {
        let names: Vec<String> = MODES.iter().map(|&m| mode_name(m)).collect();
        println!("| body | bytes | {} |", names.join(" | "));
        println!("|---|---:|{}", "---:|".repeat(MODES.len()));
    };
    println!("\n### Streaming (push decoder) against whole-body decode, GB/s\n");
    header();
    let mut targets = Vec::new();
    for body in valid_bodies(quick).iter().filter(|b| wanted(b)) {
        for mode in MODES {
            let (whole, streamed) = (run(None, &body.bytes), run(mode, &body.bytes));
            assert_eq!(streamed, whole, "{} in {} disagrees", body.name, mode_name(mode));
        }
        let ns = measure(body, rounds, batch);
        let gbs: Vec<f64> = ns.iter().map(|ns| body.bytes.len() as f64 / ns).collect();
        let cells: Vec<String> =
            gbs.iter().map(|g| format!("{g:.2} ({:.2}x)", g / gbs[0])).collect();
        println!("| {} | {} | {} |", body.name, body.bytes.len(), cells.join(" | "));
        targets.push((body.name.clone(), gbs));
    }
    println!("\n### Streaming rejection of malformed bodies, ns per body\n");
    header();
    for body in malformed_bodies().iter().filter(|b| wanted(b)) {
        for mode in MODES {
            assert!(run(mode, &body.bytes).is_err(), "{} accepted", body.name);
        }
        let ns = measure(body, rounds, batch);
        let cells: Vec<String> = ns.iter().map(|ns| format!("{ns:.0}")).collect();
        println!("| {} | {} | {} |", body.name, body.bytes.len(), cells.join(" | "));
    }
    println!("\n### Streaming targets (same run)\n");
    println!("| body | target | measured | |");
    println!("|---|---|---:|---|");
    for (name, gbs) in &targets {
        let rows = [
            ("4096-byte chunks >= 0.85x decode", gbs[1] / gbs[0], 0.85, "x"),
            ("64-byte chunks >= 0.5 GB/s", gbs[2], 0.5, " GB/s"),
            ("1-byte chunks >= 0.1 GB/s", gbs[3], 0.1, " GB/s"),
        ];
        for (what, got, want, unit) in rows {
            let verdict = if got >= want { "met" } else { "**short**" };
            println!("| {name} | {what} | {got:.2}{unit} | {verdict} |");
        }
    }
}
