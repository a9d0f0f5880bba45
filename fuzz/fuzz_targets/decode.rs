//! Any HTTP status (the first two bytes) and body: no panic, no hang, offsets inside the body.
//!
//! The property is `status_tests::fuzz::decode`, shared with the corpus replay under `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| status_tests::fuzz::decode(data));
