//! [`RawJson`] as a field type: a value kept as validated text, to deserialize later.

use core::fmt;
use core::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, UsizeDeserializer};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, SeqAccess, Unexpected, Visitor};

use super::error::Failure;
use crate::raw::RawJson;
use crate::scan::{self, MAX_DEPTH};

/// The newtype name through which [`RawJson`] asks this crate's deserializer for a value's
/// text and offset.
pub(crate) const RAW_JSON_TOKEN: &str = "$status_core::private::RawJson";

/// Keeps a value as its validated JSON text, with its offset in the body, so that it can be
/// deserialized later with [`from_raw`](crate::from_raw): the allocation-free way to read a
/// tag first and its payload after (what `#[serde(tag = "...")]` would do with an allocator).
///
/// ```
/// use serde::Deserialize;
/// use status_core::{from_raw, RawJson};
///
/// #[derive(Deserialize)]
/// struct Event<'a> {
///     kind: &'a str,
///     #[serde(borrow)]
///     payload: RawJson<'a>,
/// }
/// #[derive(Deserialize)]
/// struct Progress {
///     percent: u8,
/// }
///
/// let event: Event<'_> = status_core::de::from_str(r#"{"payload": {"percent": 40}, "kind": "progress"}"#)?;
/// assert_eq!(event.payload.get(), r#"{"percent": 40}"#);
/// if event.kind == "progress" {
///     let p: Progress = from_raw(event.payload)?;
///     assert_eq!(p.percent, 40);
/// }
/// # Ok::<(), status_core::DataError>(())
/// ```
///
/// Only this crate's deserializer can lend a value's raw text; others are refused.
impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(RAW_JSON_TOKEN, RawJsonVisitor)
    }
}

struct RawJsonVisitor;

impl<'de> Visitor<'de> for RawJsonVisitor {
    type Value = RawJson<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value read by status_core's deserializer")
    }

    /// The text and its offset, as this crate's deserializer hands them over.
    fn visit_seq<A: SeqAccess<'de>>(self, mut parts: A) -> Result<Self::Value, A::Error> {
        let json: &'de str =
            parts.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let offset: usize =
            parts.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
        // A `RawJson` promises valid JSON whoever built the sequence; this deserializer's
        // values pass, having been scanned already.
        if scan::validate(json.as_bytes(), MAX_DEPTH).is_err() {
            return Err(de::Error::invalid_value(Unexpected::Str(json), &self));
        }
        Ok(RawJson::from_validated(json, offset))
    }
}

/// The two parts of a captured value, as a sequence: its text, then its offset.
pub(crate) struct RawParts<'a, E> {
    json: Option<&'a str>,
    offset: Option<usize>,
    error: PhantomData<fn() -> E>,
}

impl<'a, E> RawParts<'a, E> {
    pub(crate) fn new(json: &'a str, offset: usize) -> Self {
        Self { json: Some(json), offset: Some(offset), error: PhantomData }
    }
}

impl<'a, E: Failure> SeqAccess<'a> for RawParts<'a, E> {
    type Error = E;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        if let Some(json) = self.json.take() {
            return seed.deserialize(BorrowedStrDeserializer::new(json)).map(Some);
        }
        match self.offset.take() {
            Some(offset) => seed.deserialize(UsizeDeserializer::new(offset)).map(Some),
            None => Ok(None),
        }
    }
}
