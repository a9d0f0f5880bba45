//! NEON, part of every aarch64 CPU: 16 bytes per step, compiled in and inlined everywhere;
//! UTF-8 past the ASCII prefix is checked with simdutf8's NEON validator.
//!
//! Each classifier yields a vector of flags (0xFF for the bytes sought, 0 for the others).
//! NEON has no movemask, so `nibbles` packs the flags into a `u64` with four bits per byte,
//! and byte offsets are bit offsets divided by four. The lane order this relies on is that of
//! little-endian targets, the only ones this file is compiled for (the target predicate of
//! `mod.rs` requires `target_endian = "little"` as well as `target_feature = "neon"`).

use core::arch::aarch64::{
    uint8x16_t, vandq_u8, vceqq_u8, vcgeq_u8, vcgtq_u8, vcleq_u8, vdupq_n_u8, vget_lane_u64,
    vgetq_lane_u32, vld1q_u8, vld1q_u8_x2, vmaxvq_u8, vmvnq_u8, vorrq_u8, vpaddq_u8,
    vreinterpret_u64_u8, vreinterpretq_u16_u8, vreinterpretq_u32_u8, vshrn_n_u16, vsubq_u8,
};

/// Loads 16 bytes.
#[inline(always)]
fn load16(block: &[u8; 16]) -> uint8x16_t {
    // SAFETY: `block` is exactly 16 readable bytes; `vld1q_u8` has no alignment needs.
    unsafe { vld1q_u8(block.as_ptr()) }
}

/// Loads the 16 bytes at `at`.
#[inline(always)]
fn load(bytes: &[u8], at: usize) -> Option<uint8x16_t> {
    // A wrapped end lies before `at`, which `get` refuses like any other empty range.
    bytes.get(at..at.wrapping_add(16))?.first_chunk().map(load16)
}

/// Applies `classify` from `pos` on and returns the first flagged offset. The last partial
/// block is read as the final 16 bytes of the input, with the nibbles before `pos` shifted
/// out.
#[inline(always)]
fn find(
    bytes: &[u8],
    mut pos: usize,
    classify: impl Fn(uint8x16_t) -> uint8x16_t,
    short: fn(&[u8], usize) -> usize,
) -> usize {
    while let Some(v) = load(bytes, pos) {
        let mask = nibbles(classify(v));
        if mask != 0 {
            return pos + (mask.trailing_zeros() / 4) as usize;
        }
        pos += 16;
    }
    let len = bytes.len();
    if pos >= len {
        return len.max(pos);
    }
    match load(bytes, len.wrapping_sub(16)) {
        Some(v) => {
            // `len - pos` is 1 to 15 here: the block starts that much short of 16 before `pos`.
            let mask = nibbles(classify(v)) >> (4 * (16 - (len - pos)));
            if mask != 0 {
                pos + (mask.trailing_zeros() / 4) as usize
            } else {
                len
            }
        }
        // Shorter than one block: the scalar twin handles it.
        None => short(bytes, pos),
    }
}

// The intrinsics below only compute on registers. They are `unsafe` to call solely
// because they need NEON, and this file is compiled only when NEON is enabled at compile
// time (the target predicate in `mod.rs` requires `target_feature = "neon"`, part of the
// aarch64 baseline).

/// Nibble `i` of the result is all ones when byte `i` of `flags` is (each byte of `flags`
/// being 0xFF or 0). Narrowing each 16-bit lane by a 4-bit right shift keeps the high
/// nibble of its low byte and the low nibble of its high byte, in that order.
#[inline(always)]
fn nibbles(flags: uint8x16_t) -> u64 {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe {
        let narrowed = vshrn_n_u16::<4>(vreinterpretq_u16_u8(flags));
        vget_lane_u64::<0>(vreinterpret_u64_u8(narrowed))
    }
}

/// Bit `i` set when byte `i` of `low` then `high` is flagged (each byte 0xFF or 0): each
/// flag keeps the weight of its bit within its group of eight bytes, and three pairwise
/// additions sum every group into one byte.
#[inline(always)]
fn bits32(low: uint8x16_t, high: uint8x16_t) -> u32 {
    let weights = load16(&[1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128]);
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe {
        let pairs = vpaddq_u8(vandq_u8(low, weights), vandq_u8(high, weights));
        let quads = vpaddq_u8(pairs, pairs);
        let octets = vpaddq_u8(quads, quads);
        vgetq_lane_u32::<0>(vreinterpretq_u32_u8(octets))
    }
}

/// Whether any byte of `v` is 0x80 or above.
#[inline(always)]
fn any_non_ascii(v: uint8x16_t) -> bool {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vmaxvq_u8(v) >= 0x80 }
}

#[inline(always)]
fn splat(b: u8) -> uint8x16_t {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vdupq_n_u8(b) }
}

#[inline(always)]
fn eq(v: uint8x16_t, b: u8) -> uint8x16_t {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vceqq_u8(v, splat(b)) }
}

#[inline(always)]
fn or(a: uint8x16_t, b: uint8x16_t) -> uint8x16_t {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vorrq_u8(a, b) }
}

#[inline(always)]
fn not(v: uint8x16_t) -> uint8x16_t {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vmvnq_u8(v) }
}

/// Bytes at most `max` (unsigned).
#[inline(always)]
fn at_most(v: uint8x16_t, max: u8) -> uint8x16_t {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vcleq_u8(v, splat(max)) }
}

/// Bytes above `max` (unsigned).
#[inline(always)]
fn above(v: uint8x16_t, max: u8) -> uint8x16_t {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vcgtq_u8(v, splat(max)) }
}

/// Bytes at least `min` (unsigned).
#[inline(always)]
fn at_least(v: uint8x16_t, min: u8) -> uint8x16_t {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vcgeq_u8(v, splat(min)) }
}

/// Each byte minus `b`, wrapping.
#[inline(always)]
fn minus(v: uint8x16_t, b: u8) -> uint8x16_t {
    // SAFETY: NEON is enabled at compile time (see above).
    unsafe { vsubq_u8(v, splat(b)) }
}

#[inline(always)]
pub(super) fn string_end(bytes: &[u8], pos: usize) -> usize {
    find(
        bytes,
        pos,
        |v| or(or(eq(v, b'"'), eq(v, b'\\')), at_most(v, 0x1F)),
        super::scalar::string_end,
    )
}

#[inline(always)]
pub(super) fn ascii_string_end(bytes: &[u8], pos: usize) -> usize {
    // Below 0x20 or from 0x80 up: 0x60 or more once 0x20 is taken off, wrapping.
    find(
        bytes,
        pos,
        |v| or(or(eq(v, b'"'), eq(v, b'\\')), not(at_most(minus(v, 0x20), 0x5F))),
        super::scalar::ascii_string_end,
    )
}

#[inline(always)]
pub(super) fn whitespace_end(bytes: &[u8], mut pos: usize) -> usize {
    // Indentation is spaces: one comparison a block while it lasts, as on x86_64.
    while let Some(v) = load(bytes, pos) {
        let others = nibbles(not(eq(v, b' ')));
        if others != 0 {
            pos += (others.trailing_zeros() / 4) as usize;
            if !matches!(bytes.get(pos), Some(b'\n' | b'\r' | b'\t')) {
                return pos;
            }
            break;
        }
        pos += 16;
    }
    find(
        bytes,
        pos,
        |v| not(or(or(eq(v, b' '), eq(v, b'\n')), or(eq(v, b'\r'), eq(v, b'\t')))),
        super::scalar::whitespace_end,
    )
}

#[inline(always)]
pub(super) fn digits_end(bytes: &[u8], pos: usize) -> usize {
    find(bytes, pos, |v| above(minus(v, b'0'), 9), super::scalar::digits_end)
}

#[inline(always)]
pub(super) fn number_masks32(block: &[u8; 32]) -> super::NumberMasks {
    // SAFETY: `block` is exactly 32 readable bytes; `vld1q_u8_x2` has no alignment needs.
    let halves = unsafe { vld1q_u8_x2(block.as_ptr()) };
    let digits = |v| at_most(minus(v, b'0'), 9);
    // `]` and `}`, `e` and `E`: each pair differs in the lower-case bit only.
    let end = |v| or(or(at_most(v, 0x20), eq(v, b',')), eq(or(v, splat(0x20)), b'}'));
    let exponent = |v| eq(or(v, splat(0x20)), b'e');
    super::NumberMasks {
        digit: bits32(digits(halves.0), digits(halves.1)),
        end: bits32(end(halves.0), end(halves.1)),
        exponent: bits32(exponent(halves.0), exponent(halves.1)),
    }
}

#[inline(always)]
pub(super) fn ascii_prefix(bytes: &[u8]) -> usize {
    // Four blocks per step while they are all ASCII, then block by block.
    let mut pos = 0;
    while let (Some(a), Some(b), Some(c), Some(d)) =
        (load(bytes, pos), load(bytes, pos + 16), load(bytes, pos + 32), load(bytes, pos + 48))
    {
        if any_non_ascii(or(or(a, b), or(c, d))) {
            break;
        }
        pos += 64;
    }
    find(bytes, pos, |v| at_least(v, 0x80), |bytes, _| super::scalar::ascii_prefix(bytes))
}

/// See [`super::utf8`]: simdutf8's NEON validator (NEON being enabled at compile time, its
/// safe entry points go straight to it).
#[inline]
pub(super) fn utf8_rest(rest: &[u8]) -> Result<(), usize> {
    match simdutf8::basic::from_utf8(rest) {
        Ok(_) => Ok(()),
        // Rejected: the slower `compat` validator finds where, as `core` would.
        Err(_) => simdutf8::compat::from_utf8(rest).map(drop).map_err(|e| e.valid_up_to()),
    }
}

/// NEON has no movemask: a 64-byte classification costs more than the byte-wise walk saves.
pub(super) const WIDE_CLASSES: bool = false;

pub(super) use super::scalar::{block_tokens, byte_masks, classify, escape_classes};
