//! The documented error bodies as the API writes them, read in one pass.
//!
//! `{"message": "...", "trace_id": "..."}` (400, 500) and
//! `{"timestamp": "...", "status": 403, "error": "...", "path": "..."}` (403, 429): these keys in
//! this order, with any whitespace, escapes or UTF-8; and, by [`any_order`], the same fields in
//! any order, with other keys besides. Anything else, valid or not, is `None`, and the
//! general reading (the envelope walk) takes over; for the bodies read here it finds the same
//! fields and the same shape, which the tests of [`crate::error_body`] check.
//!
//! Speed only: the `small` feature leaves this path out (only the tests use it then).
#![cfg_attr(feature = "small", allow(dead_code))]

use crate::api_error::ErrorFields;
use crate::grammar::{continues_number, is_whitespace};
use crate::json_str::JsonStr;
use crate::scan::{number_end, Scanner};
use crate::simd;

/// What a documented reader made of a body.
pub(crate) enum Read<T> {
    /// The documented order, with its fields. They are returned, not written into the caller's
    /// fields: the reply is then built from them where it is returned.
    Documented(T),
    /// Another order, or other keys besides: the fields [`any_order`] found, from the first
    /// key out of place on, with the ones read before it, are in the caller's fields.
    AnyOrder,
    /// Neither reading applies: the general walk reads the body.
    Neither,
}

/// Reads an error body that is one flat object in one pass: the documented keys in any order,
/// with any whitespace, each at most once and with a value of its documented type (a string, or
/// for `status` a three-digit integer), and any other keys with any values, validated as the
/// envelope walk validates them (repeated too, as the walk allows, but `data` at most once).
/// Every key must be plain (no escapes).
///
/// The fields found go into `f`, which must hold none yet; `false` for any other body, valid
/// or not (a repeated field, a field of another type, an escaped key, a nesting limit of
/// zero), and `f` is then of no use: the general walk reads the body. For the bodies read here
/// it finds the same fields.
///
/// The fields are written where the reply is built, not returned: moving six of them through
/// each caller cost the bodies read here a tenth of their instructions.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) fn any_order<'a>(body: &'a [u8], max_depth: usize, f: &mut ErrorFields<'a>) -> bool {
    let mut c = Cursor::new(body);
    c.punct(b'{').is_some() && members(body, c.pos, f, max_depth).is_some()
}

/// [`any_order`] from a documented reader's cursor at `pos`, at a key (or whitespace before
/// it) that is not the one the documented order puts there, with the fields read before it in
/// `f`: the body is read on, not again. Cold and out of line, so that the documented order
/// keeps its registers.
#[cold]
#[inline(never)]
fn resume<'a>(body: &'a [u8], pos: usize, max_depth: usize, f: &mut ErrorFields<'a>) -> bool {
    members(body, pos, f, max_depth).is_some()
}

/// The members of the top-level object of `body` from `pos`, at a key (or whitespace before it)
/// on, with the fields `f` read already, to the end of the body; see [`any_order`]. One copy
/// serves both callers (two cost 2.5 KiB of Cortex-M code).
#[inline(never)]
fn members<'a>(
    body: &'a [u8],
    pos: usize,
    f: &mut ErrorFields<'a>,
    max_depth: usize,
) -> Option<()> {
    // A reader before may have checked the text already: it is checked once more at most.
    let mut c = Cursor { bytes: body, pos, text: None };
    if max_depth == 0 {
        return None;
    }
    let mut data = false;
    loop {
        c.skip_line_ws();
        match c.field_key()? {
            Key::Message => c.field(&mut f.message)?,
            Key::TraceId => c.field(&mut f.trace_id)?,
            Key::Timestamp => c.field(&mut f.timestamp)?,
            Key::Error => c.field(&mut f.error_name)?,
            Key::Path => c.field(&mut f.path)?,
            Key::Status => {
                if f.status.is_some() {
                    return None;
                }
                f.status = Some(c.status()?);
            }
            Key::Other(key) => {
                // `data` is one of the keys the walk checks for duplicates.
                if key == "data" {
                    if data {
                        return None;
                    }
                    data = true;
                }
                c.skip_ws();
                c.value(max_depth)?;
            }
        }
        c.skip_ws();
        match c.peek() {
            Some(b',') => c.pos += 1,
            Some(b'}') => {
                c.pos += 1;
                c.skip_ws();
                return (c.pos == c.bytes.len()).then_some(());
            }
            _ => return None,
        }
    }
}

/// The next step of a documented reader: its value, or [`Read::Neither`] when it fails.
macro_rules! or_neither {
    ($step:expr) => {
        match $step {
            Some(value) => value,
            None => return Read::Neither,
        }
    };
}

/// The next key of a documented reader: on when it is `$quoted`, else the any-order reading
/// from there on, with the fields read so far put in `$f` first; no reading at all for a key
/// without its colon.
macro_rules! next_key {
    ($c:ident, $quoted:expr, $max_depth:ident, $f:ident $(, $field:ident = $value:expr)*) => {
        if !or_neither!($c.key($quoted)) {
            $($f.$field = Some($value);)*
            return match resume($c.bytes, $c.pos, $max_depth, $f) {
                true => Read::AnyOrder,
                false => Read::Neither,
            };
        }
    };
}

/// Reads the 400/500 body as the API writes it, `{"message": "...", "trace_id": "..."}`: these
/// keys in this order, with any whitespace, in one pass: the message and the trace id.
///
/// For a body with other keys or in another order, the [`any_order`] reading from the first
/// key out of place, into `f` (which must hold no field yet); for any other body, valid or
/// not, [`Read::Neither`], and the general scan reads it. For the bodies read here, it would
/// find the same fields and the same shape.
// Not inlined: its many ways out are then one return to `error_body`, which has nothing to
// put back in place at each.
#[inline(never)]
pub(crate) fn message<'a>(
    body: &'a [u8],
    max_depth: usize,
    f: &mut ErrorFields<'a>,
) -> Read<Strings<'a, 2>> {
    let mut c = Cursor::new(body);
    or_neither!(c.punct(b'{'));
    next_key!(c, b"\"message\"", max_depth, f);
    let message = or_neither!(c.string());
    or_neither!(c.punct(b','));
    next_key!(c, b"\"trace_id\"", max_depth, f, message = message);
    let trace_id = or_neither!(c.string());
    or_neither!(c.close());
    Read::Documented(Strings::new([message, trace_id]))
}

/// [`message`] for the 403/429 body,
/// `{"timestamp": "...", "status": 403, "error": "...", "path": "..."}`: the timestamp, the
/// error and the path, and the status.
#[inline(never)]
pub(crate) fn gateway<'a>(
    body: &'a [u8],
    max_depth: usize,
    f: &mut ErrorFields<'a>,
) -> Read<(Strings<'a, 3>, u16)> {
    let mut c = Cursor::new(body);
    or_neither!(c.punct(b'{'));
    next_key!(c, b"\"timestamp\"", max_depth, f);
    let timestamp = or_neither!(c.string());
    or_neither!(c.punct(b','));
    next_key!(c, b"\"status\"", max_depth, f, timestamp = timestamp);
    let status = or_neither!(c.status());
    or_neither!(c.punct(b','));
    next_key!(c, b"\"error\"", max_depth, f, timestamp = timestamp, status = status);
    let error = or_neither!(c.string());
    or_neither!(c.punct(b','));
    next_key!(
        c,
        b"\"path\"",
        max_depth,
        f,
        timestamp = timestamp,
        status = status,
        error_name = error
    );
    let path = or_neither!(c.string());
    or_neither!(c.close());
    Read::Documented((Strings::new([timestamp, error, path]), status))
}

/// Validated strings in parts: a [`JsonStr`] has padding after its flag, and a copy of the
/// whole, as wide loads, would read back the narrow stores that wrote it just before.
pub(crate) struct Strings<'a, const N: usize> {
    raw: [&'a str; N],
    /// Bit `i` set when string `i` has escapes.
    escaped: u8,
}

impl<'a, const N: usize> Strings<'a, N> {
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn new(strings: [JsonStr<'a>; N]) -> Self {
        let escaped = strings.iter().rev().fold(0, |bits, s| bits << 1 | u8::from(s.has_escapes()));
        Self { raw: strings.map(|s| s.raw()), escaped }
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn get(&self, i: usize) -> JsonStr<'a> {
        let raw = self.raw.get(i).copied().unwrap_or_default();
        JsonStr::from_validated(raw, self.escaped >> i & 1 != 0)
    }
}

/// A key as [`Cursor::field_key`] reads it: one of the documented fields, or another.
enum Key<'a> {
    Message,
    TraceId,
    Timestamp,
    Error,
    Path,
    Status,
    /// Any other key without escapes, unquoted.
    Other(&'a str),
}

/// A cursor over a body for the documented bodies' one-pass reading: each step accepts
/// exactly what the JSON grammar accepts there, or says `None`.
///
/// The body is not checked to be UTF-8 up front: every step outside strings accepts only ASCII
/// bytes, and strings are taken a run of plain ASCII at a time ([`simd::ascii_string`]), so a
/// body read to its end that way is ASCII. Only a string with an escape or a byte from 0x80
/// up, or a value the cursor leaves to the scanner, needs the body as text: the cold
/// [`Cursor::text`] checks it whole, once.
// Copied into the cold steps and back out, never lent to them: a cursor whose address is
// taken lives in memory, and every step would then store and reload its offset.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// The whole body as text, once a step needed it.
    text: Option<&'a str>,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `body` (a byte-order mark fails the first step, as it is not
    /// whitespace).
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn new(body: &'a [u8]) -> Self {
        Self { bytes: body, pos: 0, text: None }
    }

    /// The next byte, if any.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// The whole body as text, checked once; `None` when it is not UTF-8.
    #[cold]
    #[inline(never)]
    fn text(&mut self) -> Option<&'a str> {
        if self.text.is_none() {
            self.text = simd::utf8(self.bytes).ok();
        }
        self.text
    }

    /// Skips whitespace. Error bodies have a few bytes of it at a time, if any: a byte loop
    /// beats classifying blocks, or counting runs of spaces a word at a time.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_whitespace) {
            self.pos += 1;
        }
    }

    /// Skips whitespace where pretty-printers start a line: a line feed, then indentation,
    /// whose spaces are counted a word at a time.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn skip_line_ws(&mut self) {
        let b = self.bytes;
        if b.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            if let Some(word) = b.get(self.pos..).and_then(<[u8]>::first_chunk::<8>) {
                let spaces = u64::from_le_bytes(*word) ^ u64::from_le_bytes([b' '; 8]);
                self.pos += spaces.trailing_zeros() as usize / 8;
            }
        }
        self.skip_ws();
    }

    /// Whitespace, then `byte`.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn punct(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        if self.peek() != Some(byte) {
            return None;
        }
        self.pos += 1;
        Some(())
    }

    /// Whitespace, the key `quoted` (quotes included, no escapes), whitespace and the colon:
    /// `Some(false)`, with the cursor at what is there instead, when the key is another.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn key<const N: usize>(&mut self, quoted: &[u8; N]) -> Option<bool> {
        self.skip_line_ws();
        if !self.bytes.get(self.pos..)?.starts_with(quoted) {
            return Some(false);
        }
        self.pos += N;
        self.colon().map(|()| true)
    }

    /// Whitespace and the colon after a key.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn colon(&mut self) -> Option<()> {
        // A colon and a space, as pretty-printers write them, in one comparison.
        if self.bytes.get(self.pos..).is_some_and(|rest| rest.starts_with(b": ")) {
            self.pos += 2;
            return Some(());
        }
        self.punct(b':')
    }

    /// A key at the cursor (no whitespace before it) and the colon after it: which field it
    /// names, told by its first letter and then one comparison with the one name that starts
    /// so (two for `t`), quotes included; or, for any other key without escapes, its text.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn field_key(&mut self) -> Option<Key<'a>> {
        let rest = self.bytes.get(self.pos..)?;
        let known = match rest.get(1) {
            Some(b'm') if rest.starts_with(b"\"message\"") => Some((Key::Message, 9)),
            Some(b't') if rest.starts_with(b"\"trace_id\"") => Some((Key::TraceId, 10)),
            Some(b't') if rest.starts_with(b"\"timestamp\"") => Some((Key::Timestamp, 11)),
            Some(b'e') if rest.starts_with(b"\"error\"") => Some((Key::Error, 7)),
            Some(b'p') if rest.starts_with(b"\"path\"") => Some((Key::Path, 6)),
            Some(b's') if rest.starts_with(b"\"status\"") => Some((Key::Status, 8)),
            _ => None,
        };
        let key = match known {
            Some((key, len)) => {
                self.pos += len;
                key
            }
            None => Key::Other(self.plain_key()?),
        };
        self.colon()?;
        Some(key)
    }

    /// Whitespace and the string value of a documented field, into `slot`; `None` when the
    /// field was there already.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn field(&mut self, slot: &mut Option<JsonStr<'a>>) -> Option<()> {
        if slot.is_some() {
            return None;
        }
        *slot = Some(self.string()?);
        Some(())
    }

    /// A key without escapes at the cursor (no whitespace before it): its text, unquoted.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn plain_key(&mut self) -> Option<&'a str> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let (run, end) = simd::ascii_string(self.bytes, self.pos + 1);
        if self.bytes.get(end) != Some(&b'"') {
            let s;
            (*self, s) = self.other_string()?;
            return s.as_str();
        }
        self.pos = end + 1;
        Some(run)
    }

    /// Whitespace, then a string value.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn string(&mut self) -> Option<JsonStr<'a>> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return None;
        }
        let (run, end) = simd::ascii_string(self.bytes, self.pos + 1);
        if self.bytes.get(end) != Some(&b'"') {
            let s;
            (*self, s) = self.other_string()?;
            return Some(s);
        }
        self.pos = end + 1;
        Some(JsonStr::from_validated(run, false))
    }

    /// A string at the cursor that has a backslash, a control character, a byte from 0x80 up,
    /// or no end: the scanner validates it, in the body checked as text.
    #[cold]
    #[inline(never)]
    fn other_string(mut self) -> Option<(Self, JsonStr<'a>)> {
        let text = self.text()?;
        let mut sc = Scanner::new(text.get(self.pos..)?, 0);
        let s = sc.string().ok()?;
        self.pos += sc.pos();
        Some((self, s))
    }

    /// Any value of a top-level member at the cursor (after whitespace), validated as the
    /// envelope walk validates it under the nesting limit `max_depth`: strings, numbers and
    /// literals here, containers by the scanner.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn value(&mut self, max_depth: usize) -> Option<()> {
        let literal =
            |word: &[u8]| self.bytes.get(self.pos..)?.starts_with(word).then_some(word.len());
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'-' | b'0'..=b'9' => {
                // (The portable number masks cost little more than the loop, and the
                // firmware's code size is dear.)
                let integer = if simd::VECTOR { self.integer() } else { None };
                self.pos = match integer {
                    Some(end) => end,
                    None => number_end(self.bytes, self.pos).ok()?,
                };
                Some(())
            }
            b't' => literal(b"true").map(|n| self.pos += n),
            b'f' => literal(b"false").map(|n| self.pos += n),
            b'n' => literal(b"null").map(|n| self.pos += n),
            _ => {
                *self = self.container(max_depth)?;
                Some(())
            }
        }
    }

    /// The end of a plain integer at the cursor, read a byte at a time: the value of an extra
    /// key in an error body is mostly a short code (`"code": 40012`), and the scanner's vector
    /// reading costs five times as much for one. `None` for anything else, valid or not (a
    /// fraction, an exponent, a leading zero, a lone `-`), which [`number_end`] then reads.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn integer(&self) -> Option<usize> {
        let b = self.bytes;
        let mut end = self.pos + usize::from(self.peek() == Some(b'-'));
        let first = *b.get(end).filter(|d| d.is_ascii_digit())?;
        end += 1;
        if first != b'0' {
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        match b.get(end) {
            Some(&after) if continues_number(after) => None,
            _ => Some(end),
        }
    }

    /// An object or array at the cursor, one level deep, validated by the scanner.
    #[cold]
    #[inline(never)]
    fn container(mut self, max_depth: usize) -> Option<Self> {
        let mut sc = Scanner::new(self.text()?, max_depth);
        sc.advance(self.pos);
        sc.value(1).ok()?;
        self.pos = sc.pos();
        Some(self)
    }

    /// Whitespace, then a status: a three-digit integer, not followed by more of a number
    /// (`4030`, `403.0`, `403e0`).
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn status(&mut self) -> Option<u16> {
        self.skip_ws();
        let &[a @ b'1'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9', after] =
            self.bytes.get(self.pos..self.pos + 4)?
        else {
            return None;
        };
        if continues_number(after) {
            return None;
        }
        self.pos += 3;
        let digit = |d: u8| u16::from(d - b'0');
        Some(digit(a) * 100 + digit(b) * 10 + digit(c))
    }

    /// Whitespace, the closing brace, and nothing but whitespace after it.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn close(&mut self) -> Option<()> {
        self.skip_line_ws();
        self.punct(b'}')?;
        self.skip_ws();
        (self.pos == self.bytes.len()).then_some(())
    }
}
