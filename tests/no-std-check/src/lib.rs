//! Calls every entry point of status-core from a `#![no_std]` library without an allocator.
#![no_std]

use status_core::{decode, ErrorShape, JsonStr, Reply, Timestamp};

/// Decodes one reply and folds what it read into a number, so nothing is optimised away.
#[no_mangle]
pub extern "C" fn status_check(status: u16, body: *const u8, len: usize) -> i64 {
    if body.is_null() {
        return -1;
    }
    // SAFETY: the C caller passes a buffer of `len` readable bytes that outlives the call.
    let body = unsafe { core::slice::from_raw_parts(body, len) };
    match decode(status, body) {
        Err(e) => -(e.offset() as i64) - 2,
        Ok(Reply::Success(ok)) => ok.data().map_or(0, |d| d.get().len() as i64),
        Ok(Reply::Error(err)) => match err.shape() {
            ErrorShape::Message(m) => unescaped(m.message) + unescaped(m.trace_id),
            ErrorShape::Gateway(g) => {
                let ts = g.parse_timestamp().map_or(0, Timestamp::unix_ms);
                ts + unescaped(g.error_name) + unescaped(g.path)
            }
            ErrorShape::Unrecognized(reason) => reason.offset() as i64,
        },
    }
}

/// The clip-results payload as a firmware would type it.
#[derive(serde::Deserialize)]
struct ClipResults<'a> {
    id: &'a str,
    name: JsonStr<'a>,
    clips: heapless::Vec<Clip<'a>, 8>,
}

#[derive(serde::Deserialize)]
struct Clip<'a> {
    idx: u32,
    #[serde(with = "status_core::de::int_or_string")]
    begin_ms: u64,
    end_ms: status_core::de::IntOrString<u64>,
    #[serde(borrow)]
    tags: heapless::Vec<&'a str, 4>,
}

/// Decodes a reply with its `data` typed, in one walk and in two, and folds the result.
#[no_mangle]
pub extern "C" fn status_check_typed(status: u16, body: *const u8, len: usize) -> i64 {
    if body.is_null() {
        return -1;
    }
    // SAFETY: the C caller passes a buffer of `len` readable bytes that outlives the call.
    let body = unsafe { core::slice::from_raw_parts(body, len) };
    let fold = |r: &ClipResults<'_>| {
        let clips = r.clips.iter().map(|c| {
            i64::from(c.idx) + c.begin_ms as i64 + c.end_ms.0 as i64 + c.tags.len() as i64
        });
        r.id.len() as i64 + unescaped(r.name) + clips.sum::<i64>()
    };
    let one_pass = match status_core::decode_typed::<ClipResults<'_>>(status, body) {
        Ok(status_core::TypedReply::Success { data, .. }) => fold(&data),
        Ok(status_core::TypedReply::Error(e)) => i64::from(e.status()),
        Err(e) => -(e.offset() as i64) - e.message().len() as i64,
    };
    let two_pass = match decode(status, body) {
        Ok(Reply::Success(ok)) => ok.data_as::<ClipResults<'_>>().map_or(0, |r| fold(&r)),
        _ => 0,
    };
    one_pass + two_pass
}

fn unescaped(s: JsonStr<'_>) -> i64 {
    let mut buf = [0u8; 256];
    let a = s.unescape_into(&mut buf).map_or(0, str::len);
    let b = s.to_heapless::<64>().map_or(0, |h| h.len());
    (a + b) as i64
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// Streams one reply through the push decoder in 64-byte chunks, with the items of
/// `data.clips` in a 256-byte window and the error fields in fixed buffers, and folds it.
#[no_mangle]
pub extern "C" fn status_check_stream(status: u16, body: *const u8, len: usize) -> i64 {
    use status_core::stream::{ErrorText, Events, Field, ItemPath, Outcome, PushDecoder};

    struct Fold {
        sum: i64,
        text: ErrorText<64>,
    }
    impl Events for Fold {
        fn data(&mut self, bytes: &[u8]) {
            self.sum += bytes.len() as i64;
        }
        fn field_start(&mut self, field: Field) {
            self.text.field_start(field);
        }
        fn field_text(&mut self, field: Field, text: &str) {
            self.text.field_text(field, text);
        }
        fn field_end(&mut self, field: Field) {
            self.text.field_end(field);
        }
        fn item(&mut self, item: status_core::RawJson<'_>) {
            let clip = status_core::from_raw::<Clip<'_>>(item);
            self.sum += clip.map_or(-1, |c| i64::from(c.idx) + c.tags.len() as i64);
        }
    }

    if body.is_null() {
        return -1;
    }
    // SAFETY: the C caller passes a buffer of `len` readable bytes that outlives the call.
    let body = unsafe { core::slice::from_raw_parts(body, len) };
    let Ok(decoder) = PushDecoder::new(status) else { return -1 };
    let mut decoder = match ItemPath::new(&["clips"]) {
        Some(path) => decoder.with_items(path),
        None => decoder,
    };
    let mut window = [0u8; 256];
    let mut fold = Fold { sum: 0, text: ErrorText::new() };
    for chunk in body.chunks(64) {
        if let Err(e) = decoder.feed_items(chunk, &mut window, &mut fold) {
            return -(e.offset() as i64) - 2;
        }
    }
    match decoder.finish() {
        Err(e) => -(e.offset() as i64) - 2,
        Ok(Outcome::Success { .. }) => fold.sum,
        Ok(Outcome::Error(e)) => {
            let message = fold.text.message().map_or(0, |m| m.as_str().len() as i64);
            message + i64::from(e.body_status().unwrap_or(0))
        }
    }
}
