//! Every typed endpoint against the mock, over HTTP/1.1 and HTTP/2, with the newer and the
//! older spellings.

use http::Method;
use status_hyper::api::{
    ClipRequest, ExportRequest, FindMomentsRequest, Resolution, SummaryRequest, TaskStatus,
    TranscriptionRequest,
};
use status_hyper::mock::MockServer;

use crate::common::{builder, paused, PROTOCOLS};

#[tokio::test(start_paused = true)]
async fn every_endpoint_both_protocols_both_spellings() {
    for http2 in PROTOCOLS {
        for legacy in [false, true] {
            let server = MockServer::builder()
                .rate_limit(None)
                .legacy_fields(legacy)
                .polls_to_finish(3)
                .start()
                .await
                .unwrap();
            let client = paused(builder(&server, http2)).build_http().unwrap();
            let label = format!("http2 {http2}, legacy {legacy}");

            // AI clipping, waited for.
            let request = ClipRequest::new("https://v.example/talk").enable_export(true);
            let task = client.submit_clips(&request).await.unwrap();
            assert_eq!(task.status(), Some(&TaskStatus::Created), "{label}");
            let clips = client.wait(task).run(|_| {}).await.unwrap();
            assert_eq!(clips.clips.len(), 4, "{label}");
            assert!(clips.clips.iter().all(|c| c.export_link.is_some()), "{label}");
            assert_eq!((clips.usage, clips.expire_at), (Some(120.0), Some(1_775_751_200_314)));
            assert_eq!(clips.clips[0].score, Some(90.0));

            // Find moments, polled by hand.
            let mut task = client
                .find_moments(&FindMomentsRequest::new("https://v.example/talk", "a joke"))
                .await
                .unwrap();
            let mut seen = Vec::new();
            while task.is_running() {
                seen.push(client.results(&mut task).await.unwrap().status);
            }
            assert_eq!(seen, [TaskStatus::Queued, TaskStatus::Ongoing, TaskStatus::Succeeded]);
            let again = client.find_moments_results(task.id()).await.unwrap();
            assert_eq!((again.status, again.clips.len()), (TaskStatus::Succeeded, 4), "{label}");

            // Export of the clipping task's clips.
            let export = ExportRequest::new(clips.id.clone())
                .clip_indices([0, 2])
                .resolution(Resolution::Fhd1080);
            let task = client.export_clips(&export).await.unwrap();
            let exported = client.wait(task).run(|_| {}).await.unwrap();
            assert!(exported.clips.iter().all(|c| c.export_link.is_some()), "{label}");

            // Transcription and summarization.
            let request = TranscriptionRequest::new("https://v.example/talk");
            let task = client.transcribe(&request).await.unwrap();
            let transcript = client.wait(task).run(|_| {}).await.unwrap();
            assert_eq!(transcript.transcript.len(), 2, "{label}");
            assert_eq!(transcript.transcript[1].speaker.as_deref(), Some("Speaker 2"));
            assert_eq!(transcript.transcript[1].end, Some(4100.0));
            let request = SummaryRequest::new("https://v.example/talk");
            let task = client.summarize(&request).await.unwrap();
            let summary = client.wait(task).run(|_| {}).await.unwrap();
            assert_eq!(summary.summary_text(), Some("A conversation about the mock API."));
            assert_eq!(summary.tags.len(), 2);

            // Upload URL.
            let target = client.request_upload("talk.mp4").await.unwrap();
            assert!(target.upload_url.starts_with(&format!("{}storage/", server.uri())));

            // Every request had the key, the version header and the HTTP version asked for.
            let version = if http2 { http::Version::HTTP_2 } else { http::Version::HTTP_11 };
            for r in server.requests() {
                assert!(r.has_bearer(crate::common::KEY) && r.version == version, "{label}");
            }
            let posts: Vec<_> = server
                .requests()
                .into_iter()
                .filter(|r| r.method == Method::POST)
                .map(|r| r.path)
                .collect();
            assert_eq!(
                posts,
                [
                    "/api/v2/clips",
                    "/api/v2/clips/find-moments",
                    "/api/v2/clips/export",
                    "/api/v2/transcripts",
                    "/api/v2/summaries",
                    "/api/v2/upload/single-file"
                ]
            );
            assert_eq!(client.project_slots().running(), 0, "{label}");
        }
    }
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let server = MockServer::start().await.unwrap();
    let client = builder(&server, false).build_http().unwrap();
    let no_ratio =
        ClipRequest::new("https://v.example/a").enable_export(true).enable_ai_reframe(true);
    let err = client.submit_clips(&no_ratio).await.unwrap_err();
    assert_eq!(err.kind(), status_hyper::ErrorKind::Config);
    assert!(err.to_string().contains("ratio"), "{err}");
    assert!(client.summarize(&SummaryRequest::new(" ")).await.is_err());
    assert_eq!(server.request_count(), 0);
    assert_eq!(client.project_slots().running(), 0);
}
