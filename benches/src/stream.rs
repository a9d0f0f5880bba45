//! Streaming workloads: the push decoder (`status_core::stream`) fed a body in chunks of 1,
//! 64 and 4096 bytes, against whole-body `decode` of the same body and against actson, a
//! push parser of the std world, fed the same chunks, in the same run.

use core::hint::black_box;
use core::time::Duration;
use std::time::Instant;

use actson::feeder::PushJsonFeeder;
use actson::{JsonEvent, JsonParser};
use status_core::stream::{Events, Outcome, PushDecoder};

use crate::{corpus_envelopes, generated_envelopes, malformed, Body};

/// How a body is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Whole, to `decode`.
    Decode,
    /// To the push decoder in chunks of this many bytes.
    Stream(usize),
    /// To actson's push parser in chunks of this many bytes.
    Actson(usize),
}

/// Every mode, in table order; actson takes the chunk sizes where it is usable.
pub const MODES: [Mode; 6] = [
    Mode::Decode,
    Mode::Stream(4096),
    Mode::Stream(64),
    Mode::Stream(1),
    Mode::Actson(4096),
    Mode::Actson(64),
];

/// The name of a mode in tables, ids and `profile` engine names.
pub fn mode_name(mode: Mode) -> String {
    match mode {
        Mode::Decode => "decode".to_string(),
        Mode::Stream(n) => format!("stream-{n}"),
        Mode::Actson(n) => format!("actson-{n}"),
    }
}

/// The mode a name stands for (`decode`, `stream-N`, `actson-N`).
pub fn parse_mode(name: &str) -> Option<Mode> {
    if name == "decode" {
        return Some(Mode::Decode);
    }
    let chunk = |n: &str| n.parse().ok().filter(|&n: &usize| n > 0);
    if let Some(n) = name.strip_prefix("stream-") {
        return chunk(n).map(Mode::Stream);
    }
    chunk(name.strip_prefix("actson-")?).map(Mode::Actson)
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
///
/// actson has no envelope: it reports the body's length when the body is valid JSON, so that
/// the runs agree on every body whose `data` is all of it but the envelope's few bytes.
pub fn run(mode: Mode, bytes: &[u8]) -> Result<usize, status_core::Error> {
    let n = match mode {
        Mode::Decode => {
            let reply = status_core::decode(200, bytes)?;
            return Ok(reply
                .into_result()
                .ok()
                .and_then(|s| s.data())
                .map_or(0, |d| d.get().len()));
        }
        Mode::Actson(n) => return actson(n, bytes),
        Mode::Stream(n) => n,
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

/// actson fed `n`-byte chunks, every event taken (strings and numbers read as actson's users
/// read them); `Err` carries the offset actson stopped at.
fn actson(n: usize, bytes: &[u8]) -> Result<usize, status_core::Error> {
    let fail = |parser: &JsonParser<PushJsonFeeder>| {
        Err(status_core::Error::new(status_core::ErrorKind::ExpectedValue, parser.parsed_bytes()))
    };
    let mut parser = JsonParser::new(PushJsonFeeder::new());
    let mut chunks = bytes.chunks(n);
    let mut pending: &[u8] = &[];
    let mut values = 0usize;
    loop {
        match parser.next_event() {
            Ok(Some(JsonEvent::NeedMoreInput)) => {
                if pending.is_empty() {
                    match chunks.next() {
                        Some(chunk) => pending = chunk,
                        None => {
                            parser.feeder.done();
                            continue;
                        }
                    }
                }
                let taken = parser.feeder.push_bytes(pending);
                pending = pending.get(taken..).unwrap_or_default();
            }
            Ok(Some(JsonEvent::FieldName | JsonEvent::ValueString)) => {
                values += black_box(parser.current_str().map_or(0, str::len));
            }
            Ok(Some(JsonEvent::ValueInt | JsonEvent::ValueFloat)) => {
                values += black_box(parser.current_float().is_ok()) as usize;
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => return fail(&parser),
        }
    }
    black_box(values);
    Ok(bytes.len())
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
            let (whole, streamed) = (run(Mode::Decode, &body.bytes), run(mode, &body.bytes));
            if let Mode::Actson(_) = mode {
                assert!(streamed.is_ok(), "actson refused {}", body.name);
            } else {
                assert_eq!(streamed, whole, "{} in {} disagrees", body.name, mode_name(mode));
            }
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
        for (what, ours, peer) in [("4096", gbs[1], gbs[4]), ("64", gbs[2], gbs[5])] {
            println!("| {name} | {what}-byte chunks against actson | {:.2}x | peer |", ours / peer);
        }
    }
}
