//! A 200 body typed as the clip-results model: both typed paths agree with each other and
//! with serde_json, within the documented differences.
//!
//! The property is `status_tests::fuzz::typed`, shared with the corpus replay under `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| status_tests::fuzz::typed(data));
