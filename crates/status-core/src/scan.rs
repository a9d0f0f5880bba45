//! The validating JSON scanner: RFC 8259 grammar over UTF-8 text, without recursion.
//!
//! The whole input is checked to be UTF-8 once, up front, by [`Text::new`]; after that the
//! scanner only has to look at ASCII bytes, and every slice it hands out is a `&str`.

use core::hint::select_unpredictable;

use crate::error::{Error, ErrorKind};
use crate::escape;
use crate::grammar::{continues_number, is_whitespace};
use crate::json_str::JsonStr;
use crate::raw::RawJson;
use crate::simd;

mod blocks;

pub(crate) use blocks::agrees_with_bytewise as blocks_agree_with_bytewise;
pub(crate) use blocks::{walk_chunk, Next, Stack, Stop, ENABLED as BLOCK_WALK};

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

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves the cursor `n` bytes on, over text the caller has read and checked.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos += n;
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn err(&self, kind: ErrorKind) -> Error {
        Error::new(kind, self.pos)
    }

    /// The text between two byte offsets that the scanner put on ASCII boundaries.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a str {
        self.text.get(start..end).unwrap_or_default()
    }

    /// Skips whitespace and returns the next byte, if any.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn skip_ws(&mut self) -> Option<u8> {
        // Compact JSON has no whitespace, and pretty-printed JSON often one space: look at two
        // bytes before classifying a whole block of indentation (speed only: size-optimised
        // builds classify at once).
        let bytes = self.bytes();
        if cfg!(feature = "small") {
            self.pos = simd::whitespace_end(bytes, self.pos);
            return self.peek();
        }
        match bytes.get(self.pos) {
            Some(&b) if !is_whitespace(b) => return Some(b),
            None => return None,
            Some(_) => {}
        }
        match bytes.get(self.pos + 1) {
            Some(&b) if !is_whitespace(b) => {
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
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn expect(&mut self, byte: u8, kind: ErrorKind) -> Result<(), Error> {
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
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn string(&mut self) -> Result<JsonStr<'a>, Error> {
        let start = self.pos + 1;
        let escaped = self.skip_string()?;
        Ok(JsonStr::from_validated(self.slice(start, self.pos - 1), escaped))
    }

    /// Skips a string whose opening quote is at the cursor; tells whether it had escapes.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn skip_string(&mut self) -> Result<bool, Error> {
        let (end, escaped) = escape::skip_string(self.bytes(), self.pos + 1)?;
        self.pos = end;
        Ok(escaped)
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn number(&mut self) -> Result<(), Error> {
        // The block fast path only buys speed: size-optimised builds take the exact scan.
        if cfg!(feature = "small") {
            return self.number_exact();
        }
        match self.number_fast() {
            Some(end) => {
                self.pos = end;
                Ok(())
            }
            None => self.number_exact(),
        }
    }

    /// The end of the valid number at the cursor when [`number_fast`] can tell it.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn number_fast(&self) -> Option<usize> {
        number_fast(self.bytes(), self.pos)
    }

    /// The number at the cursor, digit run by digit run, with the offset of any error.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn number_exact(&mut self) -> Result<(), Error> {
        self.pos = number_exact(self.bytes(), self.pos)?;
        Ok(())
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn literal(&mut self, word: &'static [u8]) -> Result<(), Error> {
        if self.bytes().get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            return Ok(());
        }
        self.pos = bad_literal(self.bytes(), self.pos, word)?;
        Ok(())
    }

    /// Scans one scalar value at the cursor (after whitespace), or reports what is there.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn scalar(&mut self, first: u8) -> Result<(), Error> {
        // One test for either first byte of a number: in a jump table a minus sign and a
        // digit lead to two places, which numbers of random signs mispredict.
        if (first == b'-') | first.is_ascii_digit() {
            return self.number();
        }
        match first {
            b'"' => self.skip_string().map(drop),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'+' | b'.' => Err(self.err(ErrorKind::InvalidNumber)),
            _ => Err(self.err(ErrorKind::ExpectedValue)),
        }
    }

    /// Scans `"key" :` at the cursor (after whitespace).
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn key_colon(&mut self) -> Result<(), Error> {
        match self.skip_ws() {
            Some(b'"') => self.skip_string().map(drop)?,
            Some(_) => return Err(self.err(ErrorKind::ExpectedKey)),
            None => return Err(self.err(ErrorKind::UnexpectedEof)),
        }
        // Pretty-printed JSON puts `: ` after every key: one comparison for both bytes.
        if !cfg!(feature = "small") && self.bytes().get(self.pos..self.pos + 2) == Some(b": ") {
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
        // Containers go faster block by block; the byte-wise walk settles what that cannot.
        if BLOCK_WALK {
            if let Some(end) =
                blocks::container_end(self.bytes(), start, depth, self.max_depth, true)
            {
                self.pos = end;
                return Ok(self.slice(start, end));
            }
        }
        self.container(depth)
    }

    /// Validates the container whose opening bracket is at the cursor, byte by byte: the
    /// reference walk, which finds every error and its offset.
    fn container(&mut self, depth: usize) -> Result<&'a str, Error> {
        let start = self.pos;
        let Some(first) = self.peek() else {
            return Err(self.err(ErrorKind::UnexpectedEof));
        };
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
    /// Scans the number at the cursor and returns its text.
    #[inline]
    pub(crate) fn number_text(&mut self) -> Result<&'a str, Error> {
        let start = self.pos;
        self.number()?;
        Ok(self.slice(start, self.pos))
    }

    /// The whole text the cursor moves over.
    #[inline]
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }
}

/// Reading the members of a validated object: the scanner walks it again, which cannot fail.
impl<'a> RawJson<'a> {
    /// The members of an object, in the order written (repeated keys included); nothing when
    /// the value is not an object. There is no limit on their number.
    pub fn members(&self) -> Members<'a> {
        let mut scan = Scanner::new(self.get(), MAX_DEPTH);
        let open = scan.skip_ws() == Some(b'{');
        if open {
            scan.advance(1);
        }
        Members { scan, base: self.offset(), first: true, done: !open }
    }

    /// The value of the member named `key` when the value is an object holding it. A key
    /// written more than once gives its last value, as JavaScript's `JSON.parse` and
    /// serde_json's maps do.
    pub fn member(&self, key: &str) -> Option<RawJson<'a>> {
        self.members().filter(|(name, _)| *name == key).last().map(|(_, value)| value)
    }
}

/// The members of an object [`RawJson`], from [`RawJson::members`]: each key, decoded on
/// comparison, with its value.
#[derive(Clone)]
pub struct Members<'a> {
    scan: Scanner<'a>,
    base: usize,
    first: bool,
    done: bool,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, RawJson<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        // The text was validated as one value, so the scan cannot fail; a failure would only
        // end the iteration.
        let member = self.step();
        self.done = member.is_none();
        member
    }
}

impl<'a> Members<'a> {
    fn step(&mut self) -> Option<(JsonStr<'a>, RawJson<'a>)> {
        match self.scan.skip_ws()? {
            b'}' => return None,
            b',' if !self.first => {
                self.scan.advance(1);
                self.scan.skip_ws()?;
            }
            _ if self.first => {}
            _ => return None,
        }
        self.first = false;
        let key = self.scan.string().ok()?;
        if self.scan.skip_ws()? != b':' {
            return None;
        }
        self.scan.advance(1);
        self.scan.skip_ws()?;
        let offset = self.base + self.scan.pos();
        let value = self.scan.value(1).ok()?;
        Some((key, RawJson::from_validated(value, offset)))
    }
}

/// Finds where `word` and the text at `pos` part ways.
#[cold]
#[inline(never)]
fn bad_literal(bytes: &[u8], pos: usize, word: &'static [u8]) -> Result<usize, Error> {
    for (i, &expected) in word.iter().enumerate() {
        match bytes.get(pos + i) {
            Some(&b) if b == expected => {}
            Some(_) => return Err(Error::new(ErrorKind::InvalidLiteral, pos + i)),
            None => return Err(Error::new(ErrorKind::UnexpectedEof, pos + i)),
        }
    }
    Ok(pos + word.len())
}

/// The end of the number at `pos`, checked a digit run at a time; what [`number_fast`] leaves
/// to it (and the errors, with their offsets).
#[cold]
#[inline(never)]
fn number_exact(bytes: &[u8], pos: usize) -> Result<usize, Error> {
    let mut p = pos;
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
        p = simd::digits_end(bytes, p + 1);
    }
    // `01`, `1.2.3`, `1e5e`: what follows a complete number cannot continue one.
    if bytes.get(p).copied().is_some_and(continues_number) {
        return Err(Error::new(ErrorKind::InvalidNumber, p));
    }
    Ok(p)
}

/// The end of the valid number at `pos`, from the masks of the 32 bytes there, for numbers
/// that fit them: `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?` followed by a comma, a
/// closing bracket or a byte up to 0x20 (whitespace, or a control character, after which only
/// an error can come). `None` for anything else (a number near the end of input or longer than
/// the block, an error), which [`Scanner::number_exact`] then settles.
///
/// The end returned is the first byte that may follow a number: a few operations from the
/// load, and all that the next value's position waits for. The grammar checks run beside it
/// and must reach the same byte; only their verdict, one predicted branch, depends on them.
/// Each part's length comes from the digit mask and an absent part adds nothing. The fraction
/// is chosen without a branch; whether there is an exponent comes from the `e`/`E` mask, so
/// that branch, which numbers of mixed shapes mispredict, is settled soon after the load.
/// (Checking the exponent without a branch as well cost numbers without one, such as canada's,
/// more than it gave numbers of mixed shapes.)
#[cfg_attr(not(feature = "small"), inline(always))]
fn number_fast(bytes: &[u8], pos: usize) -> Option<usize> {
    let block: &[u8; 32] = bytes.get(pos..pos + 32)?.try_into().ok()?;
    let masks = simd::number_masks32(block);
    // 64 when the block holds no end: the number may go on past it.
    let end = u64::from(masks.end).trailing_zeros() as usize;
    let sign = usize::from(block[0] == b'-');
    // From here on offsets count from after the sign. One bit per byte that is not a digit;
    // the bits past the block count as such, so every run of digits found ends inside the
    // block or at its end, and every shift below (by at most 34) stays inside the word.
    let other = !(u64::from(masks.digit) >> sign);
    // A read past the block wraps around: only a number without an end in the block reads
    // there, and its `end` of 64 fails the last check whatever was read.
    let at = |q: usize| block.get((sign + q) % 32).copied().unwrap_or(0);
    let int = other.trailing_zeros() as usize;
    // A leading zero is the whole integer part.
    let mut ok = int != 0 && (at(0) != b'0' || int == 1);
    let dot = at(int) == b'.';
    let fraction = (other >> (int + 1)).trailing_zeros() as usize;
    ok &= !dot || fraction != 0;
    let q = select_unpredictable(dot, int + 1 + fraction, int);
    // An end of 64 leaves no bytes before it, and fails the last check anyway.
    let before_end = (1u64 << (end % 64)) - 1;
    let q = if u64::from(masks.exponent) & before_end != 0 {
        ok &= at(q) | 0x20 == b'e';
        let digits_at = q + 1 + usize::from(matches!(at(q + 1), b'+' | b'-'));
        let exponent = (other >> digits_at).trailing_zeros() as usize;
        ok &= exponent != 0;
        digits_at + exponent
    } else {
        q
    };
    // The number read is all there is before the end.
    ok &= sign + q == end;
    ok.then_some(pos + end)
}

/// The end of the valid number at `pos`, or the error [`Scanner`] reports for it: for readers
/// of bytes that take numbers without a scanner. Out of line: their numbers are few, and
/// the block fast path is a lot of code to copy into them.
#[inline(never)]
#[cfg_attr(feature = "small", allow(dead_code))]
pub(crate) fn number_end(bytes: &[u8], pos: usize) -> Result<usize, Error> {
    match number_fast(bytes, pos) {
        Some(end) => Ok(end),
        None => number_exact(bytes, pos),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> RawJson<'_> {
        RawJson::from_validated(json, 7)
    }

    #[test]
    fn members_of_a_wide_object_with_repeated_keys() {
        let mut json = std::string::String::from("{ ");
        for i in 0..100 {
            json.push_str(&std::format!("\"k{i}\" : [{i}, {{\"x\": \"}}\"}}] ,\n"));
        }
        json.push_str(r#""st\u0061tus": "ONGOING", "status": "SUCCEEDED"}"#);
        let value = RawJson::from_validated(&json, 10);
        assert_eq!(value.members().count(), 102);
        let (key, k7) = value.members().nth(7).unwrap();
        assert_eq!(key, "k7");
        assert_eq!(k7.get(), r#"[7, {"x": "}"}]"#);
        assert_eq!(&json[k7.offset() - 10..][..k7.get().len()], k7.get());
        assert_eq!(value.member("status").unwrap().get(), "\"SUCCEEDED\"");
        assert_eq!(value.member("k99").unwrap().get(), r#"[99, {"x": "}"}]"#);
        assert!(value.member("k100").is_none());
    }

    #[test]
    fn members_of_other_values() {
        assert_eq!(raw("{}").members().count(), 0);
        assert_eq!(raw(" { } ").members().count(), 0);
        assert_eq!(raw("[1, 2]").members().count(), 0);
        assert_eq!(raw("\"{\"").members().count(), 0);
        assert!(raw("null").member("a").is_none());
        assert_eq!(raw(r#"{"a":1}"#).member("a").unwrap().offset(), 7 + 5);
    }

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
                token.insert(at, char::from(b"-+.eE0x ,\x01"[next(10)]));
            }
            // What may follow a number, and what may not: a control character, a letter.
            let tail = [",", "]", " ", "}", "", ".", "e", "-", "0", "\u{1}", "x", "+"][next(12)];
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
        for number in [
            "0",
            "-0",
            "7",
            "-12",
            "1.5",
            "-0.25",
            "-65.613616999999977",
            "123456789",
            "1e5",
            "-0.5E-7",
            "6.02214076e+23",
            "-12345678901234567e-300",
        ] {
            for end in [",", "]", "}", " ", "\n", "\r", "\t"] {
                let text = std::format!("{number}{end}{pad}");
                assert_eq!(Scanner::new(&text, 8).number_fast(), Some(number.len()), "{text:?}");
            }
        }
    }
}
