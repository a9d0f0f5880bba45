//! Workloads and engines shared by the criterion benches and the `report` binary.
//!
//! Every engine is given the same bytes and asked the same question, so that the figures
//! compare like with like:
//!
//! - **error bodies**: decode a documented 400/403/429/500 body into its fields;
//! - **success envelopes**: validate a whole `{"data": X}` body and hand back `data` unparsed;
//! - **typed**: decode a clip-results body into a user struct;
//! - **malformed**: reject a bad body (the time must grow linearly with its size).
//!
//! The corpora (twitter.json, citm_catalog.json, canada.json) are read from the directory
//! named by `STATUS_CORPORA`, else from `shared/corpora` beside the workspace; without them the
//! success workloads run on generated payloads only.

extern crate alloc;

pub mod capacity;

use alloc::borrow::Cow;
use std::path::PathBuf;

use serde::Deserialize;

/// One body to decode, with the HTTP status it came with.
#[derive(Debug, Clone)]
pub struct Body {
    /// A short name for tables and criterion ids.
    pub name: String,
    /// The HTTP status.
    pub status: u16,
    /// The raw body.
    pub bytes: Vec<u8>,
}

impl Body {
    fn new(name: impl Into<String>, status: u16, bytes: Vec<u8>) -> Self {
        Self { name: name.into(), status, bytes }
    }
}

/// The four documented error bodies, byte for byte as the API's status-code page shows them.
pub fn error_bodies() -> Vec<Body> {
    let message = b"{\n  \"message\": \"the error message\",\n  \"trace_id\": \"the_trace_id\"\n}";
    vec![
        Body::new("400", 400, message.to_vec()),
        Body::new(
            "403",
            403,
            b"{\n  \"timestamp\": \"2026-03-13T07:58:46.156+00:00\",\n  \"status\": 403,\n  \"error\": \"Forbidden\",\n  \"path\": \"/api/v2/clips\"\n}"
                .to_vec(),
        ),
        Body::new(
            "429",
            429,
            b"{\n  \"timestamp\": \"2026-03-10T15:52:01.610+00:00\",\n  \"status\": 429,\n  \"error\": \"Too Many Requests\",\n  \"path\": \"/api/v2/clips/results/prjxxx\"\n}"
                .to_vec(),
        ),
        Body::new("500", 500, message.to_vec()),
    ]
}

/// Where the standard corpora are: `$STATUS_CORPORA`, else `shared/corpora` beside the
/// workspace (the default `../shared/corpora` of a checkout).
pub fn corpora_dir() -> PathBuf {
    match std::env::var_os("STATUS_CORPORA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora"),
    }
}

/// The standard corpora, each wrapped as `{"data": X}`; empty when the directory is absent.
pub fn corpus_envelopes() -> Vec<Body> {
    let dir = corpora_dir();
    ["twitter", "citm_catalog", "canada"]
        .iter()
        .filter_map(|name| {
            let data = std::fs::read(dir.join(format!("{name}.json"))).ok()?;
            Some(Body::new(*name, 200, envelope(&data)))
        })
        .collect()
}

/// `{"data": X}` around `data`.
pub fn envelope(data: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(data.len() + 12);
    body.extend_from_slice(b"{\"data\": ");
    body.extend_from_slice(data);
    body.extend_from_slice(b"}");
    body
}

/// The sizes of the generated success payloads, smallest first; the last two are left out of
/// quick runs.
pub const GENERATED_SIZES: [usize; 6] = [1 << 10, 16 << 10, 256 << 10, 4 << 20, 16 << 20, 64 << 20];

/// A human name for a byte count: `1KiB`, `64MiB`.
pub fn size_name(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{}MiB", bytes >> 20)
    } else {
        format!("{}KiB", bytes >> 10)
    }
}

/// A small deterministic generator, so every run decodes the same bytes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

const TITLES: &[&str] = &[
    "sample title",
    "How the market moved this week",
    "Interview highlights, part two",
    "Ça va? Résumé de l'épisode",
    "東京のハイライト 🎬",
    "The \\\"best\\\" moments",
    "Q&A: what's next for the product",
];
const DESCS: &[&str] = &[
    "sample description",
    "A short clip cut from the longest segment of the talk, with the speaker's key claim.",
    "Line one\\nLine two\\tindented",
    "Preisvergleich für Straßenbahnen — überall günstiger",
    "Клип с лучшими моментами выступления",
    "Emoji-rich 🚀🔥✨ moment with a quote: \\u00ab on y va \\u00bb",
];
const TAGS: &[&str] = &["insight", "analysis", "funny", "news", "tech", "sports", "interview"];

/// Appends one clip object to `out`; `plain` keeps it free of escapes and non-ASCII text.
fn push_clip(out: &mut String, idx: usize, rng: &mut Lcg, plain: bool) {
    use core::fmt::Write;
    let (title, desc) = if plain {
        ("sample title", "sample description")
    } else {
        (rng.pick(TITLES), rng.pick(DESCS))
    };
    let begin = rng.next() % 3_600_000;
    let end = begin + 5_000 + rng.next() % 60_000;
    let _ = write!(
        out,
        "{{\"idx\": {idx}, \"title\": \"{title}\", \"begin_ms\": \"{begin}\", \"end_ms\": \"{end}\", \
         \"thumbnail\": \"https://cdn.example.com/thumb/clip_{idx:05}.jpg\", \
         \"tags\": [\"{}\", \"{}\"], \"desc\": \"{desc}\", \"score\": 0.{:04}, \
         \"expire_at\": {}}}",
        rng.pick(TAGS),
        rng.pick(TAGS),
        rng.next() % 10_000,
        1_775_751_200_314u64 + rng.next() % 1_000_000,
    );
}

/// A clip-results `data` value with `clips` clips.
pub fn clip_results(clips: usize, plain: bool) -> Vec<u8> {
    let mut rng = Lcg(0x5eed);
    let mut out = String::from(
        "{\"id\": \"proj_abc123\", \"name\": \"sample project name\", \"status\": \"SUCCEEDED\", \"clips\": [",
    );
    for idx in 0..clips {
        if idx > 0 {
            out.push_str(", ");
        }
        push_clip(&mut out, idx, &mut rng, plain);
    }
    out.push_str("]}");
    out.into_bytes()
}

/// A clip-results `data` value of at least `size` bytes, with mixed text and escapes.
pub fn generated_data(size: usize) -> Vec<u8> {
    let mut rng = Lcg(0x5eed);
    let mut out = String::with_capacity(size + 512);
    out.push_str(
        "{\"id\": \"proj_abc123\", \"name\": \"sample project name\", \"status\": \"SUCCEEDED\", \"clips\": [",
    );
    let mut idx = 0;
    while out.len() + 2 < size {
        if idx > 0 {
            out.push_str(", ");
        }
        push_clip(&mut out, idx, &mut rng, false);
        idx += 1;
    }
    out.push_str("]}");
    out.into_bytes()
}

/// Generated success envelopes, one per size.
pub fn generated_envelopes(sizes: &[usize]) -> Vec<Body> {
    sizes
        .iter()
        .map(|&size| {
            Body::new(format!("gen-{}", size_name(size)), 200, envelope(&generated_data(size)))
        })
        .collect()
}

/// The kinds of malformed body.
pub const MALFORMED_KINDS: [&str; 4] =
    ["truncated", "bad-utf8-last", "open-brackets", "bad-escape-end"];

/// A malformed body of `kind` (one of [`MALFORMED_KINDS`]) about `size` bytes long.
pub fn malformed(kind: &str, size: usize) -> Body {
    let bytes = match kind {
        // A success body cut short, as a dropped connection leaves it.
        "truncated" => {
            let mut body = envelope(&generated_data(size));
            body.truncate(size.saturating_sub(7).min(body.len() - 1));
            body
        }
        // A valid body whose last byte is not UTF-8.
        "bad-utf8-last" => {
            let mut body = envelope(&generated_data(size));
            if let Some(last) = body.last_mut() {
                *last = 0xFF;
            }
            body
        }
        "open-brackets" => vec![b'['; size],
        // One huge string whose only fault is the escape at its very end.
        "bad-escape-end" => {
            let mut body = b"{\"data\": \"".to_vec();
            body.resize(size.saturating_sub(6).max(body.len()), b'a');
            body.extend_from_slice(b"\\x\"}");
            body
        }
        other => panic!("unknown malformed kind {other}"),
    };
    Body::new(format!("{kind}-{}", size_name(size)), 200, bytes)
}

/// The engines compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// This workspace's decoder.
    StatusCore,
    /// serde_json with derived, borrowing structs (`&RawValue` for `data`).
    SerdeJson,
    /// sonic-rs with the same structs (`LazyValue` for `data`).
    SonicRs,
    /// simd-json's tape, on a copy of the body (it parses in place).
    SimdJson,
    /// serde-json-core with the same structs (`heapless` vectors where a `Vec` is needed).
    SerdeJsonCore,
}

impl Engine {
    /// The name shown in tables and criterion ids.
    pub const fn name(self) -> &'static str {
        match self {
            Self::StatusCore => "status-core",
            Self::SerdeJson => "serde_json",
            Self::SonicRs => "sonic-rs",
            Self::SimdJson => "simd-json",
            Self::SerdeJsonCore => "serde-json-core",
        }
    }
}

/// The engines of the error-body workload.
pub const ERROR_ENGINES: [Engine; 4] =
    [Engine::StatusCore, Engine::SerdeJson, Engine::SerdeJsonCore, Engine::SonicRs];
/// The engines of the success-envelope and malformed workloads.
pub const SUCCESS_ENGINES: [Engine; 4] =
    [Engine::StatusCore, Engine::SerdeJson, Engine::SonicRs, Engine::SimdJson];

/// The 400/500 body.
#[derive(Deserialize)]
pub struct MessageBody<'a> {
    /// `message`
    pub message: &'a str,
    /// `trace_id`
    pub trace_id: &'a str,
}

/// The 403/429 body.
#[derive(Deserialize)]
pub struct GatewayBody<'a> {
    /// `timestamp`, unparsed (as status-core leaves it).
    pub timestamp: &'a str,
    /// `status`
    pub status: u16,
    /// `error`
    pub error: &'a str,
    /// `path`
    pub path: &'a str,
}

#[derive(Deserialize)]
struct SerdeEnvelope<'a> {
    #[serde(borrow)]
    data: Option<&'a serde_json::value::RawValue>,
}

#[derive(Deserialize)]
struct SonicEnvelope<'a> {
    #[serde(borrow)]
    data: Option<sonic_rs::LazyValue<'a>>,
}

/// One clip of a clip-results body, as a user would declare it.
#[derive(Debug, Deserialize, PartialEq)]
pub struct Clip<'a> {
    /// Position in the project.
    pub idx: u32,
    /// Title (may be escaped, hence `Cow`).
    #[serde(borrow)]
    pub title: Cow<'a, str>,
    /// Start, in milliseconds, sent as a string.
    pub begin_ms: &'a str,
    /// End, in milliseconds, sent as a string.
    pub end_ms: &'a str,
    /// Thumbnail URL.
    pub thumbnail: &'a str,
    /// Tags.
    #[serde(borrow)]
    pub tags: Vec<&'a str>,
    /// Description (may be escaped).
    #[serde(borrow)]
    pub desc: Cow<'a, str>,
    /// Relevance score.
    pub score: f64,
    /// Expiry, unix milliseconds.
    pub expire_at: u64,
}

/// A clip-results `data` value, as a user would declare it.
#[derive(Debug, Deserialize, PartialEq)]
pub struct ClipResults<'a> {
    /// Project id.
    pub id: &'a str,
    /// Project name.
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    /// Project status.
    pub status: &'a str,
    /// The clips.
    #[serde(borrow)]
    pub clips: Vec<Clip<'a>>,
}

/// The clip-results struct for serde-json-core: fixed capacities, no escapes.
#[derive(Deserialize)]
pub struct ClipResultsCore<'a> {
    /// Project id.
    pub id: &'a str,
    /// Project name.
    pub name: &'a str,
    /// Project status.
    pub status: &'a str,
    /// The clips.
    #[serde(borrow)]
    pub clips: heapless::Vec<ClipCore<'a>, TYPED_SMALL_CLIPS>,
}

/// One clip for serde-json-core.
#[derive(Deserialize)]
pub struct ClipCore<'a> {
    /// Position in the project.
    pub idx: u32,
    /// Title.
    pub title: &'a str,
    /// Start, in milliseconds.
    pub begin_ms: &'a str,
    /// End, in milliseconds.
    pub end_ms: &'a str,
    /// Thumbnail URL.
    pub thumbnail: &'a str,
    /// Tags.
    #[serde(borrow)]
    pub tags: heapless::Vec<&'a str, 4>,
    /// Description.
    pub desc: &'a str,
    /// Relevance score.
    pub score: f32,
    /// Expiry, unix milliseconds.
    pub expire_at: u64,
}

#[derive(Deserialize)]
struct TypedEnvelope<T> {
    data: T,
}

/// How many clips the small typed body has (serde-json-core can decode it).
pub const TYPED_SMALL_CLIPS: usize = 32;
/// How many clips the large typed body has.
pub const TYPED_LARGE_CLIPS: usize = 4000;

/// The typed workload's bodies: a small plain one every engine can decode, and a large
/// one with escapes and non-ASCII text.
pub fn typed_bodies() -> Vec<Body> {
    vec![
        Body::new(
            format!("clips-{TYPED_SMALL_CLIPS}"),
            200,
            envelope(&clip_results(TYPED_SMALL_CLIPS, true)),
        ),
        Body::new(
            format!("clips-{TYPED_LARGE_CLIPS}"),
            200,
            envelope(&clip_results(TYPED_LARGE_CLIPS, false)),
        ),
    ]
}

/// Reusable state for engines that need it (simd-json parses a mutable copy).
#[derive(Default)]
pub struct Scratch {
    copy: Vec<u8>,
    buffers: Option<simd_json::Buffers>,
}

/// Decodes an error body; `Some(n)` (a digest of the fields) when it had the documented shape.
pub fn decode_error(engine: Engine, body: &Body) -> Option<usize> {
    let bytes = &body.bytes[..];
    let message = matches!(body.status, 400 | 500);
    match engine {
        Engine::StatusCore => match status_core::decode(body.status, bytes).ok()? {
            status_core::Reply::Error(e) => match e.shape() {
                status_core::ErrorShape::Message(m) => {
                    Some(m.message.raw().len() + m.trace_id.raw().len())
                }
                status_core::ErrorShape::Gateway(g) => {
                    Some(g.timestamp.raw().len() + usize::from(g.status))
                }
                status_core::ErrorShape::Unrecognized(_) => None,
            },
            status_core::Reply::Success(_) => None,
        },
        Engine::SerdeJson if message => serde_json::from_slice::<MessageBody>(bytes)
            .ok()
            .map(|m| m.message.len() + m.trace_id.len()),
        Engine::SerdeJson => serde_json::from_slice::<GatewayBody>(bytes)
            .ok()
            .map(|g| g.timestamp.len() + usize::from(g.status)),
        Engine::SonicRs if message => sonic_rs::from_slice::<MessageBody>(bytes)
            .ok()
            .map(|m| m.message.len() + m.trace_id.len()),
        Engine::SonicRs => sonic_rs::from_slice::<GatewayBody>(bytes)
            .ok()
            .map(|g| g.timestamp.len() + usize::from(g.status)),
        Engine::SerdeJsonCore if message => serde_json_core::from_slice::<MessageBody>(bytes)
            .ok()
            .map(|(m, _)| m.message.len() + m.trace_id.len()),
        Engine::SerdeJsonCore => serde_json_core::from_slice::<GatewayBody>(bytes)
            .ok()
            .map(|(g, _)| g.timestamp.len() + usize::from(g.status)),
        // simd-json has no borrowed struct decoding worth comparing on 100-byte bodies.
        Engine::SimdJson => None,
    }
}

/// An engine refused a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected;

/// Validates a whole success body and finds `data`: `Ok(a digest of data)`, 0 without one.
pub fn decode_success(
    engine: Engine,
    bytes: &[u8],
    scratch: &mut Scratch,
) -> Result<usize, Rejected> {
    match engine {
        Engine::StatusCore => match status_core::decode(200, bytes) {
            Ok(status_core::Reply::Success(s)) => Ok(s.data().map_or(0, |d| d.get().len())),
            _ => Err(Rejected),
        },
        Engine::SerdeJson => serde_json::from_slice::<SerdeEnvelope>(bytes)
            .map(|e| e.data.map_or(0, |d| d.get().len()))
            .map_err(|_| Rejected),
        Engine::SonicRs => sonic_rs::from_slice::<SonicEnvelope>(bytes)
            .map(|e| e.data.map_or(0, |d| d.as_raw_str().len()))
            .map_err(|_| Rejected),
        Engine::SimdJson => {
            scratch.copy.clear();
            scratch.copy.extend_from_slice(bytes);
            let buffers =
                scratch.buffers.get_or_insert_with(|| simd_json::Buffers::new(bytes.len()));
            let tape = simd_json::to_tape_with_buffers(&mut scratch.copy, buffers)
                .map_err(|_| Rejected)?;
            let value = tape.as_value();
            if !value.is_object() {
                return Err(Rejected);
            }
            Ok(usize::from(value.get("data").is_some()))
        }
        Engine::SerdeJsonCore => Err(Rejected),
    }
}

/// Decodes a clip-results body into the user struct: `Some(number of clips)`; `None` when
/// it fails or the engine has no typed decoding here.
pub fn decode_typed(engine: Engine, bytes: &[u8]) -> Option<usize> {
    match engine {
        Engine::SerdeJson => serde_json::from_slice::<TypedEnvelope<ClipResults>>(bytes)
            .ok()
            .map(|e| e.data.clips.len()),
        Engine::SerdeJsonCore => {
            serde_json_core::from_slice::<TypedEnvelope<ClipResultsCore>>(bytes)
                .ok()
                .map(|(e, _)| e.data.clips.len())
        }
        Engine::SonicRs => sonic_rs::from_slice::<TypedEnvelope<ClipResults>>(bytes)
            .ok()
            .map(|e| e.data.clips.len()),
        // The one-walk path: `decode` then `data_as` would walk `data` twice.
        Engine::StatusCore => match status_core::decode_typed::<ClipResults>(200, bytes).ok()? {
            status_core::TypedReply::Success { data, .. } => Some(data.clips.len()),
            status_core::TypedReply::Error(_) => None,
        },
        Engine::SimdJson => None,
    }
}

/// The engines of the typed workload.
pub const TYPED_ENGINES: [Engine; 3] =
    [Engine::StatusCore, Engine::SerdeJson, Engine::SerdeJsonCore];

/// Whether `engine` can be run on the malformed body `name` at all: sonic-rs 0.5 recurses
/// without a depth limit and overflows the stack on a megabyte of `[`.
pub fn survives(engine: Engine, name: &str) -> bool {
    !(engine == Engine::SonicRs && name.starts_with("open-brackets"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_engine_reads_every_documented_body() {
        for body in error_bodies() {
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

    #[test]
    fn every_success_engine_accepts_the_envelopes_and_finds_data() {
        let bodies =
            corpus_envelopes().into_iter().chain(generated_envelopes(&GENERATED_SIZES[..3]));
        for body in bodies {
            let mut scratch = Scratch::default();
            for engine in SUCCESS_ENGINES {
                let found = decode_success(engine, &body.bytes, &mut scratch);
                assert!(
                    matches!(found, Ok(n) if n > 0),
                    "{} on {}: {found:?}",
                    engine.name(),
                    body.name
                );
            }
        }
    }

    #[test]
    fn generated_payloads_have_the_requested_size_and_are_json() {
        for size in [1 << 10, 16 << 10] {
            let data = generated_data(size);
            assert!(data.len() >= size && data.len() < size + 1024, "{}", data.len());
            let value: serde_json::Value = serde_json::from_slice(&data).unwrap();
            assert!(value["clips"].as_array().is_some_and(|c| !c.is_empty()));
        }
    }

    #[test]
    fn every_engine_rejects_every_malformed_body() {
        for kind in MALFORMED_KINDS {
            let body = malformed(kind, 4096);
            let mut scratch = Scratch::default();
            for engine in SUCCESS_ENGINES.into_iter().filter(|&e| survives(e, &body.name)) {
                assert_eq!(
                    decode_success(engine, &body.bytes, &mut scratch),
                    Err(Rejected),
                    "{} on {}",
                    engine.name(),
                    body.name
                );
            }
        }
    }

    #[test]
    fn typed_engines_agree_on_the_clip_count() {
        for body in typed_bodies() {
            let clips = if body.name == "clips-32" { 32 } else { TYPED_LARGE_CLIPS };
            assert_eq!(decode_typed(Engine::SerdeJson, &body.bytes), Some(clips));
            assert_eq!(decode_typed(Engine::StatusCore, &body.bytes), Some(clips));
            let decoded = status_core::decode(200, &body.bytes).unwrap().into_result().unwrap();
            let ours: ClipResults = decoded.data_as().unwrap();
            let theirs: TypedEnvelope<ClipResults> = serde_json::from_slice(&body.bytes).unwrap();
            assert_eq!(ours, theirs.data);
        }
        let small = &typed_bodies()[0];
        assert_eq!(decode_typed(Engine::SerdeJsonCore, &small.bytes), Some(TYPED_SMALL_CLIPS));
    }
}
