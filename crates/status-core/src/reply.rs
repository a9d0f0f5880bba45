//! The body shapes, and the decoder that ties each status to its shape.

#[cfg(feature = "serde")]
use crate::de::{DataError, TypedReply};
use crate::error::{Error, ErrorKind};
use crate::log_safe::LogSafe;
use crate::raw::RawJson;
use crate::scan::{self, Member, Outline, Scanner, Text, MAX_DEPTH};
use crate::simd;
use crate::status::{Expect, Retry};
use crate::string::JsonStr;
use crate::timestamp::Timestamp;

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
    /// The whole body is validated in every case (UTF-8, strings, numbers, nesting), a key
    /// seen twice at the top level is refused at its second occurrence, and at most
    /// [`MAX_TOP_LEVEL_KEYS`](crate::MAX_TOP_LEVEL_KEYS) top-level keys are accepted.
    /// A status outside `100..=999` is [`ErrorKind::InvalidStatus`].
    #[inline]
    pub fn decode<'a>(&self, status: u16, body: &'a [u8]) -> Result<Reply<'a>, Error> {
        match status {
            200..=299 => self.success(status, body).map(Reply::Success),
            100..=999 => Ok(Reply::Error(self.api_error(status, body))),
            _ => Err(Error::new(ErrorKind::InvalidStatus, 0)),
        }
    }

    /// The error reply for a status outside 2xx.
    // Not inlined: the reply is then built where `decode` returns it.
    #[inline(never)]
    fn api_error<'a>(&self, status: u16, body: &'a [u8]) -> ApiError<'a> {
        let expect = Expect::for_status(status);
        // The documented bodies as the API writes them take a one-pass path; every other body,
        // the general scan, which gives the same answer for those.
        match expect {
            Expect::Message => {
                if let Some(s) = documented_message(body) {
                    let fields = ErrorFields {
                        message: Some(s.get(0)),
                        trace_id: Some(s.get(1)),
                        ..ErrorFields::default()
                    };
                    return ApiError { status, body, fields, shape: Shape::Message };
                }
            }
            Expect::Gateway => {
                if let Some((s, body_status)) = documented_gateway(body) {
                    let fields = ErrorFields {
                        timestamp: Some(s.get(0)),
                        status: Some(body_status),
                        error_name: Some(s.get(1)),
                        path: Some(s.get(2)),
                        ..ErrorFields::default()
                    };
                    return ApiError { status, body, fields, shape: Shape::Gateway };
                }
            }
            Expect::Success | Expect::AnyError => {}
        }
        self.any_api_error(status, body, expect)
    }

    /// Decodes a reply and deserializes a success's `data` as `T` in the same walk over the
    /// body, where [`decode`](Self::decode) then [`Success::data_as`] walk `data` twice.
    ///
    /// The body is validated exactly as [`decode`](Self::decode) validates it, and the result
    /// is the same as theirs: a malformed body is reported as such even when `data` also has
    /// the wrong shape, and an absent `data` reads as `null` (so `Option<T>` is `None`).
    /// Non-2xx statuses give [`TypedReply::Error`] with the same [`ApiError`] as `decode`.
    /// The depth limit bounds the deserializer's recursion too. When `data` does not decode,
    /// `T` is deserialized a second time to say why (see [`de`](crate::de)).
    #[cfg(feature = "serde")]
    pub fn decode_typed<'a, T: serde::Deserialize<'a>>(
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
                let data = crate::de::typed_success(text.text, self.max_depth)?;
                Ok(TypedReply::Success { status, data })
            }
            _ => Ok(TypedReply::Error(self.api_error(status, body))),
        }
    }

    // Not inlined, as `api_error`: `decode` is then only the choice between them.
    #[inline(never)]
    fn success<'a>(&self, status: u16, body: &'a [u8]) -> Result<Success<'a>, Error> {
        let text = Text::new(body)?;
        let mut data = None;
        let scanned = scan::envelope(text.text, self.max_depth, &mut |m| {
            if m.key == "data" {
                data = Some(RawJson::from_validated(m.value, m.value_offset));
            }
        });
        match text.settle(scanned)? {
            Outline::NotObject { offset } => Err(Error::new(ErrorKind::ExpectedObject, offset)),
            Outline::Empty | Outline::Object { .. } => {
                Ok(Success { status, body: text.text, data })
            }
        }
    }

    /// Reads an error body of any form: the general scan.
    #[inline(never)]
    fn any_api_error<'a>(&self, status: u16, body: &'a [u8], expect: Expect) -> ApiError<'a> {
        let mut found = Found::default();
        let scanned = Text::new(body).and_then(|text| {
            text.settle(scan::envelope(text.text, self.max_depth, &mut |m| found.take(m)))
        });
        let unrecognized = |kind, offset| Shape::Unrecognized(Error::new(kind, offset));
        let shape = match scanned {
            Err(reason) => Shape::Unrecognized(reason),
            Ok(Outline::Empty) => unrecognized(ErrorKind::EmptyBody, body.len()),
            Ok(Outline::NotObject { offset }) => unrecognized(ErrorKind::ExpectedObject, offset),
            Ok(Outline::Object { close }) => found.shape(expect, close),
        };
        ApiError { status, body, fields: found.fields(), shape }
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
            Self::Error(e) => e.status,
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

    /// Deserializes `data` as `T`, borrowing from the body and without allocating.
    ///
    /// An absent `data` reads as `null`: `Option<T>` gives `None`, and other types fail
    /// with [`ErrorKind::MissingField`]. Error offsets count from the start of the body.
    #[cfg(feature = "serde")]
    pub fn data_as<T: serde::Deserialize<'a>>(&self) -> Result<T, DataError> {
        match self.data {
            // `data` sits inside the envelope, and was validated within the depth limit.
            Some(raw) => crate::de::from_validated(raw, 1),
            None => crate::de::from_missing(),
        }
    }

    /// Another top-level value beside `data` (the API sometimes sends `code` and `message`).
    ///
    /// This walks the body again, so keep the result rather than asking twice.
    pub fn field(&self, name: &str) -> Option<RawJson<'a>> {
        let mut found = None;
        let _ = scan::envelope(self.body, MAX_DEPTH, &mut |m| {
            if found.is_none() && m.key == *name {
                found = Some(RawJson::from_validated(m.value, m.value_offset));
            }
        });
        found
    }
}

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
    shape: Shape,
}

/// Which [`ErrorShape`] an [`ApiError`] is: its strings are in the fields already, so they are
/// not kept twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
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
            Shape::Message => match (f.message, f.trace_id) {
                (Some(message), Some(trace_id)) => {
                    ErrorShape::Message(MessageBody { message, trace_id })
                }
                _ => missing,
            },
            Shape::Gateway => match (f.timestamp, f.status, f.error_name, f.path) {
                (Some(timestamp), Some(status), Some(error_name), Some(path)) => {
                    ErrorShape::Gateway(GatewayBody { timestamp, status, error_name, path })
                }
                _ => missing,
            },
            Shape::Unrecognized(reason) => ErrorShape::Unrecognized(reason),
        }
    }

    /// Why the body matched no documented shape, when it did not.
    pub const fn unrecognized_reason(&self) -> Option<Error> {
        match self.shape {
            Shape::Unrecognized(reason) => Some(reason),
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
        if let Shape::Unrecognized(reason) = self.shape {
            write!(f, " (unrecognised body: {reason})")?;
        }
        Ok(())
    }
}

impl core::error::Error for ApiError<'_> {}

/// A field as seen while scanning: absent, present with the right type, or wrong.
#[derive(Clone, Copy, Default)]
enum Slot<T> {
    #[default]
    Absent,
    Found(T),
    Invalid(Error),
}

impl<T: Copy> Slot<T> {
    fn ok(&self) -> Option<T> {
        match *self {
            Self::Found(v) => Some(v),
            _ => None,
        }
    }

    fn require(&self, close: usize) -> Result<T, Error> {
        match *self {
            Self::Found(v) => Ok(v),
            Self::Absent => Err(Error::new(ErrorKind::MissingField, close)),
            Self::Invalid(e) => Err(e),
        }
    }

    fn is_present(&self) -> bool {
        !matches!(self, Self::Absent)
    }
}

/// The fields of the documented error shapes.
#[derive(Clone, Copy)]
enum Field {
    Message,
    TraceId,
    Timestamp,
    Status,
    Error,
    Path,
}

impl Field {
    const ALL: [(&'static str, Self); 6] = [
        ("message", Self::Message),
        ("trace_id", Self::TraceId),
        ("timestamp", Self::Timestamp),
        ("status", Self::Status),
        ("error", Self::Error),
        ("path", Self::Path),
    ];

    /// The field a key names, if any. The names have six different lengths, so a plain key is
    /// compared with one name at most; an escaped key is compared decoded.
    fn named(key: JsonStr<'_>) -> Option<Self> {
        let Some(plain) = key.as_str() else {
            return Self::ALL.iter().find(|(name, _)| key == *name).map(|&(_, field)| field);
        };
        match plain {
            "message" => Some(Self::Message),
            "trace_id" => Some(Self::TraceId),
            "timestamp" => Some(Self::Timestamp),
            "status" => Some(Self::Status),
            "error" => Some(Self::Error),
            "path" => Some(Self::Path),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Found<'a> {
    message: Slot<JsonStr<'a>>,
    trace_id: Slot<JsonStr<'a>>,
    timestamp: Slot<JsonStr<'a>>,
    status: Slot<u16>,
    error: Slot<JsonStr<'a>>,
    path: Slot<JsonStr<'a>>,
}

impl<'a> Found<'a> {
    fn take(&mut self, m: Member<'a>) {
        let Some(field) = Field::named(m.key) else { return };
        let wrong = |kind| Error::new(kind, m.value_offset);
        let string = m.string.map_or(Slot::Invalid(wrong(ErrorKind::UnexpectedType)), Slot::Found);
        match field {
            Field::Message => self.message = string,
            Field::TraceId => self.trace_id = string,
            Field::Timestamp => self.timestamp = string,
            Field::Error => self.error = string,
            Field::Path => self.path = string,
            Field::Status => {
                let raw = RawJson::from_validated(m.value, m.value_offset);
                self.status = match raw.as_u64() {
                    Some(s @ 100..=999) => Slot::Found(s as u16),
                    // Any other integer is a number of the right type, just not a status.
                    _ if m.value.bytes().all(|b| b.is_ascii_digit()) => {
                        Slot::Invalid(wrong(ErrorKind::InvalidStatus))
                    }
                    _ => Slot::Invalid(wrong(ErrorKind::UnexpectedType)),
                };
            }
        }
    }

    fn fields(&self) -> ErrorFields<'a> {
        ErrorFields {
            message: self.message.ok(),
            trace_id: self.trace_id.ok(),
            timestamp: self.timestamp.ok(),
            status: self.status.ok(),
            error_name: self.error.ok(),
            path: self.path.ok(),
        }
    }

    fn message_shape(&self, close: usize) -> Result<Shape, Error> {
        self.message.require(close)?;
        self.trace_id.require(close)?;
        Ok(Shape::Message)
    }

    fn gateway_shape(&self, close: usize) -> Result<Shape, Error> {
        self.timestamp.require(close)?;
        self.status.require(close)?;
        self.error.require(close)?;
        self.path.require(close)?;
        Ok(Shape::Gateway)
    }

    /// The shape the body has, judged by what the status promises.
    fn shape(&self, expect: Expect, close: usize) -> Shape {
        let result = match expect {
            Expect::Message => self.message_shape(close),
            Expect::Gateway => self.gateway_shape(close),
            // Undocumented statuses take either shape; when neither fits, explain by the one
            // the body came closer to.
            _ => self.message_shape(close).or_else(|m| {
                self.gateway_shape(close).map_err(|g| {
                    let count = |f: &[bool]| f.iter().filter(|&&p| p).count();
                    let message_fields =
                        count(&[self.message.is_present(), self.trace_id.is_present()]);
                    let gateway_fields = count(&[
                        self.timestamp.is_present(),
                        self.status.is_present(),
                        self.error.is_present(),
                        self.path.is_present(),
                    ]);
                    if gateway_fields > message_fields {
                        g
                    } else {
                        m
                    }
                })
            }),
        };
        result.unwrap_or_else(Shape::Unrecognized)
    }
}

/// Reads the 400/500 body as the API writes it, `{"message": "...", "trace_id": "..."}`: these
/// keys in this order, with any whitespace, in one pass. Gives the two strings.
///
/// `None` for any other body, valid or not, which the general scan then reads; for the bodies
/// read here, it would find the same fields and the same shape.
// Not inlined: its many ways out are then one return to `api_error`, which has nothing to
// put back in place at each.
#[inline(never)]
fn documented_message(body: &[u8]) -> Option<Strings<'_, 2>> {
    let mut c = Cursor::new(body)?;
    c.punct(b'{')?;
    c.key(b"\"message\"")?;
    let message = c.string()?;
    c.punct(b',')?;
    c.key(b"\"trace_id\"")?;
    let trace_id = c.string()?;
    c.close()?;
    Some(Strings::new([message, trace_id]))
}

/// [`documented_message`] for the 403/429 body,
/// `{"timestamp": "...", "status": 403, "error": "...", "path": "..."}`: the three strings and
/// the status.
#[inline(never)]
fn documented_gateway(body: &[u8]) -> Option<(Strings<'_, 3>, u16)> {
    let mut c = Cursor::new(body)?;
    c.punct(b'{')?;
    c.key(b"\"timestamp\"")?;
    let timestamp = c.string()?;
    c.punct(b',')?;
    c.key(b"\"status\"")?;
    let status = c.status()?;
    c.punct(b',')?;
    c.key(b"\"error\"")?;
    let error = c.string()?;
    c.punct(b',')?;
    c.key(b"\"path\"")?;
    let path = c.string()?;
    c.close()?;
    Some((Strings::new([timestamp, error, path]), status))
}

/// Validated strings in parts: a [`JsonStr`] has padding after its flag, which a copy of the
/// whole would carry along.
struct Strings<'a, const N: usize> {
    raw: [&'a str; N],
    /// Bit `i` set when string `i` has escapes.
    escaped: u8,
}

impl<'a, const N: usize> Strings<'a, N> {
    #[inline(always)]
    fn new(strings: [JsonStr<'a>; N]) -> Self {
        let escaped = strings.iter().rev().fold(0, |bits, s| bits << 1 | u8::from(s.has_escapes()));
        Self { raw: strings.map(|s| s.raw()), escaped }
    }

    #[inline(always)]
    fn get(&self, i: usize) -> JsonStr<'a> {
        let raw = self.raw.get(i).copied().unwrap_or_default();
        JsonStr::from_validated(raw, self.escaped >> i & 1 != 0)
    }
}

/// A cursor over a body for the documented bodies' one-pass reading: each step accepts
/// exactly what the JSON grammar accepts there, or says `None`.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `body`, if it is UTF-8 (a byte-order mark is, but then fails
    /// the first step, as it is not whitespace).
    #[inline(always)]
    fn new(body: &'a [u8]) -> Option<Self> {
        Some(Self { text: simd::utf8(body).ok()?, pos: 0 })
    }

    /// Skips whitespace. Error bodies have a few bytes of it at a time, if any: a byte loop
    /// beats classifying blocks, or counting runs of spaces a word at a time.
    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.text.as_bytes().get(self.pos) {
            self.pos += 1;
        }
    }

    /// Skips whitespace where pretty-printers start a line: a line feed, then indentation,
    /// whose spaces are counted a word at a time.
    #[inline(always)]
    fn skip_line_ws(&mut self) {
        let b = self.text.as_bytes();
        if b.get(self.pos) == Some(&b'\n') {
            self.pos += 1;
            if let Some(word) = b.get(self.pos..).and_then(<[u8]>::first_chunk::<8>) {
                let spaces = u64::from_le_bytes(*word) ^ u64::from_le_bytes([b' '; 8]);
                self.pos += spaces.trailing_zeros() as usize / 8;
            }
        }
        self.skip_ws();
    }

    /// Whitespace, then `byte`.
    #[inline(always)]
    fn punct(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        if self.text.as_bytes().get(self.pos) != Some(&byte) {
            return None;
        }
        self.pos += 1;
        Some(())
    }

    /// Whitespace, the key `quoted` (quotes included, no escapes), whitespace and the colon.
    #[inline(always)]
    fn key<const N: usize>(&mut self, quoted: &[u8; N]) -> Option<()> {
        self.skip_line_ws();
        let b = self.text.as_bytes();
        if !b.get(self.pos..)?.starts_with(quoted) {
            return None;
        }
        self.pos += N;
        // A colon and a space, as pretty-printers write them, in one comparison.
        if b.get(self.pos..).is_some_and(|rest| rest.starts_with(b": ")) {
            self.pos += 2;
            return Some(());
        }
        self.punct(b':')
    }

    /// Whitespace, then a string value.
    #[inline(always)]
    fn string(&mut self) -> Option<JsonStr<'a>> {
        self.skip_ws();
        let b = self.text.as_bytes();
        if b.get(self.pos) != Some(&b'"') {
            return None;
        }
        let start = self.pos + 1;
        let end = simd::string_end(b, start);
        if b.get(end) != Some(&b'"') {
            return self.escaped_string();
        }
        self.pos = end + 1;
        let (before, _) = self.text.split_at_checked(end)?;
        let (_, raw) = before.split_at_checked(start)?;
        Some(JsonStr::from_validated(raw, false))
    }

    /// A string at the cursor that has a backslash, or a control character, or no end: the
    /// scanner validates its escapes.
    #[cold]
    fn escaped_string(&mut self) -> Option<JsonStr<'a>> {
        let mut sc = Scanner::new(self.text.get(self.pos..)?, 0);
        let s = sc.string().ok()?;
        self.pos += sc.pos();
        Some(s)
    }

    /// Whitespace, then a status: a three-digit integer, not followed by more of a number
    /// (`4030`, `403.0`, `403e0`).
    #[inline(always)]
    fn status(&mut self) -> Option<u16> {
        self.skip_ws();
        let &[a @ b'1'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9', after] =
            self.text.as_bytes().get(self.pos..self.pos + 4)?
        else {
            return None;
        };
        if matches!(after, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
            return None;
        }
        self.pos += 3;
        let digit = |d: u8| u16::from(d - b'0');
        Some(digit(a) * 100 + digit(b) * 10 + digit(c))
    }

    /// Whitespace, the closing brace, and nothing but whitespace after it.
    #[inline(always)]
    fn close(&mut self) -> Option<()> {
        self.skip_line_ws();
        self.punct(b'}')?;
        self.skip_ws();
        (self.pos == self.text.len()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    const MESSAGE: &[u8] =
        b"{\n  \"message\": \"the error message\",\n  \"trace_id\": \"the_trace_id\"\n}";
    const COMPACT_MESSAGE: &[u8] =
        r#"{"message":"caf\u00e9, \"quoted\", d\u00fc\u00f1\uD83D\uDE00 ünï","trace_id":"t-1"}"#
            .as_bytes();
    const GATEWAY: &[u8] = b"{\n  \"timestamp\": \"2026-03-13T07:58:46.156+00:00\",\n  \"status\": 403,\n  \"error\": \"Forbidden\",\n  \"path\": \"/api/v2/clips\"\n}";
    const COMPACT_GATEWAY: &[u8] = br#"{"timestamp":"2026-03-10T15:52:01.610+00:00","status":429,"error":"Too Many Requests","path":"\/api\/v2\/clips"}"#;

    /// The raw text and escape flag of each string field (`JsonStr`'s `==` compares decoded
    /// text only).
    fn raw_strings<'a>(e: &ApiError<'a>) -> [Option<(&'a str, bool)>; 5] {
        let f = e.fields();
        [f.message, f.trace_id, f.timestamp, f.error_name, f.path]
            .map(|s| s.map(|s| (s.raw(), s.has_escapes())))
    }

    /// Holds `decode` to the general scan on `body`; tells whether the one-pass path read it.
    fn agrees(status: u16, body: &[u8]) -> bool {
        let expect = Expect::for_status(status);
        let general = Decoder::new().any_api_error(status, body, expect);
        let got = decode(status, body);
        let lossy = || String::from_utf8_lossy(body);
        assert_eq!(got, Ok(Reply::Error(general)), "{status} {:?}", lossy());
        if let Ok(Reply::Error(e)) = got {
            assert_eq!(raw_strings(&e), raw_strings(&general), "{status} {:?}", lossy());
            assert_eq!(e.shape(), general.shape(), "{status} {:?}", lossy());
        }
        match expect {
            Expect::Message => documented_message(body).is_some(),
            Expect::Gateway => documented_gateway(body).is_some(),
            Expect::Success | Expect::AnyError => false,
        }
    }

    #[test]
    fn the_one_pass_path_agrees_with_the_general_scan() {
        let bodies = [MESSAGE, COMPACT_MESSAGE, GATEWAY, COMPACT_GATEWAY];
        for (body, status) in bodies.into_iter().zip([400, 500, 403, 429]) {
            assert!(agrees(status, body), "the one-pass path reads the documented body");
        }
        // Every byte that matters somewhere in a body, put everywhere: the one-pass path
        // must refuse what it cannot read exactly as the general scan would.
        let bytes: &[u8] = if cfg!(miri) {
            b" \"\\}9"
        } else {
            b" \t\n\"\\{}[],:09-.eEu/\x00\x1f\x80\xc3\xef\xff"
        };
        // Miri checks a sample of the places, under two statuses.
        let (step, statuses): (usize, &[u16]) =
            if cfg!(miri) { (23, &[400, 403]) } else { (1, &[400, 403, 404, 429, 500]) };
        let (mut read, mut total) = (0, 0);
        for body in bodies {
            let mut variants: Vec<Vec<u8>> = Vec::new();
            for at in (0..=body.len()).step_by(step) {
                variants.push(body[..at].to_vec());
                for &b in bytes {
                    let mut inserted = body.to_vec();
                    inserted.insert(at, b);
                    variants.push(inserted);
                    if at < body.len() {
                        let mut replaced = body.to_vec();
                        replaced[at] = b;
                        variants.push(replaced);
                    }
                }
            }
            for variant in &variants {
                for &status in statuses {
                    read += usize::from(agrees(status, variant));
                    total += 1;
                }
            }
        }
        // Whitespace, other text in strings and other digits keep the one-pass path.
        assert!(read * 10 > total, "the one-pass path read {read} of {total} variants");
    }
}
