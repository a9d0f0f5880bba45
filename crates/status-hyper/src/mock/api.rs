//! The mock's simulation of the API: key, version, rate limit, tasks and uploads.

use core::time::Duration;
use std::collections::{HashMap, VecDeque};

use http::header::AUTHORIZATION;
use http::Method;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::reply::MockReply;
use super::{MockRequest, MockServerBuilder};
use crate::client::API_VERSION_HEADER;

/// How long an upload URL stays valid, as documented.
pub(super) const UPLOAD_LIFETIME: Duration = Duration::from_secs(3600);

/// The path of the mock's storage endpoint, which serves the pre-signed upload URLs.
pub(super) const STORAGE: &str = "/storage/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Clips,
    FindMoments,
    Export,
    Transcription,
    Summary,
}

impl Kind {
    fn has_clips(self) -> bool {
        matches!(self, Self::Clips | Self::FindMoments | Self::Export)
    }
}

#[derive(Default)]
pub(super) struct FakeApi {
    admitted: VecDeque<Instant>,
    projects: HashMap<String, Progress>,
    pub(super) uploads: HashMap<String, Slot>,
    next_project: u64,
    next_upload: u64,
    next_trace: u64,
    pub(super) rejections: usize,
    pub(super) peak_running: usize,
}

struct Progress {
    kind: Kind,
    polls: u32,
    finished: bool,
    fails: bool,
    export: bool,
}

/// A pre-signed upload URL the mock handed out.
pub(super) struct Slot {
    pub(super) identity: String,
    pub(super) issued: Instant,
    pub(super) uploaded: bool,
    pub(super) used: bool,
}

impl FakeApi {
    pub(super) fn running(&self) -> usize {
        self.projects.values().filter(|p| !p.finished).count()
    }

    fn trace_id(&mut self) -> String {
        self.next_trace += 1;
        format!("mock-trace-{:06}", self.next_trace)
    }

    /// What the API checks before routing: the key, the version header and the rate limit.
    /// `None` lets the request through.
    pub(super) fn gate(
        &mut self,
        req: &MockRequest,
        config: &MockServerBuilder,
    ) -> Option<MockReply> {
        let path = req.path.as_str();
        let key_ok = match &config.api_key {
            Some(key) => req.has_bearer(key),
            None => req
                .headers
                .get(AUTHORIZATION)
                .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
                .is_some_and(|k| !k.is_empty()),
        };
        if !key_ok {
            return Some(MockReply::gateway(403, "Forbidden", path));
        }
        if req.headers.get(API_VERSION_HEADER).is_none_or(|v| v != "v2") {
            let trace = self.trace_id();
            return Some(MockReply::message(400, "unsupported or missing API version", &trace));
        }
        if let Some((limit, window)) = config.rate_limit {
            let now = req.at;
            while self.admitted.front().is_some_and(|&t| t + window <= now) {
                self.admitted.pop_front();
            }
            if self.admitted.len() >= limit {
                self.rejections += 1;
                return Some(MockReply::gateway(429, "Too Many Requests", path));
            }
            self.admitted.push_back(now);
        }
        None
    }

    /// The envelope: `{"data": ...}`, or with the older pages' `code` and `message`.
    fn ok(data: Value, config: &MockServerBuilder) -> MockReply {
        if config.legacy_fields {
            MockReply::json(
                200,
                json!({"code": "0", "data": data, "message": "success"}).to_string(),
            )
        } else {
            MockReply::json(200, json!({ "data": data }).to_string())
        }
    }

    fn bad_request(&mut self, message: &str) -> MockReply {
        let trace = self.trace_id();
        MockReply::message(400, message, &trace)
    }

    /// The simulated endpoints, under `/api/v2` and `/open/v2`.
    pub(super) fn route(
        &mut self,
        req: &MockRequest,
        config: &MockServerBuilder,
        origin: &str,
    ) -> MockReply {
        let full = req.path.as_str();
        let Some(path) = full.strip_prefix("/api/v2").or_else(|| full.strip_prefix("/open/v2"))
        else {
            return self.not_found(req);
        };
        let submitted = match path {
            "/clips" => Some(Kind::Clips),
            "/clips/find-moments" => Some(Kind::FindMoments),
            "/clips/export" => Some(Kind::Export),
            "/transcripts" => Some(Kind::Transcription),
            "/summaries" => Some(Kind::Summary),
            _ => None,
        };
        if let Some(kind) = submitted.filter(|_| req.method == Method::POST) {
            return self.submit(kind, req, config);
        }
        if req.method == Method::POST && path == "/upload/single-file" {
            return self.upload_url(req, config, origin);
        }
        if req.method == Method::GET {
            let polled = [
                ("/clips/results/", Kind::Clips),
                ("/clips/find-moments/results/", Kind::FindMoments),
                ("/clips/export/", Kind::Export),
                ("/transcripts/results/", Kind::Transcription),
                ("/summaries/results/", Kind::Summary),
            ];
            for (prefix, kind) in polled {
                if let Some(id) = path.strip_prefix(prefix) {
                    return self.results(kind, id, config);
                }
            }
        }
        self.not_found(req)
    }

    fn not_found(&mut self, req: &MockRequest) -> MockReply {
        let trace = self.trace_id();
        MockReply::message(404, &format!("no endpoint {} {}", req.method, req.path), &trace)
    }

    fn submit(&mut self, kind: Kind, req: &MockRequest, config: &MockServerBuilder) -> MockReply {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_owned);
        let video = if kind == Kind::Export { text("project_id") } else { text("video_url") };
        // Requests that are not JSON objects are accepted as they are, as before; a
        // `video_url` that names an upload must name a finished one, once.
        if let Some(video) = &video {
            if let Some(slot) = self.uploads.values_mut().find(|s| s.identity == *video) {
                if !slot.uploaded || slot.used {
                    return self.bad_request("the upload identity is not usable");
                }
                slot.used = true;
            } else if video.starts_with("file_") {
                return self.bad_request("unknown upload identity");
            }
        }
        if kind == Kind::FindMoments && text("query").is_none_or(|q| q.is_empty()) {
            return self.bad_request("query is required");
        }
        if self.running() >= config.project_limit {
            self.rejections += 1;
            return MockReply::gateway(429, "Too Many Requests", &req.path);
        }
        self.next_project += 1;
        let id = format!("prj{:013}", self.next_project);
        let fails = video.as_deref().is_some_and(|v| v.contains("fail"));
        let export = kind == Kind::Export
            || body.get("enable_export").and_then(Value::as_bool).unwrap_or(false);
        self.projects
            .insert(id.clone(), Progress { kind, polls: 0, finished: false, fails, export });
        self.peak_running = self.peak_running.max(self.running());
        let id_key = match (kind, config.legacy_fields) {
            (_, true) => "project_id",
            (Kind::Export, false) => "export_task_id",
            (_, false) => "id",
        };
        Self::ok(json!({ id_key: id, "name": "mock project", "status": "CREATED" }), config)
    }

    /// The documented flow: `CREATED` at submission, then per poll `QUEUED` (when there are
    /// polls to spare), `ONGOING` with clips appearing a few at a time, and `SUCCEEDED` or
    /// `FAILED` at the `polls_to_finish`-th poll.
    fn results(&mut self, kind: Kind, id: &str, config: &MockServerBuilder) -> MockReply {
        let Some(project) = self.projects.get_mut(id).filter(|p| p.kind == kind) else {
            return self.bad_request(&format!("project {id} not found"));
        };
        project.polls += 1;
        let n = config.polls_to_finish.max(1);
        let (status, clips) = if project.polls >= n {
            project.finished = true;
            (if project.fails { "FAILED" } else { "SUCCEEDED" }, config.clips_total)
        } else if project.polls == 1 && n >= 3 {
            ("QUEUED", 0)
        } else {
            let ongoing = if n >= 3 { project.polls - 1 } else { project.polls };
            let shown = (ongoing as usize).saturating_mul(config.clips_per_poll);
            ("ONGOING", shown.min(config.clips_total))
        };
        let legacy = config.legacy_fields;
        let mut data = json!({
            if legacy { "project_id" } else { "id" }: id,
            "name": "mock project",
            "status": status,
        });
        let (export, fails) = (project.export, project.fails);
        if status == "FAILED" {
            data["error_message"] = json!("the video could not be processed");
        }
        if project.finished {
            // About three days after the task (epoch ms); illustrative, like the docs' values.
            data["expire_at"] = json!(1_775_751_200_314_u64);
            if legacy {
                data["api_units_usage"] = json!(120);
            } else {
                data["cost_usage"] = json!(120.0);
            }
        }
        if fails {
            return Self::ok(data, config);
        }
        if kind.has_clips() {
            let list: Vec<Value> = (0..clips).map(|i| clip(i, id, export, legacy)).collect();
            data["clips"] = Value::Array(list);
        } else if project.finished && kind == Kind::Transcription {
            data["transcript"] = json!([
                {"text": "Welcome to the show.", "speaker": "Speaker 1", "start": 0, "end": 2500},
                {"text": "Thanks for having me.", "speaker": "Speaker 2", "start": 2500, "end": 4100},
            ]);
        } else if project.finished && kind == Kind::Summary {
            data["summary"] = json!("A conversation about the mock API.");
            data["tags"] = json!(["mock", "api"]);
            data["highlights"] = json!([{"begin_ms": 0, "end_ms": 2500, "text": "Welcome"}]);
        }
        Self::ok(data, config)
    }

    fn upload_url(
        &mut self,
        req: &MockRequest,
        config: &MockServerBuilder,
        origin: &str,
    ) -> MockReply {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        if body.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
            return self.bad_request("name is required");
        }
        self.next_upload += 1;
        let token = format!("up{:010}", self.next_upload);
        let identity = format!("file_{:06}", self.next_upload);
        self.uploads.insert(
            token.clone(),
            Slot { identity: identity.clone(), issued: req.at, uploaded: false, used: false },
        );
        let url = format!("{origin}{STORAGE}{token}?X-Mock-Signature=s{:08x}", self.next_upload);
        let id_key = if config.legacy_fields { "identify" } else { "identity" };
        Self::ok(json!({ "upload_url": url, id_key: identity }), config)
    }
}

fn clip(i: usize, id: &str, export: bool, legacy: bool) -> Value {
    let begin = 15_000 + i as u64 * 60_000;
    let end = begin + 45_000;
    let mut clip = json!({
        "idx": i,
        "title": format!("sample title {i}"),
        "thumbnail": format!("https://cdn.example.com/thumb/{id}_{i}.jpg"),
        "tags": ["insight", "analysis"],
        "desc": "sample description",
        "score": 90 - i as u64 * 3,
    });
    if legacy {
        clip["begin_ms"] = json!(begin.to_string());
        clip["end_ms"] = json!(end.to_string());
    } else {
        clip["begin_ms"] = json!(begin);
        clip["end_ms"] = json!(end);
    }
    if export {
        clip["export_link"] = json!(format!("https://cdn.example.com/export/{id}_{i}.mp4"));
    }
    clip
}
