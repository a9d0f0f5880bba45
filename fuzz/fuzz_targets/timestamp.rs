//! Timestamps: never a panic, agreement with an independent RFC 3339 reading, round trips.
//!
//! The property is `status_tests::fuzz::timestamp`, shared with the corpus replay under `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| status_tests::fuzz::timestamp(data));
