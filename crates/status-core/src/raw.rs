//! A validated JSON value, borrowed byte-exact from the body.

use core::fmt;

use crate::string::JsonStr;

/// The type of a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonType {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// `"..."`
    String,
    /// `-1.5e3`
    Number,
    /// `true` or `false`
    Bool,
    /// `null`
    Null,
}

/// One complete JSON value that has been validated, as written in the body.
///
/// The text is byte-exact (whitespace inside the value included), so it can be forwarded,
/// hashed or stored as received, or deserialized later without validating again.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawJson<'a> {
    json: &'a str,
    offset: usize,
}

impl<'a> RawJson<'a> {
    /// Wraps a value the scanner validated, found at `offset` in the body.
    pub(crate) const fn from_validated(json: &'a str, offset: usize) -> Self {
        Self { json, offset }
    }

    /// The value's JSON text.
    #[inline]
    pub const fn get(&self) -> &'a str {
        self.json
    }

    /// The value's JSON text as bytes.
    #[inline]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.json.as_bytes()
    }

    /// Where the value starts in the body.
    #[inline]
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The value's type, from its first byte.
    pub fn json_type(&self) -> JsonType {
        match self.json.as_bytes().first() {
            Some(b'{') => JsonType::Object,
            Some(b'[') => JsonType::Array,
            Some(b'"') => JsonType::String,
            Some(b't' | b'f') => JsonType::Bool,
            Some(b'n') => JsonType::Null,
            _ => JsonType::Number,
        }
    }

    /// The value as a string, when it is one.
    pub fn as_json_str(&self) -> Option<JsonStr<'a>> {
        let inner = self.json.strip_prefix('"')?.strip_suffix('"')?;
        Some(JsonStr::from_validated(inner, inner.contains('\\')))
    }

    /// The value as an unsigned integer, when it is a number written without fraction or
    /// exponent that fits in a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        self.json.parse().ok().filter(|_| self.json.bytes().all(|b| b.is_ascii_digit()))
    }
}

impl fmt::Display for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json)
    }
}

impl fmt::Debug for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({} at {})", self.json, self.offset)
    }
}
