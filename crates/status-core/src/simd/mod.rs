//! Block classification: the scanner's inner loops, many bytes at a time.
//!
//! This is the only module where `unsafe` is allowed. Everything it exports is a safe function
//! over bytes (returning an offset, a bit mask or a `&str`), with the same answer on every path:
//!
//! - x86_64 (`x86_64.rs`): SSE2 (part of the x86_64 baseline, so always there and inlined)
//!   classifies 16 bytes per step; UTF-8 is checked with AVX2 when the CPU has it, detected at
//!   run time by the `cpufeatures` crate (no std needed) and cached in an atomic;
//! - aarch64, little-endian (`aarch64.rs`): NEON (part of the aarch64 baseline) classifies 16
//!   bytes per step and checks UTF-8;
//! - elsewhere, under miri, or with `--cfg status_core_force_scalar`: the portable `scalar.rs`
//!   twin, eight bytes per step in a `u64`, and `core`'s UTF-8 validator.
//!
//! Which one is compiled in is decided in one place, the `fast_paths!` macro below. The
//! differential tests (`tests.rs`) hold every path to the scalar one, byte for byte.

#![deny(
    clippy::undocumented_unsafe_blocks,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo
)]

/// Compiles the items of the first group where a fast path exists and those of the optional
/// `else` group everywhere else: the one place the target predicate is written.
///
/// A fast path exists on x86_64 with SSE2 (part of its baseline) and on little-endian aarch64
/// with NEON (part of its baseline; the NEON code relies on little-endian lane order), unless
/// miri runs (it cannot run the intrinsics) or `--cfg status_core_force_scalar` is set. Inside
/// the first group, `target_arch` alone tells the two apart.
macro_rules! fast_paths {
    ({ $($fast:item)* } $(else { $($portable:item)* })?) => {
        fast_paths! {
            @predicate all(
                any(
                    all(target_arch = "x86_64", target_feature = "sse2"),
                    all(target_arch = "aarch64", target_feature = "neon", target_endian = "little")
                ),
                not(miri),
                not(status_core_force_scalar)
            );
            { $($fast)* } else { $($($portable)*)? }
        }
    };
    (@predicate $predicate:meta; { $($fast:item)* } else { $($portable:item)* }) => {
        $(#[cfg($predicate)] $fast)*
        $(#[cfg(not($predicate))] $portable)*
    };
}

mod scalar;
mod tokens;
pub(crate) use tokens::{prefix_xor, Carry, Tokens};
fast_paths! {
    {
        #[cfg(target_arch = "x86_64")]
        mod x86_64;
        #[cfg(target_arch = "x86_64")]
        use x86_64 as imp;
        #[cfg(target_arch = "aarch64")]
        mod aarch64;
        #[cfg(target_arch = "aarch64")]
        use aarch64 as imp;
    } else {
        use scalar as imp;
    }
}
#[cfg(test)]
// The tests index and unwrap freely: a panic is how they fail.
#[allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable
)]
mod tests;

/// The offset of the first byte at or after `pos` that ends a plain run inside a string:
/// `"`, `\` or a control character (below 0x20); `bytes.len()` when there is none.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn string_end(bytes: &[u8], pos: usize) -> usize {
    imp::string_end(bytes, pos)
}

/// The run of bytes at `pos` inside a string that are printable ASCII other than `"` and `\`,
/// and the offset of the first byte after it: `"`, `\`, a control character, a byte from 0x80
/// up, or `bytes.len()`. The run is text without any UTF-8 check of the input: a reader that
/// has seen only such runs and ASCII grammar has seen ASCII throughout.
#[cfg_attr(not(feature = "small"), inline(always))]
#[cfg_attr(feature = "small", allow(dead_code))]
pub(crate) fn ascii_string(bytes: &[u8], pos: usize) -> (&str, usize) {
    let end = imp::ascii_string_end(bytes, pos);
    let run = bytes.get(pos..end).unwrap_or_default();
    // SAFETY: `ascii_string_end` stops at the first byte from 0x80 up, so `run` is ASCII.
    (unsafe { core::str::from_utf8_unchecked(run) }, end)
}

/// The offset of the first byte at or after `pos` that is not JSON whitespace
/// (space, tab, line feed, carriage return); `bytes.len()` when there is none.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn whitespace_end(bytes: &[u8], pos: usize) -> usize {
    imp::whitespace_end(bytes, pos)
}

/// The offset of the first byte at or after `pos` that is not an ASCII digit;
/// `bytes.len()` when there is none.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn digits_end(bytes: &[u8], pos: usize) -> usize {
    imp::digits_end(bytes, pos)
}

/// The bytes of a 32-byte block that a number is checked with, one bit per byte (bit `i` for
/// `block[i]`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct NumberMasks {
    /// ASCII digits.
    pub(crate) digit: u32,
    /// Bytes that may follow a number: a comma, a closing bracket, or a byte up to 0x20 (the
    /// whitespace, and control characters, which only an error can follow).
    pub(crate) end: u32,
    /// `e` and `E`.
    pub(crate) exponent: u32,
}

/// The [`NumberMasks`] of `block`.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn number_masks32(block: &[u8; 32]) -> NumberMasks {
    imp::number_masks32(block)
}

/// What each byte of a 64-byte block is, one bit per byte (bit `i` for `block[i]`), for the
/// block-wise container walk: what it needs to find strings and tokens without a byte loop.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct Classes {
    /// `"`
    pub(crate) quote: u64,
    /// `\`
    pub(crate) backslash: u64,
    /// JSON whitespace: space, tab, line feed, carriage return.
    pub(crate) whitespace: u64,
    /// The structural bytes `{`, `}`, `[`, `]`, `:` and `,`.
    pub(crate) op: u64,
    /// Control characters, below 0x20 (whitespace other than the space included).
    pub(crate) control: u64,
    /// ASCII digits.
    pub(crate) digit: u64,
}

/// The bytes of `block` equal to each of `wanted`, one mask each (bit `i` for `block[i]`).
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn byte_masks<const N: usize>(block: &[u8; 64], wanted: [u8; N]) -> [u64; N] {
    imp::byte_masks(block, wanted)
}

/// What the escapes of a 64-byte block are made of, one bit per byte (bit `i` for `block[i]`):
/// enough to check every escape of the block at once, but those that may be half a surrogate
/// pair.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct EscapeClasses {
    /// The bytes that make a whole escape after a backslash: `"`, `\`, `/`, `b`, `f`, `n`, `r`
    /// and `t`.
    pub(crate) simple: u64,
    /// `u`
    pub(crate) u: u64,
    /// Hex digits, either case.
    pub(crate) hex: u64,
    /// `d` and `D`: a `\u` escape whose first digit is one may be half a surrogate pair.
    pub(crate) d: u64,
}

/// Classifies the 64 bytes of `block` for their escapes.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn escape_classes(block: &[u8; 64]) -> EscapeClasses {
    imp::escape_classes(block)
}

fast_paths! {
    {
        /// Whether this path's steps are vector code (the portable one's are word arithmetic).
        pub(crate) const VECTOR: bool = true;
    } else {
        /// Whether this path's steps are vector code (the portable one's are word arithmetic).
        pub(crate) const VECTOR: bool = false;
    }
}

/// Whether [`classify`] runs many bytes per step here; the block-wise walk only pays off then.
pub(crate) const WIDE_CLASSES: bool = imp::WIDE_CLASSES;

/// The tokens of `block`, after the blocks that left `carry` (which it updates): its
/// classification and the word arithmetic on it in one step.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn block_tokens(block: &[u8; 64], carry: &mut Carry) -> Tokens {
    imp::block_tokens(block, carry)
}

/// Classifies the 64 bytes of `block`.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn classify(block: &[u8; 64]) -> Classes {
    imp::classify(block)
}

/// Checks that `bytes` is UTF-8; on failure, how many leading bytes are valid (as
/// [`core::str::Utf8Error::valid_up_to`]).
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, usize> {
    // Most bodies are mostly ASCII: skip the ASCII prefix in big steps first. The prefix ends
    // on a character boundary, so offsets in the rest only shift by its length.
    let ascii = ascii_prefix(bytes);
    if ascii == bytes.len() {
        // SAFETY: `bytes` is all ASCII.
        return Ok(unsafe { core::str::from_utf8_unchecked(bytes) });
    }
    utf8_after(bytes, ascii)
}

/// [`utf8`] past an ASCII prefix of length `ascii`: out of line, as the wide validators
/// it may call need many registers, which small ASCII bodies should not pay to save.
#[inline(never)]
fn utf8_after(bytes: &[u8], ascii: usize) -> Result<&str, usize> {
    let rest = bytes.get(ascii..).unwrap_or_default();
    match utf8_rest(rest) {
        // SAFETY: `bytes[..ascii]` is ASCII and `bytes[ascii..]` was just checked to be UTF-8.
        Ok(()) => Ok(unsafe { core::str::from_utf8_unchecked(bytes) }),
        Err(at) => Err(ascii + at),
    }
}

/// Checks `rest` the fastest way the target allows (see each path's `utf8_rest`); on failure,
/// its valid prefix length.
#[inline]
fn utf8_rest(rest: &[u8]) -> Result<(), usize> {
    if rest.is_empty() {
        return Ok(());
    }
    imp::utf8_rest(rest)
}

/// The length of the ASCII prefix of `bytes`.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn ascii_prefix(bytes: &[u8]) -> usize {
    imp::ascii_prefix(bytes)
}

/// Whether every fast path gives the scalar twin's answer on `bytes`: the four run searches
/// from every offset (every eighth past the first 512, to keep long inputs linear enough for a
/// fuzzer), the ASCII prefix, the number masks of every 32-byte window, the classes of every
/// 64-byte window (as sampled), and UTF-8 validation against `core`'s.
pub(crate) fn agrees_with_scalar(bytes: &[u8]) -> bool {
    let offsets = (0..=bytes.len() + 1).filter(|&pos| pos <= 512 || pos % 8 == 0);
    let runs = offsets.clone().all(|pos| {
        string_end(bytes, pos) == scalar::string_end(bytes, pos)
            && ascii_string(bytes, pos).1 == scalar::ascii_string_end(bytes, pos)
            && whitespace_end(bytes, pos) == scalar::whitespace_end(bytes, pos)
            && digits_end(bytes, pos) == scalar::digits_end(bytes, pos)
    });
    let masks = offsets.filter_map(|pos| bytes.get(pos..pos + 32)).all(|block| {
        <&[u8; 32]>::try_from(block)
            .is_ok_and(|block| number_masks32(block) == scalar::number_masks32(block))
    });
    // Under miri every path is the scalar one: the classes of escapes and bytes, plain safe
    // code, are not worth its time there.
    let classes = offsets_64(bytes).all(|block| {
        classify(block) == scalar::classify(block)
            && (cfg!(miri)
                || escape_classes(block) == scalar::escape_classes(block)
                    && byte_masks(block, *b",-0") == scalar::byte_masks(block, *b",-0"))
    });
    let utf8_same = utf8(bytes).map(str::len)
        == core::str::from_utf8(bytes).map(str::len).map_err(|e| e.valid_up_to());
    runs && masks && classes && utf8_same && ascii_prefix(bytes) == scalar::ascii_prefix(bytes)
}

/// The 64-byte windows of `bytes` that [`agrees_with_scalar`] compares: from every offset in
/// the first 512 bytes, then every eighth.
fn offsets_64(bytes: &[u8]) -> impl Iterator<Item = &[u8; 64]> {
    (0..bytes.len())
        .filter(|&pos| pos <= 512 || pos % 8 == 0)
        .filter_map(|pos| bytes.get(pos..pos + 64)?.try_into().ok())
}
