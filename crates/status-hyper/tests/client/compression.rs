//! Compressed replies: decoded as they arrive, with the body limit on the decoded size.
#![cfg(feature = "gzip")]

use http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_LENGTH};
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiRequest, BufferedResponse, ErrorKind, RetryPolicy};

use crate::common::{builder, gzip_of_zeros, PROTOCOLS};

const RESULTS: &str = r#"{"id": "proj_abc123", "status": "SUCCEEDED", "clips": []}"#;

#[tokio::test]
async fn a_gzip_reply_is_decoded_in_any_chunking() {
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        server.push_all([
            MockReply::success(RESULTS).gzip(),
            MockReply::success(RESULTS).gzip().chunked(7),
            MockReply::message(500, "disk full", "tr-gz").gzip(),
        ]);
        let client = builder(&server, http2).retry(RetryPolicy::never()).build_http().unwrap();
        let get = ApiRequest::get("/api/v2/clips/results/proj_abc123");
        for _ in 0..2 {
            let response = client.send(&get).await.unwrap();
            assert_eq!(response.data().unwrap().get(), RESULTS);
            // The headers describe the body as held: decoded.
            let headers = response.buffered().headers();
            assert!(
                headers.get(CONTENT_ENCODING).is_none() && headers.get(CONTENT_LENGTH).is_none()
            );
        }
        let e = client.send(&get).await.unwrap_err();
        assert_eq!((e.kind(), e.trace_id()), (ErrorKind::Api, Some("tr-gz")));
    }
}

#[tokio::test]
async fn corrupt_or_unasked_encodings_are_content_encoding_errors() {
    let server = MockServer::start().await.unwrap();
    let gzip = HeaderValue::from_static("gzip");
    let mut truncated = MockReply::success(RESULTS).gzip().body_bytes().to_vec();
    truncated.truncate(truncated.len() - 4);
    server.push_all([
        MockReply::json(200, truncated).header(CONTENT_ENCODING, gzip.clone()),
        MockReply::json(200, "not gzip").header(CONTENT_ENCODING, gzip),
        MockReply::json(200, "x").header(CONTENT_ENCODING, HeaderValue::from_static("zstd")),
    ]);
    let client = builder(&server, false).retry(RetryPolicy::never()).build_http().unwrap();
    for _ in 0..3 {
        let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ContentEncoding, "{e:?}");
        assert!(!e.is_retryable());
        assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    }
}

#[test]
fn the_bomb_is_a_valid_gzip_of_zeros() {
    use std::io::Read as _;
    // The same construction, small enough to inflate in full here.
    let small = gzip_of_zeros(3);
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&small[..]).read_to_end(&mut inflated).unwrap();
    assert_eq!(inflated.len(), 3 << 20);
    assert!(inflated.iter().all(|&b| b == 0));
}

#[tokio::test]
async fn a_gigabyte_of_zeros_in_a_megabyte_of_gzip_fails_at_the_limit() {
    let bomb = gzip_of_zeros(1024);
    // Deflate's best ratio is about 1:1032: a GiB of zeros takes about 1 MB.
    assert!(bomb.len() < 1_100_000, "{}", bomb.len());
    // The default limit, 8 MiB: the compressed body is well under it, the decoded one not.
    let limit = BufferedResponse::DEFAULT_BODY_LIMIT;
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        let encoded = HeaderValue::from_static("gzip");
        // An error status, as the body is read whole under the limit then: a 2xx body of
        // zeros fails sooner, at its first decoded byte.
        server.push_all([
            MockReply::json(500, bomb.clone()).header(CONTENT_ENCODING, encoded.clone()),
            MockReply::json(500, bomb.clone())
                .header(CONTENT_ENCODING, encoded.clone())
                .chunked(64),
            MockReply::json(200, bomb.clone()).header(CONTENT_ENCODING, encoded).chunked(64),
        ]);
        let client = builder(&server, http2).retry(RetryPolicy::never()).build_http().unwrap();
        for _ in 0..2 {
            let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::BodyTooLarge, "{e:?}");
            assert_eq!(e.body_limit(), Some(limit));
            assert!(e.raw_body().is_none());
        }
        let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Decode | ErrorKind::BodyTooLarge), "{e:?}");
        assert!(e.raw_body().is_none_or(|b| b.len() as u64 <= limit));
    }
}

#[tokio::test]
async fn the_adapter_stops_reading_at_the_limit() {
    // Through the adapter directly: the decoded bytes pass the limit within the first
    // kilobytes of the compressed body, and nothing after them is read.
    let bomb = bytes::Bytes::from(gzip_of_zeros(64));
    let chunks: Vec<_> = bomb.chunks(1024).map(bytes::Bytes::copy_from_slice).collect();
    let total = chunks.len();
    let read = std::sync::Arc::new(core::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&read);
    let stream = frames(chunks, move || {
        counter.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    });
    let response = http::Response::builder().header(CONTENT_ENCODING, "gzip").body(stream).unwrap();
    let limit: u64 = 1 << 20;
    let e = BufferedResponse::read(response, limit).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BodyTooLarge);
    let chunks_read = read.load(core::sync::atomic::Ordering::Relaxed);
    // 1 MiB of zeros is about 1 KiB of deflate: a chunk or two past the limit at most.
    assert!(chunks_read <= 3, "read {chunks_read} of {total} chunks");
    assert!(total > 60);
}

/// A body that yields `chunks` one frame at a time, calling `on_frame` for each.
fn frames(
    chunks: Vec<bytes::Bytes>,
    on_frame: impl Fn() + Send + Unpin + 'static,
) -> impl http_body::Body<Data = bytes::Bytes, Error = std::io::Error> + Send + Unpin {
    struct Frames<F> {
        chunks: std::collections::VecDeque<bytes::Bytes>,
        on_frame: F,
    }
    impl<F: Fn() + Unpin> http_body::Body for Frames<F> {
        type Data = bytes::Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: core::pin::Pin<&mut Self>,
            _: &mut core::task::Context<'_>,
        ) -> core::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, std::io::Error>>>
        {
            let next = self.chunks.pop_front();
            if next.is_some() {
                (self.on_frame)();
            }
            core::task::Poll::Ready(next.map(|c| Ok(http_body::Frame::data(c))))
        }
    }
    Frames { chunks: chunks.into(), on_frame }
}
