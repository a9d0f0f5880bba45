//! A validated JSON value, borrowed byte-exact from the body.

use core::fmt;

use crate::json_str::JsonStr;

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
/// Equality and hashing look at the text only, not at where it was found.
#[derive(Clone, Copy)]
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

    /// The value as a signed integer, when it is a number written without fraction or
    /// exponent that fits in an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        let digits = self.json.strip_prefix('-').unwrap_or(self.json);
        self.json.parse().ok().filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The value as the nearest `f64`, when it is a number (rounded correctly; a magnitude
    /// beyond `f64` gives an infinity).
    pub fn as_f64(&self) -> Option<f64> {
        match self.json_type() {
            JsonType::Number => self.json.parse().ok(),
            _ => None,
        }
    }

    /// The value as a boolean, when it is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.json {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// Whether the value is `null`.
    pub fn is_null(&self) -> bool {
        self.json == "null"
    }
}

impl PartialEq for RawJson<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

impl Eq for RawJson<'_> {}

impl core::hash::Hash for RawJson<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.json.hash(state);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> RawJson<'_> {
        RawJson::from_validated(json, 7)
    }

    #[test]
    fn scalar_accessors() {
        assert_eq!(raw("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(raw("18446744073709551616").as_u64(), None);
        assert_eq!(raw("-1").as_u64(), None);
        assert_eq!(raw("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(raw("1e3").as_i64(), None);
        assert_eq!(raw("1e3").as_f64(), Some(1000.0));
        assert_eq!(raw("\"1\"").as_f64(), None);
        assert_eq!(raw("true").as_bool(), Some(true));
        assert_eq!(raw("null").as_bool(), None);
        assert!(raw("null").is_null());
        assert_eq!(raw("\"a\\nb\"").as_json_str().unwrap(), "a\nb");
    }

    #[test]
    fn equality_ignores_the_offset() {
        assert_eq!(RawJson::from_validated("[1]", 3), RawJson::from_validated("[1]", 9));
        assert_ne!(RawJson::from_validated("[1]", 3), RawJson::from_validated("[ 1]", 3));
    }
}
