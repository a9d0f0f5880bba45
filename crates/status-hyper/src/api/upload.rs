//! Uploads: a pre-signed URL from the API, then the bytes `PUT` to it, streamed in chunks.

use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::io;
use std::path::Path;

use bytes::Bytes;
use http::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, USER_AGENT};
use http::uri::Scheme;
use http::{Method, Uri};
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::{timeout_at, Instant};

use super::models::RawUploadTarget;
use super::UploadTarget;
use crate::client::{is_loopback, Client};
use crate::connect::Connector;
use crate::error::Error;
use crate::reply::BufferedResponse;
use crate::request::ApiRequest;

/// The documented single-file limit: 5 GB (decimal), checked before anything is sent.
pub const MAX_UPLOAD_BYTES: u64 = 5_000_000_000;

/// How long a pre-signed upload URL lives (the newer pages: one hour).
pub const UPLOAD_URL_LIFETIME: Duration = Duration::from_secs(3600);

/// The most bytes the upload body holds at once: each read from the source fills at most
/// one chunk of this size, which is sent before the next read.
pub(crate) const CHUNK: usize = 64 * 1024;

/// The largest storage-host reply body kept for an error.
const REPLY_LIMIT: u64 = 64 * 1024;

/// A finished upload: pass [`identity`](Self::identity) as `video_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The file identifier (`identity`, or `identify` on the older page); one use only.
    pub identity: String,
    /// The bytes sent.
    pub bytes: u64,
}

impl Uploaded {
    /// The identifier, for [`ClipRequest::new`](super::ClipRequest::new) and the like.
    pub fn identity(&self) -> &str {
        &self.identity
    }
}

/// The streamed request body of an upload: reads its source one chunk at a time as hyper
/// asks for data, and fails if the source ends before, or runs past, the declared length.
pub(crate) struct UploadBody {
    reader: Pin<Box<dyn AsyncRead + Send>>,
    remaining: u64,
    buf: Box<[u8]>,
}

impl UploadBody {
    fn new(reader: Pin<Box<dyn AsyncRead + Send>>, len: u64) -> Self {
        let chunk = usize::try_from(len).map_or(CHUNK, |l| l.clamp(1, CHUNK));
        Self { reader, remaining: len, buf: vec![0; chunk].into_boxed_slice() }
    }
}

impl Body for UploadBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want =
            usize::try_from(this.remaining).map_or(this.buf.len(), |r| r.min(this.buf.len()));
        let Some(space) = this.buf.get_mut(..want) else {
            return Poll::Ready(None);
        };
        let mut read = ReadBuf::new(space);
        match this.reader.as_mut().poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(())) => {
                let filled = read.filled();
                if filled.is_empty() {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the source ended before its declared length",
                    ))));
                }
                this.remaining -= filled.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(filled)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

impl core::fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UploadBody").field("remaining", &self.remaining).finish_non_exhaustive()
    }
}

/// The `Content-Type` for a file name's extension: the formats the pages list.
fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "avi" => "video/x-msvideo",
        _ => "application/octet-stream",
    }
}

fn check_size(len: u64) -> Result<(), Error> {
    if len > MAX_UPLOAD_BYTES {
        return Err(Error::upload("the file is over the 5 GB single-file limit", None));
    }
    Ok(())
}

// Uploads.
impl<C: Connector> Client<C> {
    /// Asks for a pre-signed upload URL for a file called `file_name` (with its extension,
    /// such as `my-video.mp4`): `POST {prefix}/upload/single-file`.
    ///
    /// # Errors
    ///
    /// As [`Client::send`]; [`ErrorKind::Data`](crate::ErrorKind::Data) for a reply without
    /// `upload_url`, [`ErrorKind::Upload`](crate::ErrorKind::Upload) for one without
    /// `identity` (or `identify`).
    pub async fn request_upload(&self, file_name: &str) -> Result<UploadTarget, Error> {
        let body = super::to_json(&serde_json::json!({ "name": file_name }))?;
        let path = format!("{}/upload/single-file", self.api_settings().prefix.as_str());
        // Asking twice only mints a second URL: safe to retry like a GET.
        let request = ApiRequest::post(path, body).mark_idempotent();
        let response = self.send(&request).await?;
        let received = Instant::now();
        let mut raw: RawUploadTarget = response.data_as()?;
        let Some(identity) = raw.identity() else {
            return Err(Error::upload("the reply names no `identity` (or `identify`)", None));
        };
        Ok(UploadTarget {
            upload_url: raw.upload_url,
            identity,
            expires_at: received.checked_add(UPLOAD_URL_LIFETIME).unwrap_or(received),
        })
    }

    /// `PUT`s `len` bytes from `reader` to `target`'s pre-signed URL, streamed in chunks of
    /// at most 64 KiB, with `Content-Length` and `content_type`, and without the API key
    /// (the URL is on the storage host and carries its own signature). The whole transfer
    /// must end before the URL expires.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Upload`](crate::ErrorKind::Upload): `len` over [`MAX_UPLOAD_BYTES`],
    /// an expired URL (nothing is sent), a URL that is not `https` (or `http` to loopback),
    /// a source shorter than `len`, a failed connection, the URL expiring mid-transfer, or
    /// a non-2xx reply from the storage host (its status and body kept).
    pub async fn put_upload(
        &self,
        target: &UploadTarget,
        reader: impl AsyncRead + Send + 'static,
        len: u64,
        content_type: &str,
    ) -> Result<(), Error> {
        check_size(len)?;
        if Instant::now() >= target.expires_at {
            return Err(Error::upload("the pre-signed URL has expired; request a new one", None));
        }
        let uri: Uri = target
            .upload_url
            .parse()
            .map_err(|_| Error::upload("the upload URL is not a valid URI", None))?;
        let secure = uri.scheme() == Some(&Scheme::HTTPS);
        let local = uri.scheme() == Some(&Scheme::HTTP) && uri.host().is_some_and(is_loopback);
        if !secure && !local {
            return Err(Error::upload("the upload URL must be https (or http to loopback)", None));
        }
        let content_type = HeaderValue::try_from(content_type)
            .map_err(|_| Error::upload("invalid content type", None))?;
        let (http, user_agent) = self.upload_http();
        let body = UploadBody::new(Box::pin(reader), len);
        let request = http::Request::builder()
            .method(Method::PUT)
            .uri(uri)
            .header(CONTENT_TYPE, content_type)
            .header(CONTENT_LENGTH, len)
            .header(USER_AGENT, user_agent.clone())
            .body(body)
            .map_err(|_| Error::upload("invalid upload request", None))?;
        let exchange = async {
            let response = http
                .request(request)
                .await
                .map_err(|e| Error::upload_failed("the transfer failed", e))?;
            BufferedResponse::read(response, REPLY_LIMIT).await
        };
        let expired = || Error::upload("the pre-signed URL expired during the transfer", None);
        let reply = timeout_at(target.expires_at, exchange).await.map_err(|_| expired())??;
        if !reply.status().is_success() {
            let (status, _, body) = reply.into_parts();
            return Err(Error::upload("the storage host refused the upload", Some((status, body))));
        }
        Ok(())
    }

    /// Uploads `len` bytes from `reader` as a file called `file_name`: checks the size
    /// limit before sending anything, asks for a URL, then [`put_upload`](Self::put_upload)s
    /// with the `Content-Type` for the name's extension.
    ///
    /// # Errors
    ///
    /// As [`request_upload`](Self::request_upload) and [`put_upload`](Self::put_upload).
    pub async fn upload_reader(
        &self,
        file_name: &str,
        reader: impl AsyncRead + Send + 'static,
        len: u64,
    ) -> Result<Uploaded, Error> {
        check_size(len)?;
        let target = self.request_upload(file_name).await?;
        self.put_upload(&target, reader, len, content_type(file_name)).await?;
        Ok(Uploaded { identity: target.identity, bytes: len })
    }

    /// Uploads the file at `path`, streamed from disk; see
    /// [`upload_reader`](Self::upload_reader).
    ///
    /// ```no_run
    /// # async fn f(client: status_hyper::Client) -> Result<(), status_hyper::Error> {
    /// use status_hyper::api::ClipRequest;
    /// let uploaded = client.upload_file("talk.mp4").await?;
    /// let task = client.submit_clips(&ClipRequest::new(uploaded.identity())).await?;
    /// # let _ = task; Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Upload`](crate::ErrorKind::Upload) when the file cannot be opened or
    /// has no name; otherwise as [`upload_reader`](Self::upload_reader).
    pub async fn upload_file(&self, path: impl AsRef<Path>) -> Result<Uploaded, Error> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::upload("the path has no UTF-8 file name", None))?;
        let file = tokio::fs::File::open(path)
            .await
            .map_err(|e| Error::upload_failed("the file could not be opened", e))?;
        let len = file
            .metadata()
            .await
            .map_err(|e| Error::upload_failed("the file's length could not be read", e))?
            .len();
        self.upload_reader(name, file, len).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("a.MP4"), "video/mp4");
        assert_eq!(content_type("b.webm"), "video/webm");
        assert_eq!(content_type("c.mov"), "video/quicktime");
        assert_eq!(content_type("d.avi"), "video/x-msvideo");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[tokio::test]
    async fn the_body_reads_fixed_chunks_and_checks_the_length() {
        use http_body_util::BodyExt;
        let data = vec![7u8; CHUNK * 2 + 5];
        let mut body = UploadBody::new(Box::pin(io::Cursor::new(data.clone())), data.len() as u64);
        let mut sizes = Vec::new();
        while let Some(frame) = body.frame().await {
            sizes.push(frame.unwrap().into_data().unwrap().len());
        }
        assert_eq!(sizes, [CHUNK, CHUNK, 5]);
        let mut short = UploadBody::new(Box::pin(io::Cursor::new(vec![1u8; 10])), 11);
        assert_eq!(short.frame().await.unwrap().unwrap().into_data().unwrap().len(), 10);
        let err = short.frame().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
