//! The portable twin of every fast path: SWAR over `u64` words, no `unsafe`.
//!
//! Words are read with [`u64::from_le_bytes`], so byte `i` of a word is bits `8 * i` to
//! `8 * i + 7` on every target, big-endian included: the lowest flagged byte is the first in
//! memory, and the borrows and carries of the word arithmetic only run from earlier bytes to
//! later ones, which is why the lowest flag is exact.
#![forbid(unsafe_code)]

use crate::grammar::{is_plain_ascii, is_whitespace};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `w` that is zero. Only the lowest flagged byte is exact
/// (borrows may flag bytes above it), which is all the callers read.
#[cfg_attr(not(feature = "small"), inline(always))]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// High bit set in each byte of `w` below `n` (`n` at most 0x80); lowest flag exact.
#[cfg_attr(not(feature = "small"), inline(always))]
fn bytes_below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
}

#[cfg_attr(not(feature = "small"), inline(always))]
fn word(bytes: &[u8], pos: usize) -> Option<u64> {
    // A wrapped end lies before `pos`, which `get` refuses like any other empty range.
    let chunk = bytes.get(pos..pos.wrapping_add(8))?;
    <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
}

/// Runs `flag` over words from `pos`, then `byte` over the tail; see the callers.
#[cfg_attr(not(feature = "small"), inline(always))]
fn find(
    bytes: &[u8],
    mut pos: usize,
    flag: impl Fn(u64) -> u64,
    byte: impl Fn(u8) -> bool,
) -> usize {
    while let Some(w) = word(bytes, pos) {
        let mask = flag(w);
        if mask != 0 {
            return pos + (mask.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    while let Some(&b) = bytes.get(pos) {
        if byte(b) {
            return pos;
        }
        pos += 1;
    }
    bytes.len().max(pos)
}

/// See [`super::string_end`].
#[cfg_attr(not(feature = "small"), inline(always))]
pub(super) fn string_end(bytes: &[u8], pos: usize) -> usize {
    find(
        bytes,
        pos,
        |w| {
            zero_bytes(w ^ (ONES * u64::from(b'"')))
                | zero_bytes(w ^ (ONES * u64::from(b'\\')))
                | bytes_below(w, 0x20)
        },
        |b| b == b'"' || b == b'\\' || b < 0x20,
    )
}

/// See [`super::ascii_string`].
#[cfg_attr(not(feature = "small"), inline(always))]
pub(super) fn ascii_string_end(bytes: &[u8], pos: usize) -> usize {
    find(
        bytes,
        pos,
        |w| {
            zero_bytes(w ^ (ONES * u64::from(b'"')))
                | zero_bytes(w ^ (ONES * u64::from(b'\\')))
                | bytes_below(w, 0x20)
                | w & HIGHS
        },
        |b| !is_plain_ascii(b),
    )
}

/// See [`super::whitespace_end`].
#[cfg_attr(not(feature = "small"), inline(always))]
pub(super) fn whitespace_end(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(&b) = bytes.get(pos) {
        if !is_whitespace(b) {
            return pos;
        }
        pos += 1;
    }
    bytes.len().max(pos)
}

/// See [`super::digits_end`].
#[cfg_attr(not(feature = "small"), inline(always))]
pub(super) fn digits_end(bytes: &[u8], pos: usize) -> usize {
    find(
        bytes,
        pos,
        // A byte is a digit when it is at least '0' and adding 0x46 keeps it below 0x80.
        |w| bytes_below(w, b'0') | ((w.wrapping_add(ONES * 0x46) | w) & HIGHS),
        |b| !b.is_ascii_digit(),
    )
}

/// See [`super::number_masks32`].
#[cfg_attr(not(feature = "small"), inline(always))]
// SIMD builds need no scalar code for whole blocks; the scalar build and the tests use this.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) fn number_masks32(block: &[u8; 32]) -> super::NumberMasks {
    // One pass for the three: the loop is the code size that firmware pays for.
    let mut masks = super::NumberMasks { digit: 0, end: 0, exponent: 0 };
    for (i, &b) in block.iter().enumerate() {
        masks.digit |= u32::from(b.is_ascii_digit()) << i;
        masks.end |= u32::from(b <= 0x20 || matches!(b, b',' | b']' | b'}')) << i;
        masks.exponent |= u32::from(b | 0x20 == b'e') << i;
    }
    masks
}

/// See [`super::ascii_prefix`].
#[cfg_attr(not(feature = "small"), inline(always))]
pub(super) fn ascii_prefix(bytes: &[u8]) -> usize {
    find(bytes, 0, |w| w & HIGHS, |b| !b.is_ascii())
}

/// See [`super::utf8`]: `core`'s validator on what follows the ASCII prefix; on failure, the
/// valid prefix length of `rest`.
#[inline]
// The NEON build validates with simdutf8 alone; every other build falls back to this.
#[cfg_attr(target_arch = "aarch64", allow(dead_code))]
pub(super) fn utf8_rest(rest: &[u8]) -> Result<(), usize> {
    core::str::from_utf8(rest).map(drop).map_err(|e| e.valid_up_to())
}

/// No many-bytes step here: see [`super::WIDE_CLASSES`].
// Read only where this file is the path compiled in.
#[allow(dead_code)]
pub(super) const WIDE_CLASSES: bool = false;

/// The bytes of `block` that `class` holds, one bit per byte.
#[cfg_attr(not(test), allow(dead_code))]
fn mask_of(block: &[u8; 64], class: impl Fn(u8) -> bool) -> u64 {
    block.iter().rev().fold(0, |mask, &b| mask << 1 | u64::from(class(b)))
}

/// See [`super::classify`]: byte by byte, the definition the fast paths are held to.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) fn classify(block: &[u8; 64]) -> super::Classes {
    super::Classes {
        quote: mask_of(block, |b| b == b'"'),
        backslash: mask_of(block, |b| b == b'\\'),
        whitespace: mask_of(block, is_whitespace),
        op: mask_of(block, |b| matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b',')),
        control: mask_of(block, |b| b < 0x20),
        digit: mask_of(block, |b| b.is_ascii_digit()),
    }
}

/// See [`super::byte_masks`]: byte by byte.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) fn byte_masks<const N: usize>(block: &[u8; 64], wanted: [u8; N]) -> [u64; N] {
    wanted.map(|w| mask_of(block, |b| b == w))
}

/// See [`super::escape_classes`]: byte by byte, the definition the fast paths are held to.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) fn escape_classes(block: &[u8; 64]) -> super::EscapeClasses {
    super::EscapeClasses {
        simple: mask_of(block, |b| {
            matches!(b, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')
        }),
        u: mask_of(block, |b| b == b'u'),
        hex: mask_of(block, |b| b.is_ascii_hexdigit()),
        d: mask_of(block, |b| matches!(b, b'd' | b'D')),
    }
}

/// See [`super::block_tokens`].
#[allow(dead_code)]
pub(super) fn block_tokens(block: &[u8; 64], carry: &mut super::Carry) -> super::Tokens {
    super::tokens::from_classes(classify(block), carry)
}
