//! The streaming demonstration: a clip-results body of 1,000 clips, generated on the fly and
//! never held whole, fed to status-core's push decoder in 64-byte chunks, each clip typed as it
//! completes in a 512-byte window.

use core::fmt::Write as _;

use serde::Deserialize;
use status_core::de::int_or_string;
use status_core::stream::{ItemPath, OnItem, Outcome, PushDecoder};
use status_core::{from_raw, JsonStr, RawJson};

/// One streamed clip, typed as a firmware would: `end_ms` comes as a string here, as the API
/// sometimes sends it, and the escaped description is borrowed undecoded.
#[derive(Deserialize)]
struct Clip<'a> {
    idx: u32,
    title: &'a str,
    begin_ms: u64,
    #[serde(with = "int_or_string")]
    end_ms: u64,
    #[serde(borrow)]
    tags: heapless::Vec<&'a str, 4>,
    desc: JsonStr<'a>,
}

/// Clips in the generated body.
pub const CLIPS: u32 = 1_000;
/// Bytes fed per call, as a small device's network stack hands them over.
pub const CHUNK: usize = 64;
/// The window each clip is gathered in.
pub const WINDOW: usize = 512;

/// The body, produced a piece at a time: the envelope's head, each clip, then its tail.
pub struct Body {
    next_clip: u32,
    piece: heapless::String<320>,
    at: usize,
    done: bool,
}

impl Body {
    /// The head of the body, ready to be read.
    pub fn new() -> Self {
        let mut piece = heapless::String::new();
        let _ = piece.push_str(r#"{"data": {"id": "proj_stream", "status": "SUCCEEDED", "clips": ["#);
        Self { next_clip: 0, piece, at: 0, done: false }
    }

    /// The text of clip `i`: its fields follow from `i`, so the decoder's output can be checked.
    fn clip(i: u32, out: &mut heapless::String<320>) {
        let begin = u64::from(i) * 30_000;
        let _ = write!(
            out,
            "{}\n  {{\"idx\": {i}, \"title\": \"generated clip {i} of the streamed project\", \
             \"begin_ms\": {begin}, \"end_ms\": \"{}\", \"score\": {}.5, \
             \"tags\": [\"insight\", \"t{}\"], \"desc\": \"a description long enough to make \
             the body a quarter of a megabyte: caf\\u00e9, \\\"quoted\\\", \\n newline\"}}",
            if i == 0 { "" } else { "," },
            begin + 15_000 + u64::from(i % 7),
            i % 100,
            i % 10,
        );
    }

    /// Fills `out` with the next bytes; 0 at the end of the body.
    pub fn fill(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        while n < out.len() {
            if self.at == self.piece.len() {
                if self.done {
                    break;
                }
                self.piece.clear();
                self.at = 0;
                if self.next_clip < CLIPS {
                    Self::clip(self.next_clip, &mut self.piece);
                    self.next_clip += 1;
                } else {
                    let _ = self.piece.push_str("\n]}, \"code\": 0}");
                    self.done = true;
                }
            }
            let rest = self.piece.as_bytes().get(self.at..).unwrap_or_default();
            let take = rest.len().min(out.len() - n);
            out[n..n + take].copy_from_slice(&rest[..take]);
            n += take;
            self.at += take;
        }
        n
    }
}

impl Default for Body {
    fn default() -> Self {
        Self::new()
    }
}

/// What a run measured.
pub struct Run {
    /// Body bytes fed.
    pub bytes: usize,
    /// Clips decoded and checked.
    pub clips: u32,
    /// The first clip that was not as generated, if any.
    pub wrong: Option<u32>,
}

/// Checks one decoded clip against what the generator wrote for position `i`.
fn clip_is_right(item: RawJson<'_>, i: u32) -> bool {
    let Ok(clip) = from_raw::<Clip<'_>>(item) else { return false };
    let begin = u64::from(i) * 30_000;
    let mut title = heapless::String::<64>::new();
    let _ = write!(title, "generated clip {i} of the streamed project");
    let mut tag = heapless::String::<8>::new();
    let _ = write!(tag, "t{}", i % 10);
    clip.idx == i
        && clip.title == title.as_str()
        && clip.begin_ms == begin
        && clip.end_ms == begin + 15_000 + u64::from(i % 7)
        && clip.tags.as_slice() == ["insight", tag.as_str()]
        && clip.desc.has_escapes()
        && clip.desc.chars().filter(|&c| c == 'é' || c == '"' || c == '\n').count() == 4
}

/// Streams the whole body through the push decoder, typing each clip.
pub fn run() -> Result<Run, status_core::Error> {
    let path = ItemPath::new(&["clips"]).unwrap_or_else(|| crate::exit(false));
    let mut decoder = PushDecoder::new(200)?.with_items(path);
    let mut window = [0u8; WINDOW];
    let mut chunk = [0u8; CHUNK];
    let mut body = Body::new();
    let mut run = Run { bytes: 0, clips: 0, wrong: None };
    loop {
        let n = body.fill(&mut chunk);
        if n == 0 {
            break;
        }
        run.bytes += n;
        let mut check = OnItem(|item: RawJson<'_>| {
            if !clip_is_right(item, run.clips) && run.wrong.is_none() {
                run.wrong = Some(run.clips);
            }
            run.clips += 1;
        });
        decoder.feed_items(&chunk[..n], &mut window, &mut check)?;
    }
    match decoder.finish()? {
        Outcome::Success { has_data: true, .. } => Ok(run),
        _ => Err(status_core::Error::new(status_core::ErrorKind::MissingField, run.bytes)),
    }
}
