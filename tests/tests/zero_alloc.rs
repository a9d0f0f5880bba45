//! Decoding allocates nothing: a counting global allocator watches every decode of the test
//! bodies. One test in this binary, so no other test allocates while it counts.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use core::hint::black_box;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::alloc::System;

use heapless::{LinearMap, String as HString};
use serde::de::IgnoredAny;
use status_core::de::InPlaceVec;
use status_core::stream::{ErrorText, Events, Field, ItemPath, PushDecoder};
use status_core::{decode, decode_typed, Decoder, ErrorShape, JsonStr, Reply};
use status_tests::models::{Clip, ClipResults};

/// A clip list filled in place, for `decode_typed_in_place`.
#[derive(serde::Deserialize, Default)]
struct InPlaceResults<'a> {
    #[serde(default)]
    id: &'a str,
    #[serde(borrow, default)]
    clips: InPlaceVec<Clip<'a>, 8>,
}

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards to the system allocator; counting has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if WATCHING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if WATCHING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Counts the allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    WATCHING.with(|w| w.set(true));
    f();
    WATCHING.with(|w| w.set(false));
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

/// The typed path, in one walk and in two, with its errors formatted.
fn use_typed(status: u16, body: &[u8]) {
    let report = |e: status_core::DataError| {
        let mut line = HString::<160>::new();
        black_box(core::fmt::Write::write_fmt(&mut line, format_args!("{e}")).ok());
        black_box(line);
    };
    match decode_typed::<ClipResults<'_>>(status, body) {
        Ok(reply) => {
            black_box(reply.is_success());
        }
        Err(e) => report(e),
    }
    let mut place = InPlaceResults::default();
    match Decoder::new().decode_typed_in_place(status, body, &mut place) {
        Ok(reply) => {
            black_box((reply.is_success(), place.id, place.clips.len()));
        }
        Err(e) => report(e),
    }
    if let Ok(Reply::Success(ok)) = decode(status, body) {
        black_box(ok.data_as::<ClipResults<'_>>().map_err(report).is_ok());
        black_box(ok.data_as::<Option<IgnoredAny>>().map_err(report).is_ok());
        black_box(ok.data_as::<LinearMap<JsonStr<'_>, IgnoredAny, 8>>().map_err(report).is_ok());
    }
}

/// Every way of reading a reply, as a user would.
fn use_reply(status: u16, body: &[u8]) {
    let mut buf = [0u8; 512];
    let mut text = |s: JsonStr<'_>| {
        black_box(s.unescape_into(&mut buf).ok());
        black_box(s.to_heapless::<64>().ok());
        black_box(s == "the error message");
        black_box(s.unescaped_len());
    };
    match decode(status, body) {
        Ok(Reply::Success(ok)) => {
            black_box(ok.data());
            black_box(ok.field("code"));
        }
        Ok(Reply::Error(err)) => {
            black_box(err.timestamp());
            match err.shape() {
                ErrorShape::Message(m) => {
                    text(m.message);
                    text(m.trace_id);
                }
                ErrorShape::Gateway(g) => {
                    black_box(g.parse_timestamp().ok());
                    text(g.error_name);
                    text(g.path);
                }
                ErrorShape::Unrecognized(reason) => {
                    black_box(reason);
                }
            }
        }
        Err(e) => {
            black_box(e);
        }
    }
    black_box(Decoder::new().with_max_depth(4).validate(body).ok());
    use_typed(status, body);
    use_stream(status, body);
}

/// Events that touch everything the push decoder hands out.
struct Touch {
    text: ErrorText<32>,
}

impl Events for Touch {
    fn data(&mut self, bytes: &[u8]) {
        black_box(bytes);
    }
    fn field_start(&mut self, f: Field) {
        self.text.field_start(f);
    }
    fn field_text(&mut self, f: Field, t: &str) {
        self.text.field_text(f, t);
    }
    fn field_end(&mut self, f: Field) {
        self.text.field_end(f);
    }
    fn item(&mut self, item: status_core::RawJson<'_>) {
        black_box(status_core::from_raw::<Option<IgnoredAny>>(item).ok());
    }
}

/// The push decoder in chunks of 1, 7 and 64 bytes, with items at `clips` in a small window.
fn use_stream(status: u16, body: &[u8]) {
    let path = ItemPath::new(&["clips"]);
    for size in [1, 7, 64] {
        let Ok(dec) = PushDecoder::new(status) else { return };
        let mut dec = match path {
            Some(path) => dec.with_items(path),
            None => dec,
        };
        let mut window = [0u8; 256];
        let mut touch = Touch { text: ErrorText::new() };
        for chunk in body.chunks(size) {
            if dec.feed_items(chunk, &mut window, &mut touch).is_err() {
                break;
            }
        }
        black_box(dec.finish().ok());
        black_box(touch.text.message().map(|m| m.is_cut()));
    }
}

#[test]
fn decoding_never_allocates() {
    // Built before counting starts: the bodies and their damaged variants.
    let mut bodies: Vec<(u16, Vec<u8>)> = Vec::new();
    for &(status, body) in status_tests::ALL {
        let body = body.as_bytes();
        bodies.push((status, body.to_vec()));
        for cut in 0..body.len() {
            bodies.push((status, body[..cut].to_vec()));
        }
        for at in (0..body.len()).step_by(7) {
            let mut flipped = body.to_vec();
            flipped[at] ^= 0x80;
            bodies.push((status, flipped));
        }
    }
    let mut deep = b"{\"data\":".to_vec();
    deep.resize(1 << 16, b'[');
    bodies.push((200, deep.clone()));
    bodies.push((500, deep));
    bodies.push((400, br#"{"message":"caf\u00e9 \ud83d\ude00","trace_id":"\u0041"}"#.to_vec()));
    let escaped_clips =
        br#"{"data": {"id": "p", "name": "caf\u00e9 \"x\"", "status": "SUCC\u0045EDED",
        "clips": [{"idx": 1, "title": "a\nb", "begin_ms": 1, "end_ms": "2", "thumbnail": "t",
                   "tags": ["x"], "desc": "\ud83d\ude00", "extra": [1, {"y": null}]}]}}"#;
    bodies.push((200, escaped_clips.to_vec()));
    for typed in [status_tests::CLIP_RESULTS_200.as_bytes(), escaped_clips] {
        assert!(decode_typed::<ClipResults<'_>>(200, typed).is_ok(), "the typed model fits");
    }
    let corpora = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora");
    for name in ["twitter.json", "citm_catalog.json", "canada.json"] {
        if let Ok(doc) = std::fs::read(corpora.join(name)) {
            let mut body = b"{\"data\":".to_vec();
            body.extend_from_slice(&doc);
            body.push(b'}');
            bodies.push((200, body));
        }
    }

    let n = allocations(|| {
        for (status, body) in &bodies {
            use_reply(*status, body);
        }
    });
    assert_eq!(n, 0, "decoding {} bodies allocated {n} times", bodies.len());

    // The counter itself works: an allocation inside the window is seen.
    assert_eq!(allocations(|| drop(black_box(vec![1u8; 16]))), 1);
}
