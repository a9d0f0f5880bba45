//! The validating JSON scanner: RFC 8259 grammar over UTF-8 text, without recursion.
//!
//! The whole input is checked to be UTF-8 once, up front, by [`Text::new`]; after that the
//! scanner only has to look at ASCII bytes, and every slice it hands out is a `&str`.

use crate::error::{Error, ErrorKind};
use crate::simd;
use crate::string::JsonStr;

/// The deepest nesting a [`crate::Decoder`] can be configured to accept: the bit stack that
/// tracks it is `MAX_DEPTH / 8` bytes of stack.
pub const MAX_DEPTH: usize = 1024;

/// JSON text that is known to be UTF-8, with its position in the original input.
pub(crate) struct Text<'a> {
    pub(crate) text: &'a str,
    /// Where the first byte that is not UTF-8 sits, when the input had one. `text` then
    /// holds only the valid prefix: an error the scanner finds before this offset is the
    /// earlier error and wins; reaching this offset means the UTF-8 error is the one to report.
    pub(crate) utf8_error_at: Option<usize>,
    /// The input ends inside a character that starts at `utf8_error_at`: a cut, not bad bytes.
    cut_at: Option<usize>,
}

impl<'a> Text<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Result<Self, Error> {
        if input.starts_with(b"\xEF\xBB\xBF") {
            return Err(Error::new(ErrorKind::ByteOrderMark, 0));
        }
        match simd::utf8(input) {
            Ok(text) => Ok(Self { text, utf8_error_at: None, cut_at: None }),
            Err(at) => {
                let (valid, tail) = input.split_at_checked(at).unwrap_or((b"", input));
                let text = core::str::from_utf8(valid).unwrap_or_default();
                let cut = core::str::from_utf8(tail).is_err_and(|e| e.error_len().is_none());
                Ok(Self { text, utf8_error_at: Some(at), cut_at: cut.then_some(input.len()) })
            }
        }
    }

    /// Picks the error to report: a scanner error inside the valid prefix, else the UTF-8 error.
    pub(crate) fn settle<T>(&self, scanned: Result<T, Error>) -> Result<T, Error> {
        match (self.utf8_error_at, scanned) {
            (None, r) => r,
            (Some(at), Err(e)) if e.offset() < at => Err(e),
            // A body cut inside a character, where the value was not complete yet anyway.
            (Some(at), Err(e)) if e.kind() == ErrorKind::UnexpectedEof && e.offset() == at => {
                Err(self.cut_at.map_or(Error::new(ErrorKind::InvalidUtf8, at), |len| {
                    Error::new(ErrorKind::UnexpectedEof, len)
                }))
            }
            (Some(at), _) => Err(Error::new(ErrorKind::InvalidUtf8, at)),
        }
    }
}

/// A fixed bit stack of open containers: 1 for an object, 0 for an array.
struct Nesting {
    words: [u64; MAX_DEPTH / 64],
    len: usize,
}

impl Nesting {
    const fn new() -> Self {
        Self { words: [0; MAX_DEPTH / 64], len: 0 }
    }

    /// Callers check the depth limit (at most `MAX_DEPTH`) before pushing.
    #[inline]
    fn push(&mut self, object: bool) {
        if let Some(word) = self.words.get_mut(self.len / 64) {
            let bit = 1u64 << (self.len % 64);
            if object {
                *word |= bit;
            } else {
                *word &= !bit;
            }
        }
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) {
        self.len -= 1;
    }

    #[inline]
    fn in_object(&self) -> bool {
        let top = self.len.wrapping_sub(1);
        self.words.get(top / 64).is_some_and(|w| w & (1u64 << (top % 64)) != 0)
    }
}

#[inline(always)]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// A cursor over validated-UTF-8 JSON text.
#[derive(Clone)]
pub(crate) struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    max_depth: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(text: &'a str, max_depth: usize) -> Self {
        Self { text, pos: 0, max_depth }
    }

    #[inline(always)]
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    #[inline(always)]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves the cursor `n` bytes on, over text the caller has read and checked.
    #[inline(always)]
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos += n;
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    #[inline(always)]
    fn err(&self, kind: ErrorKind) -> Error {
        Error::new(kind, self.pos)
    }

    /// The text between two byte offsets that the scanner put on ASCII boundaries.
    #[inline(always)]
    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Skips whitespace and returns the next byte, if any.
    #[inline(always)]
    pub(crate) fn skip_ws(&mut self) -> Option<u8> {
        // Compact JSON has no whitespace, and pretty-printed JSON often one space: look at two
        // bytes before classifying a whole block of indentation.
        let bytes = self.bytes();
        match bytes.get(self.pos) {
            Some(&b) if !is_ws(b) => return Some(b),
            None => return None,
            Some(_) => {}
        }
        match bytes.get(self.pos + 1) {
            Some(&b) if !is_ws(b) => {
                self.pos += 1;
                return Some(b);
            }
            None => {
                self.pos += 1;
                return None;
            }
            Some(_) => {}
        }
        self.pos = simd::whitespace_end(bytes, self.pos + 2);
        self.peek()
    }

    /// Requires that only whitespace remains.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        match self.skip_ws() {
            None => Ok(()),
            Some(_) => Err(self.err(ErrorKind::TrailingCharacters)),
        }
    }

    /// Consumes `byte` after optional whitespace, or fails with `kind` (or end of input).
    #[inline(always)]
    fn expect(&mut self, byte: u8, kind: ErrorKind) -> Result<(), Error> {
        match self.skip_ws() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.err(kind)),
            None => Err(self.err(ErrorKind::UnexpectedEof)),
        }
    }

    /// Scans a string whose opening quote is at the cursor; returns it without quotes.
    // Inlined: most strings are a few bytes, and a call returning its result through
    // memory cost as much as the scan itself.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Result<JsonStr<'a>, Error> {
        let start = self.pos + 1;
        let escaped = self.skip_string()?;
        Ok(JsonStr::from_validated(self.slice(start, self.pos - 1), escaped))
    }

    /// Skips a string whose opening quote is at the cursor; tells whether it had escapes.
    #[inline(always)]
    pub(crate) fn skip_string(&mut self) -> Result<bool, Error> {
        let bytes = self.bytes();
        let mut pos = self.pos + 1;
        let mut escaped = false;
        loop {
            pos = simd::string_end(bytes, pos);
            match bytes.get(pos) {
                Some(b'"') => {
                    self.pos = pos + 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    pos = escape_end(bytes, pos)?;
                }
                Some(_) => return Err(Error::new(ErrorKind::ControlCharacter, pos)),
                None => return Err(Error::new(ErrorKind::UnexpectedEof, pos)),
            }
        }
    }

    #[inline(always)]
    fn number(&mut self) -> Result<(), Error> {
        match self.number_fast() {
            Some(end) => {
                self.pos = end;
                Ok(())
            }
            None => self.number_exact(),
        }
    }

    /// The end of the valid number at the cursor, from one digit mask of the next 32 bytes,
    /// for the usual shapes: `-?(0|[1-9][0-9]*)(.[0-9]+)?` followed by whitespace, a comma or
    /// a closing bracket. `None` for anything else (an exponent, a number near the end of
    /// input or longer than the block, an error), which [`Self::number_exact`] then settles.
    #[inline(always)]
    fn number_fast(&self) -> Option<usize> {
        let bytes = self.bytes();
        let p = self.pos + usize::from(bytes.get(self.pos) == Some(&b'-'));
        let block: &[u8; 32] = bytes.get(p..p + 32)?.try_into().ok()?;
        let digits = simd::digit_mask32(block);
        if digits & 1 == 0 {
            return None;
        }
        // One bit per byte that is not a digit; the bits past the block count as such.
        let other = !u64::from(digits);
        let mut q = if block[0] == b'0' { 1 } else { 1 + (other >> 1).trailing_zeros() as usize };
        let mut next = *block.get(q)?;
        if next == b'.' {
            let fraction = (other >> (q + 1)).trailing_zeros() as usize;
            if fraction == 0 {
                return None;
            }
            q += 1 + fraction;
            next = *block.get(q)?;
        }
        matches!(next, b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t').then_some(p + q)
    }

    #[cold]
    fn number_exact(&mut self) -> Result<(), Error> {
        let bytes = self.bytes();
        let mut p = self.pos;
        let digit = |p: usize| bytes.get(p).is_some_and(u8::is_ascii_digit);
        // A missing digit is a truncation at the end of input, a grammar error elsewhere.
        let need_digit = |p: usize| {
            if p >= bytes.len() {
                Err(Error::new(ErrorKind::UnexpectedEof, p))
            } else if digit(p) {
                Ok(())
            } else {
                Err(Error::new(ErrorKind::InvalidNumber, p))
            }
        };
        if bytes.get(p) == Some(&b'-') {
            p += 1;
        }
        need_digit(p)?;
        if bytes.get(p) == Some(&b'0') {
            p += 1;
        } else {
            p = simd::digits_end(bytes, p + 1);
        }
        if bytes.get(p) == Some(&b'.') {
            p += 1;
            need_digit(p)?;
            p = simd::digits_end(bytes, p + 1);
        }
        if matches!(bytes.get(p), Some(b'e' | b'E')) {
            p += 1;
            if matches!(bytes.get(p), Some(b'+' | b'-')) {
                p += 1;
            }
            need_digit(p)?;
            while digit(p) {
                p += 1;
            }
        }
        // `01`, `1.2.3`, `1e5e`: what follows a complete number cannot continue one.
        if matches!(bytes.get(p), Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')) {
            return Err(Error::new(ErrorKind::InvalidNumber, p));
        }
        self.pos = p;
        Ok(())
    }

    #[inline(always)]
    fn literal(&mut self, word: &'static [u8]) -> Result<(), Error> {
        if self.bytes().get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            return Ok(());
        }
        self.bad_literal(word)
    }

    /// Finds where `word` and the text part ways.
    #[cold]
    fn bad_literal(&mut self, word: &'static [u8]) -> Result<(), Error> {
        for (i, &expected) in word.iter().enumerate() {
            match self.bytes().get(self.pos + i) {
                Some(&b) if b == expected => {}
                Some(_) => return Err(Error::new(ErrorKind::InvalidLiteral, self.pos + i)),
                None => return Err(Error::new(ErrorKind::UnexpectedEof, self.pos + i)),
            }
        }
        self.pos += word.len();
        Ok(())
    }

    /// Scans one scalar value at the cursor (after whitespace), or reports what is there.
    #[inline(always)]
    fn scalar(&mut self, first: u8) -> Result<(), Error> {
        match first {
            b'"' => self.skip_string().map(drop),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'+' | b'.' => Err(self.err(ErrorKind::InvalidNumber)),
            _ => Err(self.err(ErrorKind::ExpectedValue)),
        }
    }

    /// Scans `"key" :` at the cursor (after whitespace).
    #[inline(always)]
    fn key_colon(&mut self) -> Result<(), Error> {
        match self.skip_ws() {
            Some(b'"') => self.skip_string().map(drop)?,
            Some(_) => return Err(self.err(ErrorKind::ExpectedKey)),
            None => return Err(self.err(ErrorKind::UnexpectedEof)),
        }
        // Pretty-printed JSON puts `: ` after every key: one comparison for both bytes.
        if self.bytes().get(self.pos..self.pos + 2) == Some(b": ") {
            self.pos += 2;
            return Ok(());
        }
        self.expect(b':', ErrorKind::ExpectedColon)
    }

    /// Validates one complete value at the cursor, nested inside `depth` containers already,
    /// and returns it. Iterative: the stack use is the same for any input.
    pub(crate) fn value(&mut self, depth: usize) -> Result<&'a str, Error> {
        let first = match self.skip_ws() {
            Some(b) => b,
            None => return Err(self.err(ErrorKind::UnexpectedEof)),
        };
        let start = self.pos;
        if first != b'{' && first != b'[' {
            self.scalar(first)?;
            return Ok(self.slice(start, self.pos));
        }
        let mut nest = Nesting::new();
        let mut next = first;
        // Whether the innermost open container is an object (mirrors `nest.in_object()`).
        let mut object = false;
        'value: loop {
            // The cursor is at the first byte of a value.
            match next {
                b'{' | b'[' => {
                    if depth + nest.len >= self.max_depth {
                        return Err(self.err(ErrorKind::DepthLimitExceeded));
                    }
                    object = next == b'{';
                    nest.push(object);
                    self.pos += 1;
                    let close = if object { b'}' } else { b']' };
                    if self.skip_ws() == Some(close) {
                        self.pos += 1;
                        nest.pop();
                        object = nest.in_object();
                    } else {
                        if object {
                            self.key_colon()?;
                        }
                        next = self.skip_ws().ok_or_else(|| self.err(ErrorKind::UnexpectedEof))?;
                        continue 'value;
                    }
                }
                other => self.scalar(other)?,
            }
            // A value just ended: close containers until one continues with a comma.
            loop {
                if nest.len == 0 {
                    return Ok(self.slice(start, self.pos));
                }
                match self.skip_ws() {
                    Some(b',') => {
                        self.pos += 1;
                        if object {
                            self.key_colon()?;
                        }
                        next = self.skip_ws().ok_or_else(|| self.err(ErrorKind::UnexpectedEof))?;
                        continue 'value;
                    }
                    Some(b'}') if object => {}
                    Some(b']') if !object => {}
                    Some(_) => return Err(self.err(ErrorKind::ExpectedCommaOrEnd)),
                    None => return Err(self.err(ErrorKind::UnexpectedEof)),
                }
                self.pos += 1;
                nest.pop();
                object = nest.in_object();
            }
        }
    }
}

/// Single-token steps for the serde deserializer, which drives the scanner itself.
#[cfg(feature = "serde")]
impl<'a> Scanner<'a> {
    /// Consumes the byte at the cursor, which the caller has just peeked.
    #[inline(always)]
    pub(crate) fn bump(&mut self) {
        self.pos += 1;
    }

    /// An error of `kind` at the cursor.
    #[inline(always)]
    pub(crate) fn error_here(&self, kind: ErrorKind) -> Error {
        self.err(kind)
    }

    /// Scans the number at the cursor and returns its text.
    #[inline]
    pub(crate) fn number_text(&mut self) -> Result<&'a str, Error> {
        let start = self.pos;
        self.number()?;
        Ok(self.slice(start, self.pos))
    }

    /// Scans the literal `word` (`true`, `false`, `null`) at the cursor.
    #[inline]
    pub(crate) fn keyword(&mut self, word: &'static [u8]) -> Result<(), Error> {
        self.literal(word)
    }

    /// The whole text the cursor moves over.
    #[inline]
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// A second cursor at the same place, to look ahead without moving this one.
    #[inline]
    pub(crate) fn fork(&self) -> Self {
        Self { text: self.text, pos: self.pos, max_depth: self.max_depth }
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
fn escape_end(bytes: &[u8], at: usize) -> Result<usize, Error> {
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
pub(crate) fn hex4(bytes: &[u8], at: usize) -> Result<u16, Error> {
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

/// Validates a complete JSON text: one value, surrounded by whitespace only.
pub(crate) fn validate(input: &[u8], max_depth: usize) -> Result<(), Error> {
    let text = Text::new(input)?;
    text.settle(validate_text(text.text, max_depth))
}

fn validate_text(text: &str, max_depth: usize) -> Result<(), Error> {
    let mut sc = Scanner::new(text, max_depth);
    if sc.skip_ws().is_none() {
        return Err(sc.err(ErrorKind::EmptyBody));
    }
    sc.value(0)?;
    sc.finish()
}

/// One member of the top-level object.
#[derive(Clone, Copy)]
pub(crate) struct Member<'a> {
    pub(crate) key: JsonStr<'a>,
    pub(crate) value: &'a str,
    pub(crate) value_offset: usize,
    /// The value without its quotes when it is a string, so that nobody scans it again.
    pub(crate) string: Option<JsonStr<'a>>,
}

/// How many top-level keys are remembered for duplicate detection.
pub const MAX_TOP_LEVEL_KEYS: usize = 32;

/// The top-level keys seen so far, so that a second occurrence can be refused.
pub(crate) struct KeySet<'a> {
    keys: [&'a str; MAX_TOP_LEVEL_KEYS],
    /// Bit `i` set when key `i` holds escapes.
    escaped: u32,
    count: usize,
}

impl<'a> KeySet<'a> {
    pub(crate) const fn new() -> Self {
        Self { keys: [""; MAX_TOP_LEVEL_KEYS], escaped: 0, count: 0 }
    }

    /// Records `key`, found at `offset`; refuses a key seen before, or one key too many.
    #[inline]
    pub(crate) fn insert(&mut self, key: JsonStr<'a>, offset: usize) -> Result<(), Error> {
        let seen = self.keys.iter().take(self.count).enumerate().any(|(i, &k)| {
            let other = JsonStr::from_validated(k, self.escaped & (1 << i) != 0);
            // Plain keys, the usual case, compare as text; escaped ones decoded.
            if other.has_escapes() || key.has_escapes() {
                other == key
            } else {
                other.raw() == key.raw()
            }
        });
        if seen {
            return Err(Error::new(ErrorKind::DuplicateKey, offset));
        }
        let Some(slot) = self.keys.get_mut(self.count) else {
            return Err(Error::new(ErrorKind::TooManyKeys, offset));
        };
        *slot = key.raw();
        if key.has_escapes() {
            self.escaped |= 1 << self.count;
        }
        self.count += 1;
        Ok(())
    }
}

/// The outline of a scanned body.
pub(crate) enum Outline {
    /// Nothing but whitespace.
    Empty,
    /// A valid object, whose members were all visited; the offset of its closing brace.
    Object { close: usize },
    /// A valid JSON value that is not an object, starting at this offset.
    NotObject { offset: usize },
}

/// Scans a body whose top level should be an object, handing every member to `visit` as soon
/// as it is validated, so that a later error still leaves the earlier members seen.
pub(crate) fn envelope<'a>(
    text: &'a str,
    max_depth: usize,
    visit: &mut dyn FnMut(Member<'a>),
) -> Result<Outline, Error> {
    let mut sc = Scanner::new(text, max_depth);
    match sc.skip_ws() {
        None => return Ok(Outline::Empty),
        Some(b'{') => {}
        Some(_) => {
            // Validated all the same: not JSON at all (an HTML page) says more than "not an
            // object", and a UTF-8 error after the value must still win over it.
            let offset = sc.pos;
            sc.value(0)?;
            sc.finish()?;
            return Ok(Outline::NotObject { offset });
        }
    }
    if max_depth == 0 {
        return Err(sc.err(ErrorKind::DepthLimitExceeded));
    }
    sc.pos += 1;
    let mut keys = KeySet::new();
    if sc.skip_ws() == Some(b'}') {
        let close = sc.pos;
        sc.pos += 1;
        sc.finish()?;
        return Ok(Outline::Object { close });
    }
    loop {
        let key_offset = match sc.skip_ws() {
            Some(b'"') => sc.pos,
            Some(_) => return Err(sc.err(ErrorKind::ExpectedKey)),
            None => return Err(sc.err(ErrorKind::UnexpectedEof)),
        };
        let key = sc.string()?;
        keys.insert(key, key_offset)?;
        sc.expect(b':', ErrorKind::ExpectedColon)?;
        sc.skip_ws();
        let value_offset = sc.pos;
        let (value, string) = if sc.peek() == Some(b'"') {
            let string = sc.string()?;
            (sc.slice(value_offset, sc.pos), Some(string))
        } else {
            (sc.value(1)?, None)
        };
        visit(Member { key, value, value_offset, string });
        match sc.skip_ws() {
            Some(b',') => sc.pos += 1,
            Some(b'}') => {
                let close = sc.pos;
                sc.pos += 1;
                sc.finish()?;
                return Ok(Outline::Object { close });
            }
            Some(_) => return Err(sc.err(ErrorKind::ExpectedCommaOrEnd)),
            None => return Err(sc.err(ErrorKind::UnexpectedEof)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Result<(), Error> {
        validate(json.as_bytes(), 128)
    }

    fn fails(json: &[u8], kind: ErrorKind, offset: usize) {
        assert_eq!(
            validate(json, 128),
            Err(Error::new(kind, offset)),
            "{:?}",
            core::str::from_utf8(json)
        );
    }

    #[test]
    fn accepts_rfc8259_values() {
        for ok in [
            "0",
            "-0",
            "1",
            "-12",
            "1.5",
            "0.25e10",
            "1E+2",
            "1e-2",
            "-0.0e0",
            "true",
            "false",
            "null",
            r#""""#,
            r#""a\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00""#,
            "[]",
            "{}",
            " [ 1 , [ ] , { } ] ",
            r#"{"a":{"b":[1,{"c":null}]},"d":"é"}"#,
            "\"\u{feff} inside a string is text\"",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_number_grammar_violations() {
        fails(b"+1", ErrorKind::InvalidNumber, 0);
        fails(b"01", ErrorKind::InvalidNumber, 1);
        fails(b"1.", ErrorKind::UnexpectedEof, 2);
        fails(b"[1.]", ErrorKind::InvalidNumber, 3);
        fails(b".5", ErrorKind::InvalidNumber, 0);
        fails(b"-", ErrorKind::UnexpectedEof, 1);
        fails(b"-a", ErrorKind::InvalidNumber, 1);
        fails(b"[1e]", ErrorKind::InvalidNumber, 3);
        fails(b"1e+", ErrorKind::UnexpectedEof, 3);
        fails(b"1.2.3", ErrorKind::InvalidNumber, 3);
        fails(b"[-01]", ErrorKind::InvalidNumber, 3);
    }

    #[test]
    fn rejects_bad_strings() {
        fails(b"\"a\x01\"", ErrorKind::ControlCharacter, 2);
        fails(b"\"\\x\"", ErrorKind::InvalidEscape, 1);
        fails(b"\"\\u12G4\"", ErrorKind::InvalidEscape, 5);
        fails(b"\"\\uD800\"", ErrorKind::LoneSurrogate, 1);
        fails(b"\"\\uDC00\"", ErrorKind::LoneSurrogate, 1);
        fails(b"\"\\uD800\\u0041\"", ErrorKind::LoneSurrogate, 1);
        fails(b"\"abc", ErrorKind::UnexpectedEof, 4);
        fails(b"\"ab\xff\"", ErrorKind::InvalidUtf8, 3);
        fails(b"\"0123456789\xc3\"", ErrorKind::InvalidUtf8, 11);
    }

    #[test]
    fn earlier_syntax_error_wins_over_later_bad_utf8() {
        fails(b"[x, \"\xff\"]", ErrorKind::ExpectedValue, 1);
        fails(b"[1] \xff", ErrorKind::InvalidUtf8, 4);
    }

    #[test]
    fn rejects_structure_errors() {
        fails(b"", ErrorKind::EmptyBody, 0);
        fails(b" \n", ErrorKind::EmptyBody, 2);
        fails(b"\xEF\xBB\xBF{}", ErrorKind::ByteOrderMark, 0);
        fails(b"tru", ErrorKind::UnexpectedEof, 3);
        fails(b"trux", ErrorKind::InvalidLiteral, 3);
        fails(b"[1,]", ErrorKind::ExpectedValue, 3);
        fails(b"{\"a\":1,}", ErrorKind::ExpectedKey, 7);
        fails(b"{\"a\" 1}", ErrorKind::ExpectedColon, 5);
        fails(b"{1:2}", ErrorKind::ExpectedKey, 1);
        fails(b"[1 2]", ErrorKind::ExpectedCommaOrEnd, 3);
        fails(b"[1}", ErrorKind::ExpectedCommaOrEnd, 2);
        fails(b"{\"a\":1]", ErrorKind::ExpectedCommaOrEnd, 6);
        fails(b"[] []", ErrorKind::TrailingCharacters, 3);
        fails(b"<html>", ErrorKind::ExpectedValue, 0);
        fails(b"[[[", ErrorKind::UnexpectedEof, 3);
    }

    #[test]
    fn depth_limit_is_exact_and_iterative() {
        let mut deep = [b'['; if cfg!(miri) { 4 << 10 } else { 1 << 20 }];
        assert_eq!(validate(&deep, 128), Err(Error::new(ErrorKind::DepthLimitExceeded, 128)));
        assert_eq!(
            validate(&deep, MAX_DEPTH),
            Err(Error::new(ErrorKind::DepthLimitExceeded, MAX_DEPTH))
        );
        deep[128..256].fill(b']');
        assert_eq!(validate(&deep[..256], 128), Ok(()));
        let nested = "[{\"a\":[{\"b\":[]}]}]";
        assert_eq!(check(nested), Ok(()));
        assert_eq!(
            validate(nested.as_bytes(), 4),
            Err(Error::new(ErrorKind::DepthLimitExceeded, 12))
        );
        assert_eq!(validate(nested.as_bytes(), 5), Ok(()));
    }
    #[test]
    fn number_fast_path_agrees_with_the_exact_scan() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as usize
        };
        let digits = |len: usize, next: &mut dyn FnMut(u64) -> usize| -> std::string::String {
            (0..len).map(|_| char::from(b'0' + next(10) as u8)).collect()
        };
        let mut fast_hits = 0;
        let rounds = if cfg!(miri) { 500 } else { 20_000 };
        for _ in 0..rounds {
            let mut token = std::string::String::new();
            if next(3) == 0 {
                token.push('-');
            }
            token += &digits(next(36), &mut next);
            if next(2) == 0 {
                token.push('.');
                token += &digits(next(36), &mut next);
            }
            if next(3) == 0 {
                token.push(['e', 'E'][next(2)]);
                token += ["", "+", "-"][next(3)];
                token += &digits(next(5), &mut next);
            }
            if next(4) == 0 {
                // A stray byte anywhere: the grammar errors must match too.
                let at = next(token.len() as u64 + 1);
                token.insert(at, char::from(b"-+.eE0x ,"[next(9)]));
            }
            let tail = [",", "]", " ", "}", "", ".", "e", "-", "0"][next(9)];
            let padding = if next(2) == 0 { 40 } else { next(40) };
            let text = std::format!("{token}{tail}{}", " ".repeat(padding));
            let mut fast = Scanner::new(&text, 8);
            let mut exact = Scanner::new(&text, 8);
            fast_hits += usize::from(fast.number_fast().is_some());
            let got = fast.number().map(|()| fast.pos);
            let want = exact.number_exact().map(|()| exact.pos);
            assert_eq!(got, want, "{text:?}");
        }
        assert!(fast_hits > rounds / 8, "the fast path was taken only {fast_hits} times");
    }

    #[test]
    fn usual_numbers_take_the_fast_path() {
        let pad = " ".repeat(40);
        for number in ["0", "-0", "7", "-12", "1.5", "-0.25", "-65.613616999999977", "123456789"] {
            for end in [",", "]", "}", " ", "\n", "\r", "\t"] {
                let text = std::format!("{number}{end}{pad}");
                assert_eq!(Scanner::new(&text, 8).number_fast(), Some(number.len()), "{text:?}");
            }
        }
    }
}
