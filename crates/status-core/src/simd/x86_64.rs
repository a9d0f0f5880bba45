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
pub(super) fn number_masks32(block: &[u8; 32]) -> super::NumberMasks {
    let half = |at| {
        load(block, at).map_or((0, 0, 0), |v| {
            // `]` and `}`, `e` and `E`: each pair differs in the lower-case bit only.
            let lower = or(v, splat(0x20));
            let end = or(or(at_most(v, 0x20), eq(v, b',')), eq(lower, b'}'));
            (bits(at_most(minus(v, b'0'), 9)), bits(end), bits(eq(lower, b'e')))
        })
    };
    let (low, high) = (half(0), half(16));
    super::NumberMasks {
        digit: low.0 | high.0 << 16,
        end: low.1 | high.1 << 16,
        exponent: low.2 | high.2 << 16,
    }
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

/// See [`super::classify`]: AVX2 when the CPU has it, else SSE2.
#[inline(always)]
pub(super) fn classify(block: &[u8; 64]) -> super::Classes {
    if cpu::has_avx2() {
        // SAFETY: `has_avx2` checked that the CPU and the OS support AVX2.
        return unsafe { avx2::classify(block) };
    }
    classify_sse2(block)
}

/// See [`super::block_tokens`]: the classification and the word arithmetic in one function,
/// the AVX2 one when the CPU has it.
#[inline(always)]
pub(super) fn block_tokens(block: &[u8; 64], carry: &mut super::Carry) -> super::Tokens {
    if cpu::has_avx2() {
        // SAFETY: `has_avx2` checked that the CPU and the OS support AVX2.
        return unsafe { avx2::block_tokens(block, carry) };
    }
    super::tokens::from_classes(classify_sse2(block), carry)
}

/// See [`super::byte_masks`]: 16 bytes a comparison.
#[inline(always)]
pub(super) fn byte_masks<const N: usize>(block: &[u8; 64], wanted: [u8; N]) -> [u64; N] {
    let lanes = [0, 16, 32, 48].map(|at| load(block, at));
    wanted.map(|w| {
        lanes.iter().zip([0, 16, 32, 48]).fold(0, |mask, (lane, shift)| {
            mask | lane.map_or(0, |v| u64::from(bits(eq(v, w))) << shift)
        })
    })
}

/// See [`super::escape_classes`]: AVX2 when the CPU has it, else SSE2.
#[inline(always)]
pub(super) fn escape_classes(block: &[u8; 64]) -> super::EscapeClasses {
    if cpu::has_avx2() {
        // SAFETY: `has_avx2` checked that the CPU and the OS support AVX2.
        return unsafe { avx2::escape_classes(block) };
    }
    escape_classes_sse2(block)
}

/// [`escape_classes`] 16 bytes at a time, by comparisons.
#[inline(always)]
fn escape_classes_sse2(block: &[u8; 64]) -> super::EscapeClasses {
    let mut c = super::EscapeClasses::default();
    for lane in 0..4 {
        let Some(v) = load(block, lane * 16) else { continue };
        let mask = |m: __m128i| u64::from(bits(m)) << (lane * 16);
        let folded = or(v, splat(0x20));
        let b_f_n = or(or(eq(v, b'b'), eq(v, b'f')), eq(v, b'n'));
        let others = or(or(eq(v, b'"'), eq(v, b'\\')), or(eq(v, b'/'), eq(v, b'r')));
        c.simple |= mask(or(or(b_f_n, others), eq(v, b't')));
        c.u |= mask(eq(v, b'u'));
        c.hex |= mask(or(at_most(minus(v, b'0'), 9), at_most(minus(folded, b'a'), 5)));
        c.d |= mask(eq(folded, b'd'));
    }
    c
}

/// [`classify`] 16 bytes at a time, with no byte lookup (SSE2 has no `pshufb`).
#[inline(always)]
fn classify_sse2(block: &[u8; 64]) -> super::Classes {
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
        c.digit |= mask(at_most(minus(v, b'0'), 9));
    }
    c
}

/// The 64-byte classification in two 32-byte steps, whitespace and structure from one pair of
/// nibble lookups.
mod avx2 {
    use core::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8,
        _mm256_movemask_epi8, _mm256_set1_epi8, _mm256_setr_epi8, _mm256_setzero_si256,
        _mm256_shuffle_epi8, _mm256_srli_epi16, _mm256_sub_epi8,
    };

    // The classes of the nibble lookup: a byte is in a class when the entries for its low
    // and its high nibble both have the class's bit.
    const SPACE: i8 = 1; // 0x20
    const TAB_LF_CR: i8 = 2; // 0x09, 0x0A, 0x0D
    const COMMA: i8 = 4; // 0x2C
    const COLON: i8 = 8; // 0x3A
    const BRACKET: i8 = 16; // 0x5B, 0x5D, 0x7B, 0x7D
    const WHITESPACE: i8 = SPACE | TAB_LF_CR;
    const OP: i8 = COMMA | COLON | BRACKET;

    /// The table for one nibble, in both 16-byte halves (`vpshufb` looks up per half).
    macro_rules! table {
        ($($entry:expr),* $(,)?) => {
            _mm256_setr_epi8($($entry),*, $($entry),*)
        };
    }

    /// The classes of the 32 bytes `v` by the nibble tables: a byte is in a class when the
    /// entries for its low and its high nibble both have the class's bit. The low nibble
    /// indexes directly, so a byte from 0x80 up looks up zero, in no class.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn lookup(v: __m256i, low_table: __m256i, high_table: __m256i) -> __m256i {
        let low = _mm256_shuffle_epi8(low_table, v);
        let high_nibbles = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F));
        _mm256_and_si256(low, _mm256_shuffle_epi8(high_table, high_nibbles))
    }

    /// The high bit of each of the 32 bytes of `v`.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn bits(v: __m256i) -> u64 {
        u64::from(_mm256_movemask_epi8(v) as u32)
    }

    /// The bytes whose classes (from [`lookup`]) share a bit with `which`.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn any(class: __m256i, which: i8) -> u64 {
        let none = _mm256_and_si256(class, _mm256_set1_epi8(which));
        !bits(_mm256_cmpeq_epi8(none, _mm256_setzero_si256())) & 0xFFFF_FFFF
    }

    /// See [`super::block_tokens`].
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn block_tokens(
        block: &[u8; 64],
        carry: &mut super::super::Carry,
    ) -> super::super::Tokens {
        // SAFETY: this function's own requirement.
        super::super::tokens::from_classes(unsafe { classify(block) }, carry)
    }

    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn classify(block: &[u8; 64]) -> super::super::Classes {
        let low_table = table![
            SPACE, 0, 0, 0, 0, 0, 0, 0, 0, TAB_LF_CR, TAB_LF_CR | COLON, BRACKET, COMMA,
            TAB_LF_CR | BRACKET, 0, 0,
        ];
        let high_table = table![
            TAB_LF_CR, 0, SPACE | COMMA, COLON, 0, BRACKET, 0, BRACKET, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let splat = |b: u8| _mm256_set1_epi8(b as i8);
        let mut c = super::super::Classes::default();
        for (half, bytes) in block.chunks_exact(32).enumerate() {
            // SAFETY: `bytes` is exactly 32 readable bytes; `loadu` has no alignment needs.
            let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) };
            let class = lookup(v, low_table, high_table);
            let shift = half * 32;
            c.quote |= bits(_mm256_cmpeq_epi8(v, splat(b'"'))) << shift;
            c.backslash |= bits(_mm256_cmpeq_epi8(v, splat(b'\\'))) << shift;
            c.whitespace |= any(class, WHITESPACE) << shift;
            c.op |= any(class, OP) << shift;
            c.control |= bits(_mm256_cmpeq_epi8(_mm256_min_epu8(v, splat(0x1F)), v)) << shift;
            let digit = _mm256_sub_epi8(v, splat(b'0'));
            c.digit |= bits(_mm256_cmpeq_epi8(_mm256_min_epu8(digit, splat(9)), digit)) << shift;
        }
        c
    }

    /// See [`super::super::escape_classes`]: one pair of nibble lookups gives every class.
    /// `simple` is four classes, one per high nibble (2, 5, 6, 7), each with its low nibbles.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) unsafe fn escape_classes(block: &[u8; 64]) -> super::super::EscapeClasses {
        const QUOTE_SLASH: i8 = 1; // 0x22, 0x2F
        const BACKSLASH: i8 = 2; // 0x5C
        const B_F_N: i8 = 4; // 0x62, 0x66, 0x6E
        const R_T: i8 = 8; // 0x72, 0x74
        const U: i8 = 16; // 0x75
        const DIGIT: i8 = 32; // 0x30 to 0x39
        const LETTER: i8 = 64; // 0x41 to 0x46, 0x61 to 0x66
        const D: i8 = i8::MIN; // 0x44, 0x64: the high bit, which `movemask` reads directly
        const SIMPLE: i8 = QUOTE_SLASH | BACKSLASH | B_F_N | R_T;
        const HEX: i8 = DIGIT | LETTER;
        let low_table = table![
            DIGIT,
            HEX,
            HEX | QUOTE_SLASH | B_F_N | R_T,
            HEX,
            HEX | R_T | D,
            HEX | U,
            HEX | B_F_N,
            DIGIT,
            DIGIT,
            DIGIT,
            0,
            0,
            BACKSLASH,
            0,
            B_F_N,
            QUOTE_SLASH,
        ];
        let high_table = table![
            0,
            0,
            QUOTE_SLASH,
            DIGIT,
            LETTER | D,
            BACKSLASH,
            B_F_N | LETTER | D,
            R_T | U,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        ];
        let mut c = super::super::EscapeClasses::default();
        for (half, bytes) in block.chunks_exact(32).enumerate() {
            // SAFETY: `bytes` is exactly 32 readable bytes; `loadu` has no alignment needs.
            let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().cast()) };
            let class = lookup(v, low_table, high_table);
            let shift = half * 32;
            c.simple |= any(class, SIMPLE) << shift;
            c.u |= any(class, U) << shift;
            c.hex |= any(class, HEX) << shift;
            c.d |= bits(class) << shift;
        }
        c
    }
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
// The tests index freely: a panic is how they fail.
#[allow(clippy::indexing_slicing)]
mod tests {
    /// Both paths of `classify` and of `escape_classes`, whichever the CPU takes, against the
    /// scalar definitions.
    #[test]
    #[allow(clippy::indexing_slicing)]
    fn both_classifiers_agree_with_scalar() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let interesting = b"\"\\{}[]:, \t\n\r\x00\x1f09/a\x7f\x80\xffbfnrtuUdDAFGg`@";
        for round in 0..20_000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = if round % 2 == 0 {
                    interesting[(state % interesting.len() as u64) as usize]
                } else {
                    state as u8
                };
            }
            let want = super::super::scalar::classify(&block);
            assert_eq!(super::classify_sse2(&block), want, "{block:?}");
            let escapes = super::super::scalar::escape_classes(&block);
            assert_eq!(super::escape_classes_sse2(&block), escapes, "{block:?}");
            // The fused step, from every carried state, as the word arithmetic on the classes.
            for carry in [[0, 0, 0], [1, 0, 0], [0, u64::MAX, 0], [0, 0, 1], [1, u64::MAX, 1]] {
                let carry = super::super::tokens::test_carry(carry);
                let (mut fused, mut apart) = (carry, carry);
                let tokens = super::block_tokens(&block, &mut fused);
                let expected = super::super::tokens::from_classes(want, &mut apart);
                assert_eq!((tokens, fused), (expected, apart), "{block:?}");
            }
            if super::cpu::has_avx2() {
                // SAFETY: the CPU supports AVX2.
                assert_eq!(unsafe { super::avx2::classify(&block) }, want, "{block:?}");
                // SAFETY: as above.
                assert_eq!(unsafe { super::avx2::escape_classes(&block) }, escapes, "{block:?}");
            }
        }
    }

    #[test]
    fn avx2_detection_without_std_agrees_with_std() {
        assert_eq!(super::cpu::has_avx2(), std::arch::is_x86_feature_detected!("avx2"));
        // The cached answer stays the same.
        assert_eq!(super::cpu::has_avx2(), std::arch::is_x86_feature_detected!("avx2"));
    }
}
