//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/*`) through the fuzz targets'
//! properties, so every input the fuzzer ever kept is checked by `cargo test` on stable.

use core::panic::AssertUnwindSafe;
use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

use status_tests::fuzz;

/// Every fuzz target, by the name of its binary and corpus directory; each has a test below.
const TARGETS: &[&str] =
    &["decode", "differential", "simd", "stream", "strings", "timestamp", "typed"];

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = corpus_root().join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("reading the corpus directory").path())
        .collect();
    files.sort();
    files
}

/// Runs `property` on every input of `target`, naming the file that fails.
fn replay(target: &str, property: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "the {target} corpus is empty");
    for file in files {
        let data = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if panic::catch_unwind(AssertUnwindSafe(|| property(&data))).is_err() {
            panic!(
                "{target}: {} fails (replay with `cargo fuzz run {target} <file>`)",
                file.display()
            );
        }
    }
}

#[test]
fn decode_corpus() {
    replay("decode", fuzz::decode);
}

#[test]
fn differential_corpus() {
    replay("differential", fuzz::differential);
}

#[test]
fn simd_corpus() {
    replay("simd", fuzz::simd);
}

#[test]
fn stream_corpus() {
    replay("stream", fuzz::stream);
}

#[test]
fn strings_corpus() {
    replay("strings", fuzz::strings);
}

#[test]
fn timestamp_corpus() {
    replay("timestamp", fuzz::timestamp);
}

/// A target added to `fuzz/` without a corpus here (or the reverse) would go unreplayed.
#[test]
fn every_corpus_directory_is_replayed() {
    let mut dirs: Vec<String> = fs::read_dir(corpus_root())
        .expect("fuzz/corpus exists")
        .map(|entry| entry.expect("reading fuzz/corpus").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut names = TARGETS.to_vec();
    names.sort();
    assert_eq!(dirs, names);
    let manifest =
        fs::read_to_string(corpus_root().join("../Cargo.toml")).expect("fuzz/Cargo.toml");
    for name in names {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name} is not a fuzz target");
    }
}

#[test]
fn typed_corpus() {
    replay("typed", fuzz::typed);
}

/// The typed target's model reads the API's own example, so its corpus reaches success.
#[test]
fn typed_model_reads_the_api_example() {
    use status_tests::fuzz::{ClipResults, ProjectStatus};
    let reply = status_core::decode(200, status_tests::CLIP_RESULTS_200.as_bytes()).unwrap();
    let ok = reply.into_result().unwrap();
    let results: ClipResults<'_> = ok.data_as().unwrap();
    assert_eq!((results.id, results.name.as_str()), ("proj_abc123", "sample project name"));
    assert_eq!(results.status, ProjectStatus::Succeeded);
    let clip = &results.clips[0];
    assert_eq!((clip.begin_ms, clip.end_ms), (15_000, 75_000));
    assert_eq!(clip.tags.as_slice(), ["insight", "analysis"]);
    assert_eq!(clip.desc.as_deref(), Some("sample description"));
}
