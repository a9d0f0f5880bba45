//! Arbitrary Unicode text round-trips through escaping and unescaping: however a JSON writer
//! chooses to escape it, a [`JsonStr`] gives back the same text through every accessor, alone
//! and inside a body. 256 cases per property; set `PROPTEST_CASES` for more.

use proptest::prelude::*;
use status_core::{decode, ErrorKind, ErrorShape, JsonStr, Reply};
use status_tests::fuzz;

/// How to write one character: plainly when JSON allows it, with its short escape when it has
/// one, or as `\u` escapes (a surrogate pair beyond the BMP) in either case of hex digits.
fn escape(text: &str, choices: &[u8]) -> String {
    let mut out = String::from("\"");
    assert!(!choices.is_empty(), "one choice at least");
    for (c, &choice) in text.chars().zip(choices.iter().cycle()) {
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
        match (choice % 4, short) {
            (0 | 1, _) if !must_escape => out.push(c),
            (2, Some(short)) => out.push_str(short),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let hex = if choice & 0x80 == 0 {
                        format!("\\u{unit:04x}")
                    } else {
                        format!("\\u{unit:04X}")
                    };
                    out.push_str(&hex);
                }
            }
        }
    }
    out.push('"');
    out
}

fn config() -> ProptestConfig {
    ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    /// Every accessor of the parsed literal gives back the original text.
    #[test]
    fn escaped_text_round_trips(text in any::<String>(), choices in prop::collection::vec(any::<u8>(), 1..16)) {
        let literal = escape(&text, &choices);
        let s = JsonStr::parse(&literal).map_err(|e| TestCaseError::fail(format!("{e}: {literal}")))?;
        prop_assert_eq!(s.to_string(), text.as_str());
        prop_assert!(s == *text);
        prop_assert_eq!(s.unescaped_len(), text.len());
        prop_assert!(s.chars().eq(text.chars()));
        prop_assert_eq!(s.as_str().is_some(), !s.has_escapes());
        let mut buf = vec![0u8; text.len()];
        prop_assert_eq!(s.unescape_into(&mut buf), Ok(text.as_str()));
        if text.len() <= 128 {
            let h = s.to_heapless::<128>().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(h.as_str(), text.as_str());
        }
        // The same literal through the `strings` fuzz target: agreement with serde_json.
        fuzz::strings(literal.as_bytes());
    }

    /// Two writers' escapings of the same text are equal, and differ from any other text.
    #[test]
    fn equality_sees_through_escapes(
        text in any::<String>(),
        other in any::<String>(),
        a in prop::collection::vec(any::<u8>(), 1..8),
        b in prop::collection::vec(any::<u8>(), 1..8),
    ) {
        let (la, lb, lo) = (escape(&text, &a), escape(&text, &b), escape(&other, &b));
        let (sa, sb, so) = (
            JsonStr::parse(&la).expect("valid"),
            JsonStr::parse(&lb).expect("valid"),
            JsonStr::parse(&lo).expect("valid"),
        );
        prop_assert_eq!(sa, sb);
        prop_assert_eq!(sa == so, text == other);
    }

    /// Inside an error body, both fields come back as written.
    #[test]
    fn text_round_trips_inside_a_body(
        message in any::<String>(),
        trace_id in any::<String>(),
        a in prop::collection::vec(any::<u8>(), 1..16),
        b in prop::collection::vec(any::<u8>(), 1..16),
    ) {
        let body = format!(
            r#"{{"message": {}, "trace_id": {}}}"#,
            escape(&message, &a),
            escape(&trace_id, &b),
        );
        let Ok(Reply::Error(err)) = decode(400, body.as_bytes()) else {
            return Err(TestCaseError::fail("a 400 must decode to an ApiError"));
        };
        let ErrorShape::Message(m) = err.shape() else {
            return Err(TestCaseError::fail(format!("{:?} for {body}", err.shape())));
        };
        prop_assert_eq!(m.message.to_string(), message.as_str());
        prop_assert_eq!(m.trace_id.to_string(), trace_id.as_str());
    }

    /// A lone surrogate escape anywhere in the text is refused at its backslash.
    #[test]
    fn lone_surrogates_are_refused_where_they_are(
        before in any::<String>(),
        after in "[^\\\\]{0,8}",
        unit in 0xD800u16..=0xDFFF,
        choices in prop::collection::vec(any::<u8>(), 1..8),
    ) {
        let head = escape(&before, &choices);
        let head = &head[..head.len() - 1];
        let literal = format!("{head}\\u{unit:04x}{}\"", &escape(&after, &choices)[1..].trim_end_matches('"'));
        // A high surrogate followed by an escaped low one is a pair, not this case.
        let next = &literal[head.len() + 6..];
        let low_follows = next.starts_with("\\u")
            && next.get(2..6).and_then(|h| u16::from_str_radix(h, 16).ok()).is_some_and(|u| (0xDC00..0xE000).contains(&u));
        prop_assume!(!(unit < 0xDC00 && low_follows));
        let e = JsonStr::parse(&literal).expect_err("a lone surrogate");
        prop_assert_eq!(e.kind(), ErrorKind::LoneSurrogate);
        prop_assert_eq!(e.offset(), head.len());
    }
}
