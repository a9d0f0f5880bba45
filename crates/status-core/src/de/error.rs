//! The error of typed decoding: a position, plus serde's message kept without allocating.

use core::fmt::{self, Write as _};

use crate::error::{Error, ErrorKind};

/// How many bytes of a serde message a [`DataError`] keeps; longer ones end in `…`.
pub const MESSAGE_CAPACITY: usize = 96;

/// Why typed decoding failed: an [`Error`] (kind and byte offset in the body) and, for
/// complaints of the target type (`missing field "name"`, `invalid type: string "x", expected
/// u32`), serde's message, kept in a fixed-capacity buffer.
///
/// `Copy` and allocation-free. Offsets count from the start of the body for
/// [`Success::data_as`](crate::Success::data_as) and [`Decoder::decode_typed`](crate::Decoder::decode_typed),
/// and from the start of the input for [`de::from_slice`](crate::de::from_slice).
#[derive(Clone, Copy)]
pub struct DataError {
    error: Error,
    /// Whether `error.offset()` was set by the deserializer; errors made by a `Deserialize`
    /// implementation start without one and get the offset of the value they were about.
    positioned: bool,
    len: u8,
    message: [u8; MESSAGE_CAPACITY],
}

impl DataError {
    /// An error of `kind` at `offset`, without a message.
    pub(crate) const fn new(kind: ErrorKind, offset: usize) -> Self {
        Self {
            error: Error::new(kind, offset),
            positioned: true,
            len: 0,
            message: [0; MESSAGE_CAPACITY],
        }
    }

    /// An error of `kind` with a formatted message and no position yet.
    pub(crate) fn with_message(kind: ErrorKind, args: fmt::Arguments<'_>) -> Self {
        let mut e = Self::new(kind, 0);
        e.positioned = false;
        let mut w = Truncating { buf: &mut e.message, len: 0, full: false };
        // Writing to a `Truncating` never fails; the `Result` is the formatter's.
        let _ = w.write_fmt(args);
        e.len = w.len as u8;
        e
    }

    /// The same error with its message replaced.
    pub(crate) fn set_message(mut self, args: fmt::Arguments<'_>) -> Self {
        let mut w = Truncating { buf: &mut self.message, len: 0, full: false };
        let _ = w.write_fmt(args);
        self.len = w.len as u8;
        self
    }

    /// Gives the error the offset `at` unless it already has one.
    #[inline]
    pub(crate) fn at(mut self, at: usize) -> Self {
        if !self.positioned {
            self.error = Error::new(self.error.kind(), at);
            self.positioned = true;
        }
        self
    }

    /// Moves a positioned error by `base` bytes, for input that starts inside a larger body.
    #[inline]
    pub(crate) fn shifted(mut self, base: usize) -> Self {
        self.error = Error::new(self.error.kind(), self.error.offset() + base);
        self
    }

    /// The kind and the byte offset.
    #[inline]
    pub const fn error(&self) -> Error {
        self.error
    }

    /// What went wrong.
    #[inline]
    pub const fn kind(&self) -> ErrorKind {
        self.error.kind()
    }

    /// Where, as a byte offset.
    #[inline]
    pub const fn offset(&self) -> usize {
        self.error.offset()
    }

    /// The message: serde's text when the target type gave one (`missing field `name``),
    /// else the kind's description.
    pub fn message(&self) -> &str {
        let text = self.message.get(..usize::from(self.len)).unwrap_or_default();
        match core::str::from_utf8(text) {
            Ok("") | Err(_) => self.error.kind().description(),
            Ok(text) => text,
        }
    }
}

impl From<Error> for DataError {
    fn from(error: Error) -> Self {
        Self::new(error.kind(), error.offset())
    }
}

impl From<DataError> for Error {
    fn from(error: DataError) -> Self {
        error.error
    }
}

impl PartialEq for DataError {
    fn eq(&self, other: &Self) -> bool {
        self.error == other.error && self.message() == other.message()
    }
}

impl Eq for DataError {}

impl fmt::Debug for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataError")
            .field("kind", &self.kind())
            .field("offset", &self.offset())
            .field("message", &self.message())
            .finish()
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message(), self.offset())
    }
}

impl core::error::Error for DataError {}

/// The same text as `Display`, for defmt.
#[cfg(feature = "defmt")]
impl defmt::Format for DataError {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str} at byte {=usize}", self.message(), self.offset());
    }
}

impl serde::de::Error for DataError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::with_message(ErrorKind::Custom, format_args!("{msg}"))
    }

    fn invalid_type(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        use serde::de::Unexpected::{Bytes, Str};
        // This crate's deserializer lends text without borrowing it only when it had escapes.
        if matches!(unexp, Str(_) | Bytes(_)) && wants_borrowed(exp) {
            return Self::with_message(
                ErrorKind::EscapedString,
                format_args!(
                    "escaped string cannot be borrowed; deserialize it into status_core::JsonStr"
                ),
            );
        }
        Self::with_message(
            ErrorKind::UnexpectedType,
            format_args!("invalid type: {unexp}, expected {exp}"),
        )
    }

    fn invalid_value(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        Self::with_message(
            ErrorKind::InvalidValue,
            format_args!("invalid value: {unexp}, expected {exp}"),
        )
    }

    fn invalid_length(len: usize, exp: &dyn serde::de::Expected) -> Self {
        Self::with_message(
            ErrorKind::InvalidLength,
            format_args!("invalid length {len}, expected {exp}"),
        )
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::with_message(
            ErrorKind::UnknownVariant,
            format_args!("unknown variant `{variant}`, expected {}", OneOf("variant", expected)),
        )
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self::with_message(
            ErrorKind::UnknownField,
            format_args!("unknown field `{field}`, expected {}", OneOf("field", expected)),
        )
    }

    fn missing_field(field: &'static str) -> Self {
        Self::with_message(ErrorKind::MissingField, format_args!("missing field `{field}`"))
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::with_message(ErrorKind::DuplicateField, format_args!("duplicate field `{field}`"))
    }
}

/// The error type the deserializer is generic over: [`DataError`], or [`Failed`], which says
/// only that decoding failed and costs nothing to carry through serde's `Result`s. Decoding
/// runs with `Failed` first; only when that fails is it run again with `DataError` to learn
/// why and where, so the common case never moves a message buffer around.
pub(crate) trait Failure: serde::de::Error + From<Error> {
    /// An error of `kind` at `offset`, with a message.
    fn positioned(kind: ErrorKind, offset: usize, args: fmt::Arguments<'_>) -> Self;

    /// An error of `kind` with a message, to be given the offset of the value it is about.
    fn unpositioned(kind: ErrorKind, args: fmt::Arguments<'_>) -> Self;

    /// Gives the error the offset `at` unless it already has one.
    fn at(self, at: usize) -> Self;
}

impl Failure for DataError {
    #[inline]
    fn positioned(kind: ErrorKind, offset: usize, args: fmt::Arguments<'_>) -> Self {
        Self::new(kind, offset).set_message(args)
    }

    #[inline]
    fn unpositioned(kind: ErrorKind, args: fmt::Arguments<'_>) -> Self {
        Self::with_message(kind, args)
    }

    #[inline]
    fn at(self, at: usize) -> Self {
        DataError::at(self, at)
    }
}

/// That decoding failed, without why: the zero-sized error of the first run (see [`Failure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failed;

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("decoding failed")
    }
}

impl core::error::Error for Failed {}

impl From<Error> for Failed {
    #[inline]
    fn from(_: Error) -> Self {
        Failed
    }
}

impl serde::de::Error for Failed {
    #[inline]
    fn custom<T: fmt::Display>(_: T) -> Self {
        Failed
    }
}

impl Failure for Failed {
    #[inline]
    fn positioned(_: ErrorKind, _: usize, _: fmt::Arguments<'_>) -> Self {
        Failed
    }

    #[inline]
    fn unpositioned(_: ErrorKind, _: fmt::Arguments<'_>) -> Self {
        Failed
    }

    #[inline]
    fn at(self, _: usize) -> Self {
        Failed
    }
}

/// serde's wording for the names a variant or field could have had.
struct OneOf(&'static str, &'static [&'static str]);

impl fmt::Display for OneOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            [] => write!(f, "no {}s", self.0),
            [one] => write!(f, "`{one}`"),
            [a, b] => write!(f, "`{a}` or `{b}`"),
            names => {
                f.write_str("one of ")?;
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{name}`")?;
                }
                Ok(())
            }
        }
    }
}

/// Writes into a fixed buffer; text that does not fit is cut at a character boundary and
/// marked with `…`.
struct Truncating<'b> {
    buf: &'b mut [u8; MESSAGE_CAPACITY],
    len: usize,
    full: bool,
}

impl fmt::Write for Truncating<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        const ELLIPSIS: &str = "…";
        if self.full {
            return Ok(());
        }
        if s.len() <= MESSAGE_CAPACITY - self.len {
            self.push(s);
            return Ok(());
        }
        self.full = true;
        let keep = MESSAGE_CAPACITY - ELLIPSIS.len();
        if self.len > keep {
            // Make room for the ellipsis in what was written, at a character boundary.
            self.len = keep;
            while self.len > 0 && self.buf.get(self.len).is_some_and(|&b| b & 0xC0 == 0x80) {
                self.len -= 1;
            }
        } else {
            let mut cut = keep - self.len;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.push(s.get(..cut).unwrap_or_default());
        }
        self.push(ELLIPSIS);
        Ok(())
    }
}

impl Truncating<'_> {
    /// Appends `s`, which the caller has checked fits.
    fn push(&mut self, s: &str) {
        if let Some(dst) = self.buf.get_mut(self.len..self.len + s.len()) {
            dst.copy_from_slice(s.as_bytes());
            self.len += s.len();
        }
    }
}

/// Tells whether formatted text starts with `want`, without keeping it.
struct StartsWith {
    want: &'static str,
    seen: usize,
    matches: bool,
}

impl fmt::Write for StartsWith {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let rest = self.want.get(self.seen..).unwrap_or_default();
        let n = rest.len().min(s.len());
        if rest.as_bytes().get(..n) != s.as_bytes().get(..n) {
            self.matches = false;
        }
        self.seen += n;
        Ok(())
    }
}

/// Whether `exp` is serde's wording for `&str` or `&[u8]`, which only take borrowed text.
fn wants_borrowed(exp: &dyn serde::de::Expected) -> bool {
    let mut probe = StartsWith { want: "a borrowed ", seen: 0, matches: true };
    let _ = write!(probe, "{exp}");
    probe.matches && probe.seen == probe.want.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::Error as _;
    use std::string::ToString;

    #[test]
    fn custom_messages_read_like_serde() {
        let e = DataError::missing_field("name").at(12);
        assert_eq!(e.kind(), ErrorKind::MissingField);
        assert_eq!(e.to_string(), "missing field `name` at byte 12");
        let e = DataError::unknown_field("x", &["a", "b", "c"]).at(3);
        assert_eq!(e.message(), "unknown field `x`, expected one of `a`, `b`, `c`");
        let e = DataError::unknown_variant("X", &["A"]);
        assert_eq!(e.message(), "unknown variant `X`, expected `A`");
    }

    #[test]
    fn the_first_position_given_sticks() {
        let e = DataError::custom("no").at(5).at(9);
        assert_eq!(e.offset(), 5);
        let e = DataError::new(ErrorKind::InvalidNumber, 2).at(9);
        assert_eq!(e.offset(), 2);
        assert_eq!(e.message(), "invalid number");
    }

    #[test]
    fn long_messages_are_cut_at_a_char_boundary() {
        let long = "é".repeat(100);
        let e = DataError::custom(&long);
        assert!(e.message().len() <= MESSAGE_CAPACITY);
        assert!(e.message().ends_with('…'));
        assert!(e.message().trim_end_matches('…').chars().all(|c| c == 'é'));
        let exact = "x".repeat(MESSAGE_CAPACITY);
        assert_eq!(DataError::custom(&exact).message(), exact);
    }

    #[test]
    fn is_copy_and_small_enough_for_results() {
        fn is_copy<T: Copy>() {}
        is_copy::<DataError>();
        // Under clippy's `result_large_err` threshold, so functions that return it stay quiet.
        assert!(core::mem::size_of::<DataError>() < 128);
    }
}
