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
            decoding.push(chunk).map_err(|f| failed(f, status))?;
        }
        if decoding.decodes() {
            headers.remove(CONTENT_ENCODING);
            headers.remove(CONTENT_LENGTH);
        }
        let body = decoding.finish().map_err(|f| failed(f, status))?;
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
