//! One walk over a 2xx body: the envelope is validated and `data` deserialized as it passes.

use serde::de::Deserialize;

use super::error::Failed;
use super::{from_missing, DataError, Deserializer};
use crate::error::ErrorKind;
use crate::reply::ApiError;
use crate::scan::{KeySet, Scanner};
use crate::status::Retry;
use crate::Decoder;

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
// `ApiError` is a few hundred bytes of borrowed view; without an allocator there is nothing to
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
    // The error is a borrowed view of a few hundred bytes; without an allocator there is
    // nothing to box it into.
    #[allow(clippy::result_large_err)]
    pub fn into_result(self) -> Result<T, ApiError<'a>> {
        match self {
            Self::Success { data, .. } => Ok(data),
            Self::Error(e) => Err(e),
        }
    }
}

/// Walks a 2xx body that is valid UTF-8: the top-level object is checked as the two-pass
/// decoder checks it (keys, duplicates, every value), and `data` is deserialized in place of
/// being validated. Offsets count from the start of `text`.
///
/// When `data` does not fit `T` the rest of the body is still validated, so that a malformed
/// body is reported as such, exactly as `decode` followed by `data_as` would.
pub(crate) fn typed_success<'a, T: Deserialize<'a>>(
    text: &'a str,
    max_depth: usize,
) -> Result<T, DataError> {
    let mut sc = Scanner::new(text, max_depth);
    match sc.skip_ws() {
        None => return from_missing(),
        Some(b'{') => sc.bump(),
        Some(_) => {
            // As `decode` does: a body that is not JSON at all says so, before "not an object".
            let at = sc.pos();
            sc.value(0)?;
            sc.finish()?;
            return Err(crate::Error::new(ErrorKind::ExpectedObject, at).into());
        }
    }
    let mut keys = KeySet::new();
    let mut data: Option<Result<T, DataError>> = None;
    if sc.skip_ws() == Some(b'}') {
        sc.bump();
        sc.finish()?;
        return from_missing();
    }
    loop {
        let key_offset = match sc.skip_ws() {
            Some(b'"') => sc.pos(),
            Some(_) => return Err(sc.error_here(ErrorKind::ExpectedKey).into()),
            None => return Err(sc.error_here(ErrorKind::UnexpectedEof).into()),
        };
        let key = sc.string()?;
        keys.insert(key, key_offset)?;
        match sc.skip_ws() {
            Some(b':') => sc.bump(),
            Some(_) => return Err(sc.error_here(ErrorKind::ExpectedColon).into()),
            None => return Err(sc.error_here(ErrorKind::UnexpectedEof).into()),
        }
        sc.skip_ws();
        if key == "data" {
            let start = sc.fork();
            let at = sc.pos();
            let mut quiet = Deserializer::<Failed>::new(sc, 1, max_depth);
            let typed = match T::deserialize(&mut quiet) {
                Ok(value) => {
                    sc = quiet.into_scanner();
                    Ok(value)
                }
                // Once more, to learn why.
                Err(Failed) => {
                    let mut detailed = Deserializer::<DataError>::new(start.fork(), 1, max_depth);
                    let typed = T::deserialize(&mut detailed);
                    sc = detailed.into_scanner();
                    typed
                }
            };
            match typed {
                Ok(value) => data = Some(Ok(value)),
                Err(e) => {
                    // Rewind and validate `data` so that a syntax error behind the type
                    // error wins, then go on with the envelope.
                    sc = start;
                    sc.value(1)?;
                    data = Some(Err(e.at(at)));
                }
            }
        } else {
            sc.value(1)?;
        }
        match sc.skip_ws() {
            Some(b',') => sc.bump(),
            Some(b'}') => {
                sc.bump();
                sc.finish()?;
                break;
            }
            Some(_) => return Err(sc.error_here(ErrorKind::ExpectedCommaOrEnd).into()),
            None => return Err(sc.error_here(ErrorKind::UnexpectedEof).into()),
        }
    }
    data.unwrap_or_else(from_missing)
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
        for i in 0..=crate::MAX_TOP_LEVEL_KEYS {
            let _ = write!(many, "\"k{i}\": {i},");
        }
        many.push_str("\"data\": 1}");
        same_as_decode(d, &many);
    }
}
