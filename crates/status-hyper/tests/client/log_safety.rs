//! Text a server controls cannot forge a log line or drive a terminal, end to end: a
//! misbehaving server on loopback sends hostile bodies through the real client.

use status_core::LogSafe;
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiRequest, Error, RetryPolicy};

use crate::common::builder;

async fn fetch(server: &MockServer, reply: MockReply) -> Error {
    server.push(reply);
    let client = builder(server, false).retry(RetryPolicy::never()).build_http().unwrap();
    client.send(&ApiRequest::get("/api/v2/clips/results/p")).await.unwrap_err()
}

/// No character that could end a log line, move the cursor or reorder text.
fn assert_one_safe_line(shown: &str) {
    assert!(!shown.chars().any(LogSafe::escapes), "{shown:?}");
    assert!(!shown.contains('\n') && !shown.contains('\r') && !shown.contains('\u{1b}'));
}

#[tokio::test]
async fn a_forged_log_line_in_a_400_stays_on_one_line() {
    let server = MockServer::start().await.unwrap();
    let body = r#"{"message":"bad request\n2026-11-30T00:00:00Z INFO admin login ok","trace_id":"t\r\nforged"}"#;
    let e = fetch(&server, MockReply::json(400, body)).await;
    // The fields keep the server's text as it is; only their rendering is escaped.
    assert_eq!(e.message(), Some("bad request\n2026-11-30T00:00:00Z INFO admin login ok"));
    assert_eq!(e.trace_id(), Some("t\r\nforged"));
    let shown = e.to_string();
    assert_eq!(
        shown,
        r"HTTP 400: bad request\n2026-11-30T00:00:00Z INFO admin login ok [trace_id t\r\nforged]"
    );
    assert_eq!(shown.lines().count(), 1);
    assert_one_safe_line(&shown);
    assert_one_safe_line(&format!("{e:?}"));
}

#[tokio::test]
async fn every_control_character_and_ansi_sequence_through_every_field() {
    let mut hostile = String::new();
    for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
        hostile.push(c);
    }
    hostile.push_str(
        "\u{1b}[2J\u{1b}[31mred\u{1b}]0;title\u{7}\u{9b}1m\u{2028}\u{2029}\u{202e}\u{2066}",
    );
    let h = serde_json::to_string(&hostile).unwrap();
    let replies = [
        MockReply::json(400, format!(r#"{{"message": {h}, "trace_id": {h}}}"#)),
        MockReply::json(500, format!(r#"{{"message": {h}, "trace_id": {h}}}"#)),
        MockReply::json(
            429,
            format!(r#"{{"timestamp": {h}, "status": 429, "error": {h}, "path": {h}}}"#),
        ),
        MockReply::json(
            403,
            format!(
                r#"{{"timestamp": "2026-03-13T07:58:46.156+00:00", "status": 403, "error": {h}, "path": {h}}}"#
            ),
        ),
        // Matches no documented shape: the excerpt of the body is never printed raw.
        MockReply::json(502, format!(r#"{{"message": {h}, "error": {h}, "path": {h}, "x": 1}}"#)),
        MockReply::html(418, format!("<html>{hostile}</html>")),
        MockReply::json(503, format!("{hostile}{{")),
    ];
    let server = MockServer::start().await.unwrap();
    for reply in replies {
        let status = reply.status();
        let e = fetch(&server, reply).await;
        assert_eq!(e.status(), Some(status));
        for shown in [e.to_string(), format!("{e:?}"), format!("{e:#?}")] {
            // `{:#?}` is several lines by design; each of them must be safe.
            for line in shown.lines() {
                assert_one_safe_line(line);
            }
        }
        assert_eq!(e.to_string().lines().count(), 1, "{status}");
        // The raw text is still there for whoever needs it.
        let raw = e.message().or(e.error_name()).or(e.trace_id()).or(e.path());
        if let Some(raw) = raw {
            assert_eq!(raw, hostile, "{status}");
        }
        if status == 429 {
            assert_eq!(e.timestamp_str(), Some(hostile.as_str()));
            assert!(e.timestamp().is_none());
        }
    }
}
