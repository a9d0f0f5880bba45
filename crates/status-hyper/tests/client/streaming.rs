//! Bodies validated as they arrive, and the items of a list typed one by one.
//!
//! A client that waited for the rest of a body these tests cut short (a stall, a slow
//! trickle) would end in its attempt timeout instead of the decode error asserted here.

use core::error::Error as _;
use core::time::Duration;

use crate::common::{builder, fast_retry, PROTOCOLS};
use serde::Deserialize;
use status_core::stream::ItemPath;
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiRequest, ClientBuilder, ErrorKind};

async fn server() -> MockServer {
    MockServer::builder().rate_limit(None).start().await.unwrap()
}

fn client(server: &MockServer, http2: bool) -> status_hyper::Client {
    quick(builder(server, http2)).build_http().unwrap()
}

fn quick(b: ClientBuilder) -> ClientBuilder {
    b.rate_limiter(None).retry(fast_retry(3)).attempt_timeout(Some(Duration::from_secs(20)))
}

fn core_error(e: &status_hyper::Error) -> status_core::Error {
    *e.source().and_then(|s| s.downcast_ref::<status_core::Error>()).expect("a status-core source")
}

/// A clip as the API sends it, with varied text (escapes, non-ASCII) and both number forms.
fn clip_json(i: usize) -> serde_json::Value {
    let begin = i as u64 * 1000;
    serde_json::json!({
        "idx": i,
        "title": format!("Clip n\u{00b0}{i} \"quoted\" \\ caf\u{e9}"),
        "begin_ms": if i.is_multiple_of(3) { serde_json::json!(begin.to_string()) } else { serde_json::json!(begin) },
        "end_ms": begin + 750,
        "thumbnail": format!("https://cdn.example.com/{i}.jpg"),
        "tags": ["a", format!("t{i}")],
        "desc": "line\nbreak",
    })
}

fn clips_body(n: usize) -> String {
    let clips: Vec<_> = (0..n).map(clip_json).collect();
    serde_json::json!({
        "code": 0,
        "data": {"id": "proj_many", "name": "many", "status": "SUCCEEDED", "clips": clips},
    })
    .to_string()
}

/// `n` chunks of about 64 bytes each.
fn chunks_of_64(body: &str) -> usize {
    body.len().div_ceil(64)
}

/// A body whose byte 30 breaks the grammar, followed by `tail` bytes of valid-looking data.
fn malformed(tail: usize) -> Vec<u8> {
    let mut body = br#"{"data": {"id": "proj_abc123","#.to_vec();
    assert_eq!(body.len(), 30);
    body.push(b']');
    body.extend(core::iter::repeat_n(b' ', tail));
    body
}

#[tokio::test]
async fn a_malformed_2xx_body_fails_at_its_first_bad_byte_and_the_rest_is_not_awaited() {
    let server = server().await;
    let body = malformed(4 * 1024 * 1024);
    let expected = status_core::decode(200, &body).unwrap_err();
    assert_eq!(expected.offset(), 30);
    for http2 in PROTOCOLS {
        let client = client(&server, http2);
        // 64 bytes, then the connection stalls forever with megabytes still declared.
        server.push(MockReply::json(200, body.clone()).stall_after(64));
        let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{http2}: {e:?}");
        assert_eq!(core_error(&e), expected);
        assert_eq!(e.status().unwrap(), 200);
        assert_eq!(e.raw_body().unwrap().as_ref(), &body[..64]);
        assert_eq!(e.attempts(), 1);
        // 4 MiB in 4096 chunks 50 ms apart would take minutes to arrive.
        server.push(
            MockReply::json(200, body.clone())
                .chunked(4096)
                .chunk_interval(Duration::from_millis(50)),
        );
        let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{http2}: {e:?}");
        assert_eq!(core_error(&e), expected);
        assert!(e.raw_body().unwrap().len() < 4096, "{}", e.raw_body().unwrap().len());
    }
}

#[cfg(feature = "gzip")]
#[tokio::test]
async fn a_malformed_gzip_body_fails_at_its_decoded_offset() {
    let server = server().await;
    let body = malformed(200_000);
    let expected = status_core::decode(200, &body).unwrap_err();
    for http2 in PROTOCOLS {
        let client = client(&server, http2);
        server.push(MockReply::json(200, body.clone()).gzip().chunked(64));
        let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{http2}: {e:?}");
        assert_eq!(core_error(&e), expected);
        assert!(e.raw_body().unwrap().starts_with(&body[..31]));
    }
}

#[tokio::test]
async fn error_statuses_are_still_read_whole_and_valid_bodies_decode_as_before() {
    let server = server().await;
    let html = format!("<html>{}</html>", "x".repeat(100_000));
    let body = clips_body(50);
    for http2 in PROTOCOLS {
        let client = client(&server, http2).clone();
        server.push(MockReply::html(404, html.clone()).chunked(100));
        let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Api);
        assert_eq!(e.raw_body().unwrap().as_ref(), html.as_bytes());
        server.push(MockReply::json(200, body.clone()).chunked(chunks_of_64(&body)));
        let response = client.send(&ApiRequest::get("/x")).await.unwrap();
        let whole = status_core::decode(200, body.as_bytes()).unwrap().into_result().unwrap();
        assert_eq!(response.data().unwrap().as_bytes(), whole.data().unwrap().as_bytes());
    }
}

#[tokio::test]
async fn a_thousand_clips_stream_as_clip_results_gives_them() {
    let server = server().await;
    let body = clips_body(1200);
    assert!(body.len() > 200_000, "{}", body.len());
    for http2 in PROTOCOLS {
        let client = client(&server, http2);
        server.push(MockReply::json(200, body.clone()).chunked(chunks_of_64(&body)));
        let results = client.clip_results("proj_many").await.unwrap();
        assert_eq!(results.clips.len(), 1200);
        server.push(MockReply::json(200, body.clone()).chunked(chunks_of_64(&body)));
        let mut clips = client.stream_clips("proj_many", 1024).await.unwrap();
        assert_eq!(clips.attempts(), 1);
        let mut streamed = Vec::new();
        while let Some(clip) = clips.next().await {
            streamed.push(clip.unwrap());
        }
        assert_eq!(streamed, results.clips, "{http2}");
        assert!(clips.next().await.is_none());
        let requests = server.requests();
        assert_eq!(requests.last().unwrap().path, "/api/v2/clips/results/proj_many");
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Point {
    i: u64,
    label: String,
}

fn points_body(n: u64) -> String {
    let mut body = String::from(r#"{"data": {"meta": {"points": "not these"}, "points": ["#);
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"i": {i}, "label": "point {i:>8}", "pad": [1, 2.5e3, true, null]}}"#
        ));
    }
    body.push_str("]}}");
    body
}

#[tokio::test]
async fn a_multi_megabyte_body_streams_through_a_one_kib_window_past_the_body_limit() {
    let server = server().await;
    let n = 60_000;
    let body = points_body(n);
    assert!(body.len() > 4 * 1024 * 1024, "{}", body.len());
    let path = ItemPath::new(&["points"]).unwrap();
    for http2 in PROTOCOLS {
        // A body limit far below the body: `send` could not hold it, the stream never does.
        let client = quick(builder(&server, http2)).body_limit(64 * 1024).build_http().unwrap();
        server.push(MockReply::json(200, body.clone()).chunked(body.len() / 1000));
        let e = client.send(&ApiRequest::get("/points")).await.unwrap_err();
        assert!(e.is_body_too_large(), "{e:?}");
        server.push(MockReply::json(200, body.clone()).chunked(body.len() / 1000));
        let request = ApiRequest::get("/points");
        let mut points = client.stream_items::<Point>(&request, path, 1024).await.unwrap();
        assert_eq!(points.window_size(), 1024);
        let mut next = 0;
        while let Some(point) = points.next().await {
            let point = point.unwrap();
            assert_eq!(point, Point { i: next, label: format!("point {next:>8}") });
            next += 1;
        }
        assert_eq!(next, n);
        assert_eq!(points.decoded_items(), n);
    }
}

#[tokio::test]
async fn as_a_futures_stream() {
    use futures_util::StreamExt;
    let server = server().await;
    let body = points_body(300);
    let client = client(&server, false);
    server.push(MockReply::json(200, body.clone()).chunked(17));
    let path = ItemPath::new(&["points"]).unwrap();
    let points = client.stream_items::<Point>(&ApiRequest::get("/p"), path, 256).await.unwrap();
    let all: Vec<_> = points.into_stream().map(Result::unwrap).collect().await;
    assert_eq!(all.len(), 300);
    assert_eq!(all[299].label, format!("point {:>8}", 299));
}

fn too_large(e: &status_hyper::Error) {
    assert_eq!(e.kind(), ErrorKind::Decode, "{e:?}");
    assert_eq!(core_error(e).kind(), status_core::ErrorKind::ItemTooLarge);
}

#[tokio::test]
async fn an_item_larger_than_the_window_is_a_typed_decode_error() {
    let server = server().await;
    let path = ItemPath::new(&["points"]).unwrap();
    let big = format!(r#"{{"i": 9, "label": "{}"}}"#, "y".repeat(2000));
    let later = format!(r#"{{"data": {{"points": [{{"i": 0, "label": "a"}}, {big}]}}}}"#);
    let first = format!(r#"{{"data": {{"points": [{big}]}}}}"#);
    for http2 in PROTOCOLS {
        let client = client(&server, http2);
        // After a small item: that item, then the error, then the end.
        server.push(MockReply::json(200, later.clone()).chunked(40));
        let request = ApiRequest::get("/p");
        let mut points = client.stream_items::<Point>(&request, path, 1024).await.unwrap();
        assert_eq!(points.next().await.unwrap().unwrap().label, "a");
        too_large(&points.next().await.unwrap().unwrap_err());
        assert!(points.next().await.is_none());
        // As the first item: the call fails, and is not retried.
        server.push(MockReply::json(200, first.clone()).chunked(40));
        let e = client.stream_items::<Point>(&request, path, 1024).await.unwrap_err();
        too_large(&e);
        assert_eq!(e.attempts(), 1);
        // A window of 2 KiB takes it.
        server.push(MockReply::json(200, first.clone()).chunked(40));
        let mut points = client.stream_items::<Point>(&request, path, 2048).await.unwrap();
        assert_eq!(points.next().await.unwrap().unwrap().i, 9);
        assert!(points.next().await.is_none());
    }
}

#[tokio::test]
async fn a_body_malformed_mid_stream_fails_at_its_byte_after_the_earlier_items() {
    let server = server().await;
    let path = ItemPath::new(&["points"]).unwrap();
    let valid = points_body(100);
    // Break the 61st item: its `"i"` key loses its closing quote's colon.
    let at = valid.find(r#"{"i": 60,"#).unwrap() + r#"{"i""#.len();
    let mut body = valid.clone().into_bytes();
    body[at] = b'x';
    let expected = status_core::decode(200, &body).unwrap_err();
    assert_eq!(expected.offset(), at);
    for http2 in PROTOCOLS {
        let client = client(&server, http2);
        // The connection stalls a little after the bad byte: nothing past it is awaited.
        server.push(MockReply::json(200, body.clone()).chunked(200).stall_after(at + 40));
        let request = ApiRequest::get("/p");
        let mut points = client.stream_items::<Point>(&request, path, 512).await.unwrap();
        for i in 0..60 {
            assert_eq!(points.next().await.unwrap().unwrap().i, i);
        }
        let e = points.next().await.unwrap().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{e:?}");
        assert_eq!(core_error(&e), expected);
        assert!(points.next().await.is_none());
    }
}

#[tokio::test]
async fn an_item_that_does_not_fit_the_type_ends_the_stream_with_a_data_error() {
    let server = server().await;
    let path = ItemPath::new(&["points"]).unwrap();
    let body = r#"{"data": {"points": [{"i": 1, "label": "a"}, {"i": "two", "label": "b"}, {"i": 3, "label": "c"}]}}"#;
    let client = client(&server, false);
    server.push(MockReply::json(200, body));
    let mut points = client.stream_items::<Point>(&ApiRequest::get("/p"), path, 128).await.unwrap();
    assert_eq!(points.next().await.unwrap().unwrap().i, 1);
    let e = points.next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Data);
    assert_eq!(e.raw_body().unwrap().as_ref(), br#"{"i": "two", "label": "b"}"#);
    assert!(points.next().await.is_none());
}

#[tokio::test]
async fn failures_before_the_first_item_are_retried_and_error_statuses_are_api_errors() {
    let server = server().await;
    let path = ItemPath::new(&["points"]).unwrap();
    let body = points_body(5);
    for http2 in PROTOCOLS {
        let client = client(&server, http2);
        server.push(MockReply::message(503, "busy", "tr-1"));
        server.push(MockReply::json(200, body.clone()).abort_after(20));
        server.push(MockReply::json(200, body.clone()).chunked(3));
        let request = ApiRequest::get("/p");
        let mut points = client.stream_items::<Point>(&request, path, 128).await.unwrap();
        assert_eq!(points.attempts(), 3);
        let mut n = 0;
        while let Some(p) = points.next().await {
            p.unwrap();
            n += 1;
        }
        assert_eq!(n, 5);
        server.push(MockReply::message(400, "bad id", "tr-2"));
        let e = client.stream_items::<Point>(&request, path, 128).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Api);
        assert_eq!((e.message(), e.trace_id()), (Some("bad id"), Some("tr-2")));
    }
}

#[tokio::test]
async fn a_list_without_items_or_absent_yields_nothing() {
    let server = server().await;
    let path = ItemPath::new(&["points"]).unwrap();
    let client = client(&server, false);
    for body in [r#"{"data": {"points": []}}"#, r#"{"data": {"other": 1}}"#, r#"{"code": 0}"#] {
        server.push(MockReply::json(200, body));
        let mut points = client.stream_items::<Point>(&ApiRequest::get("/p"), path, 64).await;
        assert!(points.as_mut().unwrap().next().await.is_none(), "{body}");
    }
    // A body that ends early is a decode error at its end, as `decode` says.
    let cut = r#"{"data": {"points": [{"i": 1, "label": "a"}"#;
    server.push(MockReply::json(200, cut));
    let mut points = client.stream_items::<Point>(&ApiRequest::get("/p"), path, 64).await.unwrap();
    assert_eq!(points.next().await.unwrap().unwrap().i, 1);
    let e = points.next().await.unwrap().unwrap_err();
    assert_eq!(core_error(&e), status_core::decode(200, cut.as_bytes()).unwrap_err());
}
