//! The decoder: each status tied to its body shape, and the reply it gives.

use crate::api_error::ApiError;
use crate::envelope::{self, EachMember, Known, Member, Outline};
use crate::error::{Error, ErrorKind};
use crate::error_body;
use crate::raw::RawJson;
use crate::scan::{self, Text, MAX_DEPTH};
use crate::status::Retry;

/// Decodes `(status, body)` with the default [`Decoder`].
///
/// See [`Decoder::decode`].
#[inline]
pub fn decode(status: u16, body: &[u8]) -> Result<Reply<'_>, Error> {
    Decoder::new().decode(status, body)
}

/// Decoding settings. Cheap to copy; the default suits the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decoder {
    max_depth: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// The default nesting limit: 128 arrays and objects, the envelope included.
    pub const DEFAULT_MAX_DEPTH: usize = 128;

    /// A decoder with the default limits.
    pub const fn new() -> Self {
        Self { max_depth: Self::DEFAULT_MAX_DEPTH }
    }

    /// The same decoder with another nesting limit, clamped to `1..=`[`MAX_DEPTH`].
    ///
    /// The limit counts every array and object from the top level down, so the envelope
    /// `{"data": ...}` uses one level. Depth costs no recursion: the limit exists to bound what
    /// a typed consumer of `data` will face, not to protect this decoder's stack.
    pub const fn with_max_depth(self, max_depth: usize) -> Self {
        let max_depth = if max_depth == 0 {
            1
        } else if max_depth > MAX_DEPTH {
            MAX_DEPTH
        } else {
            max_depth
        };
        Self { max_depth }
    }

    /// The nesting limit in force.
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Checks that `json` is one complete RFC 8259 JSON text within the nesting limit.
    pub fn validate(&self, json: &[u8]) -> Result<(), Error> {
        scan::validate(json, self.max_depth)
    }

    /// Decodes a reply from its HTTP status and body.
    ///
    /// - **2xx**: the body must be empty (or whitespace) or a valid JSON object; `data` is
    ///   optional and any other top-level keys are accepted. Anything else is an `Err`.
    /// - **Any other status**: always `Ok(Reply::Error(..))`. The status wins over the body:
    ///   an HTML page, an empty or truncated body, or a body of the wrong shape still gives an
    ///   [`ApiError`] that carries the status, the fields that could be read, why the body was
    ///   not recognised, and the raw bytes.
    ///
    /// The whole body is validated in every case (UTF-8, strings, numbers, nesting), and a
    /// key the decoder reads (`data`, `message`, `trace_id`, `timestamp`, `status`, `error`,
    /// `path`) seen twice at the top level is refused at its second occurrence, compared
    /// decoded. Other top-level keys may repeat, and there may be any number of them.
    /// A status outside `100..=999` is [`ErrorKind::InvalidStatus`].
    #[inline]
    pub fn decode<'a>(&self, status: u16, body: &'a [u8]) -> Result<Reply<'a>, Error> {
        match status {
            200..=299 => self.success(status, body).map(Reply::Success),
            100..=999 => Ok(Reply::Error(error_body::read(status, body, self.max_depth))),
            _ => Err(Error::new(ErrorKind::InvalidStatus, 0)),
        }
    }

    // Not inlined, as `error_body::read`: `decode` is then only the choice between them.
    #[inline(never)]
    pub(crate) fn success<'a>(&self, status: u16, body: &'a [u8]) -> Result<Success<'a>, Error> {
        let text = Text::new(body)?;
        let mut data = None;
        let mut keep = |m: Member<'a>| {
            if m.known == Some(Known::Data) {
                data = Some(RawJson::from_validated(m.value, m.value_offset));
            }
        };
        // With `small`, one copy of the walk serves this and the error bodies' reading.
        #[cfg(feature = "small")]
        let mut keep: &mut dyn FnMut(Member<'a>) = &mut keep;
        let mut keep_data = EachMember(&mut keep);
        let scanned = envelope::walk(text.text, self.max_depth, &mut keep_data);
        match text.settle(scanned)? {
            Outline::NotObject { offset } => Err(Error::new(ErrorKind::ExpectedObject, offset)),
            Outline::Empty | Outline::Object { .. } => {
                Ok(Success { status, body: text.text, data })
            }
        }
    }
}

/// A decoded reply: a success, or an error reported by the API (or something in front of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply<'a> {
    /// A 2xx status with a valid body.
    Success(Success<'a>),
    /// Any other status.
    Error(ApiError<'a>),
}

impl<'a> Reply<'a> {
    /// The HTTP status.
    pub const fn status(&self) -> u16 {
        match self {
            Self::Success(s) => s.status,
            Self::Error(e) => e.status(),
        }
    }

    /// What the caller should do.
    pub const fn retry(&self) -> Retry {
        Retry::for_status(self.status())
    }

    /// Whether this is a success.
    pub const fn is_success(&self) -> bool {
        matches!(self, Self::Success(_))
    }

    /// The reply as a `Result`, for `?`.
    // The error is a borrowed view of some 170 bytes; without an allocator there is
    // nothing to box it into, and moving it costs less than re-decoding.
    #[allow(clippy::result_large_err)]
    pub fn into_result(self) -> Result<Success<'a>, ApiError<'a>> {
        match self {
            Self::Success(s) => Ok(s),
            Self::Error(e) => Err(e),
        }
    }
}

/// A 2xx reply: its status and, when the body had one, the validated `data` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Success<'a> {
    status: u16,
    body: &'a str,
    data: Option<RawJson<'a>>,
}

impl<'a> Success<'a> {
    /// The HTTP status (200, 201, 204 ...).
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The `data` value, byte-exact; `None` for an empty body or one without `data`.
    pub const fn data(&self) -> Option<RawJson<'a>> {
        self.data
    }

    /// The whole body, validated.
    pub const fn raw_body(&self) -> &'a str {
        self.body
    }

    /// Another top-level value beside `data` (the API sometimes sends `code` and `message`).
    /// A key written more than once (one that the decoder does not read, as only those may
    /// repeat) gives its last value, as [`RawJson::member`].
    ///
    /// This walks the body again, so keep the result rather than asking twice.
    pub fn field(&self, name: &str) -> Option<RawJson<'a>> {
        RawJson::from_validated(self.body, 0).member(name)
    }
}

/// `Success(..)` or `Error(..)`, for defmt.
#[cfg(feature = "defmt")]
impl defmt::Format for Reply<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Self::Success(s) => defmt::write!(f, "Success({})", s),
            Self::Error(e) => defmt::write!(f, "Error({})", e),
        }
    }
}

/// The status and the size of `data`, for defmt (the body may be large, and is not logged).
#[cfg(feature = "defmt")]
impl defmt::Format for Success<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self.data {
            Some(data) => defmt::write!(
                f,
                "HTTP {=u16}, data of {=usize} bytes",
                self.status,
                data.get().len()
            ),
            None => defmt::write!(f, "HTTP {=u16}, no data", self.status),
        }
    }
}
