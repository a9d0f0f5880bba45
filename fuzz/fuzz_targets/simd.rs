//! The SIMD fast paths give the scalar path's answer, byte for byte, on any input.
//!
//! The property is `status_tests::fuzz::simd`, shared with the corpus replay under `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| status_tests::fuzz::simd(data));
