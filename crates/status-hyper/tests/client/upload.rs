//! Uploads: a pre-signed URL, then the file streamed to it without the key.

use core::pin::Pin;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll};
use std::sync::Arc;

use http::header::AUTHORIZATION;
use http::Method;
use status_hyper::api::{ClipRequest, MAX_UPLOAD_BYTES, UPLOAD_URL_LIFETIME};
use status_hyper::mock::{fnv1a, MockServer, FNV_OFFSET};
use status_hyper::ErrorKind;
use tokio::io::{AsyncRead, ReadBuf};

use crate::common::{builder, paused, PROTOCOLS};

const SIZE: usize = 8 * 1024 * 1024 + 123;

/// Pseudo-random bytes, so that a reordered or repeated chunk changes the hash.
fn content(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// An `AsyncRead` that records the largest read it was asked for.
struct Counting<R> {
    inner: R,
    largest: Arc<AtomicUsize>,
}

impl<R: AsyncRead + Unpin> AsyncRead for Counting<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.largest.fetch_max(buf.remaining(), Ordering::Relaxed);
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

#[tokio::test]
async fn an_8_mib_file_is_streamed_byte_exact_without_the_key() {
    let dir = std::env::temp_dir().join(format!("status-hyper-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("talk.mp4");
    let data = content(SIZE);
    std::fs::write(&path, &data).unwrap();
    let hash = fnv1a(FNV_OFFSET, &data);
    drop(data);
    for http2 in PROTOCOLS {
        let server = MockServer::builder().polls_to_finish(1).start().await.unwrap();
        let client = builder(&server, http2).build_http().unwrap();
        let uploaded = client.upload_file(&path).await.unwrap();
        assert_eq!(uploaded.bytes, SIZE as u64);
        let seen = server.uploads();
        assert_eq!(seen.len(), 1);
        let put = &seen[0];
        assert_eq!((put.status, put.bytes, put.fnv1a), (200, SIZE as u64, hash), "http2 {http2}");
        assert_eq!(put.identity, uploaded.identity);
        assert_eq!(put.content_length, Some(SIZE as u64));
        assert_eq!(put.content_type.as_deref(), Some("video/mp4"));
        assert!(!put.had_authorization);
        let requests = server.requests();
        let put_request = requests.iter().find(|r| r.method == Method::PUT).unwrap();
        assert!(put_request.headers.get(AUTHORIZATION).is_none());
        assert!(put_request.path.starts_with("/storage/"));
        assert!(requests
            .iter()
            .filter(|r| r.method == Method::POST)
            .all(|r| r.has_bearer(crate::common::KEY)));

        // The identity is accepted as `video_url`, once.
        let request = ClipRequest::new(uploaded.identity());
        let task = client.submit_clips(&request).await.unwrap();
        assert_eq!(client.clip_results(task.id()).await.unwrap().clips.len(), 4);
        let again = client.submit_clips(&request).await.unwrap_err();
        assert_eq!(again.status().map(|s| s.as_u16()), Some(400));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn reads_are_bounded_chunks_from_any_reader() {
    let data = content(3 * 1024 * 1024 + 7);
    let hash = fnv1a(FNV_OFFSET, &data);
    let largest = Arc::new(AtomicUsize::new(0));
    let reader =
        Counting { inner: std::io::Cursor::new(data.clone()), largest: Arc::clone(&largest) };
    let server = MockServer::start().await.unwrap();
    let client = builder(&server, true).build_http().unwrap();
    let uploaded = client.upload_reader("clip.webm", reader, data.len() as u64).await.unwrap();
    assert_eq!(uploaded.bytes, data.len() as u64);
    assert_eq!(server.uploads()[0].fnv1a, hash);
    assert_eq!(server.uploads()[0].content_type.as_deref(), Some("video/webm"));
    // The body never asks for more than one 64 KiB chunk at a time.
    let most = largest.load(Ordering::Relaxed);
    assert!(most > 0 && most <= 64 * 1024, "{most}");
}

#[tokio::test]
async fn an_oversized_file_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await.unwrap();
    let client = builder(&server, false).build_http().unwrap();
    let err = client
        .upload_reader("huge.mp4", tokio::io::empty(), MAX_UPLOAD_BYTES + 1)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upload);
    assert!(err.to_string().contains("5 GB"), "{err}");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_source_shorter_than_declared_fails() {
    let server = MockServer::start().await.unwrap();
    let client = builder(&server, false).build_http().unwrap();
    let reader = std::io::Cursor::new(vec![1u8; 1000]);
    let err = client.upload_reader("short.mp4", reader, 5000).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upload);
}

#[tokio::test(start_paused = true)]
async fn an_expired_url_is_not_used() {
    let server = MockServer::start().await.unwrap();
    let client = paused(builder(&server, false)).build_http().unwrap();
    let target = client.request_upload("late.mp4").await.unwrap();
    tokio::time::advance(UPLOAD_URL_LIFETIME).await;
    let reader = std::io::Cursor::new(vec![0u8; 10]);
    let err = client.put_upload(&target, reader, 10, "video/mp4").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upload);
    assert!(err.to_string().contains("expired"), "{err}");
    assert!(server.uploads().is_empty());
    assert!(!format!("{target:?}").contains("X-Mock-Signature"), "the signature is not shown");
}

#[tokio::test]
async fn a_refusing_storage_host_keeps_its_reply() {
    let server = MockServer::start().await.unwrap();
    let client = builder(&server, false).build_http().unwrap();
    let mut target = client.request_upload("a.mp4").await.unwrap();
    target.upload_url = format!("{}storage/unknown-token", server.uri());
    let err = client
        .put_upload(&target, std::io::Cursor::new(vec![0u8; 4]), 4, "video/mp4")
        .await
        .unwrap_err();
    assert_eq!((err.kind(), err.status().map(|s| s.as_u16())), (ErrorKind::Upload, Some(404)));
    assert!(err.raw_body().is_some());
}
