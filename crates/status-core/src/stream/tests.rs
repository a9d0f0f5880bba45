use super::*;
use crate::api_error::ApiError;
use crate::reply::{decode, Reply};
use std::string::{String, ToString};
use std::vec::Vec;

/// A verdict both paths can give, owned.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Success(Option<Vec<u8>>),
    Malformed(Error),
    Api { shape: StreamShape, fields: [Option<String>; 5], body_status: Option<u16> },
}

fn fields_of(e: &ApiError<'_>) -> [Option<String>; 5] {
    let f = e.fields();
    [f.message, f.trace_id, f.timestamp, f.error_name, f.path].map(|s| s.map(|s| s.to_string()))
}

fn expected(status: u16, body: &[u8]) -> Seen {
    match decode(status, body) {
        Ok(Reply::Success(ok)) => Seen::Success(ok.data().map(|d| d.as_bytes().to_vec())),
        Err(e) => Seen::Malformed(e),
        Ok(Reply::Error(e)) => Seen::Api {
            shape: match e.shape() {
                crate::ErrorShape::Message(_) => StreamShape::Message,
                crate::ErrorShape::Gateway(_) => StreamShape::Gateway,
                crate::ErrorShape::Unrecognized(r) => StreamShape::Unrecognized(r),
            },
            fields: fields_of(&e),
            body_status: e.body_status(),
        },
    }
}

#[derive(Default)]
struct Sink {
    data: Vec<u8>,
    text: ErrorText<4096>,
}

impl Events for Sink {
    fn data(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
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
}

/// Streams `body` cut at `cuts` (ascending offsets); checks that a 2xx error comes from the
/// chunk holding its byte.
fn streamed(status: u16, body: &[u8], cuts: &[usize]) -> Seen {
    let mut dec = PushDecoder::new(status).unwrap();
    let mut sink = Sink::default();
    let mut from = 0;
    for &to in cuts.iter().chain([body.len()].iter()) {
        let to = to.clamp(from, body.len());
        let chunk = &body[from..to];
        if let Err(e) = dec.feed(chunk, &mut sink) {
            assert!(
                e.offset() < to || (e.offset() == to && to == body.len()) || e.offset() >= from,
                "error {e} raised by chunk {from}..{to}"
            );
            assert!(e.offset() <= to + 3, "error {e} raised late by chunk {from}..{to}");
            return Seen::Malformed(e);
        }
        from = to;
    }
    match dec.finish() {
        Err(e) => Seen::Malformed(e),
        Ok(Outcome::Success { has_data, .. }) => Seen::Success(has_data.then_some(sink.data)),
        Ok(Outcome::Error(e)) => {
            let t = &sink.text;
            let get = |f| t.get(f).map(|x: &FieldText<4096>| String::from(x.as_str()));
            Seen::Api {
                shape: e.shape(),
                fields: [
                    get(Field::Message),
                    get(Field::TraceId),
                    get(Field::Timestamp),
                    get(Field::Error),
                    get(Field::Path),
                ],
                body_status: e.body_status(),
            }
        }
    }
}

fn agree(status: u16, body: &[u8], sizes: &[usize]) {
    let want = expected(status, body);
    for &size in sizes {
        let cuts: Vec<usize> = (1..).map(|k| k * size).take_while(|&c| c < body.len()).collect();
        let got = streamed(status, body, &cuts);
        assert_eq!(got, want, "{status} {:?} in chunks of {size}", String::from_utf8_lossy(body));
    }
}

const BODIES: &[&[u8]] = &[
    b"",
    b"  ",
    b"{}",
    b"{\"data\":[1,2,{\"a\":null}],\"code\":0}",
    b"{\n  \"message\": \"the error message\",\n  \"trace_id\": \"the_trace_id\"\n}",
    r#"{"message":"caf\u00e9, \"quoted\", d\u00fc\u00f1\uD83D\uDE00 ünï","trace_id":"t-1"}"#.as_bytes(),
    b"{\n  \"timestamp\": \"2026-03-13T07:58:46.156+00:00\",\n  \"status\": 403,\n  \"error\": \"Forbidden\",\n  \"path\": \"/api/v2/clips\"\n}",
    br#"{"timestamp":"2026-03-10T15:52:01.610+00:00","status":429,"error":"Too Many Requests","path":"\/api\/v2\/clips"}"#,
    br#"{"data":"x","data":1}"#,
    br#"{"d\u0061ta":"x","data":1}"#,
    b"\xEF\xBB\xBF{}",
    b"{\"data\":\"\xC3\"}",
    b"[1,2]",
    b"{\"data\":-0.5e+7}",
    b"{\"status\": 0400}",
];

#[test]
fn every_chunk_size_gives_decodes_verdict() {
    // Miri runs a sample: two chunk sizes, two statuses.
    let sizes: Vec<usize> = if cfg!(miri) { std::vec![1, 64] } else { (1..=16).collect() };
    let statuses: &[u16] = if cfg!(miri) { &[200, 403] } else { &[200, 400, 403, 404] };
    for body in BODIES {
        for &status in statuses {
            agree(status, body, &sizes);
        }
    }
}

#[test]
fn mutations_everywhere_give_decodes_verdict() {
    let bytes: &[u8] = if cfg!(miri) {
        b"\"\\}\xc3"
    } else {
        b" \t\n\"\\{}[],:09-.eEu/tfn\x00\x1f\x80\xc3\xa9\xe2\xef\xbb\xbf\xf0\xff"
    };
    let (step, statuses): (usize, &[u16]) =
        if cfg!(miri) { (53, &[200, 403]) } else { (1, &[200, 400, 403, 599]) };
    let sizes: &[usize] = if cfg!(miri) { &[1, 7] } else { &[1, 2, 3, 5, 64] };
    // Miri: the three bodies that reach data, the fields and the gateway status.
    let bodies = BODIES.iter().filter(|b| b.len() > 4);
    let bodies: Vec<&&[u8]> =
        if cfg!(miri) { std::vec![&BODIES[3], &BODIES[4], &BODIES[6]] } else { bodies.collect() };
    for body in bodies {
        for at in (0..=body.len()).step_by(step) {
            let mut variants: Vec<Vec<u8>> = std::vec![body[..at].to_vec()];
            for &b in bytes {
                let mut inserted = body.to_vec();
                inserted.insert(at, b);
                variants.push(inserted);
                if at < body.len() {
                    let mut replaced = body.to_vec();
                    replaced[at] = b;
                    variants.push(replaced);
                }
            }
            for v in &variants {
                for &status in statuses {
                    agree(status, v, sizes);
                }
            }
        }
    }
}

#[test]
fn state_is_small_and_fixed() {
    // The depth bit stack (128 bytes) and the item path (66) are most of it; the rest is a
    // few offsets and flags (a bit per key the decoder reads, no key kept).
    let size = core::mem::size_of::<PushDecoder>();
    assert!(size <= 128 + 66 + 17 * core::mem::size_of::<usize>(), "{size} bytes");
    std::println!("PushDecoder: {size} bytes");
}
