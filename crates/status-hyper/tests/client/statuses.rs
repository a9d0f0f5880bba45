//! Every documented status, and what the wire can also bring, end to end through a real
//! hyper server on loopback, over HTTP/1.1 and HTTP/2.

use core::time::Duration;

use crate::common::{builder, fast_retry, KEY, PROTOCOLS};
use bytes::Bytes;
use http::{StatusCode, Version};
use http_body_util::Full;
use status_core::{ErrorKind as CoreKind, ErrorShape, Reply};
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{
    ApiRequest, BufferedResponse, Client, Error, ErrorKind, RetryPolicy, SuccessResponse,
};

const CLIP_RESULTS: &str = r#"{
    "id": "proj_abc123", "name": "sample project name", "status": "SUCCEEDED",
    "clips": [{"idx": 0, "title": "sample title", "begin_ms": "15000", "end_ms": "75000",
               "thumbnail": "https://cdn.example.com/thumb/clip_001.jpg",
               "tags": ["insight", "analysis"], "desc": "sample description"}]}"#;

async fn once(http2: bool, reply: MockReply) -> (Result<SuccessResponse, Error>, MockServer) {
    let server = MockServer::start().await.unwrap();
    server.push(reply);
    let client = builder(&server, http2).retry(RetryPolicy::never()).build_http().unwrap();
    let result = client.send(&ApiRequest::get("/api/v2/clips/results/proj_abc123")).await;
    (result, server)
}

fn version(http2: bool) -> Version {
    if http2 {
        Version::HTTP_2
    } else {
        Version::HTTP_11
    }
}

#[tokio::test]
async fn ok_with_data_sends_auth_and_version() {
    for http2 in PROTOCOLS {
        let (result, server) = once(http2, MockReply::success(CLIP_RESULTS)).await;
        let response = result.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.data().unwrap().get(), CLIP_RESULTS);
        assert_eq!(response.attempts(), 1);
        let seen = &server.requests()[0];
        assert_eq!(seen.version, version(http2));
        assert!(seen.has_bearer(KEY));
        assert_eq!(seen.headers["x-wayinvideo-api-version"], "v2");
        assert_eq!(seen.path, "/api/v2/clips/results/proj_abc123");
    }
}

#[tokio::test]
async fn ok_with_extra_keys_and_no_content() {
    for http2 in PROTOCOLS {
        let body = r#"{"code": "0", "data": {"id": "proj_abc123"}, "message": "Succeed"}"#;
        let (result, _s) = once(http2, MockReply::json(200, body)).await;
        let response = result.unwrap();
        assert_eq!(response.data().unwrap().get(), r#"{"id": "proj_abc123"}"#);
        assert_eq!(response.success().field("code").unwrap().get(), r#""0""#);

        let (result, _s) = once(http2, MockReply::empty(204)).await;
        let response = result.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert!(response.data().is_none());
    }
}

#[tokio::test]
async fn bad_request_and_server_error_carry_message_and_trace_id() {
    for http2 in PROTOCOLS {
        for (status, retryable) in [(400, false), (500, true)] {
            let reply = MockReply::message(status, "unsupported video format", "tr-7f3a");
            let (result, _s) = once(http2, reply).await;
            let err = result.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Api);
            assert_eq!(err.status().unwrap().as_u16(), status);
            assert_eq!(err.message(), Some("unsupported video format"));
            assert_eq!(err.trace_id(), Some("tr-7f3a"));
            assert_eq!(err.is_retryable(), retryable);
            assert!(err.to_string().contains("[trace_id tr-7f3a]"), "{err}");
            assert_eq!(err.unrecognized_reason(), None);
        }
    }
}

#[tokio::test]
async fn forbidden_and_too_many_requests_carry_the_gateway_fields() {
    for http2 in PROTOCOLS {
        for (status, error) in [(403, "Forbidden"), (429, "Too Many Requests")] {
            let reply = MockReply::gateway(status, error, "/api/v2/clips").retry_after_secs(3);
            let (result, _s) = once(http2, reply).await;
            let err = result.unwrap_err();
            assert_eq!(err.status().unwrap().as_u16(), status);
            assert_eq!(err.error_name(), Some(error));
            assert_eq!(err.path(), Some("/api/v2/clips"));
            assert!(err.timestamp().unwrap().unix_ms() > 1_700_000_000_000);
            assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
            assert_eq!(err.is_retryable(), status == 429);
        }
    }
}

#[tokio::test]
async fn undocumented_statuses_keep_status_and_raw_body() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    for http2 in PROTOCOLS {
        let cases = [
            (MockReply::html(502, html), html, CoreKind::ExpectedValue, true),
            (MockReply::empty(504), "", CoreKind::EmptyBody, true),
            (MockReply::empty(401), "", CoreKind::EmptyBody, false),
            (
                MockReply::json(503, r#"{"message": "down"}"#),
                r#"{"message": "down"}"#,
                CoreKind::MissingField,
                true,
            ),
        ];
        for (reply, body, reason, retryable) in cases {
            let status = reply.status();
            let (result, _s) = once(http2, reply).await;
            let err = result.unwrap_err();
            assert_eq!(err.status(), Some(status));
            assert_eq!(err.raw_body().unwrap(), body.as_bytes());
            assert_eq!(err.unrecognized_reason().unwrap().kind(), reason, "{status}");
            assert_eq!(err.is_retryable(), retryable, "{status}");
        }
        // A 404 in the message shape is understood, though the page does not list it.
        let (result, _s) = once(http2, MockReply::message(404, "no such project", "tr-404")).await;
        let err = result.unwrap_err();
        assert_eq!((err.message(), err.trace_id()), (Some("no such project"), Some("tr-404")));
    }
}

#[tokio::test]
async fn a_malformed_success_is_a_decode_error_with_the_body() {
    for http2 in PROTOCOLS {
        let (result, _s) = once(http2, MockReply::json(200, r#"{"data": [1, 2,]}"#)).await;
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert_eq!(err.raw_body().unwrap(), r#"{"data": [1, 2,]}"#.as_bytes());
        let source = core::error::Error::source(&err).unwrap();
        let core = source.downcast_ref::<status_core::Error>().unwrap();
        assert_eq!((core.kind(), core.offset()), (CoreKind::ExpectedValue, 15));
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn chunked_bodies_decode_whole() {
    for http2 in PROTOCOLS {
        let (result, _s) = once(http2, MockReply::success(CLIP_RESULTS).chunked(23)).await;
        assert_eq!(result.unwrap().data().unwrap().get(), CLIP_RESULTS);
        let reply = MockReply::message(500, "chunked failure", "tr-chunk").chunked(5);
        let (result, _s) = once(http2, reply).await;
        assert_eq!(result.unwrap_err().trace_id(), Some("tr-chunk"));
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_by_length_and_by_stream() {
    let big = format!(r#"{{"blob": "{}"}}"#, "x".repeat(4096));
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        let client = builder(&server, http2)
            .retry(RetryPolicy::never())
            .body_limit(1024)
            .build_http()
            .unwrap();
        let get = ApiRequest::get("/big");

        server.push(MockReply::success(&big));
        let err = client.send(&get).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ContentLengthTooLarge);
        assert_eq!((err.body_limit(), err.status()), (Some(1024), Some(StatusCode::OK)));
        assert!(err.is_body_too_large() && !err.is_retryable());

        server.push(MockReply::success(&big).chunked(16));
        let err = client.send(&get).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BodyTooLarge);
        assert_eq!(err.body_limit(), Some(1024));

        // Right at the limit is fine.
        let exact = format!(r#"{{"data": "{}"}}"#, "y".repeat(1024 - 12));
        assert_eq!(exact.len(), 1024);
        server.push(MockReply::json(200, exact.clone()).chunked(3));
        assert_eq!(client.send(&get).await.unwrap().buffered().raw_body().len(), 1024);
    }
}

#[tokio::test]
async fn a_stalled_body_times_out() {
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        server.push(MockReply::success(CLIP_RESULTS).stall_after(20));
        let client = builder(&server, http2)
            .retry(RetryPolicy::never())
            .attempt_timeout(Some(Duration::from_millis(200)))
            .build_http()
            .unwrap();
        let err = client.send(&ApiRequest::get("/slow")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout);
        assert!(err.is_timeout() && err.is_retryable());
    }
}

#[tokio::test]
async fn slow_headers_time_out_and_a_get_is_retried() {
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        server.push(MockReply::success("1").delay(Duration::from_secs(30)));
        server.push(MockReply::success("2"));
        let client = builder(&server, http2)
            .retry(fast_retry(3))
            .attempt_timeout(Some(Duration::from_secs(1)))
            .build_http()
            .unwrap();
        let response = client.send(&ApiRequest::get("/slow")).await.unwrap();
        assert_eq!((response.data().unwrap().get(), response.attempts()), ("2", 2));
    }
}

#[tokio::test]
async fn a_connection_closed_mid_body_is_a_body_error() {
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        server.push(MockReply::success(CLIP_RESULTS).abort_after(40));
        let client = builder(&server, http2).retry(RetryPolicy::never()).build_http().unwrap();
        let err = client.send(&ApiRequest::get("/cut")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
        assert!(core::error::Error::source(&err).is_some());

        // A GET is retried; a POST may have taken effect and is not.
        let client = builder(&server, http2).retry(fast_retry(3)).build_http().unwrap();
        server.push(MockReply::success(CLIP_RESULTS).abort_after(40));
        server.push(MockReply::success(CLIP_RESULTS));
        let response = client.send(&ApiRequest::get("/cut")).await.unwrap();
        assert_eq!(response.attempts(), 2);
        assert_eq!(response.data().unwrap().get(), CLIP_RESULTS);
        server.push(MockReply::success(CLIP_RESULTS).abort_after(40));
        let err = client.send(&ApiRequest::post("/api/v2/clips", "{}")).await.unwrap_err();
        assert_eq!((err.kind(), err.attempts()), (ErrorKind::Body, 1));
    }
}

#[tokio::test]
async fn the_adapter_reads_any_hyper_response() {
    use hyper_util::client::legacy::Client as HyperClient;
    use hyper_util::rt::TokioExecutor;

    let server = MockServer::start().await.unwrap();
    let hyper = HyperClient::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let url = format!("{}/anything", server.uri());

    server.push(MockReply::gateway(429, "Too Many Requests", "/anything").retry_after_secs(9));
    let response = hyper.get(url.parse().unwrap()).await.unwrap();
    let owned = BufferedResponse::read(response, 4096).await.unwrap();
    assert_eq!(owned.retry_after(), Some(Duration::from_secs(9)));
    match owned.reply().unwrap() {
        Reply::Error(e) => match e.shape() {
            ErrorShape::Gateway(g) => assert_eq!(g.error_name, "Too Many Requests"),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    let err = owned.into_result().unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(9)));

    server.push(MockReply::success(CLIP_RESULTS).chunked(4));
    let response = hyper.get(url.parse().unwrap()).await.unwrap();
    let owned = BufferedResponse::read(response, 4096).await.unwrap();
    let data = owned.reply().unwrap().into_result().unwrap().data().unwrap();
    assert_eq!(data.get(), CLIP_RESULTS);
}

#[tokio::test]
async fn the_simulation_refuses_a_wrong_key_with_403() {
    let server = MockServer::builder().api_key("the-right-key").start().await.unwrap();
    let client = Client::builder(server.uri(), status_hyper::ApiKey::new("a-wrong-key").unwrap())
        .build_http()
        .unwrap();
    let err = client.send(&ApiRequest::get("/api/v2/clips/results/x")).await.unwrap_err();
    assert_eq!((err.status(), err.error_name()), (Some(StatusCode::FORBIDDEN), Some("Forbidden")));
    assert_eq!(err.attempts(), 1);
}

#[derive(Debug, serde::Deserialize)]
struct ClipResults {
    id: String,
    status: String,
    clips: Vec<Clip>,
}

#[derive(Debug, serde::Deserialize)]
struct Clip {
    idx: u32,
    title: String,
    begin_ms: String,
    tags: Vec<String>,
}

#[tokio::test]
async fn typed_data_is_owned_and_a_mismatch_is_a_data_error() {
    for http2 in PROTOCOLS {
        let (result, _s) = once(http2, MockReply::success(CLIP_RESULTS).chunked(3)).await;
        let results: ClipResults = result.unwrap().data_as().unwrap();
        assert_eq!((results.id.as_str(), results.status.as_str()), ("proj_abc123", "SUCCEEDED"));
        let clip = &results.clips[0];
        assert_eq!(
            (clip.idx, clip.title.as_str(), clip.begin_ms.as_str()),
            (0, "sample title", "15000")
        );
        assert_eq!(clip.tags, ["insight", "analysis"]);

        let (result, _s) =
            once(http2, MockReply::success(r#"{"id": 42, "status": "x", "clips": []}"#)).await;
        let err = result.unwrap().data_as::<ClipResults>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Data);
        assert!(!err.is_retryable());
        let source = core::error::Error::source(&err).unwrap();
        let data_error = source.downcast_ref::<status_core::DataError>().unwrap();
        assert_eq!(data_error.offset(), 16, "{data_error}");
    }
}

#[tokio::test]
async fn a_slow_body_counts_against_the_attempt_timeout() {
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        let client = builder(&server, http2)
            .retry(RetryPolicy::never())
            .attempt_timeout(Some(Duration::from_secs(2)))
            .build_http()
            .unwrap();
        // Slow but in time: 6 chunks 10 ms apart.
        server.push(
            MockReply::success(CLIP_RESULTS).chunked(6).chunk_interval(Duration::from_millis(10)),
        );
        let response = client.send(&ApiRequest::get("/slow")).await.unwrap();
        assert_eq!(response.data().unwrap().get(), CLIP_RESULTS);
        // Headers at once, then a trickle that would take 20 s.
        server.push(
            MockReply::success(CLIP_RESULTS).chunked(40).chunk_interval(Duration::from_millis(500)),
        );
        let err = client.send(&ApiRequest::get("/slow")).await.unwrap_err();
        assert_eq!((err.kind(), err.status()), (ErrorKind::Timeout, Some(StatusCode::OK)));
    }
}
