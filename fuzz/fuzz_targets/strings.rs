//! String literals: unescaping agrees with serde_json, refusals fail cleanly.
//!
//! The property is `status_tests::fuzz::strings`, shared with the corpus replay under `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| status_tests::fuzz::strings(data));
