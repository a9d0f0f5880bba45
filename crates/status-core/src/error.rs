//! The one error type of the crate: what went wrong, and at which byte.

use core::fmt;

/// What went wrong. New kinds may be added in minor releases.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ErrorKind {
    /// The body holds no JSON value at all (empty, or only whitespace).
    EmptyBody,
    /// The body ends in the middle of a value: a truncated transfer.
    UnexpectedEof,
    /// The body starts with a UTF-8 byte-order mark, which RFC 8259 forbids senders to emit.
    ByteOrderMark,
    /// A byte that cannot start a JSON value (for example `<` of an HTML page).
    ExpectedValue,
    /// A misspelt `true`, `false` or `null`.
    InvalidLiteral,
    /// A number outside the RFC 8259 grammar (`+1`, `01`, `1.`, `.5`, `1e`).
    InvalidNumber,
    /// An unescaped control character (U+0000 to U+001F) inside a string.
    ControlCharacter,
    /// A backslash escape that RFC 8259 does not define, or a `\u` without four hex digits.
    InvalidEscape,
    /// A `\u` escape of a UTF-16 surrogate without its other half.
    LoneSurrogate,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// An object member must start with a string key here.
    ExpectedKey,
    /// A `:` must follow an object key here.
    ExpectedColon,
    /// A `,` or the end of the array or object must follow a value here.
    ExpectedCommaOrEnd,
    /// Something other than whitespace follows the top-level value.
    TrailingCharacters,
    /// Arrays and objects nest deeper than the configured limit.
    DepthLimitExceeded,
    /// A top-level key the decoder reads (`data` or a documented error field) appears a
    /// second time; parsers disagree on which copy wins. Other keys may repeat.
    DuplicateKey,
    /// The body is valid JSON but not an object.
    ExpectedObject,
    /// A field that the expected body shape requires is absent.
    MissingField,
    /// A field holds a JSON value of the wrong type for the body shape.
    UnexpectedType,
    /// The HTTP status is outside 100..=999.
    InvalidStatus,
    /// A timestamp that is not RFC 3339 / ISO 8601 with a UTC offset.
    InvalidTimestamp,
    /// The caller's buffer is too small for the unescaped string.
    BufferTooSmall,
    /// A number does not fit the type it is deserialized into (an integer too large or
    /// negative for its width, a float exponent beyond the type's range).
    NumberOutOfRange,
    /// A string with escapes could not be handed to its target: `&str` or `&[u8]`, which can
    /// only borrow text as written (deserialize into [`JsonStr`](crate::JsonStr)
    /// instead), or a type that copies the decoded text (`heapless::String<N>`, `char`, an enum
    /// variant name) when the decoded text is longer than
    /// [`ESCAPED_STR_CAPACITY`](crate::de::ESCAPED_STR_CAPACITY), the stack buffer it is
    /// decoded into.
    EscapedString,
    /// A value of the right type that the target type refuses (serde's `invalid_value`).
    InvalidValue,
    /// An array or object with more or fewer elements than the target type holds, such as
    /// a fixed-capacity collection that is full.
    InvalidLength,
    /// An enum variant name that the target enum does not have.
    UnknownVariant,
    /// An object key that the target struct does not have, with `deny_unknown_fields`.
    UnknownField,
    /// An object key seen twice for the same struct field.
    DuplicateField,
    /// A message from a `Deserialize` implementation; see `DataError::message`.
    Custom,
    /// An element of the streamed item array does not fit the caller's window
    /// ([`stream::PushDecoder::feed_items`](crate::stream::PushDecoder::feed_items)); the
    /// offset is its first byte that did not fit.
    ItemTooLarge,
}

impl ErrorKind {
    /// The kind as a stable `snake_case` identifier, for logs and machine-readable output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EmptyBody => "empty_body",
            Self::UnexpectedEof => "unexpected_eof",
            Self::ByteOrderMark => "byte_order_mark",
            Self::ExpectedValue => "expected_value",
            Self::InvalidLiteral => "invalid_literal",
            Self::InvalidNumber => "invalid_number",
            Self::ControlCharacter => "control_character",
            Self::InvalidEscape => "invalid_escape",
            Self::LoneSurrogate => "lone_surrogate",
            Self::InvalidUtf8 => "invalid_utf8",
            Self::ExpectedKey => "expected_key",
            Self::ExpectedColon => "expected_colon",
            Self::ExpectedCommaOrEnd => "expected_comma_or_end",
            Self::TrailingCharacters => "trailing_characters",
            Self::DepthLimitExceeded => "depth_limit_exceeded",
            Self::DuplicateKey => "duplicate_key",
            Self::ExpectedObject => "expected_object",
            Self::MissingField => "missing_field",
            Self::UnexpectedType => "unexpected_type",
            Self::InvalidStatus => "invalid_status",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::BufferTooSmall => "buffer_too_small",
            Self::NumberOutOfRange => "number_out_of_range",
            Self::EscapedString => "escaped_string",
            Self::InvalidValue => "invalid_value",
            Self::InvalidLength => "invalid_length",
            Self::UnknownVariant => "unknown_variant",
            Self::UnknownField => "unknown_field",
            Self::DuplicateField => "duplicate_field",
            Self::Custom => "custom",
            Self::ItemTooLarge => "item_too_large",
        }
    }

    /// A short human-readable description.
    pub const fn description(self) -> &'static str {
        match self {
            Self::EmptyBody => "empty body",
            Self::UnexpectedEof => "unexpected end of body",
            Self::ByteOrderMark => "byte-order mark before JSON text",
            Self::ExpectedValue => "expected a JSON value",
            Self::InvalidLiteral => "invalid literal",
            Self::InvalidNumber => "invalid number",
            Self::ControlCharacter => "unescaped control character in string",
            Self::InvalidEscape => "invalid escape sequence",
            Self::LoneSurrogate => "lone UTF-16 surrogate in \\u escape",
            Self::InvalidUtf8 => "invalid UTF-8",
            Self::ExpectedKey => "expected a string key",
            Self::ExpectedColon => "expected `:`",
            Self::ExpectedCommaOrEnd => "expected `,` or the end of the array or object",
            Self::TrailingCharacters => "trailing characters after the JSON value",
            Self::DepthLimitExceeded => "nesting depth limit exceeded",
            Self::DuplicateKey => "duplicate top-level key",
            Self::ExpectedObject => "expected a JSON object",
            Self::MissingField => "missing field",
            Self::UnexpectedType => "field has an unexpected type",
            Self::InvalidStatus => "HTTP status outside 100..=999",
            Self::InvalidTimestamp => "invalid timestamp",
            Self::BufferTooSmall => "buffer too small",
            Self::NumberOutOfRange => "number out of range for its type",
            Self::EscapedString => {
                "string has escapes and cannot be borrowed, or is too long to decode; use JsonStr"
            }
            Self::InvalidValue => "invalid value",
            Self::InvalidLength => "invalid length",
            Self::UnknownVariant => "unknown enum variant",
            Self::UnknownField => "unknown field",
            Self::DuplicateField => "duplicate field",
            Self::Custom => "rejected by the target type",
            Self::ItemTooLarge => "item larger than the window",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// A decoding error: its [`ErrorKind`] and the byte offset where it was detected.
///
/// The offset counts from the start of the input that was decoded (the body, or the string
/// for timestamps and unescaping) and is never past its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
}

impl Error {
    /// An error of `kind` at byte `offset`.
    #[inline]
    pub const fn new(kind: ErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// What went wrong.
    #[inline]
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The byte offset where it was detected.
    #[inline]
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.description(), self.offset)
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn display_names_kind_and_offset() {
        let e = Error::new(ErrorKind::InvalidNumber, 17);
        assert_eq!(e.to_string(), "invalid number at byte 17");
        assert_eq!(e.kind().as_str(), "invalid_number");
    }

    #[test]
    fn error_is_small_and_copy() {
        fn is_copy<T: Copy>() {}
        is_copy::<Error>();
        assert!(core::mem::size_of::<Error>() <= 16);
    }
}
