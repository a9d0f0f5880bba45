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

mod access;
mod deserializer;
mod dispatch;
mod error;
#[cfg(feature = "heapless")]
mod in_place;
mod json_str;
mod lenient;
mod map_key;
mod number;
mod raw;
mod typed;

use serde::de;

pub use self::error::{DataError, MESSAGE_CAPACITY};
use self::error::{Failed, Failure};
#[cfg(feature = "heapless")]
pub use self::in_place::InPlaceVec;
pub use self::lenient::{int_or_string, IntOrString};
pub use self::typed::{decode_typed, decode_typed_into, TypedReply};

pub(crate) use self::deserializer::Deserializer;
use crate::error::ErrorKind;
use crate::raw::RawJson;
use crate::reply::{Decoder, Success};
use crate::scan::{self, Scanner, Text, MAX_DEPTH};

/// The longest escaped string (once decoded) that can be handed to a type which copies it,
/// such as `heapless::String<N>`, `char` or an enum variant name: it is decoded into a buffer
/// of this many bytes on the stack. Longer escaped strings fail with
/// [`ErrorKind::EscapedString`]; [`JsonStr`](crate::JsonStr) takes them at any length.
pub const ESCAPED_STR_CAPACITY: usize = 256;

/// The newtype name through which [`JsonStr`](crate::JsonStr) asks this deserializer for the raw string.
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
        return Err(reason.unwrap_or(crate::error::Error::new(ErrorKind::InvalidUtf8, at)).into());
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
