// The README is the crate documentation; its examples need the default features, so a build
// without them (whose tests run in CI too) gets a pointer to it instead.
#![cfg_attr(all(feature = "serde", feature = "heapless"), doc = include_str!("../README.md"))]
#![cfg_attr(
    not(all(feature = "serde", feature = "heapless")),
    doc = "Validating, zero-allocation, `no_std` decoder for HTTP API replies whose body shape \
           depends on the status code. See the README for the documentation."
)]
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

// The module map. A module uses only modules listed below it (`.ci/layers.sh` checks every
// `crate::` path outside the tests), so each can be read, and changed, knowing only what is
// under it.
//
//   de          typed `data` through serde: `impl` blocks for the types below, decode_typed
//   stream      PushDecoder: decode's verdict for a body fed in chunks; data, fields, items
//   reply       Decoder, decode, Reply, Success: each status tied to its body shape
//   error_body  an error body into an ApiError: the documented fast path, else the walk
//   documented  the documented 400/403/429/500 bodies, read in one pass into ErrorFields
//   api_error   ApiError, its shapes and fields, a Display that is safe to log
//   envelope    the one top-level walk: keys, the read ones' duplicates, a visitor per value
//   scan        UTF-8 checked up front, the nesting bit stack, the validating Scanner and its
//               block-wise walk of large containers
//   raw         RawJson: one validated value, borrowed as written
//   log_safe    LogSafe: server text that cannot break a log line
//   json_str    JsonStr: a validated string, decoded on the way out
//   escape      all of the string escape grammar, validating and decoding
//   timestamp   the gateway body's ISO 8601 timestamps
//   status      retry advice per status, the backoff schedule
//   simd        block classification, the only `unsafe`, with its scalar twin
//   grammar     JSON's byte classes (whitespace, what ends a number)
//   error       Error and ErrorKind: what went wrong, and at which byte
//
// A streamed body: chunks -> `stream::PushDecoder` (UTF-8, grammar, keys and the error fields,
// one state machine) -> `Events` (data bytes, field text, items in the caller's window) ->
// `finish` -> the same verdict as `decode`.
//
// The data flow: `body` -> `scan::Text` (UTF-8, once) -> `envelope::walk` -> for a 2xx status a
// `Success` whose `data` is a `RawJson` (`decode`) or a `T` deserialized during the same walk
// (`decode_typed`); for any other, `error_body::read` -> `documented` when the body holds the
// documented fields (in the documented order, or any other), else the walk with a field
// collector -> `ApiError`.

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
pub mod stream;
mod timestamp;

pub use api_error::{ApiError, ErrorFields, ErrorShape, GatewayBody, MessageBody};
#[cfg(feature = "serde")]
pub use de::{decode_typed, decode_typed_into, from_raw, DataError, TypedReply};
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

/// Testing hook for the fuzzers, not part of the API: whether the block-wise container walk
/// accepts only what the byte-wise walk accepts, with the same end, on every container that
/// starts in `bytes` (and answers for the valid ones it has no reason to decline).
#[doc(hidden)]
pub fn __blocks_agree_with_bytewise(bytes: &[u8]) -> bool {
    scan::blocks_agree_with_bytewise(bytes)
}
