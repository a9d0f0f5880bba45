//! The adapter: an `http::Response` collected under a size limit, owning its bytes and
//! lending out status-core's borrowed view.

use core::error::Error as StdError;
use core::time::Duration;
use std::time::SystemTime;

use bytes::Bytes;
use core::pin::pin;

use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http::{HeaderMap, StatusCode};
use http_body::Body;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use status_core::stream::PushDecoder;
use status_core::{Decoder, Reply};

use crate::encoding::{Decoding, Failure};
use crate::error::{Error, ErrorKind};

/// A response whose body has been read in full: status, headers and body bytes.
///
/// It owns the bytes; [`reply`](Self::reply) decodes them into status-core's [`Reply`], which
/// borrows from this value, so nothing is copied out of the body.
#[derive(Debug, Clone)]
pub struct BufferedResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl BufferedResponse {
    /// The default body limit of the client: 8 MiB.
    pub const DEFAULT_BODY_LIMIT: u64 = 8 * 1024 * 1024;

    /// Reads `response`'s body, refusing more than `limit` bytes.
    ///
    /// A `Content-Length` above `limit` fails with [`ErrorKind::ContentLengthTooLarge`]
    /// before any of the body is read. A body without one (chunked, HTTP/2 data frames) is
    /// cut off as soon as it passes `limit`, with [`ErrorKind::BodyTooLarge`]. Any other
    /// failure while reading, such as a connection closed mid-body, is [`ErrorKind::Body`]
    /// with the transport's error as its source.
    ///
    /// A body sent with `Content-Encoding: gzip` (feature `gzip`) or `br` (feature
    /// `brotli`) is decoded as it arrives, and the limit applies to the decoded bytes too: a
    /// small compressed body that expands past it fails with [`ErrorKind::BodyTooLarge`] as
    /// soon as it does, having used no more memory than the limit. The decoded response no
    /// longer has `Content-Encoding` and `Content-Length` headers. An encoding this build
    /// cannot undo, or corrupt compressed data, is [`ErrorKind::ContentEncoding`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use http_body_util::Full;
    /// use status_hyper::BufferedResponse;
    ///
    /// let response = http::Response::builder()
    ///     .status(500)
    ///     .body(Full::new(bytes::Bytes::from_static(
    ///         br#"{"message": "internal failure", "trace_id": "tr-9"}"#,
    ///     )))
    ///     .unwrap();
    /// let owned = BufferedResponse::read(response, 1024).await?;
    /// let reply = owned.reply()?;
    /// assert_eq!(reply.status(), 500);
    /// assert_eq!(reply.into_result().unwrap_err().trace_id().unwrap(), "tr-9");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn read<B>(response: http::Response<B>, limit: u64) -> Result<Self, Error>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        Self::collect(response, limit, None).await
    }

    /// As [`read`](Self::read), validating a 2xx body with `decoder` frame by frame, each
    /// (decoded) frame fed to a [`PushDecoder`] as it arrives: a malformed body fails with
    /// [`ErrorKind::Decode`] as soon as the frame holding its first bad byte is in, and the
    /// rest is not read. The error's raw body is what arrived up to that frame, and its
    /// source is status-core's error, at the same offset `decode` gives for the whole body.
    /// Any other status is read whole, under the limit, as its error needs the raw body.
    pub(crate) async fn read_checked<B>(
        response: http::Response<B>,
        limit: u64,
        decoder: &Decoder,
    ) -> Result<Self, Error>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        Self::collect(response, limit, Some(decoder)).await
    }

    async fn collect<B>(
        response: http::Response<B>,
        limit: u64,
        check: Option<&Decoder>,
    ) -> Result<Self, Error>
    where
        B: Body<Data = Bytes>,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let (parts, body) = response.into_parts();
        let status = parts.status;
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit) {
            return Err(Error::too_large(ErrorKind::ContentLengthTooLarge, status, limit));
        }
        let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut headers = parts.headers;
        let failed = |failure, status| match failure {
            Failure::OverLimit => Error::too_large(ErrorKind::BodyTooLarge, status, limit),
            Failure::Encoding(e) => Error::content_encoding(status, e),
        };
        let mut decoding = Decoding::new(&headers, limit_usize).map_err(|f| failed(f, status))?;
        // Only a 2xx body can fail the reply; any other is kept whole for its error.
        let mut validator = match check {
            Some(decoder) if status.is_success() => {
                PushDecoder::with_decoder(decoder, status.as_u16()).ok()
            }
            _ => None,
        };
        // How many decoded bytes the validator has seen.
        let mut validated = 0;
        let mut body = pin!(body);
        let mut received: u64 = 0;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| Error::body_failed(status, e))?;
            let Ok(chunk) = frame.into_data() else { continue };
            // The limit holds for the bytes received as well as for the decoded body.
            received = received.saturating_add(chunk.len() as u64);
            if received > limit {
                return Err(Error::too_large(ErrorKind::BodyTooLarge, status, limit));
            }
            let decoded = decoding.push_decoded(chunk).map_err(|f| failed(f, status))?;
            if let Some(validator) = validator.as_mut() {
                let fed = decoded.len();
                if let Err(e) = validator.feed(decoded, &mut ()) {
                    return Err(Error::decode(status, decoding.held(), e));
                }
                validated += fed;
            }
        }
        if decoding.decodes() {
            headers.remove(CONTENT_ENCODING);
            headers.remove(CONTENT_LENGTH);
        }
        let body = decoding.finish().map_err(|f| failed(f, status))?;
        // What the codec held back until the end; the verdict itself comes from `decode`.
        if let (Some(mut validator), Some(tail)) = (validator, body.get(validated..)) {
            if let Err(e) = validator.feed(tail, &mut ()) {
                return Err(Error::decode(status, body, e));
            }
        }
        Ok(Self { status, headers, body })
    }

    /// Wraps a response that was read by other means.
    pub fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        Self { status, headers, body }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, as received.
    pub fn raw_body(&self) -> &Bytes {
        &self.body
    }

    /// Takes the parts apart.
    pub fn into_parts(self) -> (StatusCode, HeaderMap, Bytes) {
        (self.status, self.headers, self.body)
    }

    /// Decodes the body with the default [`Decoder`]: a borrowed view of this value.
    ///
    /// # Errors
    ///
    /// Only a 2xx reply with a malformed body is an error; see [`Decoder::decode`].
    pub fn reply(&self) -> Result<Reply<'_>, status_core::Error> {
        self.reply_with(&Decoder::new())
    }

    /// Decodes the body with `decoder`.
    ///
    /// # Errors
    ///
    /// As [`reply`](Self::reply).
    pub fn reply_with(&self, decoder: &Decoder) -> Result<Reply<'_>, status_core::Error> {
        decoder.decode(self.status.as_u16(), &self.body)
    }

    /// The wait the response asks for in `Retry-After`; see [`crate::retry_after`].
    pub fn retry_after(&self) -> Option<Duration> {
        crate::retry_after(&self.headers, SystemTime::now())
    }

    /// Keeps a 2xx reply with a valid body; turns anything else into an owned [`Error`]
    /// that keeps the status, the API's fields, `Retry-After` and the raw body.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Api`] for a non-2xx status, [`ErrorKind::Decode`] for a malformed 2xx
    /// body.
    pub fn into_result(self) -> Result<Self, Error> {
        self.into_result_with(&Decoder::new())
    }

    /// As [`into_result`](Self::into_result), decoding with `decoder`.
    ///
    /// # Errors
    ///
    /// As [`into_result`](Self::into_result).
    pub fn into_result_with(self, decoder: &Decoder) -> Result<Self, Error> {
        let error = match self.reply_with(decoder) {
            Ok(Reply::Success(_)) => None,
            Ok(Reply::Error(api)) => {
                Some(Error::api(&api, self.status, self.body.clone(), self.retry_after()))
            }
            Err(e) => Some(Error::decode(self.status, self.body.clone(), e)),
        };
        match error {
            None => Ok(self),
            Some(e) => Err(e),
        }
    }

    /// Deserializes a 2xx reply's `data` into an owned `T`; any other reply becomes the
    /// [`Error`] that [`into_result`](Self::into_result) would give.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use http_body_util::Full;
    /// use status_hyper::BufferedResponse;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Project { id: String, status: String }
    ///
    /// let body = r#"{"data": {"id": "proj_abc123", "status": "SUCCEEDED"}}"#;
    /// let response = http::Response::new(Full::new(bytes::Bytes::from(body)));
    /// let project: Project = BufferedResponse::read(response, 1024).await?.data_as()?;
    /// assert_eq!((project.id.as_str(), project.status.as_str()), ("proj_abc123", "SUCCEEDED"));
    /// # Ok::<(), status_hyper::Error>(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`into_result`](Self::into_result), and [`ErrorKind::Data`] (with the decoder's
    /// [`DataError`](status_core::DataError) as the source) when `data` does not fit `T`.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        self.data_as_with(&Decoder::new())
    }

    /// As [`data_as`](Self::data_as), decoding with `decoder`.
    ///
    /// # Errors
    ///
    /// As [`data_as`](Self::data_as).
    pub fn data_as_with<T: DeserializeOwned>(&self, decoder: &Decoder) -> Result<T, Error> {
        match self.reply_with(decoder) {
            Ok(Reply::Success(success)) => {
                success.data_as().map_err(|e| Error::data(self.status, self.body.clone(), e))
            }
            Ok(Reply::Error(api)) => {
                Err(Error::api(&api, self.status, self.body.clone(), self.retry_after()))
            }
            Err(e) => Err(Error::decode(self.status, self.body.clone(), e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::pin::Pin;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use core::task::{Context, Poll};
    use http_body::Frame;
    use std::sync::Arc;

    /// A body of frames that counts how many were polled.
    struct Counting {
        frames: std::vec::IntoIter<Bytes>,
        polled: Arc<AtomicUsize>,
    }

    impl Body for Counting {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            self.polled.fetch_add(1, Ordering::Relaxed);
            Poll::Ready(self.frames.next().map(|b| Ok(Frame::data(b))))
        }
    }

    fn counted(status: u16, frames: Vec<Bytes>) -> (http::Response<Counting>, Arc<AtomicUsize>) {
        let polled = Arc::new(AtomicUsize::new(0));
        let body = Counting { frames: frames.into_iter(), polled: Arc::clone(&polled) };
        (http::Response::builder().status(status).body(body).unwrap(), polled)
    }

    fn frames(body: &[u8], size: usize) -> Vec<Bytes> {
        body.chunks(size).map(Bytes::copy_from_slice).collect()
    }

    fn block_on<F: core::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn a_2xx_body_stops_being_read_at_the_frame_holding_its_first_bad_byte() {
        let mut body = br#"{"data": {"id": "proj_abc123",]"#.to_vec();
        body.extend(core::iter::repeat_n(b' ', 10_000));
        let expected = status_core::decode(200, &body).unwrap_err();
        assert_eq!(expected.offset(), 30);
        // Byte 30 is in the second 16-byte frame: two frames polled of 627.
        let (response, polled) = counted(200, frames(&body, 16));
        let e = block_on(BufferedResponse::read_checked(response, 1 << 20, &Decoder::new()))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        let source = core::error::Error::source(&e).unwrap();
        assert_eq!(*source.downcast_ref::<status_core::Error>().unwrap(), expected);
        assert_eq!(polled.load(Ordering::Relaxed), 2);
        assert_eq!(e.raw_body().unwrap().as_ref(), &body[..32]);
        // Unchecked, or with an error status, the whole body is read.
        for (status, checked) in [(200, false), (500, true)] {
            let (response, polled) = counted(status, frames(&body, 16));
            let reading = async {
                if checked {
                    BufferedResponse::read_checked(response, 1 << 20, &Decoder::new()).await
                } else {
                    BufferedResponse::read(response, 1 << 20).await
                }
            };
            let read = block_on(reading).unwrap();
            assert_eq!(read.raw_body().as_ref(), &body[..]);
            assert_eq!(polled.load(Ordering::Relaxed), body.len().div_ceil(16) + 1);
        }
    }

    #[test]
    fn valid_bodies_read_checked_are_what_read_gives() {
        let bodies: [&[u8]; 4] = [
            br#"{"data": {"id": "x", "n": [1, 2.5, -3e2]}, "code": 0}"#,
            br#"{"code": 0}"#,
            br#"{"data": 12345}"#,
            // Malformed only at its end: left to `decode`, as before.
            br#"{"data": 12"#,
        ];
        for body in bodies {
            for size in [1, 3, 64] {
                let (r, _) = counted(200, frames(body, size));
                let checked = block_on(BufferedResponse::read_checked(r, 1024, &Decoder::new()));
                assert_eq!(checked.unwrap().raw_body().as_ref(), body);
            }
        }
    }
}
