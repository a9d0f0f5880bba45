#![doc = include_str!("../README.md")]
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::std_instead_of_alloc, clippy::std_instead_of_core))]
// "Never panics", checked: no indexing or slicing that can fail, no unwrap or expect, no
// panicking macros, in any code but the tests (where a panic is how a test fails).
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

#[cfg(test)]
extern crate std;

mod api_error;
#[cfg(feature = "serde")]
pub mod de;
mod documented;
mod envelope;
mod error;
mod error_body;
mod escape;
mod grammar;
mod json_str;
mod log_safe;
mod raw;
mod reply;
mod scan;
// The SIMD fast paths: the one module where `unsafe` is allowed, behind a safe interface.
#[allow(unsafe_code)]
mod simd;
mod status;
mod timestamp;

pub use api_error::{ApiError, ErrorFields, ErrorShape, GatewayBody, MessageBody};
#[cfg(feature = "serde")]
pub use de::{decode_typed, from_raw, DataError, TypedReply};
pub use envelope::MAX_TOP_LEVEL_KEYS;
pub use error::{Error, ErrorKind};
pub use json_str::{JsonStr, JsonStrPiece, JsonStrPieces};
pub use log_safe::LogSafe;
pub use raw::{JsonType, RawJson};
pub use reply::{decode, Decoder, Reply, Success};
pub use scan::{Members, MAX_DEPTH};
pub use status::{Backoff, Retry};
pub use timestamp::Timestamp;

/// Testing hook for the fuzzers, not part of the API: whether every SIMD fast path gives the
/// portable scalar path's answer on `bytes` (the same answer by construction where no fast
/// path is compiled in).
#[doc(hidden)]
pub fn __simd_agrees_with_scalar(bytes: &[u8]) -> bool {
    simd::agrees_with_scalar(bytes)
}
