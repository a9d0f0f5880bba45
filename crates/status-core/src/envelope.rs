//! The one top-level walk over a body: its object, the keys checked for duplicates, each
//! value handed to a visitor as the walk reaches it.
//!
//! [`crate::Decoder::decode`] validates every value and keeps `data` (or the error fields);
//! typed decoding deserializes `data` in place of validating it. Both take this walk, so they
//! accept the same bodies and report the same errors at the same offsets.

use crate::error::{Error, ErrorKind};
use crate::json_str::JsonStr;
use crate::scan::Scanner;

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

/// What the walk does with each member's value.
pub(crate) trait Visit<'a> {
    /// The walk's own errors convert into it.
    type Error: From<Error>;

    /// Consumes the value of `key`, whose first byte is at the cursor.
    fn value(&mut self, key: JsonStr<'a>, sc: &mut Scanner<'a>) -> Result<(), Self::Error>;
}

/// Walks a body whose top level should be an object. A visitor sees each member as soon as the
/// walk reaches it, so a later error still leaves the earlier members seen.
///
/// A body that is not an object is validated all the same: not JSON at all (an HTML page) says
/// more than "not an object", and a UTF-8 error after the value must still win over it.
#[inline]
pub(crate) fn walk<'a, V: Visit<'a>>(
    text: &'a str,
    max_depth: usize,
    visit: &mut V,
) -> Result<Outline, V::Error> {
    let mut sc = Scanner::new(text, max_depth);
    match sc.skip_ws() {
        None => return Ok(Outline::Empty),
        Some(b'{') => {}
        Some(_) => {
            let offset = sc.pos();
            sc.value(0)?;
            sc.finish()?;
            return Ok(Outline::NotObject { offset });
        }
    }
    if max_depth == 0 {
        return Err(sc.err(ErrorKind::DepthLimitExceeded).into());
    }
    sc.advance(1);
    let mut keys = KeySet::new();
    if sc.skip_ws() == Some(b'}') {
        let close = sc.pos();
        sc.advance(1);
        sc.finish()?;
        return Ok(Outline::Object { close });
    }
    loop {
        let key_offset = match sc.skip_ws() {
            Some(b'"') => sc.pos(),
            Some(_) => return Err(sc.err(ErrorKind::ExpectedKey).into()),
            None => return Err(sc.err(ErrorKind::UnexpectedEof).into()),
        };
        let key = sc.string()?;
        keys.insert(key, key_offset)?;
        sc.expect(b':', ErrorKind::ExpectedColon)?;
        sc.skip_ws();
        visit.value(key, &mut sc)?;
        match sc.skip_ws() {
            Some(b',') => sc.advance(1),
            Some(b'}') => {
                let close = sc.pos();
                sc.advance(1);
                sc.finish()?;
                return Ok(Outline::Object { close });
            }
            Some(_) => return Err(sc.err(ErrorKind::ExpectedCommaOrEnd).into()),
            None => return Err(sc.err(ErrorKind::UnexpectedEof).into()),
        }
    }
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

/// A visitor that validates every value and hands each member to a closure.
pub(crate) struct EachMember<F>(pub(crate) F);

impl<'a, F: FnMut(Member<'a>)> Visit<'a> for EachMember<F> {
    type Error = Error;

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn value(&mut self, key: JsonStr<'a>, sc: &mut Scanner<'a>) -> Result<(), Error> {
        let value_offset = sc.pos();
        let (value, string) = if sc.peek() == Some(b'"') {
            let string = sc.string()?;
            (sc.slice(value_offset, sc.pos()), Some(string))
        } else {
            (sc.value(1)?, None)
        };
        (self.0)(Member { key, value, value_offset, string });
        Ok(())
    }
}
