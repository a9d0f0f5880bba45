//! The API key never shows in `Debug` or `Display` of the client, its settings, its events
//! or any error, while it does reach the server.

use core::error::Error as _;
use core::time::Duration;
use std::sync::{Arc, Mutex};

use crate::common::{builder, fast_retry, KEY};
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiKey, ApiRequest, Client, Error, ErrorKind};

/// Every rendering of `value` that a log line could contain.
fn renderings(debug: String, display: Option<String>) -> Vec<String> {
    let mut all = vec![debug];
    all.extend(display);
    all
}

fn assert_no_key(text: &str) {
    // The whole key, and its distinctive middle, in case of truncation.
    assert!(!text.contains(KEY), "key leaked: {text}");
    assert!(!text.contains("a1b2c3-distinctive"), "key leaked: {text}");
}

fn error_renderings(e: &Error) -> Vec<String> {
    let mut all = renderings(format!("{e:?}"), Some(e.to_string()));
    all.push(format!("{e:#?}"));
    let mut source = e.source();
    while let Some(s) = source {
        all.push(format!("{s:?}"));
        all.push(s.to_string());
        source = s.source();
    }
    all
}

#[tokio::test]
async fn nothing_the_client_prints_contains_the_key() {
    let server = MockServer::builder().api_key(KEY).start().await.unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let client = builder(&server, false)
        .retry(fast_retry(2))
        .body_limit(256)
        .attempt_timeout(Some(Duration::from_secs(1)))
        .observer(move |e| sink.lock().unwrap().push(format!("{e:?}")))
        .build_http()
        .unwrap();
    let mut texts = vec![
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{:?}", builder(&server, true)),
        format!("{:?}", ApiKey::new(KEY).unwrap()),
        format!("{server:?}"),
    ];

    // Successes, a project handle, and the requests as the mock recorded them.
    let (response, project) =
        client.submit(&ApiRequest::post("/api/v2/clips", "{}")).await.unwrap();
    texts.extend([format!("{response:?}"), format!("{project:?}")]);
    assert!(server.requests().iter().all(|r| r.has_bearer(KEY)), "the key did reach the server");
    texts.extend(server.requests().iter().map(|r| format!("{r:?}")));

    // Every kind of error the client can return.
    let mut errors = Vec::new();
    server.push_all([
        MockReply::message(400, "bad", "tr-1"),
        MockReply::html(502, "<html>proxy</html>"),
        MockReply::json(200, "{oops"),
        MockReply::success(&format!(r#""{}""#, "x".repeat(1000))),
        MockReply::success(&format!(r#""{}""#, "x".repeat(1000))).chunked(4),
        MockReply::success("1").stall_after(0),
        MockReply::success("1").abort_after(1),
    ]);
    for _ in 0..7 {
        errors.push(client.send(&ApiRequest::post("/x", "{}")).await.unwrap_err());
    }
    let wrong =
        Client::builder(server.uri(), ApiKey::new("another-key").unwrap()).build_http().unwrap();
    errors.push(wrong.send(&ApiRequest::get("/x")).await.unwrap_err());
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let closed =
        Client::builder(format!("http://{refused}").parse().unwrap(), ApiKey::new(KEY).unwrap())
            .retry(fast_retry(2))
            .build_http()
            .unwrap();
    errors.push(closed.send(&ApiRequest::get("/x")).await.unwrap_err());
    let insecure =
        Client::builder("http://example.com".parse().unwrap(), ApiKey::new(KEY).unwrap());
    errors.push(insecure.build_http().unwrap_err());
    errors.push(client.send(&ApiRequest::get("relative")).await.unwrap_err());

    let kinds: Vec<ErrorKind> = errors.iter().map(Error::kind).collect();
    for kind in [
        ErrorKind::Api,
        ErrorKind::Decode,
        ErrorKind::ContentLengthTooLarge,
        ErrorKind::BodyTooLarge,
        ErrorKind::Timeout,
        ErrorKind::Body,
        ErrorKind::Connect,
        ErrorKind::Config,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} not covered: {kinds:?}");
    }
    for e in &errors {
        texts.extend(error_renderings(e));
    }
    texts.extend(events.lock().unwrap().iter().cloned());
    assert!(texts.len() > 40);
    for text in &texts {
        assert_no_key(text);
    }
}

#[test]
fn an_invalid_key_is_not_echoed() {
    let bad = format!("{KEY} with spaces");
    let err = ApiKey::new(&bad).unwrap_err();
    assert_no_key(&format!("{err:?} {err}"));
}
