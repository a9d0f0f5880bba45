//! All of the string escape grammar: validating a string's text, and decoding its escapes.
//!
//! The validating half runs on raw body bytes and reports errors at their offsets; the
//! decoding half runs only on text the validating half accepted, so it cannot fail (a
//! malformed escape it is somehow handed decodes as U+FFFD rather than panicking).

use crate::error::{Error, ErrorKind};
use crate::simd;

/// Scans the text of a string whose opening quote is just before `pos`: returns the offset
/// just after its closing quote, and whether it had escapes.
// Inlined into the scanner's loops: most strings are a few bytes.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn skip_string(bytes: &[u8], mut pos: usize) -> Result<(usize, bool), Error> {
    let mut escaped = false;
    loop {
        pos = simd::string_end(bytes, pos);
        match bytes.get(pos) {
            Some(b'"') => return Ok((pos + 1, escaped)),
            Some(b'\\') => {
                escaped = true;
                pos = escape_run_end(bytes, pos)?;
            }
            Some(_) => return Err(Error::new(ErrorKind::ControlCharacter, pos)),
            None => return Err(Error::new(ErrorKind::UnexpectedEof, pos)),
        }
    }
}

/// Validates the escape whose backslash is at `at` and every escape that follows it at once
/// (`\u00e9\u00e8`, `\r\n`): text that escapes one character often escapes the next, and a
/// run is cheaper walked here than by a block search per escape. Returns the offset after it.
// Out of line: the scanner's string loops, inlined everywhere, stay small.
#[inline(never)]
fn escape_run_end(bytes: &[u8], mut at: usize) -> Result<usize, Error> {
    loop {
        at = escape_end(bytes, at)?;
        if bytes.get(at) != Some(&b'\\') {
            return Ok(at);
        }
    }
}

/// Checks text meant to sit between a string's quotes: no quote or control character
/// unescaped, every escape valid. Tells whether it holds escapes.
#[cfg(feature = "serde")]
pub(crate) fn string_content(raw: &str) -> Result<bool, Error> {
    let bytes = raw.as_bytes();
    let (mut at, mut escaped) = (0, false);
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\\' => {
                escaped = true;
                at = escape_end(bytes, at)?;
            }
            b'"' => return Err(Error::new(ErrorKind::ExpectedCommaOrEnd, at)),
            0..=0x1f => return Err(Error::new(ErrorKind::ControlCharacter, at)),
            _ => at += 1,
        }
    }
    Ok(escaped)
}

/// Validates the escape whose backslash is at `at`; returns the offset just after it.
// Inlined into the out-of-line run loop, which then keeps the offset in a register.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn escape_end(bytes: &[u8], at: usize) -> Result<usize, Error> {
    match bytes.get(at + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(at + 2),
        Some(b'u') => {
            let unit = hex4(bytes, at + 2)?;
            match unit {
                0xD800..=0xDBFF => {
                    // A high surrogate must be followed at once by an escaped low one; input
                    // that ends before saying which is a truncation.
                    match (bytes.get(at + 6), bytes.get(at + 7)) {
                        (None, _) => return Err(Error::new(ErrorKind::UnexpectedEof, at + 6)),
                        (Some(b'\\'), None) => {
                            return Err(Error::new(ErrorKind::UnexpectedEof, at + 7))
                        }
                        (Some(b'\\'), Some(b'u')) => {
                            if let 0xDC00..=0xDFFF = hex4(bytes, at + 8)? {
                                return Ok(at + 12);
                            }
                        }
                        _ => {}
                    }
                    Err(Error::new(ErrorKind::LoneSurrogate, at))
                }
                0xDC00..=0xDFFF => Err(Error::new(ErrorKind::LoneSurrogate, at)),
                _ => Ok(at + 6),
            }
        }
        Some(_) => Err(Error::new(ErrorKind::InvalidEscape, at)),
        None => Err(Error::new(ErrorKind::UnexpectedEof, at + 1)),
    }
}

/// Reads four hex digits at `at` as a UTF-16 code unit: all four at once when they are there
/// and valid, else digit by digit to find the offending one.
#[cfg_attr(not(feature = "small"), inline(always))]
fn hex4(bytes: &[u8], at: usize) -> Result<u16, Error> {
    // The word at a time only buys speed: size-optimised builds read digit by digit.
    if cfg!(feature = "small") {
        return hex4_bytes(bytes, at);
    }
    let four = bytes.get(at..).and_then(<[u8]>::first_chunk::<4>);
    match four.and_then(|four| hex4_word(u32::from_le_bytes(*four))) {
        Some(unit) => Ok(unit),
        None => hex4_bytes(bytes, at),
    }
}

/// Four hex digits, read little-endian into `w` (the first digit in the low byte), as one
/// code unit; `None` unless all four are hex digits. Each test is a byte-wise add whose high
/// bit answers it: on bytes below 0x80 (checked first) no add carries into the next byte.
#[cfg_attr(not(feature = "small"), inline(always))]
fn hex4_word(w: u32) -> Option<u16> {
    const HIGH: u32 = 0x8080_8080;
    let splat = |b: u8| u32::from(b) * 0x0101_0101;
    if w & HIGH != 0 {
        return None;
    }
    // `x + (0x80 - lo)` has its high bit set exactly when `x >= lo`.
    let at_least = |x: u32, lo: u8| x.wrapping_add(splat(0x80 - lo));
    let digit = at_least(w, b'0') & !at_least(w, b'9' + 1);
    let lower = w | splat(0x20);
    let letter = at_least(lower, b'a') & !at_least(lower, b'f' + 1);
    if (digit | letter) & HIGH != HIGH {
        return None;
    }
    // A digit's value is its low nibble; a letter's, its low nibble plus 9.
    let nibbles = (w & splat(0x0F)) + (letter & HIGH) / 0x80 * 9;
    let [a, b, c, d] = nibbles.to_le_bytes().map(u16::from);
    Some(a << 12 | b << 8 | c << 4 | d)
}

/// [`hex4`] digit by digit, with the offset of the first byte that is not a hex digit.
#[cold]
fn hex4_bytes(bytes: &[u8], at: usize) -> Result<u16, Error> {
    let mut unit = 0u16;
    for i in at..at + 4 {
        let digit = match bytes.get(i) {
            Some(&b @ b'0'..=b'9') => b - b'0',
            Some(&b @ b'a'..=b'f') => b - b'a' + 10,
            Some(&b @ b'A'..=b'F') => b - b'A' + 10,
            Some(_) => return Err(Error::new(ErrorKind::InvalidEscape, i)),
            None => return Err(Error::new(ErrorKind::UnexpectedEof, i)),
        };
        unit = unit << 4 | u16::from(digit);
    }
    Ok(unit)
}

/// Decodes validated string text (`escaped` says whether it holds a backslash) into `buf`:
/// the runs between escapes are found a block at a time and copied whole, each escape is
/// decoded as one character. Fails with [`ErrorKind::BufferTooSmall`] at the raw offset of
/// the first piece that did not fit.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn unescape<'b>(raw: &str, escaped: bool, buf: &'b mut [u8]) -> Result<&'b str, Error> {
    let too_small = |at| Error::new(ErrorKind::BufferTooSmall, at);
    let bytes = raw.as_bytes();
    let (mut at, mut len) = (0, 0);
    loop {
        // Text with escapes was validated: it has no quote or control character, so the next
        // stop is a backslash. (Text without escapes may have both, and is one run.)
        let stop = if escaped { simd::string_end(bytes, at) } else { bytes.len() };
        let run = bytes.get(at..stop).unwrap_or_default();
        buf.get_mut(len..len + run.len()).ok_or(too_small(at))?.copy_from_slice(run);
        len += run.len();
        let Some(escape) = bytes.get(stop..).filter(|rest| !rest.is_empty()) else { break };
        if let Some(byte) = simple_escape(escape) {
            *buf.get_mut(len).ok_or(too_small(stop))? = byte;
            len += 1;
            at = stop + 2;
            continue;
        }
        let (c, width) = decode_escape(escape);
        let mut utf8 = [0u8; 4];
        let c = c.encode_utf8(&mut utf8).as_bytes();
        buf.get_mut(len..len + c.len()).ok_or(too_small(stop))?.copy_from_slice(c);
        len += c.len();
        at = stop + width;
    }
    // Text runs and whole characters: UTF-8 by construction, checked only to be lent as `&str`,
    // by the validator that skips ASCII a block at a time.
    simd::utf8(buf.get(..len).unwrap_or_default())
        .map_err(|_| Error::new(ErrorKind::InvalidUtf8, 0))
}

/// Decodes the (validated) escape at the start of `bytes`: the character and the bytes it took.
pub(crate) fn decode_escape(bytes: &[u8]) -> (char, usize) {
    if let Some(byte) = simple_escape(bytes) {
        return (char::from(byte), 2);
    }
    if bytes.get(1) != Some(&b'u') {
        return ('\u{FFFD}', 2);
    }
    let unit = u32::from(hex4(bytes, 2).unwrap_or(0xFFFD));
    if (0xD800..0xDC00).contains(&unit) {
        let low = u32::from(hex4(bytes, 8).unwrap_or(0xDC00));
        let code = 0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
        return (char::from_u32(code).unwrap_or('\u{FFFD}'), 12);
    }
    (char::from_u32(unit).unwrap_or('\u{FFFD}'), 6)
}

/// The byte a two-byte escape at the start of `bytes` stands for; `None` for `\u` (and for a
/// backslash that ends the text, which validated text never has).
#[cfg_attr(not(feature = "small"), inline(always))]
fn simple_escape(bytes: &[u8]) -> Option<u8> {
    match bytes.get(1) {
        Some(b'b') => Some(0x08),
        Some(b'f') => Some(0x0C),
        Some(b'n') => Some(b'\n'),
        Some(b'r') => Some(b'\r'),
        Some(b't') => Some(b'\t'),
        Some(&b) if b != b'u' => Some(b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digits_four_at_once_agree_with_one_at_a_time() {
        // Every byte in each place, the others hex digits; then random words.
        let mut words = std::vec::Vec::new();
        for place in 0..4 {
            for b in 0..=255u8 {
                let mut four = *b"0aF9";
                four[place] = b;
                words.push(four);
            }
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"0123456789abcdefABCDEFgG/:@`\x00\x7f\x80\xff";
        for _ in 0..if cfg!(miri) { 2_000 } else { 200_000 } {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let pick = |i: u32| alphabet[(state >> (i * 8)) as usize % alphabet.len()];
            words.push([pick(0), pick(1), pick(2), pick(3)]);
        }
        for four in words {
            let fast = hex4_word(u32::from_le_bytes(four));
            assert_eq!(fast.ok_or(()), hex4_bytes(&four, 0).map_err(drop), "{four:?}");
            assert_eq!(hex4(&four, 0), hex4_bytes(&four, 0), "{four:?}");
        }
        // Short input: the cut is found where it is.
        assert_eq!(hex4(b"12", 0), Err(Error::new(ErrorKind::UnexpectedEof, 2)));
        assert_eq!(hex4(b"1x", 0), Err(Error::new(ErrorKind::InvalidEscape, 1)));
    }

    #[test]
    fn runs_of_escapes_agree_with_one_escape_at_a_time() {
        let pieces: [&[u8]; 16] = [
            b"\\n",
            b"\\\"",
            b"\\\\",
            b"\\/",
            b"\\u00e9",
            b"\\uD83D\\uDE00",
            b"\\uD83D",
            b"\\uDE00",
            b"\\u12G4",
            b"\\x",
            b"\\",
            b"\\u00",
            b"a",
            b"\"",
            b"\x01",
            b"\\uD800\\u0041",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..if cfg!(miri) { 500 } else { 50_000 } {
            let mut text = std::vec![b'"'];
            for _ in 0..1 + state % 6 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.extend_from_slice(pieces[(state >> 20) as usize % pieces.len()]);
            }
            if state & 3 != 0 {
                text.push(b'"');
            }
            // One escape at a time, each followed by a block search: the reference.
            let reference = |bytes: &[u8]| -> Result<(usize, bool), Error> {
                let (mut pos, mut escaped) = (1, false);
                loop {
                    pos = simd::string_end(bytes, pos);
                    match bytes.get(pos) {
                        Some(b'"') => return Ok((pos + 1, escaped)),
                        Some(b'\\') => {
                            escaped = true;
                            pos = escape_end(bytes, pos)?;
                        }
                        Some(_) => return Err(Error::new(ErrorKind::ControlCharacter, pos)),
                        None => return Err(Error::new(ErrorKind::UnexpectedEof, pos)),
                    }
                }
            };
            assert_eq!(skip_string(&text, 1), reference(&text), "{:?}", text.escape_ascii());
        }
    }
}
