//! Decodes one workload body a fixed number of times with one engine, for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile twitter status-core 20`
//! gives instruction counts that do not depend on the machine's load.
//!
//! Bodies: `400`, `403`, `429`, `500`, the reordered error bodies (`400-swapped` ...), a corpus
//! name, a number or escape workload (`floats`, `integers`, `mixed-numbers`, `mesh`,
//! `escaped-text`), `gen-<size>` (`gen-1KiB` ...), `clips-32`/`clips-4000`, a capacity row
//! (`clips-20/cap-32`, `clips-20/cap-2048`, `clips-20/cap-2048/decode_typed`), or a malformed
//! body `<kind>-<bytes>` (`truncated-1048576`: the
//! engine must reject it).

use core::hint::black_box;

use status_benches::capacity::{capacity_cases, decode_capacity};
use status_benches::{
    corpus_envelopes, decode_error, decode_success, decode_typed, envelope, error_bodies,
    generated_envelopes, malformed, number_data, reordered_error_bodies, size_name, typed_bodies,
    Body, Engine, Scratch, GENERATED_SIZES, MALFORMED_KINDS,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [body, engine, iters] = &args[..] else {
        eprintln!("usage: profile BODY ENGINE ITERATIONS");
        std::process::exit(2);
    };
    let iters: u64 = iters.parse().expect("ITERATIONS is a number");
    // `decode`, `stream-N` or `actson-N`: whole-body decode, the push decoder or actson in N-byte
    // chunks.
    if let Some(mode) = status_benches::stream::parse_mode(engine) {
        stream(body, mode, iters);
        return;
    }
    let engine = [
        Engine::StatusCore,
        Engine::SerdeJson,
        Engine::SonicRs,
        Engine::SimdJson,
        Engine::SerdeJsonCore,
    ]
    .into_iter()
    .find(|e| e.name() == engine)
    .expect("unknown engine");
    let errors = error_bodies().into_iter().chain(reordered_error_bodies());
    if let Some(b) = errors.into_iter().find(|b| &b.name == body) {
        for _ in 0..iters {
            black_box(decode_error(engine, black_box(&b)));
        }
        return;
    }
    if let Some(b) = typed_bodies().into_iter().find(|b| &b.name == body) {
        for _ in 0..iters {
            black_box(decode_typed(engine, black_box(&b.bytes)));
        }
        return;
    }
    // The capacity workload (benches/src/capacity.rs).
    if let Some(case) = capacity_cases().into_iter().find(|c| &c.body.name == body) {
        for _ in 0..iters {
            black_box(decode_capacity(engine, black_box(&case)));
        }
        return;
    }
    let bad = MALFORMED_KINDS.iter().find_map(|kind| {
        let size = body.strip_prefix(kind)?.strip_prefix('-')?.parse().ok()?;
        Some(malformed(kind, size))
    });
    if let Some(b) = bad {
        let mut scratch = Scratch::default();
        for _ in 0..iters {
            let rejected = decode_success(engine, black_box(&b.bytes), &mut scratch);
            black_box(rejected).expect_err("malformed body");
        }
        return;
    }
    let generated = GENERATED_SIZES.iter().find(|&&s| format!("gen-{}", size_name(s)) == *body);
    let b = match (generated, number_data(body)) {
        (Some(&size), _) => generated_envelopes(&[size]).remove(0),
        (None, Some(data)) => Body { name: body.clone(), status: 200, bytes: envelope(&data) },
        (None, None) => {
            corpus_envelopes().into_iter().find(|b| &b.name == body).expect("unknown body")
        }
    };
    let mut scratch = Scratch::default();
    for _ in 0..iters {
        black_box(decode_success(engine, black_box(&b.bytes), &mut scratch)).expect("valid body");
    }
}

/// A success body (or a malformed one, which must be refused) through `decode` or the push
/// decoder.
fn stream(body: &str, mode: status_benches::stream::Mode, iters: u64) {
    let bad = MALFORMED_KINDS.iter().find_map(|kind| {
        let size = body.strip_prefix(kind)?.strip_prefix('-')?.parse().ok()?;
        Some(malformed(kind, size))
    });
    let generated = GENERATED_SIZES.iter().find(|&&s| format!("gen-{}", size_name(s)) == *body);
    let b = match (bad, generated) {
        (Some(b), _) => b,
        (None, Some(&size)) => generated_envelopes(&[size]).remove(0),
        (None, None) => {
            corpus_envelopes().into_iter().find(|b| b.name == body).expect("unknown body")
        }
    };
    let valid = status_benches::stream::run(mode, &b.bytes).is_ok();
    for _ in 0..iters {
        let got = status_benches::stream::run(mode, black_box(&b.bytes));
        assert_eq!(black_box(got).is_ok(), valid);
    }
}
