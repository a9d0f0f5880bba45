//! Criterion benches: status-core against its peers, one group per workload, throughput in bytes.
//!
//! `cargo bench -p status-benches` (HTML reports with plots land in `target/criterion`).
//! Set `STATUS_BENCH_QUICK=1` to leave out the 16 MiB and 64 MiB payloads.

use core::hint::black_box;
use core::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use status_benches::{
    corpus_envelopes, decode_error, decode_success, decode_typed, error_bodies,
    generated_envelopes, malformed, number_envelopes, reordered_error_bodies, survives, Scratch,
    ERROR_ENGINES, GENERATED_SIZES, MALFORMED_KINDS, SUCCESS_ENGINES, TYPED_ENGINES,
};

fn quick() -> bool {
    std::env::var_os("STATUS_BENCH_QUICK").is_some()
}

fn error_bodies_group(c: &mut Criterion) {
    let mut group = c.benchmark_group("error-bodies");
    group.warm_up_time(Duration::from_secs(1));
    for body in error_bodies().into_iter().chain(reordered_error_bodies()) {
        group.throughput(Throughput::Bytes(body.bytes.len() as u64));
        for engine in ERROR_ENGINES {
            assert!(
                decode_error(engine, &body).is_some(),
                "{} cannot decode {}",
                engine.name(),
                body.name
            );
            group.bench_with_input(
                BenchmarkId::new(engine.name(), &body.name),
                &body,
                |b, body| b.iter(|| decode_error(engine, black_box(body))),
            );
        }
    }
    group.finish();
}

fn success_group(c: &mut Criterion) {
    let mut group = c.benchmark_group("success-envelopes");
    group.warm_up_time(Duration::from_secs(1));
    let sizes =
        if quick() { &GENERATED_SIZES[..GENERATED_SIZES.len() - 2] } else { &GENERATED_SIZES[..] };
    let bodies =
        corpus_envelopes().into_iter().chain(number_envelopes()).chain(generated_envelopes(sizes));
    for body in bodies {
        group.throughput(Throughput::Bytes(body.bytes.len() as u64));
        if body.bytes.len() > 8 << 20 {
            group.sample_size(10).measurement_time(Duration::from_secs(10));
        } else {
            group.sample_size(50).measurement_time(Duration::from_secs(3));
        }
        for engine in SUCCESS_ENGINES {
            let mut scratch = Scratch::default();
            assert!(
                decode_success(engine, &body.bytes, &mut scratch).is_ok(),
                "{} rejects {}",
                engine.name(),
                body.name
            );
            group.bench_with_input(
                BenchmarkId::new(engine.name(), &body.name),
                &body.bytes,
                |b, bytes| b.iter(|| decode_success(engine, black_box(bytes), &mut scratch)),
            );
        }
    }
    group.finish();
}

fn typed_group(c: &mut Criterion) {
    let mut group = c.benchmark_group("typed-clip-results");
    group.warm_up_time(Duration::from_secs(1));
    for body in status_benches::typed_bodies() {
        group.throughput(Throughput::Bytes(body.bytes.len() as u64));
        for engine in TYPED_ENGINES {
            // serde-json-core decodes only the small, escape-free body.
            if decode_typed(engine, &body.bytes).is_none() {
                continue;
            }
            group.bench_with_input(
                BenchmarkId::new(engine.name(), &body.name),
                &body.bytes,
                |b, bytes| b.iter(|| decode_typed(engine, black_box(bytes))),
            );
        }
    }
    group.finish();
}

// The capacity workload (benches/src/capacity.rs): the same 20-clip body into room for 32 and
// for 2048 clips.
fn capacity_group(c: &mut Criterion) {
    use status_benches::capacity::{capacity_cases, decode_capacity, CAPACITY_ENGINES};
    let mut group = c.benchmark_group("typed-capacity");
    group.warm_up_time(Duration::from_secs(1));
    for case in capacity_cases() {
        group.throughput(Throughput::Bytes(case.body.bytes.len() as u64));
        for engine in CAPACITY_ENGINES {
            if decode_capacity(engine, &case).is_none() {
                continue;
            }
            group.bench_with_input(
                BenchmarkId::new(engine.name(), &case.body.name),
                &case,
                |b, case| b.iter(|| decode_capacity(engine, black_box(case))),
            );
        }
    }
    group.finish();
}

fn malformed_group(c: &mut Criterion) {
    let mut group = c.benchmark_group("malformed");
    group.warm_up_time(Duration::from_secs(1));
    group.sample_size(20).measurement_time(Duration::from_secs(2));
    for kind in MALFORMED_KINDS {
        for size in [64 << 10, 1 << 20, 16 << 20] {
            let body = malformed(kind, size);
            group.throughput(Throughput::Bytes(body.bytes.len() as u64));
            for engine in SUCCESS_ENGINES.into_iter().filter(|&e| survives(e, &body.name)) {
                let mut scratch = Scratch::default();
                assert!(
                    decode_success(engine, &body.bytes, &mut scratch).is_err(),
                    "{} accepts {}",
                    engine.name(),
                    body.name
                );
                group.bench_with_input(
                    BenchmarkId::new(engine.name(), &body.name),
                    &body.bytes,
                    |b, bytes| b.iter(|| decode_success(engine, black_box(bytes), &mut scratch)),
                );
            }
        }
    }
    group.finish();
}

/// The push decoder in 1-, 64- and 4096-byte chunks against whole-body decode and actson, on
/// the same bodies (benches/src/stream.rs); malformed bodies of two sizes for flat rejection.
fn stream_group(c: &mut Criterion) {
    use status_benches::stream::{malformed_bodies, mode_name, run, valid_bodies, Mode, MODES};
    let mut group = c.benchmark_group("streaming");
    group.warm_up_time(Duration::from_secs(1)).sample_size(20);
    for body in valid_bodies(quick()).into_iter().chain(malformed_bodies()) {
        group.throughput(Throughput::Bytes(body.bytes.len() as u64));
        let want = run(Mode::Decode, &body.bytes);
        for mode in MODES {
            let got = run(mode, &body.bytes);
            // actson knows no envelope: it agrees on the verdict, not on `data`'s length.
            if let Mode::Actson(_) = mode {
                assert_eq!(got.is_ok(), want.is_ok(), "{} in {}", body.name, mode_name(mode));
            } else {
                assert_eq!(got, want, "{} in {}", body.name, mode_name(mode));
            }
            group.bench_with_input(
                BenchmarkId::new(mode_name(mode), &body.name),
                &body.bytes,
                |b, bytes| b.iter(|| run(mode, black_box(bytes))),
            );
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    error_bodies_group,
    success_group,
    typed_group,
    capacity_group,
    malformed_group,
    stream_group
);
criterion_main!(benches);
