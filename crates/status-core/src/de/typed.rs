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
    /// than returning it, which saves the moves of `T` through the reply. The code serde
    /// derives still moves `T` on its way out; for a cost that follows the body and not the
    /// size of `T`, see [`decode_typed_in_place`](Self::decode_typed_in_place).
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
        let reply = self.typed_reply(status, body, &mut *data);
        if reply.is_err() {
            *data = None;
        }
        reply
    }

    /// [`decode_typed_into`](Self::decode_typed_into) for a `place` that already holds a
    /// `T`, deserialized with serde's `Deserialize::deserialize_in_place`: a type derived with
    /// serde_derive's `deserialize_in_place` feature writes each field where it stands, so
    /// its own fields are never copied (a field type without an in-place impl, such as
    /// `heapless::Vec`, is still built and moved into its field once).
    ///
    /// The reply and the errors are exactly those of `decode_typed`. On
    /// `Ok(TypedReply::Success { .. })`, `place` holds `data`; otherwise it holds some valid
    /// value that should not be read (serde's contract for a failed in-place deserialization;
    /// an error reply leaves it as it was).
    pub fn decode_typed_in_place<'a, T: Deserialize<'a>>(
        &self,
        status: u16,
        body: &'a [u8],
        place: &mut T,
    ) -> Result<TypedReply<'a, ()>, DataError> {
        self.typed_reply(status, body, &mut InPlace { place, filled: false })
    }

    /// The typed reply, with a success's `data` put into `slot`.
    fn typed_reply<'a, S: Slot<'a>>(
        &self,
        status: u16,
        body: &'a [u8],
        mut slot: S,
    ) -> Result<TypedReply<'a, ()>, DataError> {
        if !(100..=999).contains(&status) {
            return Err(Error::new(ErrorKind::InvalidStatus, 0).into());
        }
        match Expect::for_status(status) {
            Expect::Success => {
                let text = Text::new(body)?;
                if text.utf8_error_at.is_some() {
                    // The body is malformed whatever `data` holds; report it the usual way.
                    return not_utf8(self, status, body, &mut slot);
                }
                typed_success(text.text, self.max_depth(), slot)?;
                Ok(TypedReply::Success { status, data: () })
            }
            _ => Ok(TypedReply::Error(error_body::read(status, body, self.max_depth()))),
        }
    }
}

/// Where typed decoding puts `data`: a fresh value into an `Option`, or in place.
trait Slot<'a> {
    type T: Deserialize<'a>;
    /// Deserializes `data` into the slot.
    fn fill<D: serde::Deserializer<'a>>(&mut self, de: D) -> Result<(), D::Error>;
    /// Puts a value built elsewhere (the second, explaining walk; an absent `data`).
    fn set(&mut self, value: Self::T);
    fn is_filled(&self) -> bool;
}

impl<'a, T: Deserialize<'a>> Slot<'a> for &mut Option<T> {
    type T = T;
    #[inline]
    fn fill<D: serde::Deserializer<'a>>(&mut self, de: D) -> Result<(), D::Error> {
        // The value goes from serde's return slot into the caller's, and nowhere else.
        **self = Some(T::deserialize(de)?);
        Ok(())
    }
    fn set(&mut self, value: T) {
        **self = Some(value);
    }
    fn is_filled(&self) -> bool {
        self.is_some()
    }
}

/// The caller's `T`, written through serde's in-place deserialization.
struct InPlace<'p, T> {
    place: &'p mut T,
    filled: bool,
}

impl<'a, T: Deserialize<'a>> Slot<'a> for &mut InPlace<'_, T> {
    type T = T;
    #[inline]
    fn fill<D: serde::Deserializer<'a>>(&mut self, de: D) -> Result<(), D::Error> {
        T::deserialize_in_place(de, self.place)?;
        self.filled = true;
        Ok(())
    }
    fn set(&mut self, value: T) {
        *self.place = value;
        self.filled = true;
    }
    fn is_filled(&self) -> bool {
        self.filled
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
fn typed_success<'a, S: Slot<'a>>(
    text: &'a str,
    max_depth: usize,
    slot: S,
) -> Result<(), DataError> {
    let mut visit = TypedData { slot, failed: None, max_depth };
    let outline = envelope::walk(text, max_depth, &mut visit)?;
    if let Some(e) = visit.failed {
        return Err(e);
    }
    match outline {
        Outline::NotObject { offset } => Err(Error::new(ErrorKind::ExpectedObject, offset).into()),
        Outline::Empty | Outline::Object { .. } if !visit.slot.is_filled() => {
            fill_missing(&mut visit.slot)
        }
        Outline::Empty | Outline::Object { .. } => Ok(()),
    }
}

// The paths below build a `T` by value. Out of line, so that the frame of the usual path holds
// no room for a `T` of its own: with a large `T`, that room is the stack that in-place
// decoding saves.

/// A 2xx body that is not UTF-8: the error `decode` gives (a `T` only if `decode` found none).
#[cold]
#[inline(never)]
fn not_utf8<'a, S: Slot<'a>>(
    decoder: &Decoder,
    status: u16,
    body: &'a [u8],
    slot: &mut S,
) -> Result<TypedReply<'a, ()>, DataError> {
    slot.set(decoder.success(status, body)?.data_as()?);
    Ok(TypedReply::Success { status, data: () })
}

/// A body without `data`: `T` as serde reads an absent value (`Option<T>` is `None`).
#[cold]
#[inline(never)]
fn fill_missing<'a, S: Slot<'a>>(slot: &mut S) -> Result<(), DataError> {
    slot.set(from_missing()?);
    Ok(())
}

/// The envelope walk's visitor for typed decoding: `data` is deserialized where it stands,
/// straight into the caller's slot, and every other value validated.
struct TypedData<S> {
    slot: S,
    /// Why `data` did not fit `T`, when it did not; the walk goes on to find syntax errors.
    failed: Option<DataError>,
    max_depth: usize,
}

impl<'a, S: Slot<'a>> envelope::Visit<'a> for TypedData<S> {
    type Error = DataError;

    fn value(&mut self, known: Option<Known>, sc: &mut Scanner<'a>) -> Result<(), DataError> {
        if known != Some(Known::Data) {
            sc.value(1)?;
            return Ok(());
        }
        let mut quiet = Deserializer::<Failed>::new(sc.clone(), 1, self.max_depth);
        match self.slot.fill(&mut quiet) {
            Ok(()) => {
                *sc = quiet.into_scanner();
                Ok(())
            }
            Err(Failed) => self.explain(sc),
        }
    }
}

impl<'a, S: Slot<'a>> TypedData<S> {
    /// `data` did not fit `T`: deserializes it once more to learn why, then validates it, so
    /// that a syntax error behind the type error wins, and leaves the cursor after it.
    #[cold]
    #[inline(never)]
    fn explain(&mut self, sc: &mut Scanner<'a>) -> Result<(), DataError> {
        let at = sc.pos();
        let mut detailed = Deserializer::<DataError>::new(sc.clone(), 1, self.max_depth);
        let error = match S::T::deserialize(&mut detailed) {
            Err(e) => e.at(at),
            // The second walk succeeded where the first failed (a `Deserialize` impl that
            // recovers from errors, or has side effects): keep its value.
            Ok(value) => {
                self.slot.set(value);
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
