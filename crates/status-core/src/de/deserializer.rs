//! The deserializer's cursor: a scanner plus the depth it has reached, and the steps that read
//! one token each (strings, numbers, literals, container ends) with serde's errors.

use core::marker::PhantomData;

use serde::de::{self, Expected, Unexpected, Visitor};

use super::error::Failure;
use super::number::{is_integer, Integer, NotInteger, Short};
use super::ESCAPED_STR_CAPACITY;
use crate::error::ErrorKind;
use crate::json_str::JsonStr;
use crate::scan::Scanner;

/// The deserializer: a scanner cursor plus the nesting depth it has reached, failing with
/// `E` (see [`Failure`]).
pub(crate) struct Deserializer<'a, E> {
    pub(super) sc: Scanner<'a>,
    pub(super) depth: usize,
    pub(super) max_depth: usize,
    /// Where the scanner's text starts in the body, for the offsets of captured [`RawJson`](crate::RawJson).
    pub(super) base: usize,
    error: PhantomData<fn() -> E>,
}

impl<'a, E: Failure> Deserializer<'a, E> {
    /// A deserializer at the scanner's cursor, inside `depth` open containers.
    pub(crate) fn new(sc: Scanner<'a>, depth: usize, max_depth: usize) -> Self {
        Self { sc, depth, max_depth, base: 0, error: PhantomData }
    }

    /// The same, for text that starts `base` bytes into the body.
    pub(super) fn at_base(mut self, base: usize) -> Self {
        self.base = base;
        self
    }

    pub(crate) fn into_scanner(self) -> Scanner<'a> {
        self.sc
    }

    /// Deserializes a `T` from the rest of the text, which must hold nothing else.
    pub(super) fn whole<T: de::Deserialize<'a>>(mut self) -> Result<T, E> {
        let value = T::deserialize(&mut self)?;
        self.sc.finish()?;
        Ok(value)
    }

    /// The next byte after whitespace, which must exist.
    #[inline]
    pub(super) fn peek(&mut self) -> Result<u8, E> {
        match self.sc.skip_ws() {
            Some(b) => Ok(b),
            None => Err(self.sc.err(ErrorKind::UnexpectedEof).into()),
        }
    }

    /// Steps into the array or object at the cursor, within the depth limit.
    #[inline]
    pub(super) fn enter(&mut self) -> Result<(), E> {
        if self.depth >= self.max_depth {
            return Err(self.sc.err(ErrorKind::DepthLimitExceeded).into());
        }
        self.depth += 1;
        self.sc.advance(1);
        Ok(())
    }

    /// Steps out of a container at its closing bracket, which the cursor is on.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(super) fn close(&mut self) {
        self.sc.advance(1);
        self.depth -= 1;
    }

    /// Steps out of the container that began at `open`, whose visitor has returned without
    /// asking for its end (a tuple knows its length): the cursor must be at `close`.
    pub(super) fn leave(&mut self, open: usize, close: u8) -> Result<(), E> {
        let at = self.peek()?;
        let pos = self.sc.pos();
        if at == close {
            self.close();
            return Ok(());
        }
        // The visitor stopped early: more elements than the target type takes.
        let untouched = self.sc.pos() == self.first_after(open);
        if at == b',' || untouched {
            let what = if close == b']' { "array" } else { "object" };
            return Err(E::positioned(
                ErrorKind::InvalidLength,
                pos,
                format_args!("more elements in {what} than the target type takes"),
            ));
        }
        Err(self.sc.err(ErrorKind::ExpectedCommaOrEnd).into())
    }

    /// Where the first non-whitespace byte after the bracket at `open` is.
    pub(super) fn first_after(&self, open: usize) -> usize {
        let rest = self.sc.text().get(open + 1..).unwrap_or_default();
        open + 1 + (rest.len() - rest.trim_start_matches([' ', '\n', '\r', '\t']).len())
    }

    /// The syntax error at the cursor, where a value should start.
    pub(super) fn syntax_error(&self) -> E {
        match self.sc.clone().value(self.depth) {
            Err(e) => e.into(),
            Ok(_) => self.sc.err(ErrorKind::ExpectedValue).into(),
        }
    }

    /// The error for a value at the cursor that `exp` does not take, naming what it is; a
    /// malformed value is reported as a syntax error instead.
    #[cold]
    pub(super) fn invalid_type(&self, exp: &dyn Expected) -> E {
        let mut probe = self.sc.clone();
        let at = self.sc.pos();
        let unexp = match probe.skip_ws() {
            None => return self.sc.err(ErrorKind::UnexpectedEof).into(),
            Some(b'"') => match probe.string() {
                Ok(s) => s.as_str().map_or(Unexpected::Other("string"), Unexpected::Str),
                Err(e) => return e.into(),
            },
            Some(b'-' | b'0'..=b'9') => match probe.number_text() {
                Ok(text) => unexpected_number(text),
                Err(e) => return e.into(),
            },
            Some(b't') => match probe.literal(b"true") {
                Ok(()) => Unexpected::Bool(true),
                Err(e) => return e.into(),
            },
            Some(b'f') => match probe.literal(b"false") {
                Ok(()) => Unexpected::Bool(false),
                Err(e) => return e.into(),
            },
            Some(b'n') => match probe.literal(b"null") {
                Ok(()) => Unexpected::Unit,
                Err(e) => return e.into(),
            },
            Some(b'[') => Unexpected::Seq,
            Some(b'{') => Unexpected::Map,
            Some(_) => return self.syntax_error(),
        };
        E::invalid_type(unexp, exp).at(at)
    }

    /// Hands the string at the cursor to `visitor`: borrowed when it has no escapes, decoded
    /// into a stack buffer when it has.
    pub(super) fn visit_string<V: Visitor<'a>>(
        &mut self,
        visitor: V,
        bytes: bool,
    ) -> Result<V::Value, E> {
        if self.peek()? != b'"' {
            return Err(self.invalid_type(&visitor));
        }
        self.visit_string_here(visitor, bytes)
    }

    /// [`Self::visit_string`] with the cursor on the opening quote.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(super) fn visit_string_here<V: Visitor<'a>>(
        &mut self,
        visitor: V,
        bytes: bool,
    ) -> Result<V::Value, E> {
        let at = self.sc.pos();
        let s = self.sc.string()?;
        let result = match s.as_str() {
            Some(text) if bytes => visitor.visit_borrowed_bytes(text.as_bytes()),
            Some(text) => visitor.visit_borrowed_str(text),
            None => visit_escaped(s, visitor, bytes),
        };
        result.map_err(|e: E| e.at(at))
    }

    /// Hands the number at the cursor to `visitor` as serde_json does: `u64`, else `i64`, else
    /// (wider integers, fractions, `-0`) `f64`, so that visitor-driven types built for it,
    /// such as its `Value`, work here too.
    pub(super) fn visit_number<V: Visitor<'a>>(&mut self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        let number = match self.short_number().and_then(|n| Some((AnyNumber::short(n)?, n.len))) {
            Some((number, len)) => {
                self.sc.advance(len);
                number
            }
            None => {
                let text = self.sc.number_text()?;
                match Integer::parse(text) {
                    Ok(Integer { negative: true, magnitude: 0 }) => AnyNumber::Float(-0.0),
                    Ok(n) => match (n.to::<u64>(), n.to::<i64>()) {
                        (Ok(v), _) => AnyNumber::Unsigned(v),
                        (_, Ok(v)) => AnyNumber::Signed(v),
                        _ => AnyNumber::Float(finite_f64::<E>(text, at)?),
                    },
                    Err(_) => AnyNumber::Float(finite_f64::<E>(text, at)?),
                }
            }
        };
        match number {
            AnyNumber::Unsigned(v) => visitor.visit_u64(v),
            AnyNumber::Signed(v) => visitor.visit_i64(v),
            AnyNumber::Float(v) => visitor.visit_f64(v),
        }
        .map_err(|e: E| e.at(at))
    }

    /// The number at the cursor, when it is short and plain enough to read in one pass (see
    /// [`Short::read`]); the cursor stays before it.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(super) fn short_number(&mut self) -> Option<Short> {
        match self.sc.skip_ws()? {
            b'-' | b'0'..=b'9' => Short::read(self.sc.text().as_bytes().get(self.sc.pos()..)?),
            _ => None,
        }
    }

    /// The number at the cursor, as text, or the error for `exp` when something else is there.
    #[inline]
    pub(super) fn number_text(&mut self, exp: &dyn Expected) -> Result<&'a str, E> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => Ok(self.sc.number_text()?),
            _ => Err(self.invalid_type(exp)),
        }
    }

    /// The integer at the cursor as `T`, which `name`s the type for messages.
    pub(super) fn integer<T: TryFrom<u128> + TryFrom<i128> + TryFrom<u64> + TryFrom<i64>>(
        &mut self,
        name: &'static str,
    ) -> Result<T, E> {
        if let Some((v, len)) = self.short_number().and_then(|n| Some((n.to::<T>()?, n.len))) {
            self.sc.advance(len);
            return Ok(v);
        }
        let text = self.number_text(&name)?;
        let at = self.sc.pos() - text.len();
        match Integer::parse(text).and_then(Integer::to) {
            Ok(v) => Ok(v),
            Err(NotInteger::OutOfRange) => Err(E::positioned(
                ErrorKind::NumberOutOfRange,
                at,
                format_args!("integer out of range for {name}"),
            )),
            // Validated number text that is not an integer has a fraction or an exponent.
            Err(NotInteger::Syntax) => {
                let unexp = Unexpected::Float(text.parse().unwrap_or(f64::NAN));
                Err(E::invalid_type(unexp, &name).at(at))
            }
        }
    }

    /// The float at the cursor; an exponent beyond the type's range is an error, not infinity.
    pub(super) fn float<T: core::str::FromStr + Float>(
        &mut self,
        name: &'static str,
    ) -> Result<T, E> {
        if let Some((v, len)) = self.short_number().and_then(|n| Some((T::short(n)?, n.len))) {
            self.sc.advance(len);
            return Ok(v);
        }
        let text = self.number_text(&name)?;
        let at = self.sc.pos() - text.len();
        // core's parser is correctly rounded and accepts every RFC 8259 number.
        match text.parse::<T>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(E::positioned(
                ErrorKind::NumberOutOfRange,
                at,
                format_args!("number out of range for {name}"),
            )),
        }
    }

    pub(super) fn keyword(&mut self, word: &'static [u8]) -> Result<(), E> {
        Ok(self.sc.literal(word)?)
    }
}

/// The float types, as the deserializer reads them.
pub(super) trait Float: Sized {
    fn is_finite(&self) -> bool;

    /// The number, when [`Short`] can work it out exactly.
    fn short(n: Short) -> Option<Self>;
}

impl Float for f32 {
    fn is_finite(&self) -> bool {
        f32::is_finite(*self)
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn short(n: Short) -> Option<Self> {
        n.to_f32()
    }
}

impl Float for f64 {
    fn is_finite(&self) -> bool {
        f64::is_finite(*self)
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn short(n: Short) -> Option<Self> {
        n.to_f64()
    }
}

/// A number as `deserialize_any` hands it over.
pub(super) enum AnyNumber {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl AnyNumber {
    /// The choice of [`Deserializer::visit_number`] for a number read in one pass.
    #[cfg_attr(not(feature = "small"), inline(always))]
    fn short(n: Short) -> Option<Self> {
        match (n.integer, n.negative, n.mantissa) {
            (true, false, m) => Some(Self::Unsigned(m)),
            // `-0` is a float.
            (true, true, 0) => None,
            (true, true, _) => n.to::<i64>().map(Self::Signed),
            (false, _, _) => n.to_f64().map(Self::Float),
        }
    }
}

/// How a validated number reads in a type error, as serde_json describes it.
pub(super) fn unexpected_number(text: &str) -> Unexpected<'static> {
    let float = || Unexpected::Float(text.parse().unwrap_or(f64::NAN));
    if !is_integer(text) {
        return float();
    }
    match Integer::parse(text) {
        Ok(Integer { negative: false, magnitude }) => {
            u64::try_from(magnitude).map_or_else(|_| float(), Unexpected::Unsigned)
        }
        Ok(n) => n.to::<i64>().map_or_else(|_| float(), Unexpected::Signed),
        Err(_) => float(),
    }
}

/// Validated number text as an `f64`; beyond its range is an error.
pub(super) fn finite_f64<E: Failure>(text: &str, at: usize) -> Result<f64, E> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(E::positioned(
            ErrorKind::NumberOutOfRange,
            at,
            format_args!("number out of range for f64"),
        )),
    }
}

/// Decodes an escaped string into a stack buffer and lends it to the visitor. Kept out of
/// line so that the buffer is on the stack only while it is in use, not in every frame of a
/// deep recursion.
#[inline(never)]
pub(super) fn visit_escaped<'a, V: Visitor<'a>, E: Failure>(
    s: JsonStr<'a>,
    visitor: V,
    bytes: bool,
) -> Result<V::Value, E> {
    let mut buf = [0u8; ESCAPED_STR_CAPACITY];
    let Ok(text) = s.unescape_into(&mut buf) else {
        return Err(E::unpositioned(
            ErrorKind::EscapedString,
            format_args!(
                "escaped string longer than {ESCAPED_STR_CAPACITY} bytes; deserialize it into status_core::JsonStr"
            ),
        ));
    };
    if bytes {
        visitor.visit_bytes(text.as_bytes())
    } else {
        visitor.visit_str(text)
    }
}
