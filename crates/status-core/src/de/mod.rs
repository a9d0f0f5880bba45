//! Typed `data` through serde: a borrowing, validating deserializer that never allocates.
//!
//! The entry points are [`Success::data_as`](crate::Success::data_as) (after
//! [`decode`](crate::decode)), [`Decoder::decode_typed`](crate::Decoder::decode_typed) (one walk
//! over the body), [`from_raw`] (any validated value) and [`from_slice`]/[`from_str`] (any JSON
//! text). See the crate documentation for what is supported and what is not.
//!
//! # When decoding fails, `T` is deserialized twice
//! Every entry point first deserializes `T` with an error type that holds nothing, so that a
//! decode that succeeds never moves a [`DataError`] through serde's results; only when that
//! fails does a second walk build the `DataError` with its kind, offset and message. The
//! answer is the same either way, but a `Deserialize` impl with side effects sees them twice
//! for a failing body, and one that recovers from an inner error sees, in the first walk, only
//! the message "decoding failed".

mod error;
mod json_str;
mod lenient;
mod number;
mod raw;
mod typed;

use core::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Expected, Unexpected, Visitor};

pub use self::error::{DataError, MESSAGE_CAPACITY};
use self::error::{Failed, Failure};
pub use self::lenient::{int_or_string, IntOrString};
pub use self::typed::{decode_typed, TypedReply};

use self::number::{is_integer, Integer, NotInteger, Short};
use crate::error::ErrorKind;
use crate::json_str::JsonStr;
use crate::raw::RawJson;
use crate::reply::{Decoder, Success};
use crate::scan::{self, Scanner, Text, MAX_DEPTH};

/// The longest escaped string (once decoded) that can be handed to a type which copies it,
/// such as `heapless::String<N>`, `char` or an enum variant name: it is decoded into a buffer
/// of this many bytes on the stack. Longer escaped strings fail with
/// [`ErrorKind::EscapedString`]; [`JsonStr`] takes them at any length.
pub const ESCAPED_STR_CAPACITY: usize = 256;

/// The newtype name through which [`JsonStr`] asks this deserializer for the raw string.
pub(crate) const JSON_STR_TOKEN: &str = "$status_core::private::JsonStr";

/// Deserializes a `T` from a value the decoder validated, such as
/// [`Success::data`](crate::Success::data) or [`Success::field`](crate::Success::field). Error
/// offsets count from the start of the body.
///
/// The value was checked within the decoder's depth limit, which bounds the recursion here.
pub fn from_raw<'a, T: de::Deserialize<'a>>(raw: RawJson<'a>) -> Result<T, DataError> {
    from_validated(raw, 0)
}

/// Deserializes a `T` from one complete JSON text, validating all of it, with the default
/// depth limit ([`Decoder::DEFAULT_MAX_DEPTH`]). Error offsets count from the start of `json`.
///
/// When the text is both malformed and of the wrong shape for `T`, the syntax error is the
/// one reported, wherever it is.
pub fn from_slice<'a, T: de::Deserialize<'a>>(json: &'a [u8]) -> Result<T, DataError> {
    from_slice_with_depth(json, Decoder::DEFAULT_MAX_DEPTH)
}

/// [`from_slice`] for text known to be UTF-8.
pub fn from_str<'a, T: de::Deserialize<'a>>(json: &'a str) -> Result<T, DataError> {
    from_slice(json.as_bytes())
}

pub(crate) fn from_slice_with_depth<'a, T: de::Deserialize<'a>>(
    json: &'a [u8],
    max_depth: usize,
) -> Result<T, DataError> {
    let text = Text::new(json)?;
    if let Some(at) = text.utf8_error_at {
        let reason = scan::validate(json, max_depth).err();
        return Err(reason.unwrap_or(crate::Error::new(ErrorKind::InvalidUtf8, at)).into());
    }
    let mut sc = Scanner::new(text.text, max_depth);
    if sc.skip_ws().is_none() {
        return Err(sc.err(ErrorKind::EmptyBody).into());
    }
    let result = match Deserializer::<Failed>::new(sc.clone(), 0, max_depth).whole() {
        Ok(value) => return Ok(value),
        Err(Failed) => Deserializer::<DataError>::new(sc, 0, max_depth).whole(),
    };
    // A malformed text is reported as such, even where a type error came first.
    result.map_err(|e| match scan::validate(json, max_depth) {
        Err(syntax) => syntax.into(),
        Ok(()) => e.at(0),
    })
}

/// Deserializes a validated value nested inside `depth` containers.
pub(crate) fn from_validated<'a, T: de::Deserialize<'a>>(
    raw: RawJson<'a>,
    depth: usize,
) -> Result<T, DataError> {
    let sc = Scanner::new(raw.get(), MAX_DEPTH);
    match Deserializer::<Failed>::new(sc.clone(), depth, MAX_DEPTH).at_base(raw.offset()).whole() {
        Ok(value) => Ok(value),
        Err(Failed) => Deserializer::<DataError>::new(sc, depth, MAX_DEPTH)
            .at_base(raw.offset())
            .whole()
            .map_err(|e| e.at(0).shifted(raw.offset())),
    }
}

/// A `data` that is absent reads as `null`: `Option<T>` and `()` accept it, anything else
/// fails with [`ErrorKind::MissingField`] naming `data`.
pub(crate) fn from_missing<'a, T: de::Deserialize<'a>>() -> Result<T, DataError> {
    from_validated(RawJson::from_validated("null", 0), 1).map_err(|e| {
        if e.kind() == ErrorKind::UnexpectedType {
            DataError::positioned(ErrorKind::MissingField, 0, format_args!("missing field `data`"))
        } else {
            e
        }
    })
}

/// Typed `data` after [`crate::decode`].
impl<'a> Success<'a> {
    /// Deserializes `data` as `T`, borrowing from the body and without allocating.
    ///
    /// An absent `data` reads as `null`: `Option<T>` gives `None`, and other types fail
    /// with [`ErrorKind::MissingField`]. Error offsets count from the start of the body.
    pub fn data_as<T: de::Deserialize<'a>>(&self) -> Result<T, DataError> {
        match self.data() {
            // `data` sits inside the envelope, and was validated within the depth limit.
            Some(raw) => from_validated(raw, 1),
            None => from_missing(),
        }
    }
}

/// The deserializer: a scanner cursor plus the nesting depth it has reached, failing with
/// `E` (see [`Failure`]).
pub(crate) struct Deserializer<'a, E> {
    sc: Scanner<'a>,
    depth: usize,
    max_depth: usize,
    /// Where the scanner's text starts in the body, for the offsets of captured [`RawJson`].
    base: usize,
    error: PhantomData<fn() -> E>,
}

impl<'a, E: Failure> Deserializer<'a, E> {
    /// A deserializer at the scanner's cursor, inside `depth` open containers.
    pub(crate) fn new(sc: Scanner<'a>, depth: usize, max_depth: usize) -> Self {
        Self { sc, depth, max_depth, base: 0, error: PhantomData }
    }

    /// The same, for text that starts `base` bytes into the body.
    fn at_base(mut self, base: usize) -> Self {
        self.base = base;
        self
    }

    pub(crate) fn into_scanner(self) -> Scanner<'a> {
        self.sc
    }

    /// Deserializes a `T` from the rest of the text, which must hold nothing else.
    fn whole<T: de::Deserialize<'a>>(mut self) -> Result<T, E> {
        let value = T::deserialize(&mut self)?;
        self.sc.finish()?;
        Ok(value)
    }

    /// The next byte after whitespace, which must exist.
    #[inline]
    fn peek(&mut self) -> Result<u8, E> {
        match self.sc.skip_ws() {
            Some(b) => Ok(b),
            None => Err(self.sc.err(ErrorKind::UnexpectedEof).into()),
        }
    }

    /// Steps into the array or object at the cursor, within the depth limit.
    #[inline]
    fn enter(&mut self) -> Result<(), E> {
        if self.depth >= self.max_depth {
            return Err(self.sc.err(ErrorKind::DepthLimitExceeded).into());
        }
        self.depth += 1;
        self.sc.advance(1);
        Ok(())
    }

    /// Steps out of a container at its closing bracket, which the cursor is on.
    #[inline(always)]
    fn close(&mut self) {
        self.sc.advance(1);
        self.depth -= 1;
    }

    /// Steps out of the container that began at `open`, whose visitor has returned without
    /// asking for its end (a tuple knows its length): the cursor must be at `close`.
    fn leave(&mut self, open: usize, close: u8) -> Result<(), E> {
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
    fn first_after(&self, open: usize) -> usize {
        let rest = self.sc.text().get(open + 1..).unwrap_or_default();
        open + 1 + (rest.len() - rest.trim_start_matches([' ', '\n', '\r', '\t']).len())
    }

    /// The syntax error at the cursor, where a value should start.
    fn syntax_error(&self) -> E {
        match self.sc.clone().value(self.depth) {
            Err(e) => e.into(),
            Ok(_) => self.sc.err(ErrorKind::ExpectedValue).into(),
        }
    }

    /// The error for a value at the cursor that `exp` does not take, naming what it is; a
    /// malformed value is reported as a syntax error instead.
    #[cold]
    fn invalid_type(&self, exp: &dyn Expected) -> E {
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
    fn visit_string<V: Visitor<'a>>(&mut self, visitor: V, bytes: bool) -> Result<V::Value, E> {
        if self.peek()? != b'"' {
            return Err(self.invalid_type(&visitor));
        }
        self.visit_string_here(visitor, bytes)
    }

    /// [`Self::visit_string`] with the cursor on the opening quote.
    #[inline(always)]
    fn visit_string_here<V: Visitor<'a>>(
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
    fn visit_number<V: Visitor<'a>>(&mut self, visitor: V) -> Result<V::Value, E> {
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
    #[inline(always)]
    fn short_number(&mut self) -> Option<Short> {
        match self.sc.skip_ws()? {
            b'-' | b'0'..=b'9' => Short::read(self.sc.text().as_bytes().get(self.sc.pos()..)?),
            _ => None,
        }
    }

    /// The number at the cursor, as text, or the error for `exp` when something else is there.
    #[inline]
    fn number_text(&mut self, exp: &dyn Expected) -> Result<&'a str, E> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => Ok(self.sc.number_text()?),
            _ => Err(self.invalid_type(exp)),
        }
    }

    /// The integer at the cursor as `T`, which `name`s the type for messages.
    fn integer<T: TryFrom<u128> + TryFrom<i128> + TryFrom<u64> + TryFrom<i64>>(
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
    fn float<T: core::str::FromStr + Float>(&mut self, name: &'static str) -> Result<T, E> {
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

    fn keyword(&mut self, word: &'static [u8]) -> Result<(), E> {
        Ok(self.sc.literal(word)?)
    }
}

/// The float types, as the deserializer reads them.
trait Float: Sized {
    fn is_finite(&self) -> bool;

    /// The number, when [`Short`] can work it out exactly.
    fn short(n: Short) -> Option<Self>;
}

impl Float for f32 {
    fn is_finite(&self) -> bool {
        f32::is_finite(*self)
    }

    #[inline(always)]
    fn short(n: Short) -> Option<Self> {
        n.to_f32()
    }
}

impl Float for f64 {
    fn is_finite(&self) -> bool {
        f64::is_finite(*self)
    }

    #[inline(always)]
    fn short(n: Short) -> Option<Self> {
        n.to_f64()
    }
}

/// A number as `deserialize_any` hands it over.
enum AnyNumber {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl AnyNumber {
    /// The choice of [`Deserializer::visit_number`] for a number read in one pass.
    #[inline(always)]
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
fn unexpected_number(text: &str) -> Unexpected<'static> {
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
fn finite_f64<E: Failure>(text: &str, at: usize) -> Result<f64, E> {
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
fn visit_escaped<'a, V: Visitor<'a>, E: Failure>(
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

macro_rules! integers {
    ($($method:ident => $visit:ident($ty:ty),)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
            let value: $ty = self.integer(stringify!($ty))?;
            let at = self.sc.pos();
            visitor.$visit(value).map_err(|e: E| e.at(at))
        }
    )*};
}

impl<'a, E: Failure> de::Deserializer<'a> for &mut Deserializer<'a, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        let result = match self.peek()? {
            b'n' => {
                self.keyword(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.keyword(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.keyword(b"false")?;
                visitor.visit_bool(false)
            }
            b'"' => return self.visit_string(visitor, false),
            b'[' => return self.deserialize_seq(visitor),
            b'{' => return self.deserialize_map(visitor),
            b'-' | b'0'..=b'9' => return self.visit_number(visitor),
            _ => return Err(self.syntax_error()),
        };
        result.map_err(|e: E| e.at(at))
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        let value = match self.peek()? {
            b't' => true,
            b'f' => false,
            _ => return Err(self.invalid_type(&visitor)),
        };
        self.keyword(if value { b"true" } else { b"false" })?;
        visitor.visit_bool(value).map_err(|e: E| e.at(at))
    }

    integers! {
        deserialize_i8 => visit_i8(i8),
        deserialize_i16 => visit_i16(i16),
        deserialize_i32 => visit_i32(i32),
        deserialize_i64 => visit_i64(i64),
        deserialize_i128 => visit_i128(i128),
        deserialize_u8 => visit_u8(u8),
        deserialize_u16 => visit_u16(u16),
        deserialize_u32 => visit_u32(u32),
        deserialize_u64 => visit_u64(u64),
        deserialize_u128 => visit_u128(u128),
    }

    fn deserialize_f32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let value: f32 = self.float("f32")?;
        let at = self.sc.pos();
        visitor.visit_f32(value).map_err(|e: E| e.at(at))
    }

    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let value: f64 = self.float("f64")?;
        let at = self.sc.pos();
        visitor.visit_f64(value).map_err(|e: E| e.at(at))
    }

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.visit_string(visitor, false)
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.visit_string(visitor, false)
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.visit_string(visitor, false)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        match self.peek()? {
            b'[' => self.deserialize_seq(visitor),
            _ => self.visit_string(visitor, true),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        if self.peek()? == b'n' {
            self.keyword(b"null")?;
            visitor.visit_none().map_err(|e: E| e.at(at))
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        if self.peek()? != b'n' {
            return Err(self.invalid_type(&visitor));
        }
        self.keyword(b"null")?;
        visitor.visit_unit().map_err(|e: E| e.at(at))
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        if name == JSON_STR_TOKEN {
            if self.peek()? != b'"' {
                return Err(self.invalid_type(&visitor));
            }
            let at = self.sc.pos();
            let s = self.sc.string()?;
            // Raw text goes by a channel of its own, so that no other deserializer's decoded
            // text can be mistaken for it.
            let parts = raw::RawParts::new(s.raw(), self.base + at);
            return visitor.visit_seq(parts).map_err(|e: E| e.at(at));
        }
        if name == raw::RAW_JSON_TOKEN {
            self.peek()?;
            let at = self.sc.pos();
            let json = self.sc.value(self.depth)?;
            let parts = raw::RawParts::new(json, self.base + at);
            return visitor.visit_seq(parts).map_err(|e: E| e.at(at));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        if self.peek()? != b'[' {
            return Err(self.invalid_type(&visitor));
        }
        let open = self.sc.pos();
        self.enter()?;
        let inside = self.depth;
        match visitor.visit_seq(Elements { de: &mut *self, first: true, done: false }) {
            // The visitor read to the end, whose closing bracket the access consumed.
            Ok(value) if self.depth < inside => Ok(value),
            Ok(value) => {
                self.leave(open, b']')?;
                Ok(value)
            }
            Err(e) => Err(e.at(open)),
        }
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, E> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, E> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        if self.peek()? != b'{' {
            return Err(self.invalid_type(&visitor));
        }
        let open = self.sc.pos();
        self.enter()?;
        let inside = self.depth;
        match visitor.visit_map(Members { de: &mut *self, first: true, done: false }) {
            // The visitor read to the end, whose closing bracket the access consumed.
            Ok(value) if self.depth < inside => Ok(value),
            Ok(value) => {
                self.leave(open, b'}')?;
                Ok(value)
            }
            Err(e) => Err(e.at(open)),
        }
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        // Like serde_json, a struct may also be written as an array of its fields in order.
        match self.peek()? {
            b'[' => self.deserialize_seq(visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        let open = self.sc.pos();
        match self.peek()? {
            b'"' => visitor.visit_enum(UnitVariant { de: self }).map_err(|e: E| e.at(open)),
            b'{' => {
                self.enter()?;
                let value =
                    visitor.visit_enum(Variant { de: &mut *self }).map_err(|e: E| e.at(open))?;
                if self.peek()? == b',' {
                    return Err(E::positioned(
                        ErrorKind::InvalidLength,
                        self.sc.pos(),
                        format_args!("an enum written as an object has exactly one key"),
                    ));
                }
                self.leave(open, b'}')?;
                Ok(value)
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.visit_string(visitor, false)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        // Skipped values are validated all the same, without recursion.
        let at = self.sc.pos();
        self.sc.value(self.depth)?;
        visitor.visit_unit().map_err(|e: E| e.at(at))
    }
}

/// The elements of an array whose `[` has been consumed.
struct Elements<'d, 'a, E> {
    de: &'d mut Deserializer<'a, E>,
    first: bool,
    /// The closing bracket has been consumed.
    done: bool,
}

/// Moves to the next element of a container and returns its first byte, the cursor on it;
/// `None` at the container's end (left unconsumed).
#[inline(always)]
fn next_element<E: Failure>(
    de: &mut Deserializer<'_, E>,
    first: &mut bool,
    close: u8,
) -> Result<Option<u8>, E> {
    let b = de.peek()?;
    if b == close {
        return Ok(None);
    }
    if core::mem::take(first) {
        return Ok(Some(b));
    }
    if b != b',' {
        return Err(de.sc.err(ErrorKind::ExpectedCommaOrEnd).into());
    }
    de.sc.advance(1);
    de.peek().map(Some)
}

impl<'a, E: Failure> de::SeqAccess<'a> for Elements<'_, 'a, E> {
    type Error = E;

    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        if self.done {
            return Ok(None);
        }
        match next_element(self.de, &mut self.first, b']')? {
            None => {
                self.done = true;
                self.de.close();
                Ok(None)
            }
            // `[1,]`: a value must follow a comma.
            Some(b']') => Err(self.de.sc.err(ErrorKind::ExpectedValue).into()),
            Some(_) => seed.deserialize(&mut *self.de).map(Some),
        }
    }
}

/// The members of an object whose `{` has been consumed.
struct Members<'d, 'a, E> {
    de: &'d mut Deserializer<'a, E>,
    first: bool,
    /// The closing brace has been consumed.
    done: bool,
}

impl<'a, E: Failure> de::MapAccess<'a> for Members<'_, 'a, E> {
    type Error = E;

    #[inline(always)]
    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        if self.done {
            return Ok(None);
        }
        match next_element(self.de, &mut self.first, b'}')? {
            None => {
                self.done = true;
                self.de.close();
                Ok(None)
            }
            Some(b) => key(self.de, b, seed).map(Some),
        }
    }

    #[inline(always)]
    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, E> {
        seed.deserialize(&mut *self.de)
    }
}

/// Reads `"key" :` through `seed`, the cursor on `first`, its first byte.
#[inline(always)]
fn key<'a, K: DeserializeSeed<'a>, E: Failure>(
    de: &mut Deserializer<'a, E>,
    first: u8,
    seed: K,
) -> Result<K::Value, E> {
    if first != b'"' {
        return Err(de.sc.err(ErrorKind::ExpectedKey).into());
    }
    let value = seed.deserialize(MapKey { de: &mut *de })?;
    match de.peek()? {
        b':' => de.sc.advance(1),
        _ => return Err(de.sc.err(ErrorKind::ExpectedColon).into()),
    }
    Ok(value)
}

/// An object key, always a string (the cursor is on its opening quote), read as the type its
/// visitor asks for: text, or a number or `bool` written inside the string (`{"1": ...}` into
/// an integer-keyed map).
struct MapKey<'d, 'a, E> {
    de: &'d mut Deserializer<'a, E>,
}

impl<'a, E: Failure> MapKey<'_, 'a, E> {
    /// The key's raw text, when it holds a JSON number, with its offset.
    fn number_text(&mut self, exp: &dyn Expected) -> Result<(&'a str, usize), E> {
        let at = self.de.sc.pos();
        let s = self.de.sc.string()?;
        let mut probe = Scanner::new(s.raw(), 0);
        let whole = matches!(probe.skip_ws(), Some(b'-' | b'0'..=b'9'))
            && probe.number_text().is_ok()
            && probe.pos() == s.raw().len();
        if !whole {
            let unexp = s.as_str().map_or(Unexpected::Other("string"), Unexpected::Str);
            return Err(E::invalid_type(unexp, exp).at(at));
        }
        Ok((s.raw(), at))
    }

    fn integer<T: TryFrom<u128> + TryFrom<i128>>(
        &mut self,
        name: &'static str,
    ) -> Result<(T, usize), E> {
        let (text, at) = self.number_text(&name)?;
        match Integer::parse(text).and_then(Integer::to) {
            Ok(v) => Ok((v, at)),
            Err(NotInteger::OutOfRange) => Err(E::positioned(
                ErrorKind::NumberOutOfRange,
                at,
                format_args!("integer out of range for {name}"),
            )),
            Err(NotInteger::Syntax) => Err(E::invalid_type(Unexpected::Str(text), &name).at(at)),
        }
    }
}

macro_rules! key_integers {
    ($($method:ident => $visit:ident($ty:ty),)*) => {$(
        fn $method<V: Visitor<'a>>(mut self, visitor: V) -> Result<V::Value, E> {
            let (value, at): ($ty, usize) = self.integer(stringify!($ty))?;
            visitor.$visit(value).map_err(|e: E| e.at(at))
        }
    )*};
}

impl<'a, E: Failure> de::Deserializer<'a> for MapKey<'_, 'a, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.de.visit_string_here(visitor, false)
    }

    key_integers! {
        deserialize_i8 => visit_i8(i8),
        deserialize_i16 => visit_i16(i16),
        deserialize_i32 => visit_i32(i32),
        deserialize_i64 => visit_i64(i64),
        deserialize_i128 => visit_i128(i128),
        deserialize_u8 => visit_u8(u8),
        deserialize_u16 => visit_u16(u16),
        deserialize_u32 => visit_u32(u32),
        deserialize_u64 => visit_u64(u64),
        deserialize_u128 => visit_u128(u128),
    }

    fn deserialize_f32<V: Visitor<'a>>(mut self, visitor: V) -> Result<V::Value, E> {
        let (text, at) = self.number_text(&visitor)?;
        match text.parse::<f32>() {
            Ok(v) if v.is_finite() => visitor.visit_f32(v).map_err(|e: E| e.at(at)),
            _ => Err(crate::Error::new(ErrorKind::NumberOutOfRange, at).into()),
        }
    }

    fn deserialize_f64<V: Visitor<'a>>(mut self, visitor: V) -> Result<V::Value, E> {
        let (text, at) = self.number_text(&visitor)?;
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => visitor.visit_f64(v).map_err(|e: E| e.at(at)),
            _ => Err(crate::Error::new(ErrorKind::NumberOutOfRange, at).into()),
        }
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.de.sc.pos();
        let s = self.de.sc.string()?;
        match s.as_str() {
            Some("true") => visitor.visit_bool(true),
            Some("false") => visitor.visit_bool(false),
            other => Err(E::invalid_type(
                other.map_or(Unexpected::Other("string"), Unexpected::Str),
                &visitor,
            )),
        }
        .map_err(|e: E| e.at(at))
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.de.visit_string_here(visitor, true)
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.de.visit_string_here(visitor, true)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        if name == JSON_STR_TOKEN {
            return self.de.deserialize_newtype_struct(name, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        self.de.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        <V: Visitor<'a>>
        char str string unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// An enum written as a string: a unit variant.
struct UnitVariant<'d, 'a, E> {
    de: &'d mut Deserializer<'a, E>,
}

impl<'a, E: Failure> de::EnumAccess<'a> for UnitVariant<'_, 'a, E> {
    type Error = E;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'a>>(self, seed: S) -> Result<(S::Value, Self), E> {
        let variant = seed.deserialize(MapKey { de: &mut *self.de })?;
        Ok((variant, self))
    }
}

impl<'a, E: Failure> de::VariantAccess<'a> for UnitVariant<'_, 'a, E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, _seed: T) -> Result<T::Value, E> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"newtype variant"))
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, _visitor: V) -> Result<V::Value, E> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"tuple variant"))
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, E> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"struct variant"))
    }
}

/// An enum written as `{"Variant": content}`, after the `{`.
struct Variant<'d, 'a, E> {
    de: &'d mut Deserializer<'a, E>,
}

impl<'a, E: Failure> de::EnumAccess<'a> for Variant<'_, 'a, E> {
    type Error = E;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'a>>(self, seed: S) -> Result<(S::Value, Self), E> {
        let first = self.de.peek()?;
        let variant = key(self.de, first, seed)?;
        Ok((variant, self))
    }
}

impl<'a, E: Failure> de::VariantAccess<'a> for Variant<'_, 'a, E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, seed: T) -> Result<T::Value, E> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, E> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        de::Deserializer::deserialize_struct(&mut *self.de, "", fields, visitor)
    }
}
