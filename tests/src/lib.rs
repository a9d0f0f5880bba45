//! Bodies shared by the integration tests: the specification's examples, verbatim.

pub mod fuzz;
pub mod models;
pub mod stream;

/// The 200 example of the status-codes page.
pub const SPEC_200: &str = r#"{
  "data": {
    "project_id": "prj06928fdjqqaza",
    "name": "Sample project name",
    "status": "SUCCEEDED"
  }
}"#;

/// The 400 and 500 example of the status-codes page.
pub const SPEC_400_500: &str = r#"{
  "message": "the error message",
  "trace_id": "the_trace_id"
}"#;

/// The 403 example of the status-codes page.
pub const SPEC_403: &str = r#"{
  "timestamp": "2026-03-13T07:58:46.156+00:00",
  "status": 403,
  "error": "Forbidden",
  "path": "/api/v2/clips"
}"#;

/// The 429 example of the status-codes page.
pub const SPEC_429: &str = r#"{
  "timestamp": "2026-03-10T15:52:01.610+00:00",
  "status": 429,
  "error": "Too Many Requests",
  "path": "/api/v2/clips/results/prjxxx"
}"#;

/// A 200 with extra top-level keys, as the API's own examples show.
pub const EXTRA_KEYS_200: &str =
    r#"{"code": "0", "data": {"id": "proj_abc123", "status": "CREATED"}, "message": "Succeed"}"#;

/// The clip-results example of the API facts.
pub const CLIP_RESULTS_200: &str = r#"{
  "data": {
    "id": "proj_abc123",
    "name": "sample project name",
    "status": "SUCCEEDED",
    "clips": [
      {"idx": 0, "title": "sample title", "begin_ms": "15000", "end_ms": "75000",
       "thumbnail": "https://cdn.example.com/thumb/clip_001.jpg",
       "tags": ["insight", "analysis"], "desc": "sample description"}
    ]
  }
}"#;

/// A proxy's error page.
pub const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// Every body above with a status it is sent with.
pub const ALL: &[(u16, &str)] = &[
    (200, SPEC_200),
    (400, SPEC_400_500),
    (500, SPEC_400_500),
    (403, SPEC_403),
    (429, SPEC_429),
    (200, EXTRA_KEYS_200),
    (200, CLIP_RESULTS_200),
    (502, HTML_502),
    (204, ""),
    (504, ""),
];
