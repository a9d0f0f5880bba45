//! The push decoder, fed the body in chunks the input chooses, gives `decode`'s verdict.
//!
//! The property is `status_tests::fuzz::stream`, shared with the corpus replay under `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| status_tests::fuzz::stream(data));
