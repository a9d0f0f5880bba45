//! The differential tests: every fast path against the scalar twin, and the scalar twin
//! against its definitions, at every offset of inputs biased towards the bytes that matter.

use super::*;
use crate::grammar::{is_value_end, is_whitespace};
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
            assert_eq!(string_end(&input, pos), scalar::string_end(&input, pos), "{input:?} {pos}");
            let (run, end) = ascii_string(&input, pos);
            assert_eq!(end, scalar::ascii_string_end(&input, pos), "{input:?} {pos}");
            assert_eq!(run.as_bytes(), input.get(pos..end).unwrap_or_default());
            assert_eq!(
                whitespace_end(&input, pos),
                scalar::whitespace_end(&input, pos),
                "{input:?} {pos}"
            );
            assert_eq!(digits_end(&input, pos), scalar::digits_end(&input, pos), "{input:?} {pos}");
        }
        assert_eq!(ascii_prefix(&input), scalar::ascii_prefix(&input), "{input:?}");
        for block in input.windows(32) {
            let block = block.try_into().unwrap();
            assert_eq!(number_masks32(block), scalar::number_masks32(block), "{block:?}");
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
                scalar::ascii_string_end(&input, pos),
                first(|b| b == b'"' || b == b'\\' || !(0x20..0x80).contains(&b))
            );
            assert_eq!(scalar::whitespace_end(&input, pos), first(|b| !is_whitespace(b)));
            assert_eq!(scalar::digits_end(&input, pos), first(|b| !b.is_ascii_digit()));
        }
        assert_eq!(
            scalar::ascii_prefix(&input),
            input.iter().position(|b| !b.is_ascii()).unwrap_or(input.len())
        );
        for block in input.windows(32) {
            let mask =
                |f: fn(u8) -> bool| (0..32).filter(|&i| f(block[i])).map(|i| 1u32 << i).sum();
            let masks = scalar::number_masks32(block.try_into().unwrap());
            assert_eq!(masks.digit, mask(|b| b.is_ascii_digit()));
            assert_eq!(masks.end, mask(|b| b <= b' ' || is_value_end(b)));
            assert_eq!(masks.exponent, mask(|b| matches!(b, b'e' | b'E')));
        }
    }
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
    let text = "plain ascii, then é, € and 😀 mixed in; ".repeat(if cfg!(miri) { 2 } else { 40 });
    let valid = text.as_bytes();
    assert_eq!(utf8(valid), Ok(text.as_str()));
    for cut in 0..valid.len() {
        let mut broken = valid.to_vec();
        broken[cut] = 0xFF;
        let expected = core::str::from_utf8(&broken).map_err(|e| e.valid_up_to());
        assert!(matches!(expected, Err(at) if at <= cut));
        assert_eq!(utf8(&broken), expected, "0xFF at {cut}");
        let truncated = &valid[..cut];
        assert_eq!(utf8(truncated), core::str::from_utf8(truncated).map_err(|e| e.valid_up_to()));
    }
    assert_eq!(utf8(&long), core::str::from_utf8(&long).map_err(|e| e.valid_up_to()));
}
