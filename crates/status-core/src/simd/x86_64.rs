//! SSE2, part of every x86_64 CPU: 16 bytes per step, compiled in and inlined everywhere;
//! UTF-8 past the ASCII prefix is checked with simdutf8's AVX2 validator when the CPU has
//! AVX2, detected at run time without std and cached.
//!
//! Compiled only where the target predicate of `mod.rs` holds on x86_64.

use core::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
    _mm_set1_epi8, _mm_sub_epi8,
};

/// Loads the 16 bytes at `at`.
#[inline(always)]
fn load(bytes: &[u8], at: usize) -> Option<__m128i> {
    // A wrapped end lies before `at`, which `get` refuses like any other empty range.
    let block = bytes.get(at..at.wrapping_add(16))?;
    // SAFETY: `block` is exactly 16 readable bytes; `loadu` has no alignment needs.
    Some(unsafe { _mm_loadu_si128(block.as_ptr().cast()) })
}

/// Applies `classify` (one bit per byte, set for the bytes sought) from `pos` on and
/// returns the first flagged offset. The last partial block is read as the final 16
/// bytes of the input, with the bits before `pos` shifted out.
#[inline(always)]
fn find(
    bytes: &[u8],
    mut pos: usize,
    classify: impl Fn(__m128i) -> u32,
    short: fn(&[u8], usize) -> usize,
) -> usize {
    while let Some(v) = load(bytes, pos) {
        let mask = classify(v);
        if mask != 0 {
            return pos + mask.trailing_zeros() as usize;
        }
        pos += 16;
    }
    let len = bytes.len();
    if pos >= len {
        return len.max(pos);
    }
    match load(bytes, len.wrapping_sub(16)) {
        Some(v) => {
            let mask = classify(v) >> (16 - (len - pos));
            if mask != 0 {
                pos + mask.trailing_zeros() as usize
            } else {
                len
            }
        }
        // Shorter than one block: the scalar twin handles it.
        None => short(bytes, pos),
    }
}

// The intrinsics below only compute on registers. They are `unsafe` to call solely
// because they need SSE2, and this file is compiled only when SSE2 is enabled at compile
// time (the target predicate in `mod.rs` requires `target_feature = "sse2"`, part of the
// x86_64 baseline).

#[inline(always)]
fn splat(b: u8) -> __m128i {
    // SAFETY: SSE2 is enabled at compile time (see above).
    unsafe { _mm_set1_epi8(b as i8) }
}

#[inline(always)]
fn bits(v: __m128i) -> u32 {
    // SAFETY: SSE2 is enabled at compile time (see above).
    unsafe { _mm_movemask_epi8(v) as u32 }
}

#[inline(always)]
fn eq(v: __m128i, b: u8) -> __m128i {
    // SAFETY: SSE2 is enabled at compile time (see above).
    unsafe { _mm_cmpeq_epi8(v, splat(b)) }
}

#[inline(always)]
fn or(a: __m128i, b: __m128i) -> __m128i {
    // SAFETY: SSE2 is enabled at compile time (see above).
    unsafe { _mm_or_si128(a, b) }
}

/// Bytes at most `max` (unsigned).
#[inline(always)]
fn at_most(v: __m128i, max: u8) -> __m128i {
    // SAFETY: SSE2 is enabled at compile time (see above).
    unsafe { _mm_cmpeq_epi8(_mm_min_epu8(v, splat(max)), v) }
}

/// Each byte minus `b`, wrapping.
#[inline(always)]
fn minus(v: __m128i, b: u8) -> __m128i {
    // SAFETY: SSE2 is enabled at compile time (see above).
    unsafe { _mm_sub_epi8(v, splat(b)) }
}

#[inline(always)]
pub(super) fn string_end(bytes: &[u8], pos: usize) -> usize {
    find(
        bytes,
        pos,
        |v| bits(or(or(eq(v, b'"'), eq(v, b'\\')), at_most(v, 0x1F))),
        super::scalar::string_end,
    )
}

#[inline(always)]
pub(super) fn ascii_string_end(bytes: &[u8], pos: usize) -> usize {
    // The byte's own high bit flags everything from 0x80 up: one `or` more than `string_end`.
    find(
        bytes,
        pos,
        |v| bits(or(or(or(eq(v, b'"'), eq(v, b'\\')), at_most(v, 0x1F)), v)),
        super::scalar::ascii_string_end,
    )
}

#[inline(always)]
pub(super) fn whitespace_end(bytes: &[u8], mut pos: usize) -> usize {
    // Indentation is spaces: one comparison a block while it lasts, and the four-way
    // classification only from the first byte that is not a space.
    while let Some(v) = load(bytes, pos) {
        let spaces = bits(eq(v, b' '));
        if spaces != 0xFFFF {
            pos += (!spaces).trailing_zeros() as usize;
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
        |v| {
            let ws = or(or(eq(v, b' '), eq(v, b'\n')), or(eq(v, b'\r'), eq(v, b'\t')));
            !bits(ws) & 0xFFFF
        },
        super::scalar::whitespace_end,
    )
}

#[inline(always)]
pub(super) fn digits_end(bytes: &[u8], pos: usize) -> usize {
    find(bytes, pos, |v| !bits(at_most(minus(v, b'0'), 9)) & 0xFFFF, super::scalar::digits_end)
}

#[inline(always)]
pub(super) fn digit_mask32(block: &[u8; 32]) -> u32 {
    let digits = |at| load(block, at).map_or(0, |v| bits(at_most(minus(v, b'0'), 9)));
    digits(0) | digits(16) << 16
}

#[inline(always)]
pub(super) fn ascii_prefix(bytes: &[u8]) -> usize {
    // Four blocks per step while they are all ASCII, then block by block.
    let mut pos = 0;
    while let (Some(a), Some(b), Some(c), Some(d)) =
        (load(bytes, pos), load(bytes, pos + 16), load(bytes, pos + 32), load(bytes, pos + 48))
    {
        if bits(or(or(a, b), or(c, d))) != 0 {
            break;
        }
        pos += 64;
    }
    find(bytes, pos, bits, |bytes, _| super::scalar::ascii_prefix(bytes))
}

pub(super) const WIDE_CLASSES: bool = true;

#[inline(always)]
pub(super) fn classify(block: &[u8; 64]) -> super::Classes {
    let mut c = super::Classes::default();
    for lane in 0..4 {
        let Some(v) = load(block, lane * 16) else { continue };
        let shift = lane * 16;
        let mask = |m: __m128i| u64::from(bits(m)) << shift;
        c.quote |= mask(eq(v, b'"'));
        c.backslash |= mask(eq(v, b'\\'));
        c.whitespace |= mask(or(or(eq(v, b' '), eq(v, b'\n')), or(eq(v, b'\r'), eq(v, b'\t'))));
        // `[` and `{`, `]` and `}` differ only in the 0x20 bit.
        let folded = or(v, splat(0x20));
        c.op |= mask(or(or(eq(folded, b'{'), eq(folded, b'}')), or(eq(v, b':'), eq(v, b','))));
        c.control |= mask(at_most(v, 0x1F));
    }
    c
}

/// See [`super::utf8`]: AVX2 when the CPU and the OS support it, else `core`'s validator.
#[inline]
pub(super) fn utf8_rest(rest: &[u8]) -> Result<(), usize> {
    if cpu::has_avx2() {
        // SAFETY: `has_avx2` checked that the CPU and the OS support AVX2, the one requirement
        // of both validators.
        if unsafe { simdutf8::basic::imp::x86::avx2::validate_utf8(rest) }.is_ok() {
            return Ok(());
        }
        // Rejected: the slower `compat` validator finds where, as `core` would.
        // SAFETY: as above.
        let exact = unsafe { simdutf8::compat::imp::x86::avx2::validate_utf8(rest) };
        return exact.map_err(|e| e.valid_up_to());
    }
    super::scalar::utf8_rest(rest)
}

/// Run-time CPU feature detection without std.
mod cpu {
    // `cpuid` for the CPU's AVX2 and AVX bits and `xgetbv` for the OS saving the AVX registers,
    // cached in an atomic (or `true` at compile time when AVX2 is enabled there).
    cpufeatures::new!(avx2_cpuid, "avx2");

    /// Whether the CPU has AVX2 and the OS saves the AVX registers.
    #[inline]
    pub(super) fn has_avx2() -> bool {
        avx2_cpuid::get()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn avx2_detection_without_std_agrees_with_std() {
        assert_eq!(super::cpu::has_avx2(), std::arch::is_x86_feature_detected!("avx2"));
        // The cached answer stays the same.
        assert_eq!(super::cpu::has_avx2(), std::arch::is_x86_feature_detected!("avx2"));
    }
}
