//! The mock's simulation of the API: key, version, rate limit, projects.

use std::collections::{HashMap, VecDeque};

use http::header::AUTHORIZATION;
use http::Method;
use tokio::time::Instant;

use super::reply::{quote, MockReply};
use super::{MockRequest, MockServerBuilder};
use crate::client::API_VERSION_HEADER;

const SUBMIT: &str = "/api/v2/clips";
const RESULTS: &str = "/api/v2/clips/results/";

#[derive(Default)]
pub(super) struct FakeApi {
    admitted: VecDeque<Instant>,
    projects: HashMap<String, Progress>,
    next_project: u64,
    next_trace: u64,
    pub(super) rejections: usize,
    pub(super) peak_running: usize,
}

struct Progress {
    polls: u32,
    finished: bool,
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

    /// The simulated endpoints: submissions and result polls.
    pub(super) fn route(&mut self, req: &MockRequest, config: &MockServerBuilder) -> MockReply {
        let path = req.path.as_str();
        if req.method == Method::POST && path == SUBMIT {
            if self.running() >= config.project_limit {
                self.rejections += 1;
                return MockReply::gateway(429, "Too Many Requests", path);
            }
            self.next_project += 1;
            let id = format!("prj{:013}", self.next_project);
            self.projects.insert(id.clone(), Progress { polls: 0, finished: false });
            self.peak_running = self.peak_running.max(self.running());
            return MockReply::success(&format!(
                r#"{{"project_id": "{id}", "name": "mock project", "status": "CREATED"}}"#
            ));
        }
        if let Some(id) = path.strip_prefix(RESULTS).filter(|_| req.method == Method::GET) {
            let Some(project) = self.projects.get_mut(id) else {
                let trace = self.trace_id();
                return MockReply::message(400, &format!("project {id} not found"), &trace);
            };
            project.polls += 1;
            if project.polls >= config.polls_to_finish {
                project.finished = true;
                return MockReply::success(&format!(
                    r#"{{"id": {}, "name": "mock project", "status": "SUCCEEDED", "clips": [
                        {{"idx": 0, "title": "sample title", "begin_ms": "15000", "end_ms": "75000",
                          "tags": ["insight", "analysis"], "desc": "sample description"}}]}}"#,
                    quote(id)
                ));
            }
            return MockReply::success(&format!(
                r#"{{"id": {}, "name": "mock project", "status": "PROCESSING"}}"#,
                quote(id)
            ));
        }
        let trace = self.trace_id();
        MockReply::message(404, &format!("no endpoint {} {path}", req.method), &trace)
    }
}
