//! The `clip` example, run end to end against the mock: its own code, called in-process.

use std::ffi::OsString;

use status_hyper::mock::MockServer;

#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/clip.rs"]
mod clip;

async fn run(server: Option<&MockServer>, args: &[&str]) -> (i32, String, String) {
    run_at(server.map(|s| s.uri().to_string()), args).await
}

async fn run_at(base: Option<String>, args: &[&str]) -> (i32, String, String) {
    let lookup = move |name: &str| -> Option<OsString> {
        match name {
            "WAYINVIDEO_API_KEY" => base.as_ref().map(|_| "sk-example-key".into()),
            "WAYINVIDEO_BASE_URL" => base.clone().map(Into::into),
            "WAYINVIDEO_POLL_SECS" => Some("0.01".into()),
            _ => None,
        }
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args = args.iter().map(|s| s.to_string()).collect();
    let code = clip::run(args, lookup, &mut out, &mut err).await;
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[tokio::test]
async fn succeeded_prints_one_json_line_per_clip_and_exits_0() {
    for legacy in [false, true] {
        let server = MockServer::builder().legacy_fields(legacy).polls_to_finish(3).start();
        let server = server.await.unwrap();
        let (code, out, err) =
            run(Some(&server), &["https://v.example/talk.mp4", "--export"]).await;
        assert_eq!(code, 0, "{err}");
        let lines: Vec<serde_json::Value> =
            out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            out.lines().next().unwrap(),
            format!(
                r#"{{"idx":0,"title":"sample title 0","begin_ms":15000,"end_ms":60000,"score":90.0,"tags":["insight","analysis"],"export_link":"https://cdn.example.com/export/prj0000000000001_0.mp4"}}"#
            ),
            "times as integers even when sent as strings (legacy {legacy})"
        );
        assert!(err.contains("status QUEUED") && err.contains("2 new clips"), "{err}");
    }
}

#[tokio::test]
async fn find_moments_is_used_with_a_query() {
    let server = MockServer::builder().polls_to_finish(1).start().await.unwrap();
    let (code, out, _) = run(Some(&server), &["https://v.example/a", "--find", "a joke"]).await;
    assert_eq!((code, out.lines().count()), (0, 4));
    assert_eq!(server.requests()[0].path, "/api/v2/clips/find-moments");
}

#[tokio::test]
async fn failed_exits_1_with_the_message() {
    let server = MockServer::builder().polls_to_finish(2).start().await.unwrap();
    let (code, out, err) = run(Some(&server), &["https://v.example/fail.mp4"]).await;
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("failed: the video could not be processed"), "{err}");
}

#[tokio::test]
async fn other_errors_exit_2_and_a_missing_key_says_how_to_use_the_mock() {
    let (code, _, err) = run(None, &["https://v.example/a"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("WAYINVIDEO_API_KEY is not set") && err.contains("--mock"), "{err}");
    let (code, _, err) = run(None, &[]).await;
    assert!(code == 2 && err.contains("usage"), "{err}");
    let server = MockServer::builder().api_key("another-key").start().await.unwrap();
    let (code, _, err) = run(Some(&server), &["https://v.example/a"]).await;
    assert!(code == 2 && err.contains("HTTP 403"), "{err}");
    let (code, _, err) =
        run_at(Some("http://api.example.com".into()), &["https://v.example/a"]).await;
    assert!(code == 2 && err.contains("loopback"), "{err}");
}

#[tokio::test]
async fn the_mock_flag_runs_without_a_key() {
    let (code, out, err) = run(None, &["https://v.example/a", "--mock"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 4);
}
