//! The owned error type: everything a std caller needs to log, retry or contact support.

use core::error::Error as StdError;
use core::fmt;
use core::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use status_core::{ApiError, ErrorShape, LogSafe, Retry, Timestamp};

type BoxError = Box<dyn StdError + Send + Sync>;

/// What went wrong. New kinds may be added in minor releases.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The API (or a proxy in front of it) answered with a non-2xx status.
    Api,
    /// A 2xx reply whose body is not valid JSON of the documented shape.
    Decode,
    /// A valid 2xx reply whose `data` does not deserialize into the requested type.
    Data,
    /// The response declared a `Content-Length` above the body limit; nothing was read.
    ContentLengthTooLarge,
    /// The streamed body grew past the body limit and was cut off there.
    BodyTooLarge,
    /// Reading the body failed, for example because the connection closed mid-body.
    Body,
    /// The body's `Content-Encoding` could not be undone: corrupt or truncated compressed
    /// data, or an encoding the client did not ask for.
    ContentEncoding,
    /// No connection could be made; the request was not sent.
    Connect,
    /// Connecting took longer than the connect timeout; the request was not sent.
    ConnectTimeout,
    /// The connection failed after the request may have been sent.
    Transport,
    /// One attempt (response headers and body) took longer than the attempt timeout.
    Timeout,
    /// The overall deadline passed, counting waits for limits and backoff.
    Deadline,
    /// The client or request is misconfigured (bad URI or header, key over plain http).
    Config,
    /// A task the client waited for ended `FAILED`; [`Error::message`] is its
    /// `error_message` and [`Error::task_id`] its id.
    TaskFailed,
    /// An upload was refused before or while sending: the file is over the size limit, its
    /// length changed while it was read, the pre-signed URL expired, or the storage host
    /// answered with a non-2xx status (kept with its raw body).
    Upload,
    /// The store that keeps the limits (shared by many processes) could not be reached
    /// before the deadline; the request was not sent. The store's error is the source.
    StoreUnavailable,
}

impl ErrorKind {
    /// The kind's name, as its `Debug` prints it: `"Api"`, `"Timeout"` ... The client
    /// records it as `error.type` in its spans and events.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Api => "Api",
            Self::Decode => "Decode",
            Self::Data => "Data",
            Self::ContentLengthTooLarge => "ContentLengthTooLarge",
            Self::BodyTooLarge => "BodyTooLarge",
            Self::Body => "Body",
            Self::ContentEncoding => "ContentEncoding",
            Self::Connect => "Connect",
            Self::ConnectTimeout => "ConnectTimeout",
            Self::Transport => "Transport",
            Self::Timeout => "Timeout",
            Self::Deadline => "Deadline",
            Self::Config => "Config",
            Self::TaskFailed => "TaskFailed",
            Self::Upload => "Upload",
            Self::StoreUnavailable => "StoreUnavailable",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from the adapter or the client; owns everything it reports.
///
/// `Display` is one line with the status, the API's message or error type, the path, the
/// trace id and the `Retry-After` wait, so that a log line is enough to contact support.
/// The underlying cause, when there is one (the transport's error, the timer's, the decoder's),
/// is the [`source`](StdError::source) and is not repeated in `Display`.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    status: Option<StatusCode>,
    details: Details,
    body: Option<Bytes>,
    retry_after: Option<Duration>,
    limit: Option<u64>,
    timeout: Option<Duration>,
    note: Option<&'static str>,
    attempts: u32,
    source: Option<BoxError>,
}

#[derive(Default)]
struct Details {
    message: Option<String>,
    trace_id: Option<String>,
    error: Option<String>,
    path: Option<String>,
    timestamp: Option<String>,
    unrecognized: Option<status_core::Error>,
    task_id: Option<String>,
}

impl Error {
    fn new(kind: ErrorKind) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                status: None,
                details: Details::default(),
                body: None,
                retry_after: None,
                limit: None,
                timeout: None,
                note: None,
                attempts: 0,
                source: None,
            }),
        }
    }

    pub(crate) fn with_source(kind: ErrorKind, source: impl Into<BoxError>) -> Self {
        let mut e = Self::new(kind);
        e.inner.source = Some(source.into());
        e
    }

    /// A misconfiguration, explained by `note`.
    pub(crate) fn config(note: &'static str) -> Self {
        let mut e = Self::new(ErrorKind::Config);
        e.inner.note = Some(note);
        e
    }

    pub(crate) fn deadline() -> Self {
        Self::new(ErrorKind::Deadline)
    }

    pub(crate) fn store_unavailable(source: crate::store::StoreError) -> Self {
        Self::with_source(ErrorKind::StoreUnavailable, source)
    }

    /// An attempt took longer than `after`; `source` is the timer's error.
    pub(crate) fn timeout(after: Duration, source: impl Into<BoxError>) -> Self {
        let mut e = Self::with_source(ErrorKind::Timeout, source);
        e.inner.timeout = Some(after);
        e
    }

    pub(crate) fn too_large(kind: ErrorKind, status: StatusCode, limit: u64) -> Self {
        let mut e = Self::new(kind);
        e.inner.status = Some(status);
        e.inner.limit = Some(limit);
        e
    }

    pub(crate) fn body_failed(status: StatusCode, source: impl Into<BoxError>) -> Self {
        let mut e = Self::with_source(ErrorKind::Body, source);
        e.inner.status = Some(status);
        e
    }

    /// A body whose `Content-Encoding` could not be undone; `source` says why.
    pub(crate) fn content_encoding(status: StatusCode, source: impl Into<BoxError>) -> Self {
        let mut e = Self::with_source(ErrorKind::ContentEncoding, source);
        e.inner.status = Some(status);
        e
    }

    /// A malformed 2xx body: the decoder's error is the source, the raw body is kept.
    pub(crate) fn decode(status: StatusCode, body: Bytes, source: status_core::Error) -> Self {
        let mut e = Self::with_source(ErrorKind::Decode, source);
        e.inner.status = Some(status);
        e.inner.body = Some(body);
        e
    }

    /// A malformed 2xx body that was streamed, not kept: the decoder's error is the source.
    pub(crate) fn decode_streamed(status: StatusCode, source: status_core::Error) -> Self {
        let mut e = Self::with_source(ErrorKind::Decode, source);
        e.inner.status = Some(status);
        e
    }

    /// `data` did not fit the requested type: the decoder's error is the source.
    pub(crate) fn data(status: StatusCode, body: Bytes, source: status_core::DataError) -> Self {
        let mut e = Self::with_source(ErrorKind::Data, source);
        e.inner.status = Some(status);
        e.inner.body = Some(body);
        e
    }

    /// Copies a decoded non-2xx reply out of its borrowed view.
    pub(crate) fn api(
        api: &ApiError<'_>,
        status: StatusCode,
        body: Bytes,
        retry_after: Option<Duration>,
    ) -> Self {
        let f = api.fields();
        let owned = |s: Option<status_core::JsonStr<'_>>| s.map(|s| s.to_string());
        let mut e = Self::new(ErrorKind::Api);
        e.inner.status = Some(status);
        e.inner.details = Details {
            message: owned(f.message),
            trace_id: owned(f.trace_id),
            error: owned(f.error_name),
            path: owned(f.path),
            timestamp: owned(f.timestamp),
            unrecognized: match api.shape() {
                ErrorShape::Unrecognized(reason) => Some(reason),
                _ => None,
            },
            task_id: None,
        };
        e.inner.body = Some(body);
        e.inner.retry_after = retry_after;
        e
    }

    /// A task that ended `FAILED`, with its id and `error_message`.
    pub(crate) fn task_failed(task_id: &str, message: Option<&str>) -> Self {
        let mut e = Self::new(ErrorKind::TaskFailed);
        e.inner.details.task_id = Some(task_id.to_owned());
        e.inner.details.message = message.map(str::to_owned);
        e
    }

    /// An upload refused for the reason `note`; with the storage host's reply when there was one.
    pub(crate) fn upload(note: &'static str, reply: Option<(StatusCode, Bytes)>) -> Self {
        let mut e = Self::new(ErrorKind::Upload);
        e.inner.note = Some(note);
        if let Some((status, body)) = reply {
            e.inner.status = Some(status);
            e.inner.body = Some(body);
        }
        e
    }

    /// An upload whose transport failed; `source` says how.
    pub(crate) fn upload_failed(note: &'static str, source: impl Into<BoxError>) -> Self {
        let mut e = Self::with_source(ErrorKind::Upload, source);
        e.inner.note = Some(note);
        e
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn set_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The API's `message` (400/500 bodies).
    pub fn message(&self) -> Option<&str> {
        self.inner.details.message.as_deref()
    }

    /// The API's `trace_id` (400/500 bodies): quote it to support.
    pub fn trace_id(&self) -> Option<&str> {
        self.inner.details.trace_id.as_deref()
    }

    /// The id of the task that failed ([`ErrorKind::TaskFailed`]).
    pub fn task_id(&self) -> Option<&str> {
        self.inner.details.task_id.as_deref()
    }

    /// The gateway's short error type, such as `"Too Many Requests"` (403/429 bodies).
    pub fn error_name(&self) -> Option<&str> {
        self.inner.details.error.as_deref()
    }

    /// The request path the gateway reported (403/429 bodies).
    pub fn path(&self) -> Option<&str> {
        self.inner.details.path.as_deref()
    }

    /// The gateway's `timestamp` as sent (403/429 bodies); see [`Error::timestamp`].
    pub fn timestamp_str(&self) -> Option<&str> {
        self.inner.details.timestamp.as_deref()
    }

    /// The gateway's `timestamp`, parsed; `None` when absent or malformed.
    pub fn timestamp(&self) -> Option<Timestamp> {
        Timestamp::parse(self.timestamp_str()?).ok()
    }

    /// The raw body of an API error, a malformed 2xx reply or one whose `data` did not
    /// deserialize, as received: for a reply that
    /// matched no documented shape (a proxy's HTML page, say) this is all there is.
    pub fn raw_body(&self) -> Option<&Bytes> {
        self.inner.body.as_ref()
    }

    /// Why an API error's body matched no documented shape, when it did not.
    pub fn unrecognized_reason(&self) -> Option<status_core::Error> {
        self.inner.details.unrecognized
    }

    /// The wait the response asked for in `Retry-After`, in either RFC 9110 form.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The body limit that was exceeded, for the two `*TooLarge` kinds.
    pub fn body_limit(&self) -> Option<u64> {
        self.inner.limit
    }

    /// How many attempts the client made before returning this error (0 outside the client).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Whether the same request may succeed later: 408, 429, 500, 502, 503 and 504, failed
    /// connections, attempt timeouts and bodies cut off by the connection.
    ///
    /// This is the nature of the failure; whether a client may resend a given request (a
    /// POST that may have reached the server) is a separate question the client answers.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Api => {
                self.inner.status.is_some_and(|s| Retry::for_status(s.as_u16()).is_retryable())
            }
            ErrorKind::Connect
            | ErrorKind::ConnectTimeout
            | ErrorKind::Transport
            | ErrorKind::Timeout
            | ErrorKind::Body => true,
            _ => false,
        }
    }

    /// Whether the request certainly did not reach the server.
    pub fn is_connect(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::Connect | ErrorKind::ConnectTimeout)
    }

    /// Whether a timeout or the deadline ended the request.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.inner.kind,
            ErrorKind::ConnectTimeout | ErrorKind::Timeout | ErrorKind::Deadline
        )
    }

    /// Whether the body was refused for its size, declared or streamed.
    pub fn is_body_too_large(&self) -> bool {
        matches!(self.inner.kind, ErrorKind::ContentLengthTooLarge | ErrorKind::BodyTooLarge)
    }

    /// Whether this is a non-2xx reply.
    pub fn is_api(&self) -> bool {
        self.inner.kind == ErrorKind::Api
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let d = &i.details;
        match i.kind {
            ErrorKind::Api => {
                write!(f, "HTTP {}", i.status.map_or(0, |s| s.as_u16()))?;
                if let Some(error) = &d.error {
                    write!(f, " {}", LogSafe::new(error))?;
                }
                if let Some(message) = &d.message {
                    write!(f, ": {}", LogSafe::new(message))?;
                }
                if let Some(path) = &d.path {
                    write!(f, " (path {})", LogSafe::new(path))?;
                }
                if let Some(reason) = d.unrecognized {
                    write!(f, " (unrecognised body: {reason})")?;
                }
            }
            ErrorKind::Decode => f.write_str("malformed success body")?,
            ErrorKind::Data => f.write_str("`data` does not match the requested type")?,
            ErrorKind::ContentLengthTooLarge => {
                write!(f, "Content-Length exceeds the body limit of {} bytes", fmt_opt(i.limit))?
            }
            ErrorKind::BodyTooLarge => {
                write!(f, "body cut off at the limit of {} bytes", fmt_opt(i.limit))?
            }
            ErrorKind::Body => f.write_str("the connection failed while reading the body")?,
            ErrorKind::ContentEncoding => {
                f.write_str("the body's Content-Encoding could not be decoded")?
            }
            ErrorKind::Connect => f.write_str("could not connect")?,
            ErrorKind::ConnectTimeout => f.write_str("connecting timed out")?,
            ErrorKind::Transport => f.write_str("the connection failed before a reply arrived")?,
            ErrorKind::Timeout => match i.timeout {
                Some(t) => write!(f, "no complete reply within {t:?}")?,
                None => f.write_str("no complete reply in time")?,
            },
            ErrorKind::Deadline => f.write_str("the deadline passed before a reply arrived")?,
            ErrorKind::Config => {
                write!(f, "invalid configuration: {}", i.note.unwrap_or("see the source"))?
            }
            ErrorKind::TaskFailed => {
                write!(f, "task {} failed", LogSafe::new(d.task_id.as_deref().unwrap_or("?")))?;
                if let Some(message) = &d.message {
                    write!(f, ": {}", LogSafe::new(message))?;
                }
            }
            ErrorKind::Upload => {
                write!(f, "upload failed: {}", i.note.unwrap_or("see the source"))?;
                if let Some(status) = i.status {
                    write!(f, " (HTTP {})", status.as_u16())?;
                }
            }
            ErrorKind::StoreUnavailable => f.write_str("the limits' store could not be reached")?,
        }
        if let Some(trace_id) = &d.trace_id {
            write!(f, " [trace_id {}]", LogSafe::new(trace_id))?;
        }
        if let Some(wait) = i.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        if i.attempts > 1 {
            write!(f, " after {} attempts", i.attempts)?;
        }
        // The cause is `source()`, not repeated here, so that error reporters that walk the
        // chain print each message once.
        Ok(())
    }
}

fn fmt_opt(v: Option<u64>) -> String {
    v.map_or_else(|| "?".into(), |v| v.to_string())
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let d = &i.details;
        let mut s = f.debug_struct("Error");
        s.field("kind", &i.kind);
        let fields: [(&str, &dyn fmt::Debug, bool); 14] = [
            ("status", &i.status, i.status.is_some()),
            ("message", &d.message, d.message.is_some()),
            ("trace_id", &d.trace_id, d.trace_id.is_some()),
            ("error", &d.error, d.error.is_some()),
            ("path", &d.path, d.path.is_some()),
            ("timestamp", &d.timestamp, d.timestamp.is_some()),
            ("unrecognized", &d.unrecognized, d.unrecognized.is_some()),
            ("task_id", &d.task_id, d.task_id.is_some()),
            ("body", &i.body, i.body.is_some()),
            ("retry_after", &i.retry_after, i.retry_after.is_some()),
            ("limit", &i.limit, i.limit.is_some()),
            ("timeout", &i.timeout, i.timeout.is_some()),
            ("note", &i.note, i.note.is_some()),
            ("source", &i.source, i.source.is_some()),
        ];
        for (name, value, present) in fields {
            if present {
                s.field(name, value);
            }
        }
        s.field("attempts", &i.attempts).finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.inner.source {
            Some(source) => Some(&**source),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &'static [u8], retry_after: Option<Duration>) -> Error {
        let reply = status_core::decode(status, body).unwrap();
        let api = reply.into_result().unwrap_err();
        Error::api(
            &api,
            StatusCode::from_u16(status).unwrap(),
            Bytes::from_static(body),
            retry_after,
        )
    }

    #[test]
    fn display_carries_the_trace_id() {
        let e = api(500, br#"{"message": "disk full", "trace_id": "tr-42"}"#, None);
        assert_eq!(e.to_string(), "HTTP 500: disk full [trace_id tr-42]");
        assert_eq!(e.trace_id(), Some("tr-42"));
        assert!(e.is_retryable());
    }

    #[test]
    fn gateway_fields_and_retry_after() {
        let e = api(
            429,
            br#"{"timestamp": "2026-03-10T15:52:01.610+00:00", "status": 429,
                 "error": "Too Many Requests", "path": "/api/v2/clips"}"#,
            Some(Duration::from_secs(4)),
        );
        assert_eq!(
            e.to_string(),
            "HTTP 429 Too Many Requests (path /api/v2/clips) (retry after 4s)"
        );
        assert_eq!(e.timestamp().unwrap().unix_ms(), 1_773_157_921_610);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(4)));
    }

    #[test]
    fn unrecognised_body_is_kept_raw() {
        let html: &[u8] = b"<html><body>502 Bad Gateway</body></html>";
        let e = api(502, html, None);
        assert_eq!(e.raw_body().unwrap().as_ref(), html);
        assert_eq!(e.unrecognized_reason().unwrap().kind(), status_core::ErrorKind::ExpectedValue);
        assert!(e.to_string().starts_with("HTTP 502 (unrecognised body: expected a JSON value"));
        assert!(e.is_retryable());
    }

    #[test]
    fn client_errors_are_not_retryable() {
        let e = api(400, br#"{"message": "bad format", "trace_id": "t"}"#, None);
        assert!(!e.is_retryable());
        let e = api(403, br#"{"timestamp": "2026-03-13T07:58:46.156+00:00", "status": 403, "error": "Forbidden", "path": "/x"}"#, None);
        assert!(!e.is_retryable());
    }

    #[test]
    fn server_text_cannot_forge_log_lines_or_drive_a_terminal() {
        let forged = api(
            400,
            br#"{"message":"bad request\n2026-11-30T00:00:00Z INFO admin login ok","trace_id":"t\r\nforged"}"#,
            None,
        );
        assert_eq!(
            forged.to_string(),
            r"HTTP 400: bad request\n2026-11-30T00:00:00Z INFO admin login ok [trace_id t\r\nforged]"
        );
        // Every control character and a few ANSI sequences, through every field a server writes.
        let mut hostile = String::new();
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            hostile.push(c);
        }
        hostile.push_str("\u{1b}[2J\u{1b}[31mred\u{1b}]0;title\u{7}\u{9b}1m\u{2028}\u{202e}");
        let json = |s: &str| serde_json::to_string(s).unwrap();
        let h = json(&hostile);
        let bodies = [
            (400, format!(r#"{{"message": {h}, "trace_id": {h}}}"#)),
            (500, format!(r#"{{"message": {h}, "trace_id": {h}}}"#)),
            (429, format!(r#"{{"timestamp": {h}, "status": 429, "error": {h}, "path": {h}}}"#)),
            (
                403,
                format!(
                    r#"{{"timestamp": "2026-03-13T07:58:46.156+00:00", "status": 403, "error": {h}, "path": {h}}}"#
                ),
            ),
            (502, format!(r#"{{"message": {h}, "error": {h}, "path": {h}, "x": 1}}"#)),
            (418, format!("<html>{hostile}</html>")),
        ];
        for (status, body) in bodies {
            let body: &'static [u8] = Box::leak(body.into_bytes().into_boxed_slice());
            let shown = api(status, body, None).to_string();
            assert!(!shown.chars().any(LogSafe::escapes), "{status}: {shown:?}");
            assert!(!shown.contains('\u{1b}') && !shown.contains('\n'), "{status}: {shown:?}");
        }
    }

    #[test]
    fn debug_escapes_server_text_too() {
        let body: &'static [u8] =
            b"{\"message\": \"a\\nb\\u001b[31m\\u2028\\u202e\", \"trace_id\": \"t\\r\\n\"}";
        let e = api(400, body, None);
        assert_eq!(e.message(), Some("a\nb\u{1b}[31m\u{2028}\u{202e}"));
        for shown in [format!("{e:?}"), format!("{e:#?}")] {
            let bad = shown.chars().filter(|&c| c != '\n' && LogSafe::escapes(c)).count();
            assert_eq!(bad, 0, "{shown}");
            assert!(!format!("{e:?}").contains('\n'));
        }
    }

    #[test]
    fn kind_names_match_debug() {
        for kind in [ErrorKind::Api, ErrorKind::ContentEncoding, ErrorKind::ConnectTimeout] {
            assert_eq!(kind.as_str(), format!("{kind:?}"));
            assert_eq!(kind.to_string(), kind.as_str());
        }
    }

    #[test]
    fn source_is_kept() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let e = Error::body_failed(StatusCode::OK, io);
        assert!(e.is_retryable());
        assert_eq!(e.source().unwrap().to_string(), "reset by peer");
        assert_eq!(e.to_string(), "the connection failed while reading the body");
    }
}
