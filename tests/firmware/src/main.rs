//! status-core on a Cortex-M4F: decodes a body of every documented status, an HTML 502, a
//! malformed 200 and a typed clip-results body, checks every result, prints the peak stack of
//! each decoding call beside serde-json-core doing the same job, and exits with failure when
//! anything is wrong. `.ci/thumbv7em.sh` runs it under QEMU and checks the budgets.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::sync::atomic::{AtomicUsize, Ordering};

use cortex_m_rt::entry;
use cortex_m_semihosting::hprintln;
use status_core::{decode, ErrorKind, ErrorShape, Reply, Retry, TypedReply};
use status_firmware::{
    check_clips, exit, peak_stack, run_five, serde_json_core_job, status_core_job, Case,
    ClipResults, Fields, TypedEnvelope, CLIPS_20, FIVE, FORBIDDEN, HTML_502, MALFORMED_200,
    MESSAGE, SUCCESS, TOO_MANY,
};

/// Every reply the untyped decoder is given: the five shapes, then the two bad ones.
const ALL: [Case; 7] = [
    Case { status: 400, body: MESSAGE },
    Case { status: 403, body: FORBIDDEN },
    Case { status: 429, body: TOO_MANY },
    Case { status: 500, body: MESSAGE },
    Case { status: 200, body: SUCCESS },
    Case { status: 502, body: HTML_502 },
    Case { status: 200, body: MALFORMED_200 },
];

/// The streaming demonstration, for `peak_stack`: the clips decoded, 0 on any failure.
#[inline(never)]
fn stream_clips() -> u32 {
    match status_firmware::stream_demo::run() {
        Ok(run) if run.wrong.is_none() => run.clips,
        _ => 0,
    }
}

/// Which case the measured functions (plain `fn() -> u32`) decode.
static CASE: AtomicUsize = AtomicUsize::new(0);

fn case() -> &'static Case {
    let all = black_box(&ALL);
    &all[CASE.load(Ordering::Relaxed) % all.len()]
}

/// Decodes the current case with status-core; a digest of the reply.
#[inline(never)]
fn decode_case() -> u32 {
    let c = case();
    match decode(c.status, c.body) {
        Ok(Reply::Success(s)) => 1 + s.data().map_or(0, |d| d.get().len() as u32),
        Ok(Reply::Error(e)) => match e.shape() {
            ErrorShape::Message(m) => 2 + m.message.raw().len() as u32,
            ErrorShape::Gateway(g) => 3 + u32::from(g.status),
            ErrorShape::Unrecognized(r) => 4 + r.offset() as u32,
        },
        Err(e) => 5 + e.offset() as u32,
    }
}

/// The five-shape job on the current case, with status-core.
#[inline(never)]
fn status_core_case() -> u32 {
    let c = case();
    let mut out = Fields::default();
    u32::from(status_core_job(c.status, c.body, black_box(&mut out))) + out.strs[0].len() as u32
}

/// The five-shape job on the current case, with serde-json-core.
#[inline(never)]
fn serde_json_core_case() -> u32 {
    let c = case();
    let mut out = Fields::default();
    u32::from(serde_json_core_job(c.status, c.body, black_box(&mut out))) + out.strs[0].len() as u32
}

const SMALL: usize = 32;
const LARGE: usize = 2048;

#[inline(never)]
fn typed<const N: usize>() -> u32 {
    match status_core::decode_typed::<ClipResults<'_, N>>(200, black_box(CLIPS_20)) {
        Ok(TypedReply::Success { data, .. }) => check_clips(&data),
        _ => 0,
    }
}

#[inline(never)]
fn typed_into<const N: usize>() -> u32 {
    let mut data = None;
    let reply = status_core::de::decode_typed_into::<ClipResults<'_, N>>(
        200,
        black_box(CLIPS_20),
        &mut data,
    );
    match (reply, &data) {
        (Ok(TypedReply::Success { .. }), Some(data)) => check_clips(data),
        _ => 0,
    }
}

#[inline(never)]
fn typed_in_place<const N: usize>() -> u32 {
    let mut data = ClipResults::<'_, N>::default();
    match status_core::Decoder::new().decode_typed_in_place(200, black_box(CLIPS_20), &mut data) {
        Ok(TypedReply::Success { .. }) => check_clips(&data),
        _ => 0,
    }
}

#[inline(never)]
fn typed_serde_json_core<const N: usize>() -> u32 {
    match serde_json_core::from_slice::<TypedEnvelope<ClipResults<'_, N>>>(black_box(CLIPS_20)) {
        Ok((e, _)) => check_clips(&e.data),
        Err(_) => 0,
    }
}

/// Checks what status-core made of every reply; the name of the first wrong one.
fn check_replies() -> Result<(), &'static str> {
    let message = |status| match decode(status, MESSAGE) {
        Ok(Reply::Error(e)) => match e.shape() {
            ErrorShape::Message(m) => {
                m.message == "the error message"
                    && m.trace_id == "the_trace_id"
                    && e.retry() == Retry::for_status(status)
            }
            _ => false,
        },
        _ => false,
    };
    let gateway = |status, body, name: &str, path: &str, unix_ms| match decode(status, body) {
        Ok(Reply::Error(e)) => match e.shape() {
            ErrorShape::Gateway(g) => {
                g.status == status
                    && g.error_name == name
                    && g.path == path
                    && g.parse_timestamp().map(|t| t.unix_ms()) == Ok(unix_ms)
            }
            _ => false,
        },
        _ => false,
    };
    if !message(400) {
        return Err("400");
    }
    if !gateway(403, FORBIDDEN, "Forbidden", "/api/v2/clips", 1_773_388_726_156) {
        return Err("403");
    }
    let path = "/api/v2/clips/results/prjxxx";
    if !gateway(429, TOO_MANY, "Too Many Requests", path, 1_773_157_921_610) {
        return Err("429");
    }
    if !message(500) {
        return Err("500");
    }
    let data = r#"{"id": "proj_abc123", "clips": [1, 2, 3]}"#;
    match decode(200, SUCCESS) {
        Ok(Reply::Success(s)) if s.data().map(|d| d.get()) == Some(data) => {}
        _ => return Err("200"),
    }
    // The status wins over the body: an error without any field, and why.
    match decode(502, HTML_502) {
        Ok(Reply::Error(e))
            if e.status() == 502
                && e.message().is_none()
                && e.retry() != Retry::Never
                && e.unrecognized_reason().map(|r| (r.kind(), r.offset()))
                    == Some((ErrorKind::ExpectedValue, 0)) => {}
        _ => return Err("502 (HTML)"),
    }
    // `[1, 2}`: the brace where a comma or `]` must be.
    let at = MALFORMED_200.len() - 1;
    match decode(200, MALFORMED_200) {
        Err(e) if e.kind() == ErrorKind::ExpectedCommaOrEnd && e.offset() == at => {}
        _ => return Err("200 (malformed)"),
    }
    let bad = status_core::decode_typed::<ClipResults<'_, SMALL>>(200, MALFORMED_200);
    if bad.map(drop).map_err(|e| (e.kind(), e.offset())) != Err((ErrorKind::ExpectedCommaOrEnd, at))
    {
        return Err("200 (malformed, typed)");
    }
    // serde-json-core reads the same fields from the five shapes.
    for case in &FIVE {
        let (mut ours, mut theirs) = (Fields::default(), Fields::default());
        let both = status_core_job(case.status, case.body, &mut ours)
            && serde_json_core_job(case.status, case.body, &mut theirs);
        // serde-json-core skips `data`.
        theirs.data = ours.data;
        if !both || ours != theirs {
            return Err("the five shapes with serde-json-core");
        }
    }
    if typed::<SMALL>() == 0
        || typed::<LARGE>() == 0
        || typed_into::<LARGE>() == 0
        || typed_in_place::<LARGE>() == 0
        || typed_serde_json_core::<LARGE>() == 0
    {
        return Err("clip results");
    }
    Ok(())
}

/// The peak stack of `f` over the cases `cases`.
fn peak_over(cases: core::ops::Range<usize>, f: fn() -> u32) -> usize {
    cases
        .map(|i| {
            CASE.store(i, Ordering::Relaxed);
            peak_stack(f).1
        })
        .max()
        .unwrap_or(usize::MAX)
}

#[entry]
fn main() -> ! {
    hprintln!("status-core firmware: Cortex-M4F (thumbv7em-none-eabihf) on QEMU mps2-an386");
    if let Err(which) = check_replies() {
        hprintln!("FAILED: {}", which);
        exit(false);
    }
    hprintln!("every reply decoded as expected (400 403 429 500 200, HTML 502, malformed 200, clip results)");
    use status_firmware::stream_demo::{CHUNK, CLIPS, WINDOW};
    match status_firmware::stream_demo::run() {
        Ok(run) if run.wrong.is_none() && run.clips == CLIPS && run.bytes >= 250_000 => {
            hprintln!(
                "streamed {} clips ({} bytes, generated on the fly) in {}-byte chunks, each typed in a {}-byte window",
                run.clips,
                run.bytes,
                CHUNK,
                WINDOW
            );
            hprintln!("figure stream.bytes {}", run.bytes);
        }
        Ok(run) => {
            hprintln!(
                "FAILED: streaming gave {} clips of {} bytes, first wrong clip {:?}",
                run.clips,
                run.bytes,
                run.wrong
            );
            exit(false);
        }
        Err(e) => {
            hprintln!("FAILED: streaming: {:?} at byte {}", e.kind(), e.offset());
            exit(false);
        }
    }
    let (clips, stream_stack) = peak_stack(stream_clips);
    if clips != CLIPS {
        hprintln!("FAILED: streaming under the stack painter gave {} clips", clips);
        exit(false);
    }
    // Everything the streaming run holds is on the stack: the decoder, the window, the chunk
    // buffer and the body's generator; nothing is static, nothing is allocated.
    hprintln!("figure size_of.PushDecoder {}", core::mem::size_of::<status_core::stream::PushDecoder>());
    hprintln!("figure ram.stream.status-core {}", stream_stack);
    // Both jobs read every one of the five shapes (`check_replies` compared their fields).
    black_box((run_five(status_core_job), run_five(serde_json_core_job)));

    hprintln!("peak stack in bytes (painted stack, high-water mark):");
    let figures: [(&str, usize); 10] = [
        ("stack.decode.status-core", peak_over(0..ALL.len(), decode_case)),
        ("stack.five-shape-job.status-core", peak_over(0..FIVE.len(), status_core_case)),
        ("stack.five-shape-job.serde-json-core", peak_over(0..FIVE.len(), serde_json_core_case)),
        ("stack.decode_typed.cap32.status-core", peak_stack(typed::<SMALL>).1),
        ("stack.decode_typed.cap32.serde-json-core", peak_stack(typed_serde_json_core::<SMALL>).1),
        ("stack.decode_typed.cap2048.status-core", peak_stack(typed::<LARGE>).1),
        ("stack.decode_typed_into.cap2048.status-core", peak_stack(typed_into::<LARGE>).1),
        ("stack.decode_typed_in_place.cap2048.status-core", peak_stack(typed_in_place::<LARGE>).1),
        (
            "stack.decode_typed.cap2048.serde-json-core",
            peak_stack(typed_serde_json_core::<LARGE>).1,
        ),
        ("size_of.ClipResults.cap2048", core::mem::size_of::<ClipResults<'_, LARGE>>()),
    ];
    for (name, value) in figures {
        hprintln!("figure {} {}", name, value);
    }
    hprintln!(
        "figure size_of.ClipResults.cap32 {}",
        core::mem::size_of::<ClipResults<'_, SMALL>>()
    );
    exit(true)
}
