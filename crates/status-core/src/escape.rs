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
#[inline(always)]
pub(crate) fn skip_string(bytes: &[u8], mut pos: usize) -> Result<(usize, bool), Error> {
    let mut escaped = false;
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

/// Reads four hex digits at `at` as a UTF-16 code unit.
fn hex4(bytes: &[u8], at: usize) -> Result<u16, Error> {
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
#[inline(always)]
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
#[inline(always)]
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
