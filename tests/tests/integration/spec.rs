//! Conformance with the status-codes page and the API facts: every documented body, every
//! status class, and the decoder's documented policies.

use status_core::{
    decode, Backoff, Decoder, ErrorKind, ErrorShape, JsonType, Reply, Retry, Success, Timestamp,
};
use status_tests::*;

fn success(status: u16, body: &str) -> Success<'_> {
    match decode(status, body.as_bytes()) {
        Ok(Reply::Success(s)) => s,
        other => panic!("{status} {body:?}: expected success, got {other:?}"),
    }
}

fn api_error(status: u16, body: &[u8]) -> status_core::ApiError<'_> {
    match decode(status, body) {
        Ok(Reply::Error(e)) => e,
        other => panic!("{status} {body:?}: expected API error, got {other:?}"),
    }
}

fn unrecognized(status: u16, body: &[u8]) -> status_core::Error {
    let e = api_error(status, body);
    assert_eq!(e.status(), status);
    assert_eq!(e.raw_body(), body, "the raw body is kept");
    match e.shape() {
        ErrorShape::Unrecognized(reason) => {
            assert!(reason.offset() <= body.len());
            assert_eq!(e.unrecognized_reason(), Some(reason));
            reason
        }
        other => panic!("{status} {body:?}: expected unrecognised, got {other:?}"),
    }
}

#[test]
fn spec_200_decodes_to_its_data() {
    let ok = success(200, SPEC_200);
    assert_eq!(ok.status(), 200);
    let data = ok.data().expect("data");
    assert_eq!(data.json_type(), JsonType::Object);
    assert_eq!(
        data.get(),
        "{\n    \"project_id\": \"prj06928fdjqqaza\",\n    \"name\": \"Sample project name\",\n    \"status\": \"SUCCEEDED\"\n  }"
    );
    assert_eq!(&SPEC_200[data.offset()..][..data.get().len()], data.get());
    assert_eq!(decode(200, SPEC_200.as_bytes()).unwrap().retry(), Retry::NotNeeded);
}

#[test]
fn spec_400_and_500_decode_to_message_and_trace_id() {
    for (status, retry) in [(400, Retry::Never), (500, Retry::Backoff)] {
        let e = api_error(status, SPEC_400_500.as_bytes());
        let ErrorShape::Message(m) = e.shape() else { panic!("{status}: {e:?}") };
        assert_eq!(m.message, "the error message");
        assert_eq!(m.trace_id, "the_trace_id");
        assert_eq!(m.message.as_str(), Some("the error message"), "borrowed, not copied");
        assert_eq!(e.retry(), retry);
        assert_eq!(e.trace_id().unwrap(), "the_trace_id");
        assert_eq!(e.fields().status, None);
        assert!(e.to_string().contains("the_trace_id"), "{e}");
    }
}

#[test]
fn spec_403_and_429_decode_to_gateway_fields() {
    let cases = [
        (
            403,
            SPEC_403,
            "2026-03-13T07:58:46.156+00:00",
            1_773_388_726_156,
            "Forbidden",
            "/api/v2/clips",
        ),
        (
            429,
            SPEC_429,
            "2026-03-10T15:52:01.610+00:00",
            1_773_157_921_610,
            "Too Many Requests",
            "/api/v2/clips/results/prjxxx",
        ),
    ];
    for (status, body, ts, ms, error, path) in cases {
        let e = api_error(status, body.as_bytes());
        let ErrorShape::Gateway(g) = e.shape() else { panic!("{status}: {e:?}") };
        assert_eq!(g.timestamp, ts);
        assert_eq!(g.status, status);
        assert_eq!(g.error_name, error);
        assert_eq!(g.path, path);
        let t = g.parse_timestamp().unwrap();
        assert_eq!((t.unix_ms(), t.offset_minutes()), (ms, 0));
        assert_eq!(e.timestamp(), Some(Ok(t)));
        assert!(!e.status_mismatch());
        assert_eq!(e.message(), None);
    }
    assert_eq!(api_error(403, SPEC_403.as_bytes()).retry(), Retry::Never);
    assert_eq!(api_error(429, SPEC_429.as_bytes()).retry(), Retry::Backoff);
}

#[test]
fn extra_top_level_keys_beside_data_are_accepted() {
    let ok = success(200, EXTRA_KEYS_200);
    assert_eq!(ok.data().unwrap().get(), r#"{"id": "proj_abc123", "status": "CREATED"}"#);
    assert_eq!(ok.field("code").unwrap().get(), r#""0""#);
    assert_eq!(ok.field("message").unwrap().as_json_str().unwrap(), "Succeed");
    assert_eq!(ok.field("absent"), None);
    let spring = r#"{"timestamp":"2026-03-13T07:58:46.156+00:00","status":500,"error":"Internal Server Error","message":"boom","trace":"x","requestId":"r-1","trace_id":"t-9","path":"/api/v2/clips"}"#;
    let e = api_error(500, spring.as_bytes());
    let ErrorShape::Message(m) = e.shape() else { panic!("{e:?}") };
    assert_eq!(m.message, "boom");
    assert_eq!(m.trace_id, "t-9");
    assert_eq!(e.fields().path.unwrap(), "/api/v2/clips", "fields of the other shape are kept");
}

#[test]
fn success_without_data() {
    for (status, body) in
        [(204, ""), (200, ""), (201, " \r\n\t"), (200, "{}"), (200, r#"{"code":"0"}"#)]
    {
        assert_eq!(success(status, body).data(), None, "{status} {body:?}");
    }
    assert_eq!(success(200, r#"{"data":null}"#).data().unwrap().json_type(), JsonType::Null);
}

#[test]
fn malformed_2xx_bodies_are_errors_with_offsets() {
    let cases: &[(&[u8], ErrorKind, usize)] = &[
        (b"<html>", ErrorKind::ExpectedValue, 0),
        (b"[1,", ErrorKind::UnexpectedEof, 3),
        (b"[1]", ErrorKind::ExpectedObject, 0),
        (b"\"ok\"", ErrorKind::ExpectedObject, 0),
        (b"{\"data\":", ErrorKind::UnexpectedEof, 8),
        (b"{\"data\":{\"x\":tru}}", ErrorKind::InvalidLiteral, 16),
        (b"{\"data\":[01]}", ErrorKind::InvalidNumber, 10),
        (b"{\"data\":1} x", ErrorKind::TrailingCharacters, 11),
        (b"{\"data\":\"\xff\"}", ErrorKind::InvalidUtf8, 9),
        (b"\xEF\xBB\xBF{\"data\":1}", ErrorKind::ByteOrderMark, 0),
        (b"{\"data\":\"\\ud83d\"}", ErrorKind::LoneSurrogate, 9),
    ];
    for &(body, kind, offset) in cases {
        let err = decode(200, body).unwrap_err();
        assert_eq!(
            (err.kind(), err.offset()),
            (kind, offset),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn the_status_wins_for_error_statuses() {
    // An HTML page from a proxy.
    let reason = unrecognized(502, HTML_502.as_bytes());
    assert_eq!((reason.kind(), reason.offset()), (ErrorKind::ExpectedValue, 0));
    assert_eq!(unrecognized(502, b" [1, 2]").kind(), ErrorKind::ExpectedObject);
    assert_eq!(unrecognized(502, b" [1, 2]").offset(), 1);
    assert_eq!(api_error(502, HTML_502.as_bytes()).retry(), Retry::Backoff);
    // Empty and whitespace bodies.
    for status in [401, 404, 408, 413, 502, 503, 504] {
        assert_eq!(unrecognized(status, b"").kind(), ErrorKind::EmptyBody);
        assert_eq!(unrecognized(status, b"\r\n"), status_core::Error::new(ErrorKind::EmptyBody, 2));
    }
    // A truncated body keeps the fields read before the cut.
    let cut = &SPEC_400_500.as_bytes()[..SPEC_400_500.len() - 10];
    let reason = unrecognized(400, cut);
    assert_eq!((reason.kind(), reason.offset()), (ErrorKind::UnexpectedEof, cut.len()));
    let e = api_error(400, cut);
    assert_eq!(e.message().unwrap(), "the error message");
    assert_eq!(e.trace_id(), None);
    // A body of the other error shape: what it carries is kept, the missing field explains why.
    let e = api_error(400, SPEC_403.as_bytes());
    let reason = e.unrecognized_reason().unwrap();
    assert_eq!(reason.kind(), ErrorKind::MissingField);
    assert_eq!(reason.offset(), SPEC_403.rfind('}').unwrap());
    assert_eq!(e.fields().error_name.unwrap(), "Forbidden");
    assert_eq!(e.body_status(), Some(403));
    assert!(e.status_mismatch());
    let e = api_error(429, SPEC_400_500.as_bytes());
    assert_eq!(e.unrecognized_reason().unwrap().kind(), ErrorKind::MissingField);
    assert_eq!(e.message().unwrap(), "the error message");
    // Valid JSON of the wrong type for a required field.
    let body = br#"{"message": 5, "trace_id": "t"}"#;
    let reason = unrecognized(500, body);
    assert_eq!((reason.kind(), reason.offset()), (ErrorKind::UnexpectedType, 12));
    assert_eq!(api_error(500, body).trace_id().unwrap(), "t");
    // Invalid JSON inside an otherwise right-looking body.
    let reason = unrecognized(
        403,
        br#"{"timestamp":"x","status":403,"error":"Forbidden","path":"/","n":[1,]}"#,
    );
    assert_eq!(reason.kind(), ErrorKind::ExpectedValue);
}

#[test]
fn undocumented_statuses_take_either_shape() {
    let e = api_error(404, SPEC_403.as_bytes());
    assert!(matches!(e.shape(), ErrorShape::Gateway(g) if g.status == 403));
    assert!(e.status_mismatch(), "a body status that differs from HTTP's is exposed");
    assert_eq!(e.retry(), Retry::Never);
    let e = api_error(503, SPEC_400_500.as_bytes());
    assert!(matches!(e.shape(), ErrorShape::Message(_)));
    assert_eq!(e.retry(), Retry::Backoff);
    for status in [100, 101, 301, 302, 304, 418, 451, 501, 505, 599, 600, 999] {
        let e = api_error(status, SPEC_400_500.as_bytes());
        assert!(matches!(e.shape(), ErrorShape::Message(_)), "{status}");
        assert_eq!(e.retry(), Retry::Never, "{status}");
    }
    let reason = unrecognized(401, br#"{"timestamp":"t","status":401}"#);
    assert_eq!(reason.kind(), ErrorKind::MissingField, "judged by the closer shape");
}

#[test]
fn bad_utf8_after_a_complete_value_is_reported_as_such() {
    for body in [&b"[1] \xff"[..], b"123\xff", b"\"a\"\xff", b" \xff"] {
        let err = decode(200, body).unwrap_err();
        assert_eq!((err.kind(), err.offset()), (ErrorKind::InvalidUtf8, body.len() - 1));
        assert_eq!(unrecognized(502, body).kind(), ErrorKind::InvalidUtf8);
    }
    assert_eq!(unrecognized(502, b"[1]").kind(), ErrorKind::ExpectedObject);
}

#[test]
fn display_names_status_and_trace_id_and_cannot_forge_log_lines() {
    let body = br#"{"message":"bad\r\nINFO forged line \u001b[2J","trace_id":"t-42"}"#;
    let shown = api_error(400, body).to_string();
    assert_eq!(shown, r"HTTP 400: bad\r\nINFO forged line \u{1b}[2J [trace_id t-42]");
    let shown = api_error(403, SPEC_403.as_bytes()).to_string();
    assert_eq!(shown, "HTTP 403 Forbidden (path /api/v2/clips)");
    let shown = api_error(502, HTML_502.as_bytes()).to_string();
    assert_eq!(shown, "HTTP 502 (unrecognised body: expected a JSON value at byte 0)");
}

#[test]
fn statuses_outside_the_http_range_are_refused() {
    for status in [0, 99, 1000, u16::MAX] {
        assert_eq!(decode(status, b"{}").unwrap_err().kind(), ErrorKind::InvalidStatus);
    }
}

#[test]
fn retry_advice_follows_the_api() {
    for status in [408, 429, 500, 502, 503, 504] {
        assert!(api_error(status, b"").retry().is_retryable(), "{status}");
    }
    for status in [400, 401, 403, 404, 405, 409, 410, 413, 422, 501] {
        assert_eq!(api_error(status, b"").retry(), Retry::Never, "{status}");
    }
    let secs: Vec<u64> = (0..5).map(|n| Backoff::API.delay(n).as_secs()).collect();
    assert_eq!(secs, [1, 2, 4, 8, 16]);
}

#[test]
fn duplicate_read_keys_are_refused_at_the_second() {
    let body = br#"{"data": 1, "data": 2}"#;
    let err = decode(200, body).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::DuplicateKey, 12));
    // Escaped spellings of the same key are the same key.
    let err = decode(200, br#"{"data": 1, "d\u0061ta": 2}"#).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::DuplicateKey, 12));
    let err = decode(200, br#"{"d\u0061ta": 1, "x": 0, "data": 2}"#).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::DuplicateKey, 25));
    let body = br#"{"message":"a","trace_id":"t","message":"b"}"#;
    let reason = unrecognized(400, body);
    assert_eq!((reason.kind(), reason.offset()), (ErrorKind::DuplicateKey, 30));
    let body = br#"{"message":"a","trace_id":"t","\u006dessage":"b"}"#;
    let reason = unrecognized(500, body);
    assert_eq!((reason.kind(), reason.offset()), (ErrorKind::DuplicateKey, 30));
    let body = br#"{"timestamp":"x","status":429,"error":"e","path":"/","status":403}"#;
    let reason = unrecognized(429, body);
    assert_eq!((reason.kind(), reason.offset()), (ErrorKind::DuplicateKey, 53));
    // Every read key, under every status: an error field repeated in a 2xx body and `data`
    // repeated in an error body are refused as well.
    for key in ["data", "message", "trace_id", "timestamp", "status", "error", "path"] {
        let body = format!(r#"{{"{key}":"1","code":0,"{key}":"2"}}"#);
        let at = body.rfind(&format!("\"{key}\"")).unwrap();
        let err = decode(200, body.as_bytes()).unwrap_err();
        assert_eq!((err.kind(), err.offset()), (ErrorKind::DuplicateKey, at), "{body}");
        let reason = unrecognized(404, body.as_bytes());
        assert_eq!((reason.kind(), reason.offset()), (ErrorKind::DuplicateKey, at), "{body}");
    }
    // Nested objects may repeat keys: that is the caller's data, not the envelope.
    assert!(decode(200, br#"{"data":{"a":1,"a":2}}"#).is_ok());
}

#[test]
fn other_top_level_keys_may_repeat() {
    // As serde's derived `Deserialize` ignores unknown fields, repeated or not.
    let body = br#"{"code":"0","data":{"id":1},"code":"1","d\u0061tum":2,"datum":3}"#;
    let ok = decode(200, body).unwrap().into_result().unwrap();
    assert_eq!(ok.data().unwrap().get(), r#"{"id":1}"#);
    // The last value, as `RawJson::member` gives it.
    assert_eq!(ok.field("code").unwrap().get(), r#""1""#);
    let body = br#"{"message":"m","code":1,"trace_id":"t","code":2,"code":3}"#;
    let Reply::Error(e) = decode(400, body).unwrap() else { panic!("a 400 is an error") };
    assert_eq!(e.fields().message.unwrap(), "m");
    assert!(e.unrecognized_reason().is_none(), "{e:?}");
}

#[test]
fn there_is_no_limit_on_top_level_keys() {
    let mut body = String::from("{");
    for i in 0..100 {
        body.push_str(&format!("\"k{i}\":{i},"));
    }
    body.push_str("\"data\":1,\"k7\":7}");
    let ok = decode(200, body.as_bytes()).unwrap().into_result().unwrap();
    assert_eq!(ok.data().unwrap().get(), "1");
    let error = body.replace("\"data\":1", "\"message\":\"m\",\"trace_id\":\"t\"");
    let Reply::Error(e) = decode(500, error.as_bytes()).unwrap() else { panic!("an error") };
    assert!(e.unrecognized_reason().is_none(), "{e:?}");
}

#[test]
fn depth_limit_counts_the_envelope_and_is_configurable() {
    let nest = |n: usize| format!("{{\"data\":{}{}}}", "[".repeat(n), "]".repeat(n));
    assert!(decode(200, nest(127).as_bytes()).is_ok());
    let err = decode(200, nest(128).as_bytes()).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::DepthLimitExceeded, 8 + 127));
    let shallow = Decoder::new().with_max_depth(3);
    assert!(shallow.decode(200, nest(2).as_bytes()).is_ok());
    assert_eq!(
        shallow.decode(200, nest(3).as_bytes()).unwrap_err().kind(),
        ErrorKind::DepthLimitExceeded
    );
    assert_eq!(Decoder::new().with_max_depth(0).max_depth(), 1);
    assert_eq!(Decoder::new().with_max_depth(usize::MAX).max_depth(), status_core::MAX_DEPTH);
    // A megabyte of `[` is refused at the limit, in the data of a success or an error body.
    let mut flood = b"{\"data\":".to_vec();
    flood.resize(1 << 20, b'[');
    let err = decode(200, &flood).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::DepthLimitExceeded, 8 + 127));
    assert_eq!(unrecognized(500, &flood).kind(), ErrorKind::DepthLimitExceeded);
    let wide = Decoder::new().with_max_depth(status_core::MAX_DEPTH);
    assert_eq!(wide.decode(200, &flood).unwrap_err().offset(), 8 + status_core::MAX_DEPTH - 1);
}

#[test]
fn bad_timestamp_leaves_the_body_usable() {
    let body = br#"{"timestamp":"yesterday","status":429,"error":"Too Many Requests","path":"/p"}"#;
    let e = api_error(429, body);
    let ErrorShape::Gateway(g) = e.shape() else { panic!("{e:?}") };
    assert_eq!(g.error_name, "Too Many Requests");
    assert_eq!(g.parse_timestamp().unwrap_err().kind(), ErrorKind::InvalidTimestamp);
    for (ts, ms, offset) in [
        ("2026-03-13T07:58:46.156Z", 1_773_388_726_156, 0),
        ("2026-03-13T07:58:46.156+0000", 1_773_388_726_156, 0),
        ("2026-03-13T09:58:46+02:00", 1_773_388_726_000, 120),
        ("2026-03-13T07:58:46.156789123+00:00", 1_773_388_726_156, 0),
    ] {
        let t = Timestamp::parse(ts).unwrap();
        assert_eq!((t.unix_ms(), t.offset_minutes()), (ms, offset), "{ts}");
    }
    let escaped = br#"{"timestamp":"2026-03-13T07:58:46.156\u002b00:00","status":403,"error":"Forbidden","path":"/"}"#;
    assert_eq!(api_error(403, escaped).timestamp().unwrap().unwrap().unix_ms(), 1_773_388_726_156);
}

#[test]
fn gateway_status_must_be_an_http_status_number() {
    for (bad, kind) in [
        ("\"403\"", ErrorKind::UnexpectedType),
        ("403.0", ErrorKind::UnexpectedType),
        ("-403", ErrorKind::UnexpectedType),
        ("42", ErrorKind::InvalidStatus),
        ("99999999999999999999999", ErrorKind::InvalidStatus),
    ] {
        let body = format!(r#"{{"timestamp":"t","status":{bad},"error":"Forbidden","path":"/"}}"#);
        let reason = unrecognized(403, body.as_bytes());
        assert_eq!((reason.kind(), reason.offset()), (kind, 26), "{bad}");
    }
}

#[test]
fn escaped_fields_decode_on_demand() {
    let body = br#"{"message":"caf\u00e9 \"quoted\"\n\uD83D\uDE00","trace_id":"t"}"#;
    let e = api_error(400, body);
    let m = e.message().unwrap();
    assert_eq!(m.as_str(), None);
    assert_eq!(m, "café \"quoted\"\n😀");
    let mut buf = [0u8; 32];
    assert_eq!(m.unescape_into(&mut buf).unwrap(), "café \"quoted\"\n😀");
    let h: heapless::String<32> = m.to_heapless().unwrap();
    assert_eq!(h.as_str(), "café \"quoted\"\n😀");
    assert_eq!(m.to_string(), "café \"quoted\"\n😀");
}

#[test]
fn every_shared_body_decodes_as_documented() {
    for &(status, body) in ALL {
        let reply = decode(status, body.as_bytes()).unwrap();
        assert_eq!(reply.status(), status);
        assert_eq!(reply.is_success(), (200..300).contains(&status));
    }
}
