//! Block classification: the scanner's inner loops, many bytes at a time.
//!
//! This is the only module where `unsafe` is allowed. Everything it exports is a safe function
//! over bytes (returning an offset, a bit mask or a `&str`), with the same answer on every path:
//!
//! - x86_64: SSE2 (part of the x86_64 baseline, so always there and inlined) classifies 16
//!   bytes per step; UTF-8 is checked with AVX2 when the CPU has it, detected at run time
//!   through `cpuid` and `xgetbv` (no std needed) and cached in an atomic;
//! - aarch64 (little-endian): NEON (part of the aarch64 baseline) classifies 16 bytes per step
//!   and checks UTF-8;
//! - elsewhere, under miri, or with `--cfg status_core_force_scalar`: the portable [`scalar`]
//!   twin, eight bytes per step in a `u64`.
//!
//! The differential tests at the bottom hold every path to the scalar one, byte for byte.

// The fast paths are compiled in on x86_64 (SSE2 is part of its baseline) and on little-endian
// aarch64 (NEON is part of its baseline) unless miri runs or `--cfg status_core_force_scalar`
// is set; everything else uses the scalar twin.
#[cfg(all(
    target_arch = "aarch64",
    target_feature = "neon",
    target_endian = "little",
    not(miri),
    not(status_core_force_scalar)
))]
use neon as imp;
#[cfg(not(any(
    all(target_arch = "x86_64", target_feature = "sse2", not(miri), not(status_core_force_scalar)),
    all(
        target_arch = "aarch64",
        target_feature = "neon",
        target_endian = "little",
        not(miri),
        not(status_core_force_scalar)
    )
)))]
use scalar as imp;
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "sse2",
    not(miri),
    not(status_core_force_scalar)
))]
use sse2 as imp;

/// The offset of the first byte at or after `pos` that ends a plain run inside a string:
/// `"`, `\` or a control character (below 0x20); `bytes.len()` when there is none.
#[inline(always)]
pub(crate) fn string_end(bytes: &[u8], pos: usize) -> usize {
    imp::string_end(bytes, pos)
}

/// The offset of the first byte at or after `pos` that is not JSON whitespace
/// (space, tab, line feed, carriage return); `bytes.len()` when there is none.
#[inline(always)]
pub(crate) fn whitespace_end(bytes: &[u8], pos: usize) -> usize {
    imp::whitespace_end(bytes, pos)
}

/// The offset of the first byte at or after `pos` that is not an ASCII digit;
/// `bytes.len()` when there is none.
#[inline(always)]
pub(crate) fn digits_end(bytes: &[u8], pos: usize) -> usize {
    imp::digits_end(bytes, pos)
}

/// Bit `i` set when `block[i]` is an ASCII digit.
#[inline(always)]
pub(crate) fn digit_mask32(block: &[u8; 32]) -> u32 {
    imp::digit_mask32(block)
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

/// Checks `rest` the fastest way the CPU allows; on failure, its valid prefix length.
#[inline]
fn utf8_rest(rest: &[u8]) -> Result<(), usize> {
    if rest.is_empty() {
        return Ok(());
    }
    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "sse2",
        not(miri),
        not(status_core_force_scalar)
    ))]
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
    #[cfg(all(target_arch = "aarch64", not(miri), not(status_core_force_scalar)))]
    return match simdutf8::basic::from_utf8(rest) {
        Ok(_) => Ok(()),
        Err(_) => simdutf8::compat::from_utf8(rest).map(drop).map_err(|e| e.valid_up_to()),
    };
    #[allow(unreachable_code)]
    core::str::from_utf8(rest).map(drop).map_err(|e| e.valid_up_to())
}

/// The length of the ASCII prefix of `bytes`.
#[inline(always)]
pub(crate) fn ascii_prefix(bytes: &[u8]) -> usize {
    imp::ascii_prefix(bytes)
}

/// The portable twin of every fast path: SWAR over `u64` words, no `unsafe`.
pub(crate) mod scalar {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;

    /// High bit set in each byte of `w` that is zero. Only the lowest flagged byte is exact
    /// (borrows may flag bytes above it), which is all the callers read.
    #[inline(always)]
    fn zero_bytes(w: u64) -> u64 {
        w.wrapping_sub(ONES) & !w & HIGHS
    }

    /// High bit set in each byte of `w` below `n` (`n` at most 0x80); lowest flag exact.
    #[inline(always)]
    fn bytes_below(w: u64, n: u8) -> u64 {
        w.wrapping_sub(ONES * u64::from(n)) & !w & HIGHS
    }

    #[inline(always)]
    fn word(bytes: &[u8], pos: usize) -> Option<u64> {
        let chunk = bytes.get(pos..pos.checked_add(8)?)?;
        <[u8; 8]>::try_from(chunk).ok().map(u64::from_le_bytes)
    }

    /// Runs `flag` over words from `pos`, then `byte` over the tail; see the callers.
    #[inline(always)]
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
    #[inline(always)]
    pub(crate) fn string_end(bytes: &[u8], pos: usize) -> usize {
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

    /// See [`super::whitespace_end`].
    #[inline(always)]
    pub(crate) fn whitespace_end(bytes: &[u8], mut pos: usize) -> usize {
        while let Some(&b) = bytes.get(pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return pos;
            }
            pos += 1;
        }
        bytes.len().max(pos)
    }

    /// See [`super::digits_end`].
    #[inline(always)]
    pub(crate) fn digits_end(bytes: &[u8], pos: usize) -> usize {
        find(
            bytes,
            pos,
            // A byte is a digit when it is at least '0' and adding 0x46 keeps it below 0x80.
            |w| bytes_below(w, b'0') | ((w.wrapping_add(ONES * 0x46) | w) & HIGHS),
            |b| !b.is_ascii_digit(),
        )
    }

    /// See [`super::digit_mask32`].
    #[inline(always)]
    // SIMD builds need no scalar code for whole blocks; the scalar build and the tests use this.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn digit_mask32(block: &[u8; 32]) -> u32 {
        block.iter().rev().fold(0, |mask, b| mask << 1 | u32::from(b.is_ascii_digit()))
    }

    /// See [`super::ascii_prefix`].
    #[inline(always)]
    pub(crate) fn ascii_prefix(bytes: &[u8]) -> usize {
        find(bytes, 0, |w| w & HIGHS, |b| !b.is_ascii())
    }
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "sse2",
    not(miri),
    not(status_core_force_scalar)
))]
/// SSE2, part of every x86_64 CPU: 16 bytes per step, compiled in and inlined everywhere.
mod sse2 {
    use core::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };

    /// Loads the 16 bytes at `at`.
    #[inline(always)]
    fn load(bytes: &[u8], at: usize) -> Option<__m128i> {
        let block = bytes.get(at..at.checked_add(16)?)?;
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
    // because they need SSE2, which this module is compiled only when present
    // (`target_feature = "sse2"`, part of the x86_64 baseline).

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
}

#[cfg(all(
    target_arch = "aarch64",
    target_feature = "neon",
    target_endian = "little",
    not(miri),
    not(status_core_force_scalar)
))]
/// NEON, part of every aarch64 CPU: 16 bytes per step, compiled in and inlined everywhere.
///
/// Each classifier yields a vector of flags (0xFF for the bytes sought, 0 for the others).
/// NEON has no movemask, so `nibbles` packs the flags into a `u64` with four bits per byte,
/// and byte offsets are bit offsets divided by four. The lane order this relies on is that of
/// little-endian targets, the only ones this module is compiled for.
mod neon {
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
        bytes.get(at..)?.first_chunk().map(load16)
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
    // because they need NEON, which this module is compiled only when present
    // (`target_feature = "neon"`, part of the aarch64 baseline).

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
    pub(super) fn digit_mask32(block: &[u8; 32]) -> u32 {
        // SAFETY: `block` is exactly 32 readable bytes; `vld1q_u8_x2` has no alignment needs.
        let halves = unsafe { vld1q_u8_x2(block.as_ptr()) };
        let digits = |v| at_most(minus(v, b'0'), 9);
        bits32(digits(halves.0), digits(halves.1))
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
}

#[cfg(all(
    target_arch = "x86_64",
    target_feature = "sse2",
    not(miri),
    not(status_core_force_scalar)
))]
/// Run-time CPU feature detection without std.
mod cpu {
    use core::sync::atomic::{AtomicU8, Ordering};

    const UNKNOWN: u8 = 0;
    const NO: u8 = 1;
    const YES: u8 = 2;

    static AVX2: AtomicU8 = AtomicU8::new(UNKNOWN);

    /// Whether the CPU has AVX2 and the OS saves the AVX registers.
    #[inline]
    pub(super) fn has_avx2() -> bool {
        match AVX2.load(Ordering::Relaxed) {
            UNKNOWN => {
                let yes = detect();
                AVX2.store(if yes { YES } else { NO }, Ordering::Relaxed);
                yes
            }
            state => state == YES,
        }
    }

    #[cold]
    fn detect() -> bool {
        /// `cpuid` exists on every x86_64 CPU. (The intrinsic became safe to call in newer
        /// Rust versions; the `unsafe` block keeps older supported compilers happy.)
        #[allow(unused_unsafe)]
        fn cpuid(leaf: u32) -> core::arch::x86_64::CpuidResult {
            // SAFETY: the `cpuid` instruction is part of the x86_64 baseline.
            unsafe { core::arch::x86_64::__cpuid(leaf) }
        }
        let leaf0 = cpuid(0);
        if leaf0.eax < 7 {
            return false;
        }
        let leaf1 = cpuid(1);
        let osxsave = leaf1.ecx & (1 << 27) != 0;
        let avx = leaf1.ecx & (1 << 28) != 0;
        if !(osxsave && avx) {
            return false;
        }
        // XCR0 bits 1 and 2: the OS saves SSE and AVX state on context switches.
        let xcr0_low: u32;
        // SAFETY: `xgetbv` with ECX = 0 is defined whenever CPUID reports OSXSAVE,
        // checked above; it only reads a register.
        unsafe {
            core::arch::asm!(
                "xgetbv",
                in("ecx") 0u32,
                out("eax") xcr0_low,
                out("edx") _,
                options(nomem, nostack, preserves_flags),
            );
        }
        if xcr0_low & 0b110 != 0b110 {
            return false;
        }
        cpuid(7).ebx & (1 << 5) != 0
    }
}

/// Whether every fast path gives the scalar twin's answer on `bytes`: the three run searches
/// from every offset (every eighth past the first 512, to keep long inputs linear enough for a
/// fuzzer), the ASCII prefix, the digit mask of every 32-byte window, and UTF-8 validation
/// against `core`'s.
pub(crate) fn agrees_with_scalar(bytes: &[u8]) -> bool {
    let offsets = (0..=bytes.len() + 1).filter(|&pos| pos <= 512 || pos % 8 == 0);
    let runs = offsets.clone().all(|pos| {
        string_end(bytes, pos) == scalar::string_end(bytes, pos)
            && whitespace_end(bytes, pos) == scalar::whitespace_end(bytes, pos)
            && digits_end(bytes, pos) == scalar::digits_end(bytes, pos)
    });
    let masks = offsets.filter_map(|pos| bytes.get(pos..pos + 32)).all(|block| {
        <&[u8; 32]>::try_from(block)
            .is_ok_and(|block| digit_mask32(block) == scalar::digit_mask32(block))
    });
    let utf8_same = utf8(bytes).map(str::len)
        == core::str::from_utf8(bytes).map(str::len).map_err(|e| e.valid_up_to());
    runs && masks && utf8_same && ascii_prefix(bytes) == scalar::ascii_prefix(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// A tiny deterministic generator for random inputs.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Inputs biased towards the bytes that matter: quotes, backslashes, controls,
    /// whitespace, digits, and non-ASCII.
    fn inputs() -> Vec<Vec<u8>> {
        const INTERESTING: &[u8] =
            b"\"\\\x00\x1f\x20\x21\t\n\r /09:a\x7f\x80\xbf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff";
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut out = Vec::new();
        for len in 0..if cfg!(miri) { 40 } else { 80 } {
            for density in [1, 4, 16, 64] {
                let input = (0..len)
                    .map(|_| {
                        let r = rng.next();
                        if r.is_multiple_of(density) {
                            INTERESTING[(r >> 8) as usize % INTERESTING.len()]
                        } else {
                            [b'a', b' ', b'5', 0xe9][(r >> 16) as usize % 4]
                        }
                    })
                    .collect();
                out.push(input);
            }
        }
        for _ in 0..if cfg!(miri) { 8 } else { 2000 } {
            let len = (rng.next() % 300) as usize;
            out.push((0..len).map(|_| rng.next() as u8).collect());
        }
        // Pretty-printed lines: runs of spaces longer than a block, ended by any byte.
        for _ in 0..if cfg!(miri) { 8 } else { 500 } {
            let mut input = Vec::new();
            while input.len() < 200 {
                input.push(b"\n\r\t "[(rng.next() % 4) as usize]);
                input.extend(core::iter::repeat_n(b' ', (rng.next() % 40) as usize));
                input.push(INTERESTING[(rng.next() >> 8) as usize % INTERESTING.len()]);
            }
            out.push(input);
        }
        out
    }

    #[test]
    fn the_fuzzing_hook_sees_agreement() {
        for input in inputs() {
            assert!(agrees_with_scalar(&input), "{input:?}");
        }
    }

    #[test]
    fn fast_paths_agree_with_scalar_at_every_offset() {
        for input in inputs() {
            for pos in 0..=input.len() + 1 {
                assert_eq!(
                    string_end(&input, pos),
                    scalar::string_end(&input, pos),
                    "{input:?} {pos}"
                );
                assert_eq!(
                    whitespace_end(&input, pos),
                    scalar::whitespace_end(&input, pos),
                    "{input:?} {pos}"
                );
                assert_eq!(
                    digits_end(&input, pos),
                    scalar::digits_end(&input, pos),
                    "{input:?} {pos}"
                );
            }
            assert_eq!(ascii_prefix(&input), scalar::ascii_prefix(&input), "{input:?}");
            for block in input.windows(32) {
                let block = block.try_into().unwrap();
                assert_eq!(digit_mask32(block), scalar::digit_mask32(block), "{block:?}");
            }
        }
    }

    #[test]
    fn scalar_twins_match_their_definitions() {
        for input in inputs() {
            for pos in 0..=input.len() {
                let first = |f: fn(u8) -> bool| {
                    input.iter().skip(pos).position(|&b| f(b)).map_or(input.len(), |i| pos + i)
                };
                assert_eq!(
                    scalar::string_end(&input, pos),
                    first(|b| b == b'"' || b == b'\\' || b < 0x20)
                );
                assert_eq!(
                    scalar::whitespace_end(&input, pos),
                    first(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
                );
                assert_eq!(scalar::digits_end(&input, pos), first(|b| !b.is_ascii_digit()));
            }
            assert_eq!(
                scalar::ascii_prefix(&input),
                input.iter().position(|b| !b.is_ascii()).unwrap_or(input.len())
            );
            for block in input.windows(32) {
                let expected =
                    (0..32).filter(|&i| block[i].is_ascii_digit()).map(|i| 1u32 << i).sum::<u32>();
                assert_eq!(scalar::digit_mask32(block.try_into().unwrap()), expected);
            }
        }
    }

    #[cfg(all(
        target_arch = "x86_64",
        target_feature = "sse2",
        not(miri),
        not(status_core_force_scalar)
    ))]
    #[test]
    fn avx2_detection_without_std_agrees_with_std() {
        assert_eq!(cpu::has_avx2(), std::arch::is_x86_feature_detected!("avx2"));
        // The cached answer stays the same.
        assert_eq!(cpu::has_avx2(), std::arch::is_x86_feature_detected!("avx2"));
    }

    #[test]
    fn utf8_agrees_with_core() {
        let mut long = Vec::new();
        for input in inputs() {
            long.extend_from_slice(&input);
            let expected = core::str::from_utf8(&input).map_err(|e| e.valid_up_to());
            assert_eq!(utf8(&input), expected, "{input:?}");
        }
        // Long inputs, valid and broken at every kind of place, exercise the wide paths.
        let text =
            "plain ascii, then é, € and 😀 mixed in; ".repeat(if cfg!(miri) { 2 } else { 40 });
        let valid = text.as_bytes();
        assert_eq!(utf8(valid), Ok(text.as_str()));
        for cut in 0..valid.len() {
            let mut broken = valid.to_vec();
            broken[cut] = 0xFF;
            let expected = core::str::from_utf8(&broken).map_err(|e| e.valid_up_to());
            assert!(matches!(expected, Err(at) if at <= cut));
            assert_eq!(utf8(&broken), expected, "0xFF at {cut}");
            let truncated = &valid[..cut];
            assert_eq!(
                utf8(truncated),
                core::str::from_utf8(truncated).map_err(|e| e.valid_up_to())
            );
        }
        assert_eq!(utf8(&long), core::str::from_utf8(&long).map_err(|e| e.valid_up_to()));
    }
}
