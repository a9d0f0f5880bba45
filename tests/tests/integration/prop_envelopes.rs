//! Arbitrary JSON values round-trip through every envelope: written with arbitrary whitespace
//! and escapes, they come back byte-exact as `data`, and the error envelopes give back their
//! fields, whatever else the body carries.
//!
//! 256 cases per property; set `PROPTEST_CASES` for more.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use status_core::{decode, ErrorShape, Reply, Timestamp};

/// Any JSON value serde_json can hold: every number width, any Unicode text, nesting.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// The choices a writer makes: whitespace, and how to write each character of a string.
/// A small generator seeded by proptest, so shrinking still works on the seed.
struct Style(u64);

impl Style {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn ws(&mut self, out: &mut String) {
        for _ in 0..self.pick(3) {
            out.push([' ', '\n', '\r', '\t'][self.pick(4) as usize]);
        }
    }

    /// `s` as a JSON string literal, each character written plainly or escaped at random.
    fn string(&mut self, s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            let short = match c {
                '"' => Some("\\\""),
                '\\' => Some("\\\\"),
                '/' => Some("\\/"),
                '\u{8}' => Some("\\b"),
                '\u{c}' => Some("\\f"),
                '\n' => Some("\\n"),
                '\r' => Some("\\r"),
                '\t' => Some("\\t"),
                _ => None,
            };
            let must_escape = matches!(c, '"' | '\\' | '\u{0}'..='\u{1f}');
            match self.pick(4) {
                0 | 1 if !must_escape => out.push(c),
                2 if short.is_some() => out.push_str(short.unwrap_or_default()),
                _ => {
                    let upper = self.pick(2) == 0;
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        if upper {
                            out.push_str(&format!("\\u{unit:04X}"));
                        } else {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
            }
        }
        out.push('"');
    }

    fn value(&mut self, v: &Value, out: &mut String) {
        match v {
            Value::Null | Value::Bool(_) | Value::Number(_) => out.push_str(&v.to_string()),
            Value::String(s) => self.string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.value(item, out);
                    self.ws(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (key, item)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.ws(out);
                    self.string(key, out);
                    self.ws(out);
                    out.push(':');
                    self.ws(out);
                    self.value(item, out);
                    self.ws(out);
                }
                self.ws(out);
                out.push('}');
            }
        }
    }

    /// `{"k": v, ...}` from already-written member values, with whitespace between tokens.
    fn envelope(&mut self, members: &[(&str, &str)]) -> (String, Vec<usize>) {
        let mut body = String::new();
        let mut offsets = Vec::new();
        self.ws(&mut body);
        body.push('{');
        for (i, (key, text)) in members.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            self.ws(&mut body);
            self.string(key, &mut body);
            self.ws(&mut body);
            body.push(':');
            self.ws(&mut body);
            offsets.push(body.len());
            body.push_str(text);
            self.ws(&mut body);
        }
        body.push('}');
        self.ws(&mut body);
        (body, offsets)
    }

    fn write(&mut self, v: &Value) -> String {
        let mut out = String::new();
        self.value(v, &mut out);
        out
    }

    fn write_str(&mut self, s: &str) -> String {
        let mut out = String::new();
        self.string(s, &mut out);
        out
    }
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    /// `data` comes back byte-exact at its offset, and means the value that was written,
    /// with or without the extra keys the API adds, in any order.
    #[test]
    fn any_value_round_trips_as_data(
        v in value(),
        extra in value(),
        seed in any::<u64>(),
        status in prop::sample::select(vec![200u16, 201, 202, 204, 299]),
        position in 0usize..3,
    ) {
        let mut style = Style(seed);
        let data = style.write(&v);
        let code = style.write(&extra);
        let mut members = vec![("code", code.as_str()), ("message", "\"Succeed\"")];
        members.insert(position, ("data", data.as_str()));
        let (body, offsets) = style.envelope(&members);
        let reply = decode(status, body.as_bytes());
        let Ok(Reply::Success(ok)) = reply else {
            return Err(TestCaseError::fail(format!("{reply:?} for {body}")));
        };
        let raw = ok.data().expect("data is present");
        prop_assert_eq!(raw.get(), data.as_str());
        prop_assert_eq!(raw.offset(), offsets[position]);
        let back: Value = serde_json::from_str(raw.get()).expect("data is JSON");
        prop_assert_eq!(&back, &v);
        let code_back = ok.field("code").expect("code is present");
        prop_assert_eq!(code_back.get(), code.as_str());
    }

    /// The 400/500 body gives back its message and trace id, whatever they hold and however
    /// they are escaped, next to any other value; so does an undocumented status.
    #[test]
    fn message_envelope_round_trips(
        message in any::<String>(),
        trace_id in any::<String>(),
        extra in value(),
        seed in any::<u64>(),
        status in prop::sample::select(vec![400u16, 500, 404, 502, 503]),
    ) {
        let mut style = Style(seed);
        let (m, t, x) = (style.write_str(&message), style.write_str(&trace_id), style.write(&extra));
        let (body, _) = style.envelope(&[("trace_id", &t), ("details", &x), ("message", &m)]);
        let Ok(Reply::Error(err)) = decode(status, body.as_bytes()) else {
            return Err(TestCaseError::fail(format!("not an ApiError: {body}")));
        };
        let ErrorShape::Message(shape) = err.shape() else {
            return Err(TestCaseError::fail(format!("{:?} for {body}", err.shape())));
        };
        prop_assert_eq!(shape.message.to_string(), message.as_str());
        prop_assert!(shape.message == *message);
        prop_assert_eq!(shape.trace_id.to_string(), trace_id.as_str());
        prop_assert_eq!(err.message(), Some(shape.message));
        prop_assert_eq!(err.trace_id(), Some(shape.trace_id));
    }

    /// The 403/429 body gives back every field and its timestamp, next to any other value.
    #[test]
    fn gateway_envelope_round_trips(
        unix_ms in -62_135_596_800_000i64..253_402_214_400_000,
        offset in -1439i16..=1439,
        error in any::<String>(),
        path in any::<String>(),
        extra in value(),
        seed in any::<u64>(),
        status in prop::sample::select(vec![403u16, 429, 401, 503]),
    ) {
        let t = Timestamp::from_parts(unix_ms, offset).expect("inside years 0001..=9998");
        let mut style = Style(seed);
        let ts = style.write_str(&t.to_string());
        let (e, p, x) = (style.write_str(&error), style.write_str(&path), style.write(&extra));
        let status_text = status.to_string();
        let (body, _) = style.envelope(&[
            ("timestamp", &ts), ("status", &status_text), ("error", &e), ("path", &p), ("x", &x),
        ]);
        let Ok(Reply::Error(err)) = decode(status, body.as_bytes()) else {
            return Err(TestCaseError::fail(format!("not an ApiError: {body}")));
        };
        let ErrorShape::Gateway(g) = err.shape() else {
            return Err(TestCaseError::fail(format!("{:?} for {body}", err.shape())));
        };
        prop_assert_eq!(g.parse_timestamp(), Ok(t));
        prop_assert_eq!(err.timestamp(), Some(Ok(t)));
        prop_assert_eq!(g.status, status);
        prop_assert!(!err.status_mismatch());
        prop_assert_eq!(g.error_name.to_string(), error.as_str());
        prop_assert_eq!(g.path.to_string(), path.as_str());
    }
}
