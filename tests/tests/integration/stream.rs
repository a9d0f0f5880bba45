//! The push decoder gives `decode`'s verdict (acceptance, error kind and offset, `data`
//! byte-exact, the error fields and shape) however the body is cut: every chunk size from 1
//! to 64 and 4096, and every two-way split, for the specification's bodies, the RFC 8259
//! cases and the committed fuzz corpora (whose splits are sampled, to keep `cargo test`
//! short); and for random cuts of damaged bodies.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use status_core::stream::{
    ErrorText, Events, Field, ItemPath, OnData, OnItem, Outcome, PushDecoder, StreamShape,
};
use status_core::{decode, Decoder, ErrorKind};
use status_tests::stream::{check, even_cuts, expected, streamed, Seen};
use status_tests::{fuzz::split_status, ALL};

use crate::rfc8259::{ACCEPT, REJECT};

/// Statuses that take every path: success, the two documented error shapes, undocumented.
const STATUSES: &[u16] = &[200, 204, 400, 403, 404, 429, 500, 502];

#[test]
fn specification_bodies_under_every_status_and_cut() {
    for &(status, body) in ALL {
        check(status, body.as_bytes(), 1);
        for &other in STATUSES {
            check(other, body.as_bytes(), 1);
        }
    }
}

#[test]
fn rfc8259_cases_as_bodies_and_as_data() {
    let texts = ACCEPT.iter().map(|t| t.as_bytes()).chain(REJECT.iter().map(|r| r.0));
    for text in texts {
        let mut data = b"{\"data\":".to_vec();
        data.extend_from_slice(text);
        data.push(b'}');
        for body in [text, &data[..]] {
            for status in [200, 400, 403, 599] {
                check(status, body, 1);
            }
        }
    }
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target);
    let mut files: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| fs::read(f).unwrap()).collect()
}

/// Every chunk size, and about 24 two-way splits per body (every one for short bodies).
fn check_sampled(status: u16, body: &[u8]) {
    check(status, body, body.len() / 24);
}

#[test]
fn decode_corpus_under_every_cut() {
    for input in corpus("decode").iter().chain(&corpus("typed")) {
        let (status, body) = split_status(input);
        if (100..=999).contains(&status) {
            check_sampled(status, body);
        }
    }
}

#[test]
fn differential_corpus_under_every_cut() {
    for body in corpus("differential").iter().chain(&corpus("strings")) {
        check_sampled(200, body);
        check_sampled(599, body);
    }
}

#[test]
fn invalid_status_is_refused_up_front() {
    for status in [0, 99, 1000, u16::MAX] {
        assert_eq!(
            PushDecoder::new(status).unwrap_err(),
            status_core::Error::new(ErrorKind::InvalidStatus, 0)
        );
    }
}

#[test]
fn the_depth_limit_is_the_decoders() {
    let deep = format!("{{\"data\":{}{}}}", "[".repeat(40), "]".repeat(40));
    for depth in [1, 2, 40, 41, 42, 128] {
        let decoder = Decoder::new().with_max_depth(depth);
        let want = decoder.decode(200, deep.as_bytes()).map(|r| r.is_success());
        for size in [1, 7, 4096] {
            let mut dec = PushDecoder::with_decoder(&decoder, 200).unwrap();
            let got = deep
                .as_bytes()
                .chunks(size)
                .try_for_each(|c| dec.feed(c, &mut ()))
                .and_then(|()| dec.finish().map(|o| matches!(o, Outcome::Success { .. })));
            assert_eq!(got, want, "depth {depth}, chunks of {size}");
        }
    }
}

#[test]
fn duplicate_keys_split_anywhere_are_found_at_the_second() {
    // Each read key, plain and escaped (`\u` escapes in every place, a short escape), its
    // second occurrence after keys longer than a chunk, under success and error statuses.
    let long = "k".repeat(40);
    let spellings: [(&str, &str); 7] = [
        ("data", r"d\u0061ta"),
        ("message", r"messag\u0065"),
        ("trace_id", r"trace\u005fid"),
        ("timestamp", r"\u0074imestamp"),
        ("status", r"st\u0061tus"),
        ("error", r"e\u0072\u0072or"),
        ("path", r"p\u0061t\u0068"),
    ];
    for (plain, escaped) in spellings {
        for (first, second) in [(plain, escaped), (escaped, plain), (plain, plain)] {
            let body = format!(r#"{{"{first}":"1", "{long}":2, "{long}":3, "{second}":"4"}}"#);
            let at = body.rfind(&format!("\"{second}\"")).unwrap();
            let want = Err(status_core::Error::new(ErrorKind::DuplicateKey, at));
            assert_eq!(decode(200, body.as_bytes()).map(drop), want, "{body}");
            for status in [200, 400, 403, 599] {
                check(status, body.as_bytes(), 3);
            }
        }
    }
    // Near misses of the read keys are other keys: they may repeat.
    let body = r#"{"dat":1,"dat":1,"datas":2,"datas":2,"Data":3,"Data":3,"d\u00e1ta":4,"d\u00e1ta":4,"pat":5,"pat":5,"trace_i":6,"trace_i":6,"timestamps":7,"timestamps":7,"data":8}"#;
    assert!(decode(200, body.as_bytes()).is_ok());
    for status in [200, 400, 403, 599] {
        check(status, body.as_bytes(), 1);
    }
}

#[test]
fn repeated_unknown_keys_and_many_keys_are_accepted_at_every_chunk_size() {
    let mut many: String = (0..100).map(|i| format!("\"key{i}\":{i},")).collect();
    many.insert(0, '{');
    let bodies = [
        format!("{many}\"data\":[1,2],\"key7\":0}}"),
        format!("{many}\"message\":\"m\",\"trace_id\":\"t\",\"key99\":\"again\"}}"),
        format!(
            "{many}\"timestamp\":\"x\",\"status\":429,\"error\":\"e\",\"path\":\"/\",\"key0\":0}}"
        ),
        format!(
            r#"{{"code":0,"data":{{"a":1}},"c\u006fde":1,"code":2,"{}":3,"{}":4}}"#,
            "k".repeat(40),
            "k".repeat(40)
        ),
    ];
    for body in &bodies {
        let want = decode(200, body.as_bytes()).map(|r| r.is_success());
        assert_eq!(want, Ok(true), "{body}");
        for status in [200, 400, 403, 429, 500, 599] {
            check(status, body.as_bytes(), 5);
        }
        // Every chunk size, by hand: the stream accepts it too.
        for size in 1..=body.len() {
            let mut dec = PushDecoder::new(200).unwrap();
            for chunk in body.as_bytes().chunks(size) {
                dec.feed(chunk, &mut ()).unwrap();
            }
            assert!(matches!(dec.finish(), Ok(Outcome::Success { .. })), "chunks of {size}");
        }
    }
}

#[test]
fn wrong_fields_and_bad_escapes_are_placed_as_decode_places_them() {
    // Several fields of the wrong type, in orders other than the one the shape checks them
    // in: the first of them in that order is the reason, at its value.
    let bodies = [
        r#"{"path":1,"error":"e","status":"x","timestamp":2}"#,
        r#"{"error":[],"timestamp":"t","status":4030,"path":{}}"#,
        r#"{"trace_id":1,"message":2,"status":true,"timestamp":null}"#,
        r#"{"trace_id":1,"message":"m","error":1,"path":"p"}"#,
        r#"{"message":"m","trace_id":"t","status":"403","timestamp":1,"error":1,"path":1}"#,
        // Bad escapes, wherever the chunks cut them.
        r#"{"data":"\u12G4"}"#,
        r#"{"data":"ab\x"}"#,
        r#"{"data":"\ud83d\u00e9x"}"#,
        r#"{"message":"\uD83D\uDE0"}"#,
        "{\"data\":\"\\u00\u{e9}\"}",
        "{\"message\":\"\\\u{e9}\",\"trace_id\":\"t\"}",
    ];
    for body in bodies {
        for status in [200, 400, 403, 429, 500, 599] {
            check(status, body.as_bytes(), 1);
        }
    }
}

#[test]
fn error_fields_longer_than_their_buffer_are_flagged_cut() {
    let body = r#"{"message":"caf\u00e9 au lait","trace_id":"t-1"}"#;
    let mut dec = PushDecoder::new(400).unwrap();
    let mut text = ErrorText::<6>::new();
    for chunk in body.as_bytes().chunks(3) {
        dec.feed(chunk, &mut text).unwrap();
    }
    let Outcome::Error(e) = dec.finish().unwrap() else { panic!("a 400 is an error") };
    assert_eq!(e.shape(), StreamShape::Message);
    let message = text.message().unwrap();
    // "café" is 5 bytes; the space fits, "a" does not.
    assert_eq!((message.as_str(), message.is_cut()), ("café ", true));
    let trace_id = text.trace_id().unwrap();
    assert_eq!((trace_id.as_str(), trace_id.is_cut()), ("t-1", false));
    assert!(text.get(Field::Path).is_none());
}

#[test]
fn a_field_the_body_breaks_inside_is_not_collected() {
    let body = br#"{"trace_id":"t-1","message":"ab\q"}"#;
    let mut dec = PushDecoder::new(500).unwrap();
    let mut text = ErrorText::<64>::new();
    dec.feed(body, &mut text).unwrap();
    let Outcome::Error(e) = dec.finish().unwrap() else { panic!() };
    assert_eq!(e.unrecognized_reason().map(|r| r.kind()), Some(ErrorKind::InvalidEscape));
    assert!(text.message().is_none());
    assert_eq!(text.trace_id().unwrap().as_str(), "t-1");
}

#[test]
fn a_malformed_body_fails_at_its_first_bad_byte_not_at_the_end() {
    let mut body = br#"{"data": [1, 2, x"#.to_vec();
    body.extend(core::iter::repeat_n(b' ', 1 << 16));
    let mut dec = PushDecoder::new(200).unwrap();
    let mut chunks = body.chunks(64);
    let err = chunks.next().map(|c| dec.feed(c, &mut ())).unwrap().unwrap_err();
    assert_eq!(err, status_core::Error::new(ErrorKind::ExpectedValue, 16));
}

/// 1,000 generated clips through a 512-byte window in 64-byte chunks: each item is what
/// whole-body decode and `from_raw` give.
#[test]
fn a_thousand_clips_through_a_small_window() {
    use status_tests::models::Clip;
    let clips: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#"{{"idx": {i}, "title": "Clip \"{i}\" caf\u00e9", "begin_ms": "{}", "end_ms": {}, "thumbnail": "https://x/{i}.jpg", "tags": ["t{i}", "x"], "desc": {}}}"#,
                i * 1000,
                i * 1000 + 999,
                if i % 3 == 0 { "null" } else { "\"d\"" }
            )
        })
        .collect();
    let body = format!(
        r#"{{"code": 0, "data": {{"id": "proj", "clips": [{}], "name": "n"}}, "message": "ok"}}"#,
        clips.join(", ")
    );
    let whole = decode(200, body.as_bytes()).unwrap().into_result().unwrap();
    let data = whole.data().unwrap();
    let want: Vec<status_core::RawJson<'_>> =
        status_core::from_raw(data.member("clips").unwrap()).unwrap();
    assert_eq!(want.len(), 1000);

    let mut dec = PushDecoder::new(200).unwrap().with_items(ItemPath::new(&["clips"]).unwrap());
    let mut window = [0u8; 512];
    let mut n = 0;
    let mut events = OnItem(|item: status_core::RawJson<'_>| {
        assert_eq!(item, want[n]);
        assert_eq!(item.offset(), want[n].offset());
        let typed: Clip<'_> = status_core::from_raw(item).unwrap();
        let expected: Clip<'_> = status_core::from_raw(want[n]).unwrap();
        assert_eq!(typed, expected);
        n += 1;
    });
    for chunk in body.as_bytes().chunks(64) {
        dec.feed_items(chunk, &mut window, &mut events).unwrap();
    }
    assert_eq!(dec.finish().unwrap(), Outcome::Success { status: 200, has_data: true });
    assert_eq!(n, 1000);
}

#[test]
fn an_item_larger_than_the_window_is_an_error() {
    let body = br#"{"data": [[1, 2], "a long string item", 3]}"#;
    let path = ItemPath::new(&[]).unwrap();
    for size in [1, 5, 64] {
        let mut dec = PushDecoder::new(200).unwrap().with_items(path);
        let mut window = [0u8; 8];
        let mut seen = Vec::new();
        let mut events = OnItem(|item: status_core::RawJson<'_>| seen.push(item.get().to_owned()));
        let err = body
            .chunks(size)
            .try_for_each(|c| dec.feed_items(c, &mut window, &mut events))
            .unwrap_err();
        // The string starts at 18; its ninth byte, at 26, is the first that does not fit.
        assert_eq!(err, status_core::Error::new(ErrorKind::ItemTooLarge, 26), "chunks of {size}");
        assert_eq!(seen, ["[1, 2]"]);
    }
}

#[test]
fn items_only_at_their_path() {
    // Long enough, with deep values on and off the path, for the fast lane to take part.
    let item = r#"{"clips": [7], "deep": [[{"a": "0123456789abcdef0123456789"}, 12.5e3]]}"#;
    let body = format!(
        r#"{{"clips": [9], "data": {{"x": {{"clips": [8]}}, "cl\u0069ps": [1, {item}, "2"], "y": [6], "z": [[[1, 2, 3, {{"clips": [5]}}], "0123456789abcdef0123456789abcdef"]]}}}}"#
    );
    let want: Vec<String> = vec!["1".into(), item.into(), "\"2\"".into()];
    for size in (1..=64).chain([4096]) {
        let mut dec = PushDecoder::new(200).unwrap().with_items(ItemPath::new(&["clips"]).unwrap());
        let mut window = [0u8; 128];
        let mut seen = Vec::new();
        let mut events = OnItem(|item: status_core::RawJson<'_>| seen.push(item.get().to_owned()));
        for c in body.as_bytes().chunks(size) {
            dec.feed_items(c, &mut window, &mut events).unwrap();
        }
        dec.finish().unwrap();
        assert_eq!(seen, want, "chunks of {size}");
    }
}

#[test]
fn data_can_be_forwarded_through_a_closure() {
    let body = status_tests::CLIP_RESULTS_200.as_bytes();
    let mut out = Vec::new();
    let mut dec = PushDecoder::new(200).unwrap();
    for c in body.chunks(10) {
        dec.feed(c, &mut OnData(|b: &[u8]| out.extend_from_slice(b))).unwrap();
    }
    dec.finish().unwrap();
    let whole = decode(200, body).unwrap().into_result().unwrap();
    assert_eq!(out, whole.data().unwrap().as_bytes());
}

/// Events that count what they get, to see that the default methods ignore nothing.
struct Counting(usize);
impl Events for Counting {
    fn data(&mut self, b: &[u8]) {
        self.0 += b.len();
    }
}

#[test]
fn events_through_a_reference() {
    let mut counting = Counting(0);
    let mut dec = PushDecoder::new(200).unwrap();
    dec.feed(br#"{"data": [1]}"#, &mut &mut counting).unwrap();
    dec.finish().unwrap();
    assert_eq!(counting.0, 3);
}

fn mutated() -> impl Strategy<Value = (u16, Vec<u8>)> {
    let bodies: Vec<(u16, Vec<u8>)> =
        ALL.iter().map(|&(s, b)| (s, b.as_bytes().to_vec())).collect();
    (prop::sample::select(bodies), any::<prop::sample::Index>(), any::<u8>(), 0..3u8).prop_map(
        |((status, mut body), at, byte, how)| {
            if !body.is_empty() {
                let i = at.index(body.len());
                match how {
                    0 => body[i] = byte,
                    1 => body.insert(i, byte),
                    _ => body.truncate(i),
                }
            }
            (status, body)
        },
    )
}

proptest! {
    #[test]
    fn random_cuts_of_damaged_bodies((status, body) in mutated(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12)) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(body.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(streamed(status, &body, &cuts), expected(status, &body));
        prop_assert_eq!(streamed(599, &body, &cuts), expected(599, &body));
    }
}

#[test]
fn even_cuts_cover_the_body() {
    assert_eq!(even_cuts(10, 4), [4, 8]);
    assert_eq!(even_cuts(8, 4), [4]);
    assert!(matches!(expected(200, b"{}"), Seen::Success(None)));
}
