//! One test per row of the fact sheet's "where the versions disagree": the typed API accepts
//! both sides of each.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use status_hyper::api::{
    ClipRequest, ClipResults, ExportRequest, FindMomentsRequest, PathPrefix, Ratio, Resolution,
    SubmittedTask, SummaryRequest, TaskKind, TaskStatus, TranscriptionRequest,
};
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{BufferedResponse, ErrorKind, RetryPolicy};

use crate::common::{builder, PROTOCOLS};

fn data<T: DeserializeOwned>(body: &str) -> T {
    let reply =
        BufferedResponse::new(StatusCode::OK, HeaderMap::new(), Bytes::from(body.to_owned()));
    reply.data_as().unwrap()
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

#[tokio::test]
async fn row_01_path_prefix() {
    for http2 in PROTOCOLS {
        for prefix in [PathPrefix::Api, PathPrefix::Open] {
            let server = MockServer::builder().polls_to_finish(1).start().await.unwrap();
            let client = builder(&server, http2).path_prefix(prefix).build_http().unwrap();
            let task = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap();
            let results = client.clip_results(task.id()).await.unwrap();
            assert_eq!(results.status, TaskStatus::Succeeded);
            let paths: Vec<_> = server.requests().into_iter().map(|r| r.path).collect();
            let p = prefix.as_str();
            assert_eq!(paths, [format!("{p}/clips"), format!("{p}/clips/results/{}", task.id())]);
        }
    }
}

#[test]
fn row_02_success_envelope() {
    let older = r#"{"code": "0", "data": {"id": "proj_abc123", "status": "SUCCEEDED"}, "message": "Succeed"}"#;
    let newer = r#"{"data": {"id": "proj_abc123", "status": "SUCCEEDED"}}"#;
    let message_first = r#"{"message": "success", "code": "0", "data": {"id": "proj_abc123", "status": "SUCCEEDED"}}"#;
    for body in [older, newer, message_first] {
        let r: ClipResults = data(body);
        assert_eq!((r.id.as_str(), &r.status), ("proj_abc123", &TaskStatus::Succeeded));
    }
}

#[test]
fn row_03_task_id_key_in_submit_response() {
    let older = r#"{"code":"0","data":{"project_id":"trans_proj_001","name":"sample project name","status":"CREATED"},"message":"success"}"#;
    let newer =
        r#"{"data":{"id":"trans_proj_001","name":"sample project name","status":"CREATED"}}"#;
    let export = r#"{"data":{"export_task_id":"trans_proj_001","status":"CREATED","extra":[1]}}"#;
    for body in [older, newer, export] {
        let s: SubmittedTask = data(body);
        assert_eq!((s.id.as_str(), s.status), ("trans_proj_001", Some(TaskStatus::Created)));
    }
    let none = BufferedResponse::new(
        StatusCode::OK,
        HeaderMap::new(),
        Bytes::from_static(br#"{"data":{"status":"CREATED"}}"#),
    );
    assert_eq!(none.data_as::<SubmittedTask>().unwrap_err().kind(), ErrorKind::Data);
}

#[tokio::test]
async fn row_04_results_path_placeholder() {
    // `{project_id}` and `{id}` name the same value: the id the submission returned, in
    // the same path, whichever key carried it.
    for legacy in [false, true] {
        let server = MockServer::builder().legacy_fields(legacy).polls_to_finish(1).start();
        let server = server.await.unwrap();
        let client = builder(&server, false).build_http().unwrap();
        let task =
            client.transcribe(&TranscriptionRequest::new("https://v.example/a")).await.unwrap();
        assert_eq!(
            task.results_path(PathPrefix::Api),
            format!("/api/v2/transcripts/results/{}", task.id())
        );
        let results = client.transcript_results(task.id()).await.unwrap();
        assert_eq!(results.id, task.id());
    }
}

#[tokio::test]
async fn row_05_upload_identifier_field() {
    for http2 in PROTOCOLS {
        for legacy in [false, true] {
            let server = MockServer::builder().legacy_fields(legacy).start().await.unwrap();
            let client = builder(&server, http2).build_http().unwrap();
            let target = client.request_upload("v.mp4").await.unwrap();
            assert_eq!(target.identity, "file_000001", "legacy {legacy}");
            let key = if legacy { "identify" } else { "identity" };
            assert_eq!(server.requests().len(), 1, "{key}");
        }
    }
    let server = MockServer::start().await.unwrap();
    server.push(MockReply::success(r#"{"upload_url": "https://s.example/u"}"#));
    let client = builder(&server, false).build_http().unwrap();
    assert!(client.request_upload("v.mp4").await.is_err(), "neither spelling");
}

#[tokio::test(start_paused = true)]
async fn row_06_upload_url_expiry_and_formats() {
    let server = MockServer::builder().rate_limit(None).start().await.unwrap();
    let client = crate::common::paused(builder(&server, false)).build_http().unwrap();
    let target = client.request_upload("talk.webm").await.unwrap();
    let left = target.expires_at - tokio::time::Instant::now();
    assert_eq!(left, status_hyper::api::UPLOAD_URL_LIFETIME);
}

#[tokio::test]
async fn row_07_begin_ms_end_ms_type() {
    let strings = r#"{"data":{"id":"proj_abc123","status":"SUCCEEDED","clips":[{"idx":0,"title":"t","begin_ms":"15000","end_ms":"75000","tags":["insight"],"desc":"d"}]}}"#;
    let numbers = r#"{"data":{"id":"proj_xyz789","status":"SUCCEEDED","expire_at":1741824000000,"cost_usage":120.0,"clips":[{"idx":0,"title":"t","begin_ms":15000,"end_ms":75000,"thumbnail":"https://cdn.example.com/x.jpg","tags":["insight"],"desc":"d","score":81,"export_link":"https://cdn.example.com/x.mp4"}]}}"#;
    for body in [strings, numbers] {
        let r: ClipResults = data(body);
        assert_eq!((r.clips[0].begin_ms, r.clips[0].end_ms), (15_000, 75_000));
    }
    // And from the mock, both ways, over both protocols.
    for http2 in PROTOCOLS {
        for legacy in [false, true] {
            let server = MockServer::builder().legacy_fields(legacy).polls_to_finish(1).start();
            let server = server.await.unwrap();
            let client = builder(&server, http2).build_http().unwrap();
            let task = client.submit_clips(&ClipRequest::new("https://v.example/a")).await.unwrap();
            let r = client.clip_results(task.id()).await.unwrap();
            assert_eq!((r.clips[1].begin_ms, r.clips[1].end_ms), (75_000, 120_000), "{legacy}");
        }
    }
}

#[test]
fn row_08_usage_field() {
    let pricing = r#"{"code":"0","data":{"id":"proj_abc123","status":"SUCCEEDED","expire_at":1775751200314,"clips":[],"api_units_usage":120},"message":"Succeed"}"#;
    let clipping = r#"{"data":{"id":"proj_xyz789","status":"SUCCEEDED","cost_usage":120.0}}"#;
    for body in [pricing, clipping] {
        let r: ClipResults = data(body);
        assert_eq!(r.usage, Some(120.0));
    }
}

#[tokio::test]
async fn row_09_find_moments_query() {
    // Required by the newer pages: the builder takes it, and refuses an empty one.
    let server = MockServer::builder().polls_to_finish(1).start().await.unwrap();
    let client = builder(&server, true).build_http().unwrap();
    let err = client.find_moments(&FindMomentsRequest::new("https://v.example/a", "")).await;
    assert_eq!(err.unwrap_err().kind(), ErrorKind::Config);
    assert_eq!(server.request_count(), 0);
    let request = FindMomentsRequest::new("https://v.example/a", "the funny part");
    assert_eq!(json(&request)["query"], "the funny part");
    client.find_moments(&request).await.unwrap();
}

#[test]
fn row_10_source_lang_default() {
    // Unset means "not sent", which both sides read as auto-detect.
    for value in [
        json(&ClipRequest::new("v")),
        json(&SummaryRequest::new("v")),
        json(&TranscriptionRequest::new("v")),
    ] {
        assert!(value.get("source_lang").is_none(), "{value}");
    }
}

#[test]
fn row_11_target_lang_when_omitted() {
    // Not sent unless set: each endpoint applies its own documented default.
    let request = FindMomentsRequest::new("v", "q");
    assert!(json(&request).get("target_lang").is_none());
    let set = TranscriptionRequest::new("v").target_lang(status_hyper::api::Language::JA);
    assert_eq!(json(&set)["target_lang"], "ja");
}

#[test]
fn row_12_ratio() {
    // No default is sent; `RATIO_ORIGINAL` stays available for the older API; reframe needs one.
    assert!(json(&ClipRequest::new("v").enable_export(true)).get("ratio").is_none());
    assert_eq!(json(&ClipRequest::new("v").ratio(Ratio::Original))["ratio"], "RATIO_ORIGINAL");
    let reframed = ExportRequest::new("p").enable_ai_reframe(true).ratio(Ratio::Ratio9x16);
    assert_eq!(json(&reframed)["ratio"], "RATIO_9_16");
}

#[test]
fn row_13_resolution_values() {
    for (r, s) in [
        (Resolution::Fhd1080, "FHD_1080"),
        (Resolution::Qhd2k, "QHD_2K"),
        (Resolution::Uhd4k, "UHD_4K"),
    ] {
        assert_eq!(json(&ExportRequest::new("p").resolution(r))["resolution"], s);
    }
    let future: Resolution = serde_json::from_str(r#""UHD_8K""#).unwrap();
    assert_eq!(future, Resolution::Other("UHD_8K".into()));
}

#[test]
fn row_14_cc_style_tpl_default() {
    assert!(json(&ClipRequest::new("v")).get("cc_style_tpl").is_none());
    assert_eq!(json(&ClipRequest::new("v").caption_style("temp-0"))["cc_style_tpl"], "temp-0");
}

#[test]
fn row_15_clipping_params_present() {
    // Only what is set is sent, so an older server never sees the newer fields unasked.
    assert_eq!(json(&ClipRequest::new("v")), serde_json::json!({"video_url": "v"}));
    let newer = ClipRequest::new("v").limit(3).enable_more_results(true).enable_express_mode(true);
    let v = json(&newer);
    assert_eq!(
        (v["limit"].clone(), v["enable_more_results"].clone(), v["enable_express_mode"].clone()),
        (3.into(), true.into(), true.into())
    );
}

#[test]
fn row_16_url_platforms() {
    // Any URL is passed through as given; the server decides what it supports.
    for url in ["https://www.instagram.com/reel/x", "https://drive.google.com/file/d/x"] {
        assert_eq!(json(&ClipRequest::new(url))["video_url"], url);
    }
}

#[tokio::test]
async fn row_17_429_example_path() {
    for path in ["/open/v2/clips/results/prjxxx", "/api/v2/clips/results/prjxxx"] {
        let server = MockServer::start().await.unwrap();
        server.push(MockReply::gateway(429, "Too Many Requests", path));
        let client = builder(&server, false).retry(RetryPolicy::never()).build_http().unwrap();
        let err = client.clip_results("prjxxx").await.unwrap_err();
        assert_eq!((err.status().map(|s| s.as_u16()), err.path()), (Some(429), Some(path)));
    }
}

#[test]
fn row_18_result_retention() {
    // `expire_at` is exposed whatever the retention is.
    let r: ClipResults =
        data(r#"{"data":{"id":"p","status":"SUCCEEDED","expire_at":"1741824000000"}}"#);
    assert_eq!(r.expire_at, Some(1_741_824_000_000));
    let at = r.expires_at().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap();
    assert_eq!(at.as_millis(), 1_741_824_000_000);
}

#[tokio::test]
async fn row_19_export_results_path() {
    for http2 in PROTOCOLS {
        let server = MockServer::builder().polls_to_finish(1).start().await.unwrap();
        let client = builder(&server, http2).build_http().unwrap();
        let task = client
            .export_clips(&ExportRequest::new("prj0000000000042").clip_indices([0, 1]))
            .await
            .unwrap();
        assert_eq!(task.kind(), TaskKind::Export);
        let results = client.export_results(task.id()).await.unwrap();
        assert_eq!(results.id, task.id(), "read from export_task_id");
        assert!(results.clips.iter().all(|c| c.export_link.is_some()));
        assert_eq!(server.requests()[1].path, format!("/api/v2/clips/export/{}", task.id()));
    }
}

#[tokio::test]
async fn row_20_printed_dates_vs_content() {
    // Same date, different content: the older prefix with the older spellings, and the
    // newer with the newer, both work.
    for (prefix, legacy) in [(PathPrefix::Open, true), (PathPrefix::Api, false)] {
        let server = MockServer::builder().legacy_fields(legacy).start().await.unwrap();
        let client = builder(&server, false).path_prefix(prefix).build_http().unwrap();
        let target = client.request_upload("v.mp4").await.unwrap();
        assert!(target.identity.starts_with("file_"));
    }
}

#[test]
fn row_21_expire_at_example() {
    for (body, ms) in [
        (
            r#"{"data":{"id":"p","status":"SUCCEEDED","expire_at":1775751200314}}"#,
            1_775_751_200_314,
        ),
        (
            r#"{"data":{"id":"p","status":"SUCCEEDED","expire_at":1741824000000}}"#,
            1_741_824_000_000,
        ),
    ] {
        let r: ClipResults = data(body);
        assert_eq!(r.expire_at, Some(ms));
    }
}

#[test]
fn unknown_fields_and_statuses_are_tolerated() {
    let r: ClipResults = data(
        r#"{"data":{"id":"p","status":"PAUSED","new_field":{"a":[1,2]},"clips":[{"idx":"3","begin_ms":1,"end_ms":2,"tags":null,"title":null,"score":"77.5","extra":true}]}}"#,
    );
    assert_eq!(r.status, TaskStatus::Other("PAUSED".into()));
    assert!(!r.status.is_finished());
    assert_eq!((r.clips[0].idx, r.clips[0].score, r.clips[0].tags.len()), (3, Some(77.5), 0));
}
