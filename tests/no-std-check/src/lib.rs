//! Calls every entry point of status-core from a `#![no_std]` library without an allocator.
#![no_std]

use status_core::{decode, ErrorBody, JsonStr, Reply, Timestamp};

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
        Ok(Reply::Error(err)) => match err.body_shape() {
            ErrorBody::Message(m) => unescaped(m.message) + unescaped(m.trace_id),
            ErrorBody::Gateway(g) => {
                let ts = g.parse_timestamp().map_or(0, Timestamp::unix_ms);
                ts + unescaped(g.error) + unescaped(g.path)
            }
            ErrorBody::Unrecognized(reason) => reason.offset() as i64,
        },
    }
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
