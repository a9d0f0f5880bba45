//! The documented error fields written other ways than the API's status-code page shows them:
//! in other key orders, pretty-printed differently or compact, and with a key the
//! documentation does not name. A client must read them all the same.

use crate::Body;

/// The error bodies with the documented fields in other orders and layouts.
pub fn reordered_error_bodies() -> Vec<Body> {
    let body = |name: &str, status, text: &str| Body::new(name, status, text.as_bytes().to_vec());
    vec![
        body(
            "400-swapped",
            400,
            "{\n  \"trace_id\": \"the_trace_id\",\n  \"message\": \"the error message\"\n}",
        ),
        body(
            "500-compact-swapped",
            500,
            r#"{"trace_id":"the_trace_id","message":"the error message"}"#,
        ),
        body(
            "400-extra-key",
            400,
            "{\n  \"message\": \"the error message\",\n  \"code\": 40012,\n  \"trace_id\": \"the_trace_id\"\n}",
        ),
        body(
            "403-reversed",
            403,
            "{\n  \"path\": \"/api/v2/clips\",\n  \"error\": \"Forbidden\",\n  \"status\": 403,\n  \"timestamp\": \"2026-03-13T07:58:46.156+00:00\"\n}",
        ),
        body(
            "429-tabs-shuffled",
            429,
            "{\r\n\t\"status\" : 429,\r\n\t\"timestamp\" : \"2026-03-10T15:52:01.610+00:00\",\r\n\t\"path\" : \"/api/v2/clips/results/prjxxx\",\r\n\t\"error\" : \"Too Many Requests\"\r\n}",
        ),
        body(
            "429-extra-key",
            429,
            "{\n    \"timestamp\": \"2026-03-10T15:52:01.610+00:00\",\n    \"status\": 429,\n    \"error\": \"Too Many Requests\",\n    \"retry_after\": \"30\",\n    \"path\": \"/api/v2/clips/results/prjxxx\"\n}",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_error, ERROR_ENGINES};

    #[test]
    fn every_error_engine_reads_every_reordered_body() {
        for body in reordered_error_bodies() {
            for engine in ERROR_ENGINES {
                assert!(
                    decode_error(engine, &body).is_some(),
                    "{} on {}",
                    engine.name(),
                    body.name
                );
            }
        }
    }
}
