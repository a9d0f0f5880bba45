//! RFC 8259 edge cases, each as a whole JSON text and as the `data` of a 200 body.

use status_core::{decode, Decoder, ErrorKind};

/// Texts every strict parser must accept.
pub(crate) const ACCEPT: &[&str] = &[
    "[1E22]",
    "[1e+2]",
    "[1E-2]",
    "[-0]",
    "[-0.0e-0]",
    "[123e65]",
    "[1e-999]",
    "[100000000000000000000000000000000000000000000]",
    "{\"\":0}",
    "[\"\"]",
    "[\"\\u0000\"]",
    "[\"\u{2028}\u{2029}\"]",
    "[\"\u{ffff}\"]",
    "[\"\\uDBFF\\uDFFF\"]",
    "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
    "[\"\u{7f}\"]",
    " [] ",
    "\r\n\t[\r\n\t1\r\n\t]\r\n\t",
    "{\"a\":[{\"b\":{}}],\"c\":null,\"d\":true,\"e\":false}",
    "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
    "\"top-level string\"",
    "42",
    "null",
];

/// Texts every strict parser must refuse, with the kind and offset this decoder reports.
pub(crate) const REJECT: &[(&[u8], ErrorKind, usize)] = &[
    (b"[1 true]", ErrorKind::ExpectedCommaOrEnd, 3),
    (b"[\"\",]", ErrorKind::ExpectedValue, 4),
    (b"[,1]", ErrorKind::ExpectedValue, 1),
    (b"[\"x\"", ErrorKind::UnexpectedEof, 4),
    (b"[-01]", ErrorKind::InvalidNumber, 3),
    (b"[0.e1]", ErrorKind::InvalidNumber, 3),
    (b"[2.e+3]", ErrorKind::InvalidNumber, 3),
    (b"[0x42]", ErrorKind::ExpectedCommaOrEnd, 2),
    (b"[Infinity]", ErrorKind::ExpectedValue, 1),
    (b"[NaN]", ErrorKind::ExpectedValue, 1),
    (b"[- 1]", ErrorKind::InvalidNumber, 2),
    (b"[012]", ErrorKind::InvalidNumber, 2),
    (b"[1.]", ErrorKind::InvalidNumber, 3),
    (b"[.123]", ErrorKind::InvalidNumber, 1),
    (b"[+1]", ErrorKind::InvalidNumber, 1),
    (b"[1 000.0]", ErrorKind::ExpectedCommaOrEnd, 3),
    (b"[1e]", ErrorKind::InvalidNumber, 3),
    (b"[1e+]", ErrorKind::InvalidNumber, 4),
    (b"[\"x\", truth]", ErrorKind::InvalidLiteral, 9),
    (b"[tru]", ErrorKind::InvalidLiteral, 4),
    (b"[nul]", ErrorKind::InvalidLiteral, 4),
    (b"[True]", ErrorKind::ExpectedValue, 1),
    (b"{'a':0}", ErrorKind::ExpectedKey, 1),
    (b"{\"id\":0,}", ErrorKind::ExpectedKey, 8),
    (b"{a: \"b\"}", ErrorKind::ExpectedKey, 1),
    (b"{\"a\" \"b\"}", ErrorKind::ExpectedColon, 5),
    (b"{\"a\":\"b\"}#{}", ErrorKind::TrailingCharacters, 9),
    (b"[\"\\x00\"]", ErrorKind::InvalidEscape, 2),
    (b"[\"\\a\"]", ErrorKind::InvalidEscape, 2),
    (b"[\"\\u00\"]", ErrorKind::InvalidEscape, 6),
    (b"['single quote']", ErrorKind::ExpectedValue, 1),
    (b"[\"\t\"]", ErrorKind::ControlCharacter, 2),
    (b"[\"\x00\"]", ErrorKind::ControlCharacter, 2),
    (b"[\"\x1f\"]", ErrorKind::ControlCharacter, 2),
    (b"[\"\xe0\xff\"]", ErrorKind::InvalidUtf8, 2),
    (b"[\"\xed\xa0\x80\"]", ErrorKind::InvalidUtf8, 2),
    (b"[\"\xc0\xaf\"]", ErrorKind::InvalidUtf8, 2),
    (b"[\"\\uD800\\\"]", ErrorKind::LoneSurrogate, 2),
    (b"[\"\\uDFAA\"]", ErrorKind::LoneSurrogate, 2),
    (b"[\"\\uD888\\u1234\"]", ErrorKind::LoneSurrogate, 2),
    (b"[", ErrorKind::UnexpectedEof, 1),
    (b"[\x00]", ErrorKind::ExpectedValue, 1),
    (b"[\x0c]", ErrorKind::ExpectedValue, 1),
    (b"[\xe2\x81\xa0]", ErrorKind::ExpectedValue, 1),
    (b"[1]\x00", ErrorKind::TrailingCharacters, 3),
    (b" ", ErrorKind::EmptyBody, 1),
    (b"", ErrorKind::EmptyBody, 0),
    (b"]", ErrorKind::ExpectedValue, 0),
    (b"{\"a\":1}}", ErrorKind::TrailingCharacters, 7),
    (b"[1]]", ErrorKind::TrailingCharacters, 3),
    (b"\xef\xbb\xbf[]", ErrorKind::ByteOrderMark, 0),
];

#[test]
fn strict_texts_are_accepted() {
    for text in ACCEPT {
        assert_eq!(Decoder::new().validate(text.as_bytes()), Ok(()), "{text}");
        let body = format!("{{\"data\":{text}}}");
        let data = decode(200, body.as_bytes()).unwrap().into_result().unwrap().data().unwrap();
        assert_eq!(data.get(), text.trim_matches([' ', '\r', '\n', '\t']), "byte-exact");
    }
}

#[test]
fn invalid_texts_are_refused_where_they_go_wrong() {
    for &(text, kind, offset) in REJECT {
        let shown = String::from_utf8_lossy(text);
        let err = Decoder::new().validate(text).unwrap_err();
        assert_eq!((err.kind(), err.offset()), (kind, offset), "{shown:?}");
        // The same value as `data` fails at the same place, shifted by the envelope's prefix,
        // unless the problem is about the text as a whole.
        if matches!(
            kind,
            ErrorKind::EmptyBody | ErrorKind::TrailingCharacters | ErrorKind::ByteOrderMark
        ) {
            continue;
        }
        let mut body = b"{\"data\":".to_vec();
        body.extend_from_slice(text);
        let err = decode(200, &body).unwrap_err();
        assert_eq!((err.kind(), err.offset()), (kind, offset + 8), "{shown:?} as data");
    }
}
