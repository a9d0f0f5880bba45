#![doc = include_str!("../README.md")]
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::std_instead_of_alloc, clippy::std_instead_of_core))]

#[cfg(test)]
extern crate std;

#[cfg(feature = "serde")]
pub mod de;
mod error;
mod log_safe;
mod raw;
mod reply;
mod scan;
// The SIMD fast paths: the one module where `unsafe` is allowed, behind a safe interface.
#[allow(unsafe_code)]
mod simd;
mod status;
mod string;
mod timestamp;

#[cfg(feature = "serde")]
pub use de::{decode_typed, from_raw, DataError, TypedReply};
pub use error::{Error, ErrorKind};
pub use log_safe::LogSafe;
pub use raw::{JsonType, Members, RawJson};
pub use reply::{
    decode, ApiError, Decoder, ErrorFields, ErrorShape, GatewayBody, MessageBody, Reply, Success,
};
pub use scan::{MAX_DEPTH, MAX_TOP_LEVEL_KEYS};
pub use status::{Backoff, Retry};
pub use string::{JsonStr, JsonStrPiece, JsonStrPieces};
pub use timestamp::Timestamp;

/// Testing hook for the fuzzers, not part of the API: whether every SIMD fast path gives the
/// portable scalar path's answer on `bytes` (the same answer by construction where no fast
/// path is compiled in).
#[doc(hidden)]
pub fn __simd_agrees_with_scalar(bytes: &[u8]) -> bool {
    simd::agrees_with_scalar(bytes)
}
