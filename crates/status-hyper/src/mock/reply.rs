//! Scripted replies and the streaming body that plays them.

use core::fmt::Write as _;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::io;
use std::time::SystemTime;

use bytes::Bytes;
#[cfg(feature = "gzip")]
use http::header::CONTENT_ENCODING;
use http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, DATE, RETRY_AFTER};
use http::{HeaderMap, StatusCode};
use http_body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// A reply the mock sends: status, headers and a body that may arrive in chunks, slowly, or
/// never finish.
///
/// ```
/// use status_hyper::mock::MockReply;
///
/// let throttled = MockReply::gateway(429, "Too Many Requests", "/api/v2/clips").retry_after_secs(2);
/// let html = MockReply::html(502, "<html><body>Bad Gateway</body></html>");
/// let slow = MockReply::success(r#"{"id": "proj_abc123"}"#).chunked(8).chunk_interval(std::time::Duration::from_millis(5));
/// # let _ = (throttled, html, slow);
/// ```
#[derive(Debug, Clone)]
pub struct MockReply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    body: Bytes,
    chunks: usize,
    streamed: bool,
    interval: Duration,
    end: End,
    pub(crate) delay: Duration,
}

/// How a body ends after its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Finish,
    /// Send the first `n` bytes, then nothing more, ever.
    Stall(usize),
    /// Send the first `n` bytes, then drop the connection.
    Abort(usize),
}

impl MockReply {
    /// A reply with `status` and a JSON `body`.
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::with_type(status, body.into(), "application/json")
    }

    fn with_type(status: u16, body: Bytes, content_type: &'static str) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers,
            body,
            chunks: 1,
            streamed: false,
            interval: Duration::ZERO,
            end: End::Finish,
            delay: Duration::ZERO,
        }
    }

    /// `200 {"data": <data>}`; `data` must be JSON text.
    pub fn success(data: &str) -> Self {
        Self::json(200, format!(r#"{{"data": {data}}}"#))
    }

    /// The 400/500 shape: `{"message": ..., "trace_id": ...}`.
    pub fn message(status: u16, message: &str, trace_id: &str) -> Self {
        Self::json(
            status,
            format!(r#"{{"message": {}, "trace_id": {}}}"#, quote(message), quote(trace_id)),
        )
    }

    /// The 403/429 shape: `{"timestamp", "status", "error", "path"}`, stamped now.
    pub fn gateway(status: u16, error: &str, path: &str) -> Self {
        Self::json(
            status,
            format!(
                r#"{{"timestamp": "{}", "status": {status}, "error": {}, "path": {}}}"#,
                iso8601(SystemTime::now()),
                quote(error),
                quote(path)
            ),
        )
    }

    /// An HTML page, as a proxy or load balancer sends.
    pub fn html(status: u16, html: impl Into<Bytes>) -> Self {
        Self::with_type(status, html.into(), "text/html; charset=utf-8")
    }

    /// No body at all.
    pub fn empty(status: u16) -> Self {
        let mut reply = Self::with_type(status, Bytes::new(), "text/plain");
        reply.headers.remove(CONTENT_TYPE);
        reply
    }

    /// Adds a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Compresses the body with gzip and sends it with `Content-Encoding: gzip` (feature
    /// `gzip`). For any other encoding, or a hand-made compressed body, pass the bytes to
    /// [`json`](Self::json) and add the header with [`header`](Self::header).
    #[cfg(feature = "gzip")]
    pub fn gzip(mut self) -> Self {
        use std::io::Write as _;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing to a `Vec` cannot fail.
        let packed = encoder.write_all(&self.body).and_then(|()| encoder.finish());
        self.body = Bytes::from(packed.unwrap_or_default());
        self.headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        if self.headers.contains_key(CONTENT_LENGTH) {
            self.declare_length();
        }
        self
    }

    /// `Retry-After: <secs>`.
    pub fn retry_after_secs(self, secs: u64) -> Self {
        self.header(RETRY_AFTER, HeaderValue::from(secs))
    }

    /// `Retry-After` as an HTTP date `wait` after the reply's `Date`, which is set to `date`.
    pub fn retry_after_date(mut self, date: SystemTime, wait: Duration) -> Self {
        let value = |t| HeaderValue::from_str(&httpdate::fmt_http_date(t)).ok();
        if let (Some(d), Some(at)) = (value(date), value(date + wait)) {
            self.headers.insert(DATE, d);
            self.headers.insert(RETRY_AFTER, at);
        }
        self
    }

    /// Waits `delay` before sending the status line and headers.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Sends the body in `n` chunks (chunked transfer coding on HTTP/1.1, several DATA
    /// frames on HTTP/2) without a `Content-Length`.
    pub fn chunked(mut self, n: usize) -> Self {
        self.chunks = n.max(1);
        self.streamed = true;
        self.headers.remove(CONTENT_LENGTH);
        self
    }

    /// Waits `interval` between chunks: a slow body.
    pub fn chunk_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Declares the full `Content-Length`, sends the first `n` bytes, and then stalls.
    pub fn stall_after(mut self, n: usize) -> Self {
        self.end = End::Stall(n.min(self.body.len()));
        self.declare_length();
        self
    }

    /// Declares the full `Content-Length`, sends the first `n` bytes, and then drops the
    /// connection (HTTP/2: resets the stream).
    pub fn abort_after(mut self, n: usize) -> Self {
        self.end = End::Abort(n.min(self.body.len()));
        self.declare_length();
        self
    }

    fn declare_length(&mut self) {
        self.headers.insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The full body.
    pub fn body_bytes(&self) -> &Bytes {
        &self.body
    }

    pub(crate) fn into_body(self) -> MockBody {
        let (sent, end) = match self.end {
            End::Finish => (self.body.clone(), End::Finish),
            End::Stall(n) | End::Abort(n) => (self.body.slice(..n), self.end),
        };
        let streamed = self.streamed || end != End::Finish;
        let n = self.chunks.max(1);
        let size = sent.len().div_ceil(n).max(1);
        let mut chunks = Vec::with_capacity(n);
        let mut rest = sent;
        while !rest.is_empty() {
            chunks.push(rest.split_to(size.min(rest.len())));
        }
        chunks.reverse();
        let exact = if streamed { None } else { Some(self.body.len() as u64) };
        MockBody { chunks, interval: self.interval, sleep: None, end, exact, flushed: false }
    }
}

/// The body type of the mock's responses.
pub struct MockBody {
    // In reverse order, so that `pop` yields the next chunk.
    chunks: Vec<Bytes>,
    interval: Duration,
    sleep: Option<Pin<Box<Sleep>>>,
    end: End,
    exact: Option<u64>,
    flushed: bool,
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(sleep) = self.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sleep = None;
        }
        if let Some(chunk) = self.chunks.pop() {
            if !self.interval.is_zero() && !self.chunks.is_empty() {
                self.sleep = Some(Box::pin(tokio::time::sleep(self.interval)));
            }
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        match self.end {
            End::Finish => Poll::Ready(None),
            // Never woken: the connection stays open with the body unfinished.
            End::Stall(_) => Poll::Pending,
            // Pause first, so that the head and the bytes before the cut are flushed and the
            // client sees the connection drop mid-body rather than before the response.
            End::Abort(_) if !self.flushed => {
                self.flushed = true;
                self.sleep = Some(Box::pin(tokio::time::sleep(Duration::from_millis(20))));
                self.poll_frame(cx)
            }
            End::Abort(_) => Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "mock dropped the connection mid-body",
            )))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty() && self.end == End::Finish
    }

    fn size_hint(&self) -> SizeHint {
        self.exact.map_or_else(SizeHint::new, SizeHint::with_exact)
    }
}

/// A JSON string literal.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `YYYY-MM-DDTHH:MM:SS.mmm+00:00`, the gateway's format.
pub(crate) fn iso8601(t: SystemTime) -> String {
    let ms = t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis()) as u64;
    let (days, ms_of_day) = (ms / 86_400_000, ms % 86_400_000);
    // Howard Hinnant's civil_from_days, for days since 1970 (non-negative here).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}+00:00",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_back() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_773_157_921_610);
        let s = iso8601(t);
        assert_eq!(s, "2026-03-10T15:52:01.610+00:00");
        let leap = SystemTime::UNIX_EPOCH + Duration::from_millis(951_782_400_000);
        assert_eq!(iso8601(leap), "2000-02-29T00:00:00.000+00:00");
    }

    #[test]
    fn bodies_decode_as_their_shapes() {
        let m = MockReply::message(500, "quote \" and \n", "tr");
        let reply = status_core::decode(500, m.body_bytes()).unwrap();
        let err = reply.into_result().unwrap_err();
        assert_eq!(err.message().unwrap(), "quote \" and \n");
        let g = MockReply::gateway(429, "Too Many Requests", "/p");
        let reply = status_core::decode(429, g.body_bytes()).unwrap();
        assert!(matches!(
            reply.into_result().unwrap_err().shape(),
            status_core::ErrorShape::Gateway(_)
        ));
    }
}
