//! The bodies of the fuzz targets in `fuzz/`, as ordinary functions.
//!
//! Each function takes the fuzzer's bytes and panics when a property does not hold, which is
//! how libFuzzer learns of a failure. Because they are plain functions, `tests/fuzz_corpus.rs`
//! replays the whole committed corpus through them under `cargo test` on stable, and every
//! crash the fuzzer finds becomes an ordinary regression test.
//!
//! # The reference, and where the decoder deliberately differs from it
//!
//! [`differential`] and [`strings`] compare the decoder with `serde_json`, read as an RFC 8259
//! validator: `std::str::from_utf8` for the encoding, then `&serde_json::value::RawValue` for the
//! grammar (serde_json validates ignored values iteratively, at any depth, and keeps their text
//! byte-exact). The decoder agrees with it on every body, except where it refuses a body on
//! purpose; each refusal is checked to be exactly the one the policy calls for, at the byte
//! the policy names:
//!
//! - **Depth limit**: arrays and objects nest at most 128 deep ([`Decoder::DEFAULT_MAX_DEPTH`],
//!   envelope included); the 129th opening bracket is refused.
//! - **Duplicate top-level keys the decoder reads** (`data`, `message`, `trace_id`, `timestamp`,
//!   `status`, `error`, `path`) are refused at the second occurrence (compared after
//!   unescaping); serde_json keeps the last. Other top-level keys may repeat, any number of
//!   keys is accepted, and nested duplicates are accepted by both.
//! - **Lone surrogate escapes** (`"\ud800"`) are refused anywhere in the body; serde_json refuses
//!   them only in strings it decodes and accepts them in ignored values.
//! - **A UTF-8 byte-order mark** is refused (serde_json refuses it too, as a syntax error).
//! - **The envelope of a 2xx body** must be an object, and an empty or whitespace-only 2xx body
//!   is a success without `data` (serde_json refuses an empty text).
//!
//! Numbers are checked against the grammar only, like serde_json's ignored values: `1e999` is
//! valid JSON, whatever a typed consumer later makes of it.

use core::fmt::Write as _;
use core::hash::{Hash, Hasher};
use std::collections::hash_map::DefaultHasher;
use std::string::String;
use std::vec::Vec;

use serde::de::{Deserializer as _, MapAccess, Visitor};
use serde_json::value::RawValue;
use status_core::{
    ApiError, Decoder, Error, ErrorKind, ErrorShape, JsonStr, JsonType, RawJson, Reply, Retry,
    Success, Timestamp, MAX_DEPTH,
};

/// An HTTP status and a body from fuzzer bytes.
///
/// The first two bytes are the status, big-endian; values from 1024 up are folded into
/// `100..=999`, so that most inputs reach a real status while `0..=99` and `1000..=1023` still
/// exercise the range check. Fewer than two bytes mean status 200.
pub fn split_status(data: &[u8]) -> (u16, &[u8]) {
    match data {
        [hi, lo, body @ ..] => {
            let raw = u16::from_be_bytes([*hi, *lo]);
            let status = if raw >= 1024 { 100 + raw % 900 } else { raw };
            (status, body)
        }
        _ => (200, data),
    }
}

/// The `decode` target: any status and body.
///
/// Never panics; a status outside `100..=999` is refused; a 2xx is a success or an error at
/// an offset inside the body; any other status is an [`ApiError`] whose every borrowed piece
/// lies inside the body; the success and error paths agree on what is wrong with a body; and
/// raising the depth limit never changes an accepted reply.
pub fn decode(data: &[u8]) {
    let (status, body) = split_status(data);
    let reply = status_core::decode(status, body);
    if !(100..=999).contains(&status) {
        assert_eq!(reply, Err(Error::new(ErrorKind::InvalidStatus, 0)));
        return;
    }
    let success_expected = (200..=299).contains(&status);
    match reply {
        Err(e) => {
            assert!(success_expected, "status {status}: only a 2xx body can be an Err, got {e}");
            assert_offset(e, body.len());
            assert_ne!(e.kind(), ErrorKind::InvalidStatus);
        }
        Ok(Reply::Success(ok)) => {
            assert!(success_expected, "status {status} decoded as a success");
            check_success(status, body, &ok);
        }
        Ok(Reply::Error(err)) => {
            assert!(!success_expected, "status {status} decoded as an error");
            check_api_error(status, body, &err);
        }
    }
    if let Ok(r) = reply {
        assert_eq!(r.status(), status);
        assert_eq!(r.retry(), Retry::for_status(status));
        assert_eq!(r.is_success(), success_expected);
        // A higher limit accepts everything the default accepts, unchanged.
        let deeper = Decoder::new().with_max_depth(MAX_DEPTH).decode(status, body);
        if !matches!(r, Reply::Error(e) if e.unrecognized_reason().is_some()) {
            assert_eq!(deeper, Ok(r));
        }
    }
    check_paths_agree(body);
}

/// The success path (200) and the error path (an undocumented 5xx, which tries both shapes)
/// run the same scanner, so they find the same fault in a body.
fn check_paths_agree(body: &[u8]) {
    let decoder = Decoder::new();
    let as_success = decoder.decode(200, body);
    let Ok(Reply::Error(as_error)) = decoder.decode(599, body) else {
        panic!("a 599 must decode to an ApiError");
    };
    match (as_success, as_error.shape()) {
        (Err(e), ErrorShape::Unrecognized(reason)) => assert_eq!(e, reason),
        (Err(e), shape) => panic!("200 refused the body ({e}) but 599 read it as {shape:?}"),
        (Ok(_), ErrorShape::Unrecognized(reason)) => {
            let allowed = [
                ErrorKind::EmptyBody,
                ErrorKind::MissingField,
                ErrorKind::UnexpectedType,
                ErrorKind::InvalidStatus,
            ];
            assert!(allowed.contains(&reason.kind()), "200 accepted the body, 599 says {reason}");
            if reason.kind() == ErrorKind::EmptyBody {
                assert!(is_json_whitespace(body));
            }
        }
        (Ok(_), _) => {}
    }
}

fn check_success(status: u16, body: &[u8], ok: &Success<'_>) {
    assert_eq!(ok.status(), status);
    assert_eq!(ok.raw_body().as_bytes(), body, "Success::body is the whole body");
    if is_json_whitespace(body) {
        assert_eq!(ok.data(), None);
    } else {
        assert_eq!(Decoder::new().validate(body), Ok(()), "an accepted 2xx body is valid JSON");
    }
    if let Some(data) = ok.data() {
        check_raw(body, data);
        assert_eq!(ok.field("data"), Some(data));
    }
}

fn check_api_error(status: u16, body: &[u8], err: &ApiError<'_>) {
    assert_eq!(err.status(), status);
    assert_eq!(err.raw_body(), body);
    assert_eq!(err.retry(), Retry::for_status(status));
    let f = err.fields();
    for s in [f.message, f.trace_id, f.timestamp, f.error_name, f.path].into_iter().flatten() {
        check_str_in(body, s);
    }
    if let Some(s) = f.status {
        assert!((100..=999).contains(&s));
    }
    assert_eq!(err.status_mismatch(), f.status.is_some_and(|s| s != status));
    match err.shape() {
        ErrorShape::Message(m) => {
            assert_eq!((f.message, f.trace_id), (Some(m.message), Some(m.trace_id)));
            assert_eq!(err.unrecognized_reason(), None);
        }
        ErrorShape::Gateway(g) => {
            assert_eq!(f.timestamp, Some(g.timestamp));
            assert_eq!(f.status, Some(g.status));
            assert_eq!(f.error_name, Some(g.error_name));
            assert_eq!(f.path, Some(g.path));
            check_json_timestamp(g.parse_timestamp(), g.timestamp);
        }
        ErrorShape::Unrecognized(reason) => {
            assert_offset(reason, body.len());
            assert_eq!(err.unrecognized_reason(), Some(reason));
        }
    }
    if let Some(parsed) = err.timestamp() {
        let text = f.timestamp.expect("a parsed timestamp comes from the field");
        check_json_timestamp(parsed, text);
    }
    // Display reads every field; it must not fail whatever they hold.
    let mut shown = String::new();
    write!(shown, "{err}").expect("formatting an ApiError into a String");
    assert!(shown.starts_with(&std::format!("HTTP {status}")));
}

/// The reference for a timestamp inside a JSON string: decode, then parse. Escaped text is
/// decoded into a 64-byte buffer, longer than any timestamp; text that does not fit is
/// refused as [`ErrorKind::InvalidTimestamp`] without parsing.
fn check_json_timestamp(got: Result<Timestamp, Error>, s: JsonStr<'_>) {
    let text = s.to_string();
    if s.has_escapes() && text.len() > 64 {
        let e = got.expect_err("no timestamp is that long");
        assert_eq!(e.kind(), ErrorKind::InvalidTimestamp);
        assert_offset(e, s.raw().len());
    } else {
        assert_eq!(got, Timestamp::parse(&text), "{s:?}");
    }
}

/// A `RawJson` is a valid JSON value, byte-exact at its offset in the body.
fn check_raw(body: &[u8], raw: RawJson<'_>) {
    let end = raw.offset() + raw.get().len();
    assert!(end <= body.len(), "{raw:?} ends past the body");
    assert_eq!(&body[raw.offset()..end], raw.as_bytes(), "{raw:?} is not where it says");
    assert_eq!(Decoder::new().with_max_depth(MAX_DEPTH).validate(raw.as_bytes()), Ok(()));
    let is_string = raw.json_type() == JsonType::String;
    assert_eq!(raw.as_json_str().is_some(), is_string);
    let expected_type = match raw.as_bytes()[0] {
        b'{' => JsonType::Object,
        b'[' => JsonType::Array,
        b'"' => JsonType::String,
        b't' | b'f' => JsonType::Bool,
        b'n' => JsonType::Null,
        b'-' | b'0'..=b'9' => JsonType::Number,
        other => panic!("{raw:?} starts with {other:#x}"),
    };
    assert_eq!(raw.json_type(), expected_type);
}

/// A `JsonStr` borrows the text between two quotes inside the body.
fn check_str_in(body: &[u8], s: JsonStr<'_>) {
    let range = body.as_ptr_range();
    let raw = s.raw().as_bytes().as_ptr_range();
    assert!(range.start < raw.start && raw.end < range.end, "{s:?} is not inside the body");
    let start = raw.start as usize - range.start as usize;
    let end = raw.end as usize - range.start as usize;
    assert_eq!((body[start - 1], body[end]), (b'"', b'"'));
    assert_eq!(s.has_escapes(), s.raw().contains('\\'));
}

fn assert_offset(e: Error, len: usize) {
    assert!(e.offset() <= len, "{e} is past the end of a {len}-byte input");
}

fn is_json_whitespace(body: &[u8]) -> bool {
    body.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The `differential` target: the body of a 200 and of a 599 against serde_json.
///
/// Validity agrees with serde_json except for the policies in the [module docs](self), each
/// of which must be reported exactly (kind and offset); an accepted body yields every
/// top-level value, `data` included, byte-exact at serde_json's offset; and the error fields
/// of a valid body are the values serde_json decodes.
pub fn differential(body: &[u8]) {
    let ours = status_core::decode(200, body);
    let Ok(Reply::Error(as_error)) = status_core::decode(599, body) else {
        panic!("a 599 must decode to an ApiError");
    };
    if is_json_whitespace(body) {
        let Ok(Reply::Success(ok)) = ours else { panic!("an empty 2xx body is a success") };
        assert_eq!(ok.data(), None);
        return;
    }
    let Some(reference) = Reference::parse(body) else {
        // Not JSON for serde_json, so not for us either.
        match ours {
            Ok(r) => panic!("serde_json refuses the body, the decoder accepts it as {r:?}"),
            Err(e) => assert_offset(e, body.len()),
        }
        return;
    };
    let expected = reference.policy_error();
    match (ours, expected) {
        (Err(e), Some(want)) => assert_eq!(e, want, "the first policy the body breaks"),
        (Ok(r), Some(want)) => panic!("accepted as {r:?}, but the body breaks policy: {want}"),
        (Err(e), None) => panic!("serde_json accepts the body, the decoder refuses it: {e}"),
        (Ok(Reply::Error(e)), None) => panic!("a 200 decoded as {e:?}"),
        (Ok(Reply::Success(ok)), None) => {
            let members = reference.members.as_deref().expect("an accepted body is an object");
            for (key, _) in members {
                // A key written more than once (not one the decoder reads) gives its last value.
                let value = members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v).unwrap();
                let want = (value.get(), offset_in(body, value.get()));
                let got = ok.field(key).map(|raw| (raw.get(), raw.offset()));
                assert_eq!(got, Some(want), "top-level {key:?}");
                if key == "data" {
                    assert_eq!(ok.data(), ok.field(key));
                }
            }
            if !members.iter().any(|(k, _)| k == "data") {
                assert_eq!(ok.data(), None);
            }
            check_error_fields(members, &as_error);
        }
    }
}

/// The fields of an error body are what serde_json decodes from each top-level value.
fn check_error_fields(members: &[(String, &RawValue)], err: &ApiError<'_>) {
    let value = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| v.get());
    let string = |name: &str| value(name).and_then(|v| serde_json::from_str::<String>(v).ok());
    let f = err.fields();
    let decoded = |s: Option<JsonStr<'_>>| s.map(|s| s.to_string());
    assert_eq!(decoded(f.message), string("message"));
    assert_eq!(decoded(f.trace_id), string("trace_id"));
    assert_eq!(decoded(f.timestamp), string("timestamp"));
    assert_eq!(decoded(f.error_name), string("error"));
    assert_eq!(decoded(f.path), string("path"));
    let status = value("status")
        .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
        .and_then(|v| v.as_u64())
        .filter(|s| (100..=999).contains(s));
    assert_eq!(f.status.map(u64::from), status, "status {:?}", value("status"));
    let message_shape = f.message.is_some() && f.trace_id.is_some();
    let gateway_shape =
        [f.timestamp, f.error_name, f.path].iter().all(Option::is_some) && f.status.is_some();
    match err.shape() {
        ErrorShape::Message(_) => assert!(message_shape),
        ErrorShape::Gateway(_) => assert!(!message_shape && gateway_shape),
        ErrorShape::Unrecognized(_) => assert!(!message_shape && !gateway_shape),
    }
}

/// Byte offset of `part` inside `body`; `part` must borrow from it.
fn offset_in(body: &[u8], part: &str) -> usize {
    let offset = (part.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
    assert!(offset + part.len() <= body.len(), "not a slice of the body");
    offset
}

/// serde_json's reading of a body that it accepts as one JSON text.
struct Reference<'a> {
    text: &'a str,
    /// The top-level members in order, duplicates included, when the text is an object whose
    /// keys serde_json can decode.
    members: Option<Vec<(String, &'a RawValue)>>,
}

impl<'a> Reference<'a> {
    /// `None` when serde_json refuses the body (or it is not UTF-8).
    fn parse(body: &'a [u8]) -> Option<Self> {
        let text = core::str::from_utf8(body).ok()?;
        serde_json::from_str::<&RawValue>(text).ok()?;
        let mut de = serde_json::Deserializer::from_str(text);
        let members = de.deserialize_map(MembersVisitor).ok();
        Some(Self { text, members })
    }

    /// The error the decoder must report on this valid JSON text, or `None` to accept it.
    ///
    /// Candidates are ordered by where the decoder can first notice them: a depth or surrogate
    /// fault where it is, a key fault once the key has been read in full.
    fn policy_error(&self) -> Option<Error> {
        let bytes = self.text.as_bytes();
        let start = bytes.iter().position(|b| !b" \t\n\r".contains(b))?;
        let outline = outline(bytes, Decoder::DEFAULT_MAX_DEPTH);
        let mut candidates: Vec<(usize, Error)> = Vec::new();
        if let Some(at) = outline.too_deep {
            candidates.push((at, Error::new(ErrorKind::DepthLimitExceeded, at)));
        }
        if let Some(at) = outline.lone_surrogate {
            candidates.push((at, Error::new(ErrorKind::LoneSurrogate, at)));
        }
        let mut keys: Vec<String> = Vec::new();
        for &(key_start, key_end) in &outline.top_keys {
            // A key serde_json cannot decode holds a lone surrogate, a candidate already.
            let Ok(key) = serde_json::from_str::<String>(&self.text[key_start..key_end]) else {
                break;
            };
            if !READ_KEYS.contains(&key.as_str()) {
                continue;
            }
            if keys.contains(&key) {
                candidates.push((key_end, Error::new(ErrorKind::DuplicateKey, key_start)));
                break;
            }
            keys.push(key);
        }
        let first = candidates.into_iter().min_by_key(|&(at, _)| at).map(|(_, e)| e);
        // Text that is not an object is read to its end first: a fault in it says more.
        let not_object =
            (bytes[start] != b'{').then(|| Error::new(ErrorKind::ExpectedObject, start));
        first.or(not_object)
    }
}

/// The top-level keys the decoder reads, the only ones it refuses to see twice.
const READ_KEYS: [&str; 7] =
    ["data", "message", "trace_id", "timestamp", "status", "error", "path"];

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry::<String, &'de RawValue>()? {
            members.push(member);
        }
        Ok(members)
    }
}

/// Facts about a text already known to be valid JSON, found by a deliberately naive walk that
/// shares nothing with the decoder's scanner.
struct Outline {
    /// The opening bracket that nests one level deeper than the limit.
    too_deep: Option<usize>,
    /// The backslash of the first `\u` escape of an unpaired surrogate.
    lone_surrogate: Option<usize>,
    /// Each top-level key literal, quotes included, as `start..end`.
    top_keys: Vec<(usize, usize)>,
}

fn outline(text: &[u8], limit: usize) -> Outline {
    let mut out = Outline { too_deep: None, lone_surrogate: None, top_keys: Vec::new() };
    let mut depth = 0;
    let object = text.iter().find(|b| !b" \t\n\r".contains(b)) == Some(&b'{');
    let mut expect_key = false;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'{' | b'[' => {
                depth += 1;
                if depth > limit && out.too_deep.is_none() {
                    out.too_deep = Some(i);
                }
                expect_key = depth == 1 && text[i] == b'{';
            }
            b'}' | b']' => depth -= 1,
            b',' => expect_key = object && depth == 1,
            b'"' => {
                let start = i;
                i += 1;
                while text[i] != b'"' {
                    if text[i] == b'\\' {
                        if text[i + 1] == b'u' && out.lone_surrogate.is_none() {
                            let unit = hex_unit(&text[i + 2..i + 6]);
                            let next = text.get(i + 6..i + 12);
                            let paired = (0xD800..0xDC00).contains(&unit)
                                && next.is_some_and(|n| {
                                    n.starts_with(b"\\u")
                                        && (0xDC00..0xE000).contains(&hex_unit(&n[2..]))
                                });
                            if paired {
                                i += 6;
                            } else if (0xD800..0xE000).contains(&unit) {
                                out.lone_surrogate = Some(i);
                            }
                        }
                        i += 1;
                    }
                    i += 1;
                }
                if expect_key {
                    out.top_keys.push((start, i + 1));
                    expect_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Four hex digits (known to be hex: the text is valid JSON), or `u32::MAX` if not.
fn hex_unit(digits: &[u8]) -> u32 {
    core::str::from_utf8(digits)
        .ok()
        .and_then(|d| u32::from_str_radix(d, 16).ok())
        .unwrap_or(u32::MAX)
}

/// The `strings` target: [`JsonStr::parse`] against serde_json, for the input as a string
/// literal and for the input wrapped in quotes.
///
/// Both accept the same literals (serde_json decodes them, so it refuses lone surrogates
/// too); an accepted literal decodes to serde_json's text through every way out of a
/// [`JsonStr`]; and a refused one fails at an offset inside the literal.
pub fn strings(data: &[u8]) {
    // JsonStr::parse takes `&str`: invalid UTF-8 is the body decoder's concern, fuzzed there.
    let Ok(text) = core::str::from_utf8(data) else { return };
    check_literal(text);
    check_literal(&std::format!("\"{text}\""));
}

fn check_literal(literal: &str) {
    let ours = JsonStr::parse(literal);
    // serde_json allows whitespace around the value; a `JsonStr` literal is surrounded by nothing.
    let padded = literal.starts_with(|c| " \t\n\r".contains(c))
        || literal.ends_with(|c| " \t\n\r".contains(c));
    let reference = serde_json::from_str::<String>(literal).ok().filter(|_| !padded);
    match (ours, reference) {
        (Ok(s), Some(want)) => check_decoded(literal, s, &want),
        (Err(e), None) => assert_offset(e, literal.len()),
        (Ok(s), None) => panic!("serde_json refuses {literal:?}, the decoder reads {s:?}"),
        (Err(e), Some(want)) => panic!("serde_json reads {literal:?} as {want:?}, decoder: {e}"),
    }
}

/// Every way to read a `JsonStr` gives `want`.
fn check_decoded(literal: &str, s: JsonStr<'_>, want: &str) {
    assert_eq!(s.raw(), &literal[1..literal.len() - 1]);
    assert_eq!(s.has_escapes(), s.raw().contains('\\'));
    assert_eq!(s.as_str(), if s.has_escapes() { None } else { Some(want) });
    assert_eq!(s.to_string(), want);
    assert_eq!(s.unescaped_len(), want.len());
    assert!(s.chars().eq(want.chars()));
    let mut pieces = String::new();
    for piece in s.pieces() {
        match piece {
            status_core::JsonStrPiece::Text(t) => pieces.push_str(t),
            status_core::JsonStrPiece::Char(c) => pieces.push(c),
        }
    }
    assert_eq!(pieces, want);

    // Equality with `str` both ways round, and through `&str`.
    assert!(<JsonStr<'_> as PartialEq<str>>::eq(&s, want));
    assert!(<str as PartialEq<JsonStr<'_>>>::eq(want, &s));
    assert!(<JsonStr<'_> as PartialEq<&str>>::eq(&s, &want));
    assert!(<&str as PartialEq<JsonStr<'_>>>::eq(&want, &s));
    let mut longer = String::from(want);
    longer.push('x');
    assert!(s != *longer);
    if let Some(last) = want.chars().next_back() {
        assert!(s != want[..want.len() - last.len_utf8()]);
    }
    // The same text escaped differently (serde_json escapes only what it must) is equal and
    // hashes alike, and both hash as the decoded `str` does.
    let plain = serde_json::to_string(want).expect("serializing a str");
    let other = JsonStr::parse(&plain).expect("serde_json's escaping is valid");
    assert_eq!(s, other);
    assert_eq!(hash_of(&s), hash_of(&other));
    assert_eq!(hash_of(&s), hash_of(want));

    let mut buf = std::vec![0u8; want.len()];
    assert_eq!(s.unescape_into(&mut buf), Ok(want));
    if !want.is_empty() {
        let short = &mut buf[..want.len() - 1];
        let e = s.unescape_into(short).expect_err("one byte too few");
        assert_eq!(e.kind(), ErrorKind::BufferTooSmall);
        assert!(e.offset() < s.raw().len());
    }
    let heapless = s.to_heapless::<64>();
    if want.len() <= 64 {
        assert_eq!(heapless.as_deref(), Ok(want));
    } else {
        assert_eq!(heapless.map_err(|e| e.kind()), Err(ErrorKind::BufferTooSmall));
    }
    let mut debug = String::new();
    write!(debug, "{s:?}").expect("formatting a JsonStr into a String");
    assert!(debug.starts_with('"') && debug.ends_with('"'));
}

fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// The `timestamp` target: [`Timestamp::parse`] on any text.
///
/// Never panics; refusals are [`ErrorKind::InvalidTimestamp`] inside the text; it accepts
/// exactly the texts an independent RFC 3339 grammar with chrono's calendar accepts, at the
/// same instant; and whatever it accepts round-trips through [`Timestamp::format`], through
/// [`Timestamp::from_parts`], and through a 403 body with every character escaped.
pub fn timestamp(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let parsed = Timestamp::parse(text);
    let reference = reference_timestamp(text);
    match parsed {
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::InvalidTimestamp);
            assert_offset(e, text.len());
            assert_eq!(reference, None, "chrono reads {text:?}, the decoder refuses it: {e}");
        }
        Ok(t) => {
            let want = reference.expect("the decoder accepts what the grammar does not");
            assert_eq!((t.unix_ms(), t.offset_minutes()), want, "{text:?}");
            let mut buf = [0; Timestamp::FORMATTED_LEN];
            let formatted = t.format(&mut buf);
            assert_eq!(Timestamp::parse(formatted), Ok(t), "{formatted}");
            assert_eq!(t.to_string(), formatted);
            assert_eq!(Timestamp::from_parts(t.unix_ms(), t.offset_minutes()), Some(t));
            // Text already in the canonical form comes back unchanged (but for `-00:00`, which
            // is UTC and written `+00:00`).
            let b = text.as_bytes();
            let canonical = b.len() == Timestamp::FORMATTED_LEN
                && (b[10], b[19], b[26]) == (b'T', b'.', b':')
                && !text.ends_with("-00:00");
            if canonical {
                assert_eq!(formatted, text);
            }
        }
    }
    check_timestamp_in_body(text, parsed);
}

/// A gateway body carrying `text` fully escaped parses to the same result as `text` itself.
fn check_timestamp_in_body(text: &str, parsed: Result<Timestamp, Error>) {
    let mut body = String::from(r#"{"timestamp": ""#);
    for unit in text.encode_utf16() {
        write!(body, "\\u{unit:04x}").expect("writing to a String");
    }
    body.push_str(r#"", "status": 403, "error": "Forbidden", "path": "/"}"#);
    let Ok(Reply::Error(err)) = status_core::decode(403, body.as_bytes()) else {
        panic!("a 403 must decode to an ApiError");
    };
    let ErrorShape::Gateway(g) = err.shape() else {
        panic!("{body} is a gateway body");
    };
    match (g.parse_timestamp(), parsed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("{text:?}: escaped {a:?}, plain {b:?}"),
    }
}

/// The instant (unix ms, offset minutes) of an RFC 3339 timestamp as the decoder documents
/// it, by a separate reading of the grammar and chrono's calendar; `None` if it is not one.
///
/// `YYYY-MM-DD`, `T`/`t`/space, `HH:MM:SS`, an optional fraction of 1 to 9 digits (truncated
/// to milliseconds), then `Z`/`z` or `±HH:MM` / `±HHMM`.
fn reference_timestamp(text: &str) -> Option<(i64, i16)> {
    let b = text.as_bytes();
    let num = |range: core::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let shape = at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":");
    if !shape {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = 19;
    let mut millis = 0;
    if at(rest, b".") {
        let digits = b[rest + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        let first3 = &text[rest + 1..rest + 1 + digits.min(3)];
        millis = std::format!("{first3:0<3}").parse().ok()?;
        rest += 1 + digits;
    }
    let offset_minutes: i32 = match &b[rest..] {
        b"Z" | b"z" => 0,
        [sign, h1, h2, m1, m2] | [sign, h1, h2, b':', m1, m2] => {
            let sign = match sign {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let [h1, h2, m1, m2] = digits.map(|d| i32::from(d - b'0'));
            let (h, m) = (h1 * 10 + h2, m1 * 10 + m2);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 60 + m)
        }
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    // chrono reads second 60 as a leap second; Unix time (and the decoder) has none.
    if second > 59 {
        return None;
    }
    let local = date.and_hms_milli_opt(hour, minute, second, millis)?;
    let unix_ms = local.and_utc().timestamp_millis() - i64::from(offset_minutes) * 60_000;
    Some((unix_ms, i16::try_from(offset_minutes).ok()?))
}

/// The clip-results payload of the API, as a firmware would model it: borrowed ids and URLs,
/// fixed-capacity text and lists, integers that arrive as numbers or strings.
///
/// serde_json reads the same type, so the [`typed`] target can compare the two.
#[derive(Debug, PartialEq, serde::Deserialize)]
pub struct ClipResults<'a> {
    /// The project id, such as `proj_abc123`.
    pub id: &'a str,
    /// The project's name.
    pub name: heapless::String<64>,
    /// Where the project is in its processing.
    pub status: ProjectStatus,
    /// The clips made so far.
    #[serde(borrow, default)]
    pub clips: heapless::Vec<Clip<'a>, 8>,
}

/// A project's processing state; states this model does not know read as `Other`.
#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectStatus {
    /// Submitted.
    Created,
    /// Being processed.
    Processing,
    /// Done: the clips are ready.
    Succeeded,
    /// Given up.
    Failed,
    /// A state added after this model was written.
    #[serde(other)]
    Other,
}

/// One clip of a [`ClipResults`].
#[derive(Debug, PartialEq, serde::Deserialize)]
pub struct Clip<'a> {
    /// The clip's position in the list.
    pub idx: u32,
    /// Its title.
    pub title: heapless::String<128>,
    /// Start, in milliseconds (`"15000"` or `15000`).
    #[serde(with = "status_core::de::int_or_string")]
    pub begin_ms: u64,
    /// End, in milliseconds.
    #[serde(with = "status_core::de::int_or_string")]
    pub end_ms: u64,
    /// The thumbnail's URL, when there is one.
    pub thumbnail: Option<&'a str>,
    /// Up to eight tags.
    #[serde(borrow, default)]
    pub tags: heapless::Vec<&'a str, 8>,
    /// A description, when there is one.
    pub desc: Option<heapless::String<256>>,
}

/// The SIMD fast paths agree with the portable scalar path on `data`, and on `data` inside a
/// string, where they do most of their work; and the block-wise container walk built on them
/// agrees with the byte-wise one on every container in `data`.
pub fn simd(data: &[u8]) {
    assert!(status_core::__simd_agrees_with_scalar(data), "SIMD and scalar paths disagree");
    // The same bytes inside a string, where the fast paths do most of their work.
    let mut body = std::vec![b'"'];
    body.extend_from_slice(data);
    body.push(b'"');
    assert!(status_core::__simd_agrees_with_scalar(&body), "SIMD and scalar paths disagree");
    assert!(
        status_core::__blocks_agree_with_bytewise(data),
        "block-wise and byte-wise walks disagree"
    );
}

/// The `typed` target: a 200 body typed as [`ClipResults`].
///
/// Never panics; the one-walk [`status_core::decode_typed`] and the two-step
/// `decode` + [`Success::data_as`] agree exactly (value, or error kind, offset and message);
/// errors point inside the body; and the value, or the refusal, agrees with serde_json on the
/// same `data` text, except where the decoder differs on purpose:
///
/// - `-0` as an integer is 0 here; serde_json reads it as a float and refuses it;
/// - an escaped string is decoded into a 256-byte stack buffer
///   ([`status_core::de::ESCAPED_STR_CAPACITY`]) on its way into a type that copies it;
///   longer ones are refused as [`ErrorKind::EscapedString`].
pub fn typed(body: &[u8]) {
    let one_walk = status_core::decode_typed::<ClipResults<'_>>(200, body);
    let two_steps =
        status_core::decode(200, body).map_err(status_core::DataError::from).and_then(|reply| {
            match reply {
                Reply::Success(ok) => ok.data_as::<ClipResults<'_>>().map(|data| (ok, data)),
                Reply::Error(e) => panic!("a 200 decoded as {e:?}"),
            }
        });
    match (&one_walk, &two_steps) {
        (Ok(status_core::TypedReply::Success { status: 200, data }), Ok((_, two))) => {
            assert_eq!(data, two);
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "one walk and two steps refuse alike");
            assert_offset(a.error(), body.len());
        }
        (a, b) => panic!("one walk {a:?}, two steps {b:?}"),
    }
    let Ok(Reply::Success(ok)) = status_core::decode(200, body) else { return };
    let Some(data) = ok.data() else { return };
    let ours = ok.data_as::<ClipResults<'_>>();
    assert_eq!(status_core::from_raw::<ClipResults<'_>>(data), ours);
    let theirs = serde_json::from_str::<ClipResults<'_>>(data.get());
    match (ours, theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(e), Err(_)) => {
            let end = data.offset() + data.get().len();
            assert!(e.offset() <= end, "{e} is past `data` (ends at {end})");
        }
        (Ok(_), Err(e)) if has_negative_zero(data.get()) => {
            assert!(e.to_string().contains("-0") || e.is_data(), "{e}");
        }
        (Err(e), Ok(_)) if e.kind() == ErrorKind::EscapedString => {
            assert!(data.get().len() > status_core::de::ESCAPED_STR_CAPACITY, "{e}");
        }
        (ours, theirs) => panic!("ours {ours:?}, serde_json {theirs:?} on {}", data.get()),
    }
}

/// Whether `json` holds the number `-0` (not `-0.5`, `-0e1`...).
fn has_negative_zero(json: &str) -> bool {
    json.match_indices("-0")
        .any(|(i, _)| !matches!(json.as_bytes().get(i + 2), Some(b'.' | b'e' | b'E' | b'0'..=b'9')))
}

/// The `stream` target: the push decoder fed the body of a `decode` input in chunks the input
/// chooses gives `decode`'s verdict, and so does one byte at a time.
///
/// After the status (as [`split_status`]), one byte chooses the chunk lengths: its low and
/// high nibbles plus one, in turn. Fewer than three bytes: the body is the rest, whole.
pub fn stream(data: &[u8]) {
    let (status, rest) = split_status(data);
    if !(100..=999).contains(&status) {
        assert!(status_core::stream::PushDecoder::new(status).is_err());
        return;
    }
    let (pattern, body) = match rest.split_first() {
        Some((&p, body)) => (p, body),
        None => (0, rest),
    };
    let lengths = [usize::from(pattern & 0x0F) + 1, usize::from(pattern >> 4) + 1];
    let mut cuts = Vec::new();
    let mut at = 0;
    for k in 0.. {
        at += lengths[k % 2];
        if at >= body.len() {
            break;
        }
        cuts.push(at);
    }
    let want = crate::stream::expected(status, body);
    assert_eq!(crate::stream::streamed(status, body, &cuts), want, "chunks {lengths:?}");
    crate::stream::items_agree(status, body, &cuts);
    let ones: Vec<usize> = (1..body.len()).collect();
    assert_eq!(crate::stream::streamed(status, body, &ones), want, "one byte at a time");
}
