//! The one top-level walk over a body: its object, the keys the decoder reads checked for
//! duplicates, each value handed to a visitor as the walk reaches it.
//!
//! [`crate::Decoder::decode`] validates every value and keeps `data` (or the error fields);
//! typed decoding deserializes `data` in place of validating it. Both take this walk, so they
//! accept the same bodies and report the same errors at the same offsets.

use crate::error::{Error, ErrorKind};
use crate::json_str::JsonStr;
use crate::scan::Scanner;

/// A top-level key the decoder reads: `data`, or a documented error field. Only these are
/// checked for duplicates (as serde's derived `Deserialize` checks a struct's fields and
/// nothing else), so the state is one bit per key however many keys a body has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Known {
    Message,
    TraceId,
    Timestamp,
    Status,
    Error,
    Path,
    Data,
}

impl Known {
    /// Every key, in the order of their bits (the error fields first, as `stream::Field`).
    pub(crate) const ALL: [Self; 7] = [
        Self::Message,
        Self::TraceId,
        Self::Timestamp,
        Self::Status,
        Self::Error,
        Self::Path,
        Self::Data,
    ];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::TraceId => "trace_id",
            Self::Timestamp => "timestamp",
            Self::Status => "status",
            Self::Error => "error",
            Self::Path => "path",
            Self::Data => "data",
        }
    }

    /// Its bit in a [`Seen`] mask.
    pub(crate) const fn bit(self) -> u8 {
        1 << self as u8
    }

    /// The key a plain (unescaped) key's text names, if any.
    #[inline]
    pub(crate) fn plain(text: &[u8]) -> Option<Self> {
        // The seven names have six lengths: a key is compared with two names at most.
        match text {
            b"data" => Some(Self::Data),
            b"message" => Some(Self::Message),
            b"trace_id" => Some(Self::TraceId),
            b"timestamp" => Some(Self::Timestamp),
            b"status" => Some(Self::Status),
            b"error" => Some(Self::Error),
            b"path" => Some(Self::Path),
            _ => None,
        }
    }

    /// The key `key` names, compared decoded.
    #[inline]
    pub(crate) fn of(key: JsonStr<'_>) -> Option<Self> {
        match key.as_str() {
            Some(plain) => Self::plain(plain.as_bytes()),
            None => Self::escaped(key),
        }
    }

    #[cold]
    fn escaped(key: JsonStr<'_>) -> Option<Self> {
        Self::ALL.into_iter().find(|k| key == k.name())
    }
}

/// The [`Known`] keys seen so far, one bit each, so that a second occurrence can be refused.
#[derive(Clone, Copy, Default)]
pub(crate) struct Seen(u8);

impl Seen {
    /// Records `key`, found at `offset`; refuses one seen before. Other keys are not
    /// remembered: a repeated unknown key is accepted, and there is no limit on their number.
    #[inline]
    pub(crate) fn insert(&mut self, key: Option<Known>, offset: usize) -> Result<(), Error> {
        let Some(key) = key else { return Ok(()) };
        if self.0 & key.bit() != 0 {
            return Err(Error::new(ErrorKind::DuplicateKey, offset));
        }
        self.0 |= key.bit();
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

    /// Consumes the value of a member whose key is `known` (`None`: a key the decoder does
    /// not read), whose first byte is at the cursor.
    fn value(&mut self, known: Option<Known>, sc: &mut Scanner<'a>) -> Result<(), Self::Error>;
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
    let mut seen = Seen::default();
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
        let known = Known::of(key);
        seen.insert(known, key_offset)?;
        sc.expect(b':', ErrorKind::ExpectedColon)?;
        sc.skip_ws();
        visit.value(known, &mut sc)?;
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
    /// The key, when it is one the decoder reads.
    pub(crate) known: Option<Known>,
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
    fn value(&mut self, known: Option<Known>, sc: &mut Scanner<'a>) -> Result<(), Error> {
        let value_offset = sc.pos();
        let (value, string) = if sc.peek() == Some(b'"') {
            let string = sc.string()?;
            (sc.slice(value_offset, sc.pos()), Some(string))
        } else {
            (sc.value(1)?, None)
        };
        (self.0)(Member { known, value, value_offset, string });
        Ok(())
    }
}
