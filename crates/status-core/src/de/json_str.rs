//! [`JsonStr`] as a deserialization target: it borrows any string from this crate's
//! deserializer, escapes and all.

use core::fmt;

use serde::de::{self, Deserialize};

use crate::json_str::JsonStr;

/// Borrows a JSON string as written, escapes and all, so escaped text deserializes without an
/// allocator: `&'a str` can only borrow strings that have no escapes, `JsonStr<'a>` takes any.
///
/// From this crate's deserializer it takes every string; from another deserializer (such as
/// serde_json's) it takes the borrowed text that deserializer lends, which it can only do for
/// strings without escapes, and refuses text that holds a backslash.
impl<'de: 'a, 'a> Deserialize<'de> for JsonStr<'a> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(super::JSON_STR_TOKEN, JsonStrVisitor)
    }
}

struct JsonStrVisitor;

impl<'de> de::Visitor<'de> for JsonStrVisitor {
    type Value = JsonStr<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    /// This crate's deserializer lends the raw text between the quotes (and its offset) as a
    /// sequence; it is checked again, since anyone can build a sequence.
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut parts: A) -> Result<Self::Value, A::Error> {
        let raw: &'de str =
            parts.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        match crate::escape::string_content(raw) {
            Ok(escaped) => Ok(JsonStr::from_validated(raw, escaped)),
            Err(_) => Err(de::Error::invalid_value(de::Unexpected::Str(raw), &self)),
        }
    }

    /// Decoded text from another deserializer: a backslash in it would read as an escape.
    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        if text.contains('\\') {
            return Err(E::invalid_value(
                de::Unexpected::Str(text),
                &"decoded text without a backslash (this crate's deserializer takes any string)",
            ));
        }
        Ok(JsonStr::from_validated(text, false))
    }

    /// Text that the deserializer cannot lend (it had to decode escapes) cannot be borrowed.
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Err(E::invalid_value(
            de::Unexpected::Str(text),
            &"a string the deserializer can lend as written (this crate's deserializer always can)",
        ))
    }

    /// Other deserializers lend decoded text; a backslash in it would read as an escape.
    fn visit_newtype_struct<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}
