//! Validity and the exact `data` value against serde_json, within the documented policies.
//!
//! The property is `status_tests::fuzz::differential`, shared with the corpus replay under `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| status_tests::fuzz::differential(data));
