//! One walk over a 2xx body: the envelope is validated and `data` deserialized as it passes.

use serde::de::Deserialize;

use super::error::Failed;
use super::{from_missing, DataError, Deserializer};
use crate::api_error::ApiError;
use crate::envelope::{self, Outline};
use crate::error::{Error, ErrorKind};
use crate::error_body;
use crate::json_str::JsonStr;
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
    pub fn decode_typed<'a, T: Deserialize<'a>>(
        &self,
        status: u16,
        body: &'a [u8],
    ) -> Result<TypedReply<'a, T>, DataError> {
        if !(100..=999).contains(&status) {
            return Err(Error::new(ErrorKind::InvalidStatus, 0).into());
        }
        match Expect::for_status(status) {
            Expect::Success => {
                let text = Text::new(body)?;
                if text.utf8_error_at.is_some() {
                    // The body is malformed whatever `data` holds; report it the usual way.
                    let data = self.success(status, body)?.data_as()?;
                    return Ok(TypedReply::Success { status, data });
                }
                let data = typed_success(text.text, self.max_depth())?;
                Ok(TypedReply::Success { status, data })
            }
            _ => Ok(TypedReply::Error(error_body::read(status, body, self.max_depth()))),
        }
    }
}

/// Walks a 2xx body that is valid UTF-8 with the envelope walk that [`Decoder::decode`]
/// takes, deserializing `data` in place of validating it. Offsets count from the start of
/// `text`.
///
/// When `data` does not fit `T` the rest of the body is still validated, so that a malformed
/// body is reported as such, exactly as `decode` followed by `data_as` would.
fn typed_success<'a, T: Deserialize<'a>>(text: &'a str, max_depth: usize) -> Result<T, DataError> {
    let mut visit = TypedData { data: None, max_depth };
    match envelope::walk(text, max_depth, &mut visit)? {
        Outline::Empty => from_missing(),
        Outline::NotObject { offset } => Err(Error::new(ErrorKind::ExpectedObject, offset).into()),
        Outline::Object { .. } => visit.data.unwrap_or_else(from_missing),
    }
}

/// The envelope walk's visitor for typed decoding: `data` is deserialized where it stands,
/// every other value validated.
struct TypedData<T> {
    data: Option<Result<T, DataError>>,
    max_depth: usize,
}

impl<'a, T: Deserialize<'a>> envelope::Visit<'a> for TypedData<T> {
    type Error = DataError;

    fn value(&mut self, key: JsonStr<'a>, sc: &mut Scanner<'a>) -> Result<(), DataError> {
        if key != "data" {
            sc.value(1)?;
            return Ok(());
        }
        let start = sc.clone();
        let at = sc.pos();
        let mut quiet = Deserializer::<Failed>::new(start.clone(), 1, self.max_depth);
        let typed = match T::deserialize(&mut quiet) {
            Ok(value) => {
                *sc = quiet.into_scanner();
                Ok(value)
            }
            // Once more, to learn why.
            Err(Failed) => {
                let mut detailed = Deserializer::<DataError>::new(start.clone(), 1, self.max_depth);
                let typed = T::deserialize(&mut detailed);
                *sc = detailed.into_scanner();
                typed
            }
        };
        match typed {
            Ok(value) => self.data = Some(Ok(value)),
            Err(e) => {
                // Rewind and validate `data` so that a syntax error behind the type error
                // wins, then go on with the envelope.
                *sc = start;
                sc.value(1)?;
                self.data = Some(Err(e.at(at)));
            }
        }
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
        // One key more than the duplicate check tracks.
        let mut many = std::string::String::from("{");
        for i in 0..=crate::envelope::MAX_TOP_LEVEL_KEYS {
            let _ = write!(many, "\"k{i}\": {i},");
        }
        many.push_str("\"data\": 1}");
        same_as_decode(d, &many);
    }
}
