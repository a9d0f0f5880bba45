//! One walk over a 2xx body: the envelope is validated and `data` deserialized as it passes.

use serde::de::Deserialize;

use super::error::Failed;
use super::{from_missing, DataError, Deserializer};
use crate::api_error::ApiError;
use crate::envelope::{self, Known, Outline};
use crate::error::{Error, ErrorKind};
use crate::error_body;
use crate::reply::Decoder;
use crate::scan::{Scanner, Text};
use crate::status::{Expect, Retry};

/// Decodes `(status, body)` with the default [`Decoder`], typing `data` as `T` in the same
/// walk. See [`Decoder::decode_typed`].
pub fn decode_typed<'a, T: Deserialize<'a>>(
    status: u16,
    body: &'a [u8],
) -> Result<TypedReply<'a, T>, DataError> {
    Decoder::new().decode_typed(status, body)
}

/// A reply whose `data` was deserialized while the body was validated.
///
/// Made by [`Decoder::decode_typed`]; the error side is the same [`ApiError`] as
/// [`Reply::Error`](crate::Reply::Error).
// `ApiError` is a borrowed view of some 170 bytes; without an allocator there is nothing to
// box it into.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedReply<'a, T> {
    /// A 2xx status with a valid body whose `data` is a `T`.
    Success {
        /// The HTTP status.
        status: u16,
        /// `data`, deserialized; an absent `data` reads as `null`.
        data: T,
    },
    /// Any other status.
    Error(ApiError<'a>),
}

impl<'a, T> TypedReply<'a, T> {
    /// The HTTP status.
    pub const fn status(&self) -> u16 {
        match self {
            Self::Success { status, .. } => *status,
            Self::Error(e) => e.status(),
        }
    }

    /// What the caller should do.
    pub const fn retry(&self) -> Retry {
        Retry::for_status(self.status())
    }

    /// Whether this is a success.
    pub const fn is_success(&self) -> bool {
        matches!(self, Self::Success { .. })
    }

    /// The reply as a `Result` of the typed `data`, for `?`.
    // The error is a borrowed view of some 170 bytes; without an allocator there is nothing
    // to box it into.
    #[allow(clippy::result_large_err)]
    pub fn into_result(self) -> Result<T, ApiError<'a>> {
        match self {
            Self::Success { data, .. } => Ok(data),
            Self::Error(e) => Err(e),
        }
    }
}

/// Decodes `(status, body)` with the default [`Decoder`], deserializing a success's `data`
/// straight into `data`. See [`Decoder::decode_typed_into`].
pub fn decode_typed_into<'a, T: Deserialize<'a>>(
    status: u16,
    body: &'a [u8],
    data: &mut Option<T>,
) -> Result<TypedReply<'a, ()>, DataError> {
    Decoder::new().decode_typed_into(status, body, data)
}

/// `Success { status, data }` or `Error(..)`, for defmt.
#[cfg(feature = "defmt")]
impl<T: defmt::Format> defmt::Format for TypedReply<'_, T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Self::Success { status, data } => {
                defmt::write!(f, "Success {{ status: {=u16}, data: {} }}", status, data);
            }
            Self::Error(e) => defmt::write!(f, "Error({})", e),
        }
    }
}

/// Decoding with `data` typed in the same walk.
impl Decoder {
    /// Decodes a reply and deserializes a success's `data` as `T` in the same walk over the
    /// body, where [`decode`](Self::decode) then [`Success::data_as`](crate::Success::data_as) walk `data` twice.
    ///
    /// The body is validated exactly as [`decode`](Self::decode) validates it, and the result
    /// is the same as theirs: a malformed body is reported as such even when `data` also has
    /// the wrong shape, and an absent `data` reads as `null` (so `Option<T>` is `None`).
    /// Non-2xx statuses give [`TypedReply::Error`] with the same [`ApiError`] as `decode`.
    /// The depth limit bounds the deserializer's recursion too. When `data` does not decode,
    /// `T` is deserialized a second time to say why (see [`de`](crate::de)).
    ///
    /// The reply holds the `T`, so it is moved into place once; for a large `T` (a
    /// `heapless::Vec` with room for thousands of items) prefer
    /// [`decode_typed_into`](Self::decode_typed_into), which writes it where the caller keeps it.
    pub fn decode_typed<'a, T: Deserialize<'a>>(
        &self,
        status: u16,
        body: &'a [u8],
    ) -> Result<TypedReply<'a, T>, DataError> {
        let mut data = None;
        match self.decode_typed_into(status, body, &mut data)? {
            TypedReply::Error(e) => Ok(TypedReply::Error(e)),
            TypedReply::Success { status, .. } => match data {
                Some(data) => Ok(TypedReply::Success { status, data }),
                // `decode_typed_into` fills `data` whenever it gives a success.
                None => Err(Error::new(ErrorKind::MissingField, 0).into()),
            },
        }
    }

    /// [`decode_typed`](Self::decode_typed), writing `data` into the caller's `data` rather
    /// than returning it: `T` is deserialized in place, so its cost follows the body, not the
    /// size of `T`, and a large `T` takes its room on the stack once.
    ///
    /// On `Ok(TypedReply::Success { .. })`, `data` is `Some`; after an error reply or an `Err`
    /// it is `None` (whatever it held before is dropped first). The reply and the errors are
    /// exactly those of `decode_typed`.
    pub fn decode_typed_into<'a, T: Deserialize<'a>>(
        &self,
        status: u16,
        body: &'a [u8],
        data: &mut Option<T>,
    ) -> Result<TypedReply<'a, ()>, DataError> {
        *data = None;
        if !(100..=999).contains(&status) {
            return Err(Error::new(ErrorKind::InvalidStatus, 0).into());
        }
        match Expect::for_status(status) {
            Expect::Success => {
                let text = Text::new(body)?;
                if text.utf8_error_at.is_some() {
                    // The body is malformed whatever `data` holds; report it the usual way.
                    *data = Some(self.success(status, body)?.data_as()?);
                } else if let Err(e) = typed_success(text.text, self.max_depth(), data) {
                    *data = None;
                    return Err(e);
                }
                Ok(TypedReply::Success { status, data: () })
            }
            _ => Ok(TypedReply::Error(error_body::read(status, body, self.max_depth()))),
        }
    }
}

/// Walks a 2xx body that is valid UTF-8 with the envelope walk that [`Decoder::decode`]
/// takes, deserializing `data` into `slot` in place of validating it. Offsets count from the
/// start of `text`.
///
/// When `data` does not fit `T` the rest of the body is still validated, so that a malformed
/// body is reported as such, exactly as `decode` followed by `data_as` would.
// Not inlined into each entry point: one copy per `T`.
#[inline(never)]
fn typed_success<'a, T: Deserialize<'a>>(
    text: &'a str,
    max_depth: usize,
    slot: &mut Option<T>,
) -> Result<(), DataError> {
    let mut visit = TypedData { slot, failed: None, max_depth };
    let outline = envelope::walk(text, max_depth, &mut visit)?;
    if let Some(e) = visit.failed {
        return Err(e);
    }
    match outline {
        Outline::NotObject { offset } => Err(Error::new(ErrorKind::ExpectedObject, offset).into()),
        Outline::Empty | Outline::Object { .. } if visit.slot.is_none() => {
            *visit.slot = Some(from_missing()?);
            Ok(())
        }
        Outline::Empty | Outline::Object { .. } => Ok(()),
    }
}

/// The envelope walk's visitor for typed decoding: `data` is deserialized where it stands,
/// straight into the caller's slot, and every other value validated.
struct TypedData<'s, T> {
    slot: &'s mut Option<T>,
    /// Why `data` did not fit `T`, when it did not; the walk goes on to find syntax errors.
    failed: Option<DataError>,
    max_depth: usize,
}

impl<'a, T: Deserialize<'a>> envelope::Visit<'a> for TypedData<'_, T> {
    type Error = DataError;

    fn value(&mut self, known: Option<Known>, sc: &mut Scanner<'a>) -> Result<(), DataError> {
        if known != Some(Known::Data) {
            sc.value(1)?;
            return Ok(());
        }
        let mut quiet = Deserializer::<Failed>::new(sc.clone(), 1, self.max_depth);
        match T::deserialize(&mut quiet) {
            // The value goes from serde's return slot into the caller's, and nowhere else.
            Ok(value) => {
                *self.slot = Some(value);
                *sc = quiet.into_scanner();
                Ok(())
            }
            Err(Failed) => self.explain(sc),
        }
    }
}

impl<'a, T: Deserialize<'a>> TypedData<'_, T> {
    /// `data` did not fit `T`: deserializes it once more to learn why, then validates it, so
    /// that a syntax error behind the type error wins, and leaves the cursor after it.
    #[cold]
    #[inline(never)]
    fn explain(&mut self, sc: &mut Scanner<'a>) -> Result<(), DataError> {
        let at = sc.pos();
        let mut detailed = Deserializer::<DataError>::new(sc.clone(), 1, self.max_depth);
        let error = match T::deserialize(&mut detailed) {
            Err(e) => e.at(at),
            // The second walk succeeded where the first failed (a `Deserialize` impl that
            // recovers from errors, or has side effects): keep its value.
            Ok(value) => {
                *self.slot = Some(value);
                *sc = detailed.into_scanner();
                return Ok(());
            }
        };
        sc.value(1)?;
        self.failed = Some(error);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write as _;
    use serde::de::IgnoredAny;

    /// The one-walk envelope refuses what `decode` refuses, with the same error.
    fn same_as_decode(decoder: Decoder, body: &str) {
        let typed = decoder.decode_typed::<Option<IgnoredAny>>(200, body.as_bytes());
        let decoded = decoder.decode(200, body.as_bytes());
        match decoded {
            Ok(_) => assert!(typed.is_ok(), "{body}: {typed:?}"),
            Err(e) => assert_eq!(typed.map(drop).map_err(|t| t.error()), Err(e), "{body}"),
        }
    }

    #[test]
    fn envelope_rules_match_the_two_pass_decoder() {
        let d = Decoder::new();
        for body in [
            r#"{"data": 1, "d\u0061ta": 2}"#,
            r#"{"a": 1, "a": 2}"#,
            r#"{"data" 1}"#,
            r#"{"data": 1,}"#,
            r#"{"data": 1"#,
            r#"{1: 2}"#,
            r#"[1]"#,
            r#"{} {}"#,
            "",
            "  {}  ",
            r#"{"data": {"x": [1, 2, {"y": "\ud83d\ude00"}]}, "code": "0"}"#,
        ] {
            same_as_decode(d, body);
        }
        same_as_decode(Decoder::new().with_max_depth(1), r#"{"data": []}"#);
        same_as_decode(Decoder::new().with_max_depth(2), r#"{"data": [[]]}"#);
        same_as_decode(Decoder::new().with_max_depth(2), r#"{"data": [], "x": [[]]}"#);
        // Repeated unknown keys and many keys are accepted; a repeated error field is refused
        // under a 2xx status too.
        same_as_decode(d, r#"{"a": 1, "data": 2, "a": 3}"#);
        same_as_decode(d, r#"{"a": 1, "data": 2, "m\u0065ssage": 3, "message": 4}"#);
        let mut many = std::string::String::from("{");
        for i in 0..100 {
            let _ = write!(many, "\"k{i}\": {i},");
        }
        many.push_str("\"data\": 1}");
        same_as_decode(d, &many);
        let typed = |body: &str| {
            d.decode_typed::<u8>(200, body.as_bytes())
                .map(|r| r.into_result().ok())
                .map_err(|e| e.error())
        };
        assert_eq!(typed(&many), Ok(Some(1)));
        let twice = r#"{"a": 1, "data": 2, "m\u0065ssage": 3, "message": 4}"#;
        assert_eq!(typed(twice).map(drop), Err(Error::new(ErrorKind::DuplicateKey, 39)));
    }
}
