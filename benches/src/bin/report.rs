//! Runs every workload for every engine, interleaved in one process, and prints markdown tables:
//! throughput, time per body, and each figure's ratio to serde_json; then the targets.
//!
//! `cargo bench -p status-benches --bin report [-- --quick] [--filter BODY] [--engine NAME]`
//!
//! Run through `cargo bench`, every engine is built with the workspace's bench profile: fat LTO
//! and one codegen unit, which peers that rely on cross-crate inlining (sonic-rs) need to be at
//! their best. The binary says which build it is (cargo passes it `--bench`).
//!
//! `--quick` skips the largest payloads and takes fewer samples. Each figure is the best of
//! several timed batches; the engines of one body take turns batch by batch, so a slow spell of
//! the machine hits them all alike.

use core::hint::black_box;
use core::time::Duration;
use std::time::Instant;

use status_benches::{
    corpus_envelopes, decode_error, decode_success, decode_typed, error_bodies,
    generated_envelopes, malformed, number_envelopes, reordered_error_bodies, size_name, survives,
    typed_bodies, Body, Engine, Scratch, ERROR_ENGINES, GENERATED_SIZES, MALFORMED_KINDS,
    SUCCESS_ENGINES, TYPED_ENGINES,
};

struct Settings {
    rounds: usize,
    batch: Duration,
    quick: bool,
    filter: Option<String>,
    engine: Option<String>,
}

/// One engine's figure on one body: nanoseconds per body, or `None` when it cannot decode it.
struct Row {
    body: String,
    bytes: usize,
    ns: Vec<Option<f64>>,
}

struct Table {
    title: &'static str,
    engines: Vec<Engine>,
    rows: Vec<Row>,
    /// Show GB/s (large bodies) rather than ns per body.
    throughput: bool,
}

/// Times `run` for each engine on one body; `run` returns `None` when the engine gave the
/// wrong answer, and that engine is then left out.
fn measure(
    settings: &Settings,
    body: &Body,
    engines: &[Engine],
    run: &mut dyn FnMut(Engine, &Body, &mut Scratch) -> Option<usize>,
) -> Row {
    let mut scratch = Scratch::default();
    let mut iters = Vec::with_capacity(engines.len());
    for &engine in engines {
        if settings.engine.as_deref().is_some_and(|only| only != engine.name()) {
            iters.push(None);
            continue;
        }
        // Warm up and calibrate: enough iterations to fill one batch.
        let start = Instant::now();
        let ok = run(engine, body, &mut scratch).is_some();
        let mut n = 1u64;
        let mut elapsed = start.elapsed();
        while ok && elapsed < settings.batch / 4 {
            for _ in 0..n {
                black_box(run(engine, black_box(body), &mut scratch));
            }
            n *= 2;
            elapsed = start.elapsed();
        }
        let per = elapsed.as_secs_f64() / (2 * n - 1) as f64;
        iters.push(ok.then(|| ((settings.batch.as_secs_f64() / per) as u64).max(1)));
    }
    let mut samples = vec![Vec::with_capacity(settings.rounds); engines.len()];
    for _ in 0..settings.rounds {
        for (i, &engine) in engines.iter().enumerate() {
            let Some(n) = iters[i] else { continue };
            let start = Instant::now();
            for _ in 0..n {
                black_box(run(engine, black_box(body), &mut scratch));
            }
            samples[i].push(start.elapsed().as_secs_f64() * 1e9 / n as f64);
        }
    }
    let ns = samples
        .into_iter()
        .map(|s| {
            if s.is_empty() {
                return None;
            }
            // The fastest batch: on a shared machine, slow batches measure the neighbours.
            s.into_iter().reduce(f64::min)
        })
        .collect();
    Row { body: body.name.clone(), bytes: body.bytes.len(), ns }
}

fn wanted(settings: &Settings, name: &str) -> bool {
    settings.filter.as_deref().is_none_or(|f| name.contains(f))
}

fn print_table(table: &Table) {
    let base = table.engines.iter().position(|&e| e == Engine::SerdeJson);
    println!("\n### {}\n", table.title);
    let unit = if table.throughput { "GB/s" } else { "ns/body" };
    print!("| body | bytes |");
    for e in &table.engines {
        print!(" {} ({unit}) |", e.name());
    }
    println!();
    print!("|---|---:|");
    for _ in &table.engines {
        print!("---:|");
    }
    println!();
    for row in &table.rows {
        print!("| {} | {} |", row.body, row.bytes);
        let base_ns = base.and_then(|b| row.ns[b]);
        for ns in &row.ns {
            match ns {
                None => print!(" n/a |"),
                Some(ns) => {
                    let figure = if table.throughput {
                        format!("{:.2}", row.bytes as f64 / ns)
                    } else {
                        format!("{ns:.0}")
                    };
                    match base_ns {
                        Some(b) => print!(" {figure} ({:.2}x) |", b / ns),
                        None => print!(" {figure} |"),
                    }
                }
            }
        }
        println!();
    }
}

/// The speedup of status-core over `peer` on `row`.
fn ratio(table: &Table, row: &Row, peer: Engine) -> Option<f64> {
    let us = table.engines.iter().position(|&e| e == Engine::StatusCore)?;
    let them = table.engines.iter().position(|&e| e == peer)?;
    Some(row.ns[them]? / row.ns[us]?)
}

fn print_targets(tables: &[Table]) {
    println!("\n### Targets (status-core speedup over each peer, same run)\n");
    println!("| workload | body | peer | target | measured | |");
    println!("|---|---|---|---:|---:|---|");
    let check = |table: &Table, row: &Row, peer: Engine, target: f64| {
        if let Some(r) = ratio(table, row, peer) {
            let verdict = if r >= target { "met" } else { "**short**" };
            println!(
                "| {} | {} | {} | {target:.1}x | {r:.2}x | {verdict} |",
                table.title,
                row.body,
                peer.name()
            );
        }
    };
    for table in tables {
        for row in &table.rows {
            match table.title {
                "Error bodies" => {
                    check(table, row, Engine::SerdeJson, 3.0);
                    check(table, row, Engine::SerdeJsonCore, 2.5);
                }
                "Success envelopes" => {
                    check(table, row, Engine::SerdeJson, 2.0);
                    check(table, row, Engine::SonicRs, 1.5);
                    if matches!(row.body.as_str(), "twitter" | "citm_catalog") {
                        check(table, row, Engine::SerdeJson, 3.0);
                    }
                }
                NUMBERS_TITLE => {
                    check(table, row, Engine::SerdeJson, 1.5);
                    check(table, row, Engine::SonicRs, 1.2);
                }
                REORDERED_TITLE => {
                    check(table, row, Engine::SerdeJson, 2.5);
                    check(table, row, Engine::SerdeJsonCore, 2.0);
                }
                "Typed clip results" => check(table, row, Engine::SerdeJson, 1.5),
                _ => {}
            }
        }
    }
}

const CAPACITY_TITLE: &str = "Typed, capacity 32 against 2048 (same 20-clip body)";

/// The capacity workload: one 20-clip body into room for 32 and for 2048 clips.
fn capacity_table(settings: &Settings) -> Table {
    use status_benches::capacity::{capacity_cases, decode_capacity, CAPACITY_ENGINES};
    let mut table = Table {
        title: CAPACITY_TITLE,
        engines: CAPACITY_ENGINES.to_vec(),
        rows: vec![],
        throughput: false,
    };
    for case in capacity_cases().iter().filter(|c| wanted(settings, &c.body.name)) {
        table.rows.push(measure(settings, &case.body, &CAPACITY_ENGINES, &mut |e, _, _| {
            decode_capacity(e, case)
        }));
    }
    table
}

/// The title of the table of number-heavy and escape-heavy bodies.
const NUMBERS_TITLE: &str = "Numbers and escaped strings";
/// The title of the table of error bodies in other orders.
const REORDERED_TITLE: &str = "Error bodies in other orders";

/// The bodies heavy with numbers or escapes, with canada (when the corpora are there) first.
fn numbers_table(settings: &Settings) -> Table {
    let mut table = Table {
        title: NUMBERS_TITLE,
        engines: SUCCESS_ENGINES.to_vec(),
        rows: vec![],
        throughput: true,
    };
    let canada = corpus_envelopes().into_iter().filter(|b| b.name == "canada");
    for body in canada.chain(number_envelopes()).filter(|b| wanted(settings, &b.name)) {
        table.rows.push(measure(settings, &body, &SUCCESS_ENGINES, &mut |e, b, s| {
            decode_success(e, &b.bytes, s).ok()
        }));
    }
    table
}

/// The capacity workload's targets: status-core's two capacities within 1.2x of each other,
/// and status-core at least 1.2x faster than serde-json-core at capacity 2048.
fn print_capacity_targets(table: &Table) {
    println!("\n### Targets of the capacity workload (same run)\n");
    println!("| target | measured | |");
    println!("|---|---:|---|");
    let ns = |body: &str, engine: Engine| {
        let row = table.rows.iter().find(|r| r.body == body)?;
        let i = table.engines.iter().position(|&e| e == engine)?;
        row.ns[i]
    };
    let verdict = |ok: bool| if ok { "met" } else { "**short**" };
    let small = ns("clips-20/cap-32", Engine::StatusCore);
    let large = ns("clips-20/cap-2048", Engine::StatusCore);
    if let (Some(small), Some(large)) = (small, large) {
        let r = large.max(small) / large.min(small);
        println!(
            "| status-core cap-2048 / cap-32 at most 1.2x | {r:.2}x | {} |",
            verdict(r <= 1.2)
        );
    }
    let small = ns("clips-20/cap-32/in_place", Engine::StatusCore);
    let large_in_place = ns("clips-20/cap-2048/in_place", Engine::StatusCore);
    if let (Some(small), Some(large)) = (small, large_in_place) {
        let r = large.max(small) / large.min(small);
        println!(
            "| status-core in place, cap-2048 / cap-32 at most 1.2x | {r:.2}x | {} |",
            verdict(r <= 1.2)
        );
    }
    let theirs = ns("clips-20/cap-2048", Engine::SerdeJsonCore);
    for (api, ours) in [("decode_typed_into", large), ("in place", large_in_place)] {
        if let (Some(ours), Some(theirs)) = (ours, theirs) {
            let r = theirs / ours;
            println!(
                "| status-core ({api}) over serde-json-core at cap-2048, at least 1.2x | {r:.2}x | {} |",
                verdict(r >= 1.2)
            );
        }
    }
}

/// The documented error fields in other orders, layouts, and with an extra key.
fn reordered_table(settings: &Settings) -> Table {
    let mut table = Table {
        title: REORDERED_TITLE,
        engines: ERROR_ENGINES.to_vec(),
        rows: vec![],
        throughput: false,
    };
    for body in reordered_error_bodies().iter().filter(|b| wanted(settings, &b.name)) {
        table.rows.push(measure(settings, body, &ERROR_ENGINES, &mut |e, b, _| decode_error(e, b)));
    }
    table
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':'])))
        .unwrap_or("unknown CPU")
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    #[cfg(target_arch = "x86_64")]
    let features = format!(
        "sse2{}{}",
        if std::arch::is_x86_feature_detected!("avx2") { ", avx2" } else { "" },
        if std::arch::is_x86_feature_detected!("avx512f") { ", avx512f" } else { "" }
    );
    #[cfg(not(target_arch = "x86_64"))]
    let features = String::from("-");
    format!("{model}, {cores} cores, {} ({features})", std::env::consts::ARCH)
}

fn main() {
    let mut settings = Settings {
        rounds: 15,
        batch: Duration::from_millis(20),
        quick: false,
        filter: None,
        engine: None,
    };
    let mut bench_profile = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => {
                settings.quick = true;
                settings.rounds = 7;
                settings.batch = Duration::from_millis(8);
            }
            "--filter" => settings.filter = args.next(),
            "--engine" => settings.engine = args.next(),
            // Passed by `cargo bench`, which builds with the bench profile.
            "--bench" => bench_profile = true,
            other => {
                eprintln!("usage: report [--quick] [--filter SUBSTRING] [--engine NAME] (unknown {other:?})");
                std::process::exit(2);
            }
        }
    }
    let started = Instant::now();
    println!("Machine: {}", machine());
    if bench_profile {
        println!(
            "Build: `cargo bench` (the workspace's bench profile: lto = true, i.e. fat LTO, and \
             codegen-units = 1) for every engine."
        );
    } else {
        println!(
            "Build: not run through `cargo bench`, so the profile is whichever built this binary; \
             `cargo bench -p status-benches --bin report` builds every engine with fat LTO."
        );
    }
    println!(
        "Best of {} batches of ~{} ms per figure; ratios in parentheses are speedups over serde_json.",
        settings.rounds,
        settings.batch.as_millis()
    );
    let sizes: &[usize] = if settings.quick {
        &GENERATED_SIZES[..GENERATED_SIZES.len() - 2]
    } else {
        &GENERATED_SIZES
    };
    let mut tables = Vec::new();

    let mut table = Table {
        title: "Error bodies",
        engines: ERROR_ENGINES.to_vec(),
        rows: vec![],
        throughput: false,
    };
    for body in error_bodies().iter().filter(|b| wanted(&settings, &b.name)) {
        table
            .rows
            .push(measure(&settings, body, &ERROR_ENGINES, &mut |e, b, _| decode_error(e, b)));
    }
    tables.push(table);

    let mut table = Table {
        title: "Success envelopes",
        engines: SUCCESS_ENGINES.to_vec(),
        rows: vec![],
        throughput: true,
    };
    let corpora = corpus_envelopes();
    if corpora.is_empty() {
        println!(
            "(corpora not found in {}: generated payloads only)",
            status_benches::corpora_dir().display()
        );
    }
    let mut success = |e: Engine, b: &Body, s: &mut Scratch| decode_success(e, &b.bytes, s).ok();
    for body in corpora.iter().filter(|b| wanted(&settings, &b.name)) {
        table.rows.push(measure(&settings, body, &SUCCESS_ENGINES, &mut success));
    }
    for &size in sizes {
        if !wanted(&settings, &format!("gen-{}", size_name(size))) {
            continue;
        }
        let body = generated_envelopes(&[size]).remove(0);
        table.rows.push(measure(&settings, &body, &SUCCESS_ENGINES, &mut success));
    }
    tables.push(table);

    tables.push(numbers_table(&settings));
    tables.push(reordered_table(&settings));

    let mut table = Table {
        title: "Typed clip results",
        engines: TYPED_ENGINES.to_vec(),
        rows: vec![],
        throughput: true,
    };
    for body in typed_bodies().iter().filter(|b| wanted(&settings, &b.name)) {
        table.rows.push(measure(&settings, body, &TYPED_ENGINES, &mut |e, b, _| {
            decode_typed(e, &b.bytes)
        }));
    }
    tables.push(table);

    // The capacity workload (benches/src/capacity.rs).
    let capacity = capacity_table(&settings);
    tables.push(capacity);

    // A rejection counts as the right answer here; an acceptance is a wrong one.
    let mut table = Table {
        title: "Malformed bodies (time to reject)",
        engines: SUCCESS_ENGINES.to_vec(),
        rows: vec![],
        throughput: true,
    };
    let malformed_sizes: &[usize] =
        if settings.quick { &[64 << 10, 1 << 20] } else { &[64 << 10, 1 << 20, 16 << 20] };
    for kind in MALFORMED_KINDS {
        for &size in malformed_sizes {
            let body = malformed(kind, size);
            if !wanted(&settings, &body.name) {
                continue;
            }
            table.rows.push(measure(&settings, &body, &SUCCESS_ENGINES, &mut |e, b, s| {
                if !survives(e, &b.name) {
                    return None;
                }
                decode_success(e, &b.bytes, s).err().map(|_| 0)
            }));
        }
    }
    tables.push(table);

    for table in &tables {
        print_table(table);
    }
    print_targets(&tables);
    if let Some(table) = tables.iter().find(|t| t.title == CAPACITY_TITLE) {
        print_capacity_targets(table);
    }
    // The push decoder against whole-body decode, its own tables (benches/src/stream.rs).
    status_benches::stream::report(
        settings.quick,
        settings.filter.as_deref(),
        settings.rounds,
        settings.batch,
    );
    eprintln!("\nreport took {:.1} s", started.elapsed().as_secs_f64());
}
