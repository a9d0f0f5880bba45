//! A non-2xx reply: [`ApiError`], the documented shapes of its body, and the fields it carried.

use crate::error::{Error, ErrorKind};
use crate::json_str::JsonStr;
use crate::log_safe::LogSafe;
use crate::status::Retry;
use crate::timestamp::Timestamp;

/// The fields an error body carried, each present only when it had the right JSON type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorFields<'a> {
    /// `message` (400/500 shape).
    pub message: Option<JsonStr<'a>>,
    /// `trace_id` (400/500 shape): quote it to support.
    pub trace_id: Option<JsonStr<'a>>,
    /// `timestamp` (403/429 shape), unparsed.
    pub timestamp: Option<JsonStr<'a>>,
    /// `status` (403/429 shape): the status the body claims, which may differ from HTTP's.
    pub status: Option<u16>,
    /// The `error` key (403/429 shape): the name of the status, such as `"Forbidden"`.
    pub error_name: Option<JsonStr<'a>>,
    /// `path` (403/429 shape): the request path.
    pub path: Option<JsonStr<'a>>,
}

/// The 400/500 body: `{"message": "...", "trace_id": "..."}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageBody<'a> {
    /// Human-readable description of the error.
    pub message: JsonStr<'a>,
    /// Identifier for diagnostics and support.
    pub trace_id: JsonStr<'a>,
}

/// The 403/429 body: `{"timestamp": "...", "status": 403, "error": "...", "path": "..."}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayBody<'a> {
    /// Time of the response (ISO 8601), as sent; see [`GatewayBody::parse_timestamp`].
    pub timestamp: JsonStr<'a>,
    /// The status the body claims.
    pub status: u16,
    /// The `error` key: the name of the status, such as `"Forbidden"` or `"Too Many Requests"`.
    pub error_name: JsonStr<'a>,
    /// The request path.
    pub path: JsonStr<'a>,
}

impl GatewayBody<'_> {
    /// Parses the timestamp. A bad timestamp leaves the rest of the body usable.
    pub fn parse_timestamp(&self) -> Result<Timestamp, Error> {
        parse_timestamp(self.timestamp)
    }
}

/// Parses a timestamp from a JSON string, escaped or not.
pub(crate) fn parse_timestamp(s: JsonStr<'_>) -> Result<Timestamp, Error> {
    if let Some(plain) = s.as_str() {
        return Timestamp::parse(plain);
    }
    // Offsets then count in the decoded text; a timestamp too long for the buffer is no
    // timestamp this parser accepts anyway.
    let mut buf = [0u8; 64];
    let text = s.unescape_into(&mut buf);
    Timestamp::parse(text.map_err(|e| Error::new(ErrorKind::InvalidTimestamp, e.offset()))?)
}

/// How an error body was understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorShape<'a> {
    /// The 400/500 shape.
    Message(MessageBody<'a>),
    /// The 403/429 shape.
    Gateway(GatewayBody<'a>),
    /// Neither: why not (the first problem found, with its offset).
    /// [`ApiError::fields`] still holds whatever fields could be read.
    Unrecognized(Error),
}

/// A non-2xx reply: the status always, and whatever the body told.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ApiError<'a> {
    status: u16,
    body: &'a [u8],
    fields: ErrorFields<'a>,
    shape: ShapeKind,
}

/// Which [`ErrorShape`] an [`ApiError`] is: its strings are in the fields already, so they are
/// not kept twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ShapeKind {
    /// `message` and `trace_id` are in the fields.
    Message,
    /// `timestamp`, `status`, `error` and `path` are in the fields.
    Gateway,
    Unrecognized(Error),
}

impl core::fmt::Debug for ApiError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("body", &self.body)
            .field("fields", &self.fields)
            .field("shape", &self.shape())
            .finish()
    }
}

impl<'a> ApiError<'a> {
    /// An error reply whose body was read as `shape`, with these fields.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) const fn new(
        status: u16,
        body: &'a [u8],
        fields: ErrorFields<'a>,
        shape: ShapeKind,
    ) -> Self {
        Self { status, body, fields, shape }
    }

    /// The HTTP status.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The raw body, as received.
    pub const fn raw_body(&self) -> &'a [u8] {
        self.body
    }

    /// What the caller should do: [`Retry::Never`] or [`Retry::Backoff`].
    pub const fn retry(&self) -> Retry {
        Retry::for_status(self.status)
    }

    /// Every known field the body carried with the right type, whatever its shape.
    pub const fn fields(&self) -> &ErrorFields<'a> {
        &self.fields
    }

    /// The body as one of the documented shapes, or why it is none of them.
    pub const fn shape(&self) -> ErrorShape<'a> {
        let f = &self.fields;
        // A shape is recognised only with its fields present: the fallbacks are never taken.
        let missing = ErrorShape::Unrecognized(Error::new(ErrorKind::MissingField, 0));
        match self.shape {
            ShapeKind::Message => match (f.message, f.trace_id) {
                (Some(message), Some(trace_id)) => {
                    ErrorShape::Message(MessageBody { message, trace_id })
                }
                _ => missing,
            },
            ShapeKind::Gateway => match (f.timestamp, f.status, f.error_name, f.path) {
                (Some(timestamp), Some(status), Some(error_name), Some(path)) => {
                    ErrorShape::Gateway(GatewayBody { timestamp, status, error_name, path })
                }
                _ => missing,
            },
            ShapeKind::Unrecognized(reason) => ErrorShape::Unrecognized(reason),
        }
    }

    /// Why the body matched no documented shape, when it did not.
    pub const fn unrecognized_reason(&self) -> Option<Error> {
        match self.shape {
            ShapeKind::Unrecognized(reason) => Some(reason),
            _ => None,
        }
    }

    /// `message`, when the body had one.
    pub const fn message(&self) -> Option<JsonStr<'a>> {
        self.fields.message
    }

    /// `trace_id`, when the body had one.
    pub const fn trace_id(&self) -> Option<JsonStr<'a>> {
        self.fields.trace_id
    }

    /// The body's `error` key, the name of the status such as `"Forbidden"`, when it had one.
    pub const fn error_name(&self) -> Option<JsonStr<'a>> {
        self.fields.error_name
    }

    /// `path`, when the body had one.
    pub const fn path(&self) -> Option<JsonStr<'a>> {
        self.fields.path
    }

    /// The `status` the body claims, when it had one; it may differ from [`Self::status`].
    pub const fn body_status(&self) -> Option<u16> {
        self.fields.status
    }

    /// Whether the body claims a status other than the HTTP status.
    pub const fn status_mismatch(&self) -> bool {
        matches!(self.fields.status, Some(s) if s != self.status)
    }

    /// The body's `timestamp`, parsed; `None` without one, `Some(Err)` when it is malformed.
    pub fn timestamp(&self) -> Option<Result<Timestamp, Error>> {
        self.fields.timestamp.map(parse_timestamp)
    }
}

impl core::fmt::Display for ApiError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        let fl = &self.fields;
        if let Some(error) = fl.error_name {
            write!(f, " {}", LogSafe::json(error))?;
        }
        if let Some(message) = fl.message {
            write!(f, ": {}", LogSafe::json(message))?;
        }
        if let Some(path) = fl.path {
            write!(f, " (path {})", LogSafe::json(path))?;
        }
        if let Some(trace_id) = fl.trace_id {
            write!(f, " [trace_id {}]", LogSafe::json(trace_id))?;
        }
        if let ShapeKind::Unrecognized(reason) = self.shape {
            write!(f, " (unrecognised body: {reason})")?;
        }
        Ok(())
    }
}

impl core::error::Error for ApiError<'_> {}

/// The same text as `Display`, for defmt: the strings as the body wrote them (JSON-escaped,
/// so they cannot break a log line).
#[cfg(feature = "defmt")]
impl defmt::Format for ApiError<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "HTTP {=u16}", self.status);
        let fl = &self.fields;
        if let Some(error) = fl.error_name {
            defmt::write!(f, " {=str}", error.raw());
        }
        if let Some(message) = fl.message {
            defmt::write!(f, ": {=str}", message.raw());
        }
        if let Some(path) = fl.path {
            defmt::write!(f, " (path {=str})", path.raw());
        }
        if let Some(trace_id) = fl.trace_id {
            defmt::write!(f, " [trace_id {=str}]", trace_id.raw());
        }
        if let ShapeKind::Unrecognized(reason) = self.shape {
            defmt::write!(f, " (unrecognized body: {})", reason);
        }
    }
}
