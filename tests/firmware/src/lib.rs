//! What the firmware images share: the bodies, the five-shape job done by status-core and by
//! serde-json-core, the typed clip-results target, the stack measurement and the exit.
#![no_std]

pub mod stream_demo;

use core::hint::black_box;

use cortex_m_semihosting::debug::{self, EXIT_FAILURE, EXIT_SUCCESS};
use serde::Deserialize;
use status_core::{ErrorShape, Reply};

/// One reply to decode.
pub struct Case {
    /// The HTTP status.
    pub status: u16,
    /// The raw body.
    pub body: &'static [u8],
}

/// The documented 400/500 body, as the API's status-code page shows it.
pub const MESSAGE: &[u8] =
    b"{\n  \"message\": \"the error message\",\n  \"trace_id\": \"the_trace_id\"\n}";
/// The documented 403 body.
pub const FORBIDDEN: &[u8] = b"{\n  \"timestamp\": \"2026-03-13T07:58:46.156+00:00\",\n  \"status\": 403,\n  \"error\": \"Forbidden\",\n  \"path\": \"/api/v2/clips\"\n}";
/// The documented 429 body.
pub const TOO_MANY: &[u8] = b"{\n  \"timestamp\": \"2026-03-10T15:52:01.610+00:00\",\n  \"status\": 429,\n  \"error\": \"Too Many Requests\",\n  \"path\": \"/api/v2/clips/results/prjxxx\"\n}";
/// A 200 body with a small `data`.
pub const SUCCESS: &[u8] =
    b"{\"data\": {\"id\": \"proj_abc123\", \"clips\": [1, 2, 3]}, \"code\": \"0\"}";
/// What a proxy in front of the API sends with a 502.
pub const HTML_502: &[u8] =
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>nginx</body>\r\n</html>\r\n";
/// A 200 body cut short inside `data`.
pub const MALFORMED_200: &[u8] = b"{\"data\": {\"id\": \"proj_abc123\", \"clips\": [1, 2}";
/// A clip-results body with 20 clips.
pub const CLIPS_20: &[u8] = include_bytes!("clips-20.json");

/// The five documented shapes: every body the size images decode.
pub const FIVE: [Case; 5] = [
    Case { status: 400, body: MESSAGE },
    Case { status: 403, body: FORBIDDEN },
    Case { status: 429, body: TOO_MANY },
    Case { status: 500, body: MESSAGE },
    Case { status: 200, body: SUCCESS },
];

/// What the five-shape job copies out of a reply.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Fields<'a> {
    /// The strings of the shape, in the order of the body (`message`, `trace_id`, or
    /// `timestamp`, `error`, `path`), raw.
    pub strs: [&'a str; 3],
    /// The gateway body's `status`.
    pub status: u16,
    /// `data`, raw (status-core only: serde-json-core skips it).
    pub data: &'a str,
}

/// The five-shape job with status-core: decode, then copy the fields out.
#[inline(never)]
pub fn status_core_job<'a>(status: u16, body: &'a [u8], out: &mut Fields<'a>) -> bool {
    match status_core::decode(status, body) {
        Ok(Reply::Success(s)) => {
            out.data = s.data().map_or("", |d| d.get());
            true
        }
        Ok(Reply::Error(e)) => match e.shape() {
            ErrorShape::Message(m) => {
                out.strs = [m.message.raw(), m.trace_id.raw(), ""];
                true
            }
            ErrorShape::Gateway(g) => {
                out.strs = [g.timestamp.raw(), g.error_name.raw(), g.path.raw()];
                out.status = g.status;
                true
            }
            ErrorShape::Unrecognized(_) => false,
        },
        Err(_) => false,
    }
}

/// The 400/500 body for serde-json-core.
#[derive(Deserialize)]
struct MessageBody<'a> {
    message: &'a str,
    trace_id: &'a str,
}

/// The 403/429 body for serde-json-core.
#[derive(Deserialize)]
struct GatewayBody<'a> {
    timestamp: &'a str,
    status: u16,
    error: &'a str,
    path: &'a str,
}

/// A success envelope for serde-json-core, which can only skip `data` (without checking it).
#[derive(Deserialize)]
struct Envelope {
    #[allow(dead_code)]
    data: Option<serde::de::IgnoredAny>,
}

/// The same job with serde-json-core. It validates less: `data` and unknown keys are skipped
/// without being checked, escaped strings cannot be read as `&str`, and the shape is chosen by
/// the status alone.
#[inline(never)]
pub fn serde_json_core_job<'a>(status: u16, body: &'a [u8], out: &mut Fields<'a>) -> bool {
    match status {
        200..=299 => serde_json_core::from_slice::<Envelope>(body).is_ok(),
        400 | 500 => match serde_json_core::from_slice::<MessageBody<'a>>(body) {
            Ok((m, _)) => {
                out.strs = [m.message, m.trace_id, ""];
                true
            }
            Err(_) => false,
        },
        403 | 429 => match serde_json_core::from_slice::<GatewayBody<'a>>(body) {
            Ok((g, _)) => {
                out.strs = [g.timestamp, g.error, g.path];
                out.status = g.status;
                true
            }
            Err(_) => false,
        },
        _ => false,
    }
}

/// Runs `job` over the five shapes; the number of bodies it read, folded with what it copied.
#[inline(never)]
pub fn run_five(job: fn(u16, &'static [u8], &mut Fields<'static>) -> bool) -> u32 {
    let mut digest = 0u32;
    for case in black_box(&FIVE) {
        let mut out = Fields::default();
        if job(case.status, case.body, &mut out) {
            digest = digest.wrapping_mul(31).wrapping_add(1);
        }
        for s in out.strs {
            digest = digest.wrapping_mul(31).wrapping_add(s.len() as u32);
        }
        digest = digest.wrapping_add(u32::from(out.status) + out.data.len() as u32);
    }
    digest
}

/// One clip, as a firmware would type it (plain strings only: serde-json-core decodes it too).
#[derive(Deserialize, Clone, PartialEq, Eq, Debug)]
pub struct Clip<'a> {
    /// Position in the project.
    pub idx: u32,
    /// Title.
    pub title: &'a str,
    /// Start, in milliseconds.
    pub begin_ms: u64,
    /// End, in milliseconds.
    pub end_ms: u64,
    /// Tags.
    #[serde(borrow)]
    pub tags: heapless::Vec<&'a str, 4>,
}

/// The clip-results `data`, with room for `N` clips. The list is an `InPlaceVec` (a
/// `heapless::Vec` by value) so that `decode_typed_in_place` fills it where it stands.
#[derive(Deserialize, Default)]
pub struct ClipResults<'a, const N: usize> {
    /// Project id.
    pub id: &'a str,
    /// Project name.
    pub name: &'a str,
    /// Project status.
    pub status: &'a str,
    /// The clips.
    #[serde(borrow)]
    pub clips: status_core::de::InPlaceVec<Clip<'a>, N>,
}

/// `{"data": T}` for serde-json-core.
#[derive(Deserialize)]
pub struct TypedEnvelope<T> {
    /// `data`.
    pub data: T,
}

/// Checks a decoded [`CLIPS_20`] field by field; a digest of it, or 0 when anything is wrong.
#[inline(never)]
pub fn check_clips<const N: usize>(r: &ClipResults<'_, N>) -> u32 {
    const TAGS: [&str; 5] = ["insight", "analysis", "funny", "news", "tech"];
    let head = r.id == "proj_abc123" && r.name == "sample project name" && r.status == "SUCCEEDED";
    if !head || r.clips.len() != 20 {
        return 0;
    }
    let mut title = heapless::String::<16>::new();
    let mut digest = 1u32;
    for (i, c) in r.clips.iter().enumerate() {
        let begin = 15_000 + i as u64 * 61_000;
        title.clear();
        let _ = title.push_str("clip number ");
        let _ = push_decimal(&mut title, i as u32);
        let ok = c.idx == i as u32
            && c.title == title.as_str()
            && c.begin_ms == begin
            && c.end_ms == begin + 45_000
            && c.tags.as_slice() == [TAGS[i % 5], TAGS[(i + 2) % 5]];
        if !ok {
            return 0;
        }
        digest = digest.wrapping_mul(31).wrapping_add(c.idx + c.end_ms as u32);
    }
    digest
}

/// Appends `n` in decimal, without `core::fmt`.
pub fn push_decimal<const N: usize>(s: &mut heapless::String<N>, n: u32) -> Result<(), ()> {
    let mut digits = [0u8; 10];
    let mut len = 0;
    let mut n = n;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in digits.iter().take(len).rev() {
        s.push(char::from(d)).map_err(drop)?;
    }
    Ok(())
}

const PAINT: u32 = 0x5AA5_C33C;
/// How far below the caller's stack pointer the stack is painted.
const PAINTED: usize = 3 << 20;

extern "C" {
    /// The end of `.bss`/`.uninit`, from cortex-m-rt's `link.x`: the stack may grow down to it.
    static mut __sheap: u32;
}

/// Runs `f` and measures its peak stack use: the stack below this frame is painted with a
/// pattern, `f` runs, and the lowest word no longer holding the pattern is its high-water mark.
/// Gives `f`'s result and the bytes of stack it used (its own frame, and the call, included).
#[inline(never)]
pub fn peak_stack(f: fn() -> u32) -> (u32, usize) {
    let sp = cortex_m::register::msp::read() as usize;
    // Leave this frame (and what the loop below may spill) alone.
    let top = (sp - 256) & !3;
    let limit = core::ptr::addr_of!(__sheap) as usize;
    let bottom = top.saturating_sub(PAINTED).max((limit + 3) & !3);
    let mut at = bottom;
    while at < top {
        // SAFETY: `[bottom, top)` is free stack below the current frame and above the end of
        // the static data; nothing else runs (no interrupts are enabled).
        unsafe { core::ptr::write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
    let result = black_box(f)();
    let mut lowest = bottom;
    // SAFETY: the same range, read back after `f` returned.
    while lowest < top && unsafe { core::ptr::read_volatile(lowest as *const u32) } == PAINT {
        lowest += 4;
    }
    let used = if lowest == bottom { usize::MAX } else { sp - lowest };
    (result, used)
}

/// Ends the program under QEMU with this status.
pub fn exit(success: bool) -> ! {
    debug::exit(if success { EXIT_SUCCESS } else { EXIT_FAILURE });
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // No formatting here: the size images would pay for `core::fmt`.
    if let Ok(mut out) = cortex_m_semihosting::hio::hstderr() {
        let _ = out.write_all(b"panic\n");
    }
    exit(false)
}
