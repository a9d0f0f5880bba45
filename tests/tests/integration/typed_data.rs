//! Typed `data` through serde: every kind of target type, the API's quirks, errors and limits.

use heapless::{LinearMap, String as HString, Vec as HVec};
use serde::de::IgnoredAny;
use serde::Deserialize;
use status_core::de::{from_slice, from_str, int_or_string, IntOrString, ESCAPED_STR_CAPACITY};
use status_core::{
    decode, decode_typed, from_raw, DataError, Decoder, ErrorKind, JsonStr, RawJson, Reply,
    TypedReply,
};
use status_tests::models::{ClipResults, ProjectStatus};
use status_tests::CLIP_RESULTS_200;

/// `data_as` after `decode`, and `decode_typed`, must agree on everything.
fn both<'a, T: Deserialize<'a> + PartialEq + core::fmt::Debug>(
    body: &'a str,
) -> Result<T, DataError> {
    let two_pass = decode(200, body.as_bytes()).map_err(DataError::from).and_then(|r| match r {
        Reply::Success(ok) => ok.data_as::<T>(),
        Reply::Error(e) => panic!("{e}"),
    });
    let one_pass = decode_typed::<T>(200, body.as_bytes()).map(|r| r.into_result().unwrap());
    assert_eq!(one_pass, two_pass, "{body}");
    two_pass
}

fn kind_at<T: core::fmt::Debug>(r: Result<T, DataError>) -> (ErrorKind, usize) {
    let e = r.expect_err("an error");
    (e.kind(), e.offset())
}

#[test]
fn clip_results_decode_from_a_realistic_body() {
    let r: ClipResults<'_> = both(CLIP_RESULTS_200).unwrap();
    assert_eq!(r.id, "proj_abc123");
    assert_eq!(r.name, "sample project name");
    assert_eq!(r.status, ProjectStatus::Succeeded);
    let clip = &r.clips[0];
    assert_eq!((clip.idx, clip.begin_ms, clip.end_ms.0), (0, 15_000, 75_000));
    assert_eq!(clip.tags, ["insight", "analysis"]);
    assert_eq!(clip.thumbnail, "https://cdn.example.com/thumb/clip_001.jpg");
    assert_eq!(clip.desc.unwrap(), "sample description");
    // Borrowed: the text points into the body.
    let range = CLIP_RESULTS_200.as_bytes().as_ptr_range();
    assert!(range.contains(&r.id.as_ptr()));
}

#[test]
fn clip_results_with_escapes_numbers_extra_keys_and_unknown_fields() {
    let body = r#"{"code": "0", "message": "Succeed", "data": {"id": "prj06928fdjqqaza",
        "name": "caf\u00e9 \"talk\" \ud83d\ude00", "status": "RUNNING", "owner": {"x": [1, {"y": null}]},
        "clips": [{"idx": 1, "title": "a\nb", "begin_ms": 15000, "end_ms": "75000",
                   "thumbnail": "t", "tags": [], "desc": null, "score": 0.93}]}}"#;
    let r: ClipResults<'_> = both(body).unwrap();
    assert_eq!(r.name, "café \"talk\" 😀");
    assert_eq!(r.name.to_heapless::<32>().unwrap(), "café \"talk\" 😀");
    assert_eq!(r.clips[0].title, "a\nb");
    assert_eq!((r.clips[0].begin_ms, r.clips[0].end_ms.0), (15_000, 75_000));
    assert_eq!(r.clips[0].desc, None);
}

#[test]
fn booleans_unit_and_option() {
    assert_eq!(from_str::<bool>(" true "), Ok(true));
    assert_eq!(from_str::<(bool, bool)>("[false,true]"), Ok((false, true)));
    assert_eq!(from_str::<()>("null"), Ok(()));
    assert_eq!(from_str::<Option<u8>>("null"), Ok(None));
    assert_eq!(from_str::<Option<u8>>("7"), Ok(Some(7)));
    assert_eq!(from_str::<Option<Option<u8>>>("null"), Ok(None));
    assert_eq!(kind_at(from_str::<bool>("nul")), (ErrorKind::UnexpectedEof, 3));
    assert_eq!(kind_at(from_str::<bool>("1")), (ErrorKind::UnexpectedType, 0));
    let e = from_str::<bool>("[1]").unwrap_err();
    assert_eq!(e.message(), "invalid type: sequence, expected a boolean");
}

#[test]
fn missing_data_reads_as_null() {
    for body in [r#"{"code": "0"}"#, "{}", ""] {
        let r = decode(204, body.as_bytes()).unwrap().into_result().unwrap();
        assert_eq!(r.data_as::<Option<ClipResults<'_>>>(), Ok(None));
        assert_eq!(r.data_as::<()>(), Ok(()));
        let e = r.data_as::<ClipResults<'_>>().unwrap_err();
        assert_eq!((e.kind(), e.message()), (ErrorKind::MissingField, "missing field `data`"));
        let typed = decode_typed::<ClipResults<'_>>(204, body.as_bytes()).unwrap_err();
        assert_eq!(typed, e);
        let typed = decode_typed::<Option<u8>>(200, body.as_bytes()).unwrap();
        assert_eq!(typed, TypedReply::Success { status: 200, data: None });
    }
}

#[test]
fn integers_at_every_width_and_edge() {
    assert_eq!(from_str::<u8>("255"), Ok(255));
    assert_eq!(from_str::<i8>("-128"), Ok(-128));
    assert_eq!(from_str::<u16>("65535"), Ok(u16::MAX));
    assert_eq!(from_str::<i16>("-32768"), Ok(i16::MIN));
    assert_eq!(from_str::<u32>("4294967295"), Ok(u32::MAX));
    assert_eq!(from_str::<i32>("-2147483648"), Ok(i32::MIN));
    assert_eq!(from_str::<u64>("18446744073709551615"), Ok(u64::MAX));
    assert_eq!(from_str::<i64>("-9223372036854775808"), Ok(i64::MIN));
    assert_eq!(from_str::<u128>("340282366920938463463374607431768211455"), Ok(u128::MAX));
    assert_eq!(from_str::<i128>("-170141183460469231731687303715884105728"), Ok(i128::MIN));
    assert_eq!(from_str::<i128>("170141183460469231731687303715884105727"), Ok(i128::MAX));
    assert_eq!(from_str::<i64>("-0"), Ok(0));
    // Overflow is reported where the number starts, never wrapped.
    let out_of_range = [
        kind_at(from_str::<u8>("256")),
        kind_at(from_str::<(u8, u8)>("[1, -1]")),
        kind_at(from_str::<u64>("18446744073709551616")),
        kind_at(from_str::<u128>("340282366920938463463374607431768211456")),
        kind_at(from_str::<i128>("99999999999999999999999999999999999999999999")),
    ];
    let at = |offset| (ErrorKind::NumberOutOfRange, offset);
    assert_eq!(out_of_range, [at(0), at(4), at(0), at(0), at(0)]);
    let e = from_str::<i8>(" 128").unwrap_err();
    assert_eq!(
        (e.kind(), e.offset(), e.message()),
        (ErrorKind::NumberOutOfRange, 1, "integer out of range for i8")
    );
    assert_eq!(
        kind_at(from_str::<i128>("-170141183460469231731687303715884105729")).0,
        ErrorKind::NumberOutOfRange
    );
    let e = from_str::<u32>("1.5").unwrap_err();
    assert_eq!(e.message(), "invalid type: floating point `1.5`, expected u32");
    assert_eq!(kind_at(from_str::<u32>("1e2")), (ErrorKind::UnexpectedType, 0));
    assert_eq!(kind_at(from_str::<u32>("\"1\"")), (ErrorKind::UnexpectedType, 0));
}

#[test]
fn floats_are_correctly_rounded_and_bounded() {
    let f = |s: &str| from_str::<f64>(s);
    assert_eq!(f("0.30000000000000004"), Ok(0.1 + 0.2));
    assert_eq!(f("1.7976931348623157e308"), Ok(f64::MAX));
    assert_eq!(f("2.2250738585072014e-308"), Ok(f64::MIN_POSITIVE));
    assert_eq!(f("4.9406564584124654e-324"), Ok(f64::from_bits(1)));
    assert_eq!(
        f("2.4703282292062328e-324"),
        Ok(f64::from_bits(1)),
        "rounds up to the least subnormal"
    );
    assert_eq!(f("2.4703282292062327e-324"), Ok(0.0), "rounds down to zero");
    assert_eq!(f("1e-400"), Ok(0.0));
    assert_eq!(f("-0.0").map(f64::to_bits), Ok((-0.0f64).to_bits()));
    assert_eq!(f("9007199254740993"), Ok(9_007_199_254_740_992.0), "ties to even");
    assert_eq!(f("123456789012345678901234567890"), Ok(1.2345678901234568e29));
    assert_eq!(f("1E+2"), Ok(100.0));
    assert_eq!(kind_at(f("1e309")), (ErrorKind::NumberOutOfRange, 0));
    assert_eq!(kind_at(from_str::<[f64; 1]>("[-1.8e308]")), (ErrorKind::NumberOutOfRange, 1));
    assert_eq!(from_str::<f32>("3.4028235e38"), Ok(f32::MAX));
    assert_eq!(from_str::<f32>("1e-46"), Ok(0.0));
    assert_eq!(from_str::<f32>("1.4e-45"), Ok(f32::from_bits(1)));
    assert_eq!(from_str::<f32>("16777217"), Ok(16_777_216.0));
    assert_eq!(kind_at(from_str::<f32>("3.5e38")), (ErrorKind::NumberOutOfRange, 0));
    assert_eq!(kind_at(f("true")), (ErrorKind::UnexpectedType, 0));
}

#[test]
fn chars_strings_and_surrogate_pairs() {
    assert_eq!(from_str::<char>(r#""a""#), Ok('a'));
    assert_eq!(from_str::<char>(r#""\u00e9""#), Ok('é'));
    assert_eq!(from_str::<char>(r#""\ud83d\ude00""#), Ok('😀'));
    assert_eq!(from_str::<char>(r#""\"""#), Ok('"'));
    assert_eq!(kind_at(from_str::<char>(r#""ab""#)), (ErrorKind::InvalidValue, 0));
    assert_eq!(kind_at(from_str::<char>(r#""\ud83d""#)), (ErrorKind::LoneSurrogate, 1));
    let s: HString<8> = from_str(r#""\ud83d\ude00\t""#).unwrap();
    assert_eq!(s, "😀\t");
    assert_eq!(kind_at(from_str::<HString<2>>(r#""abc""#)).0, ErrorKind::InvalidLength);
}

#[test]
fn borrowed_str_and_bytes_need_unescaped_text() {
    let body = r#"{"data": {"plain": "abc", "escaped": "a\"b"}}"#;
    #[derive(Debug, Deserialize, PartialEq)]
    struct Plain<'a> {
        plain: &'a str,
        #[serde(borrow)]
        escaped: JsonStr<'a>,
    }
    let p: Plain<'_> = both(body).unwrap();
    assert_eq!((p.plain, p.escaped.raw(), p.escaped.has_escapes()), ("abc", r#"a\"b"#, true));
    assert_eq!(p.escaped, "a\"b");

    #[derive(Debug, Deserialize, PartialEq)]
    struct Borrowing<'a> {
        plain: &'a str,
        escaped: &'a str,
    }
    let e = both::<Borrowing<'_>>(body).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::EscapedString);
    assert_eq!(
        e.offset(),
        body.find(r#""a\"b""#).unwrap(),
        "the offset of the escaped string in the body"
    );
    assert!(e.message().contains("JsonStr"), "{e}");

    #[derive(Debug, Deserialize, PartialEq)]
    struct Bytes<'a> {
        plain: &'a [u8],
    }
    assert_eq!(from_str::<Bytes<'_>>(r#"{"plain": "abc"}"#), Ok(Bytes { plain: b"abc" }));
    assert_eq!(
        kind_at(from_str::<Bytes<'_>>(r#"{"plain": "\u0061"}"#)),
        (ErrorKind::EscapedString, 10)
    );

    // Escaped text longer than the stack buffer goes to JsonStr, and is refused elsewhere.
    let long = format!(r#""{}\n""#, "x".repeat(ESCAPED_STR_CAPACITY));
    assert_eq!(from_str::<JsonStr<'_>>(&long).unwrap().unescaped_len(), ESCAPED_STR_CAPACITY + 1);
    assert_eq!(kind_at(from_str::<HString<512>>(&long)), (ErrorKind::EscapedString, 0));
}

#[test]
fn json_str_also_comes_from_serde_json_when_unescaped() {
    let s: JsonStr<'_> = serde_json::from_str(r#""plain""#).unwrap();
    assert_eq!(s, "plain");
    assert!(serde_json::from_str::<JsonStr<'_>>(r#""a\nb""#).is_err());
}

#[test]
fn newtype_tuple_structs_tuples_and_arrays() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Ms(u64);
    #[derive(Debug, Deserialize, PartialEq)]
    struct Span(u32, u32);
    #[derive(Debug, Deserialize, PartialEq)]
    struct Marker;
    assert_eq!(from_str::<Ms>("15000"), Ok(Ms(15_000)));
    assert_eq!(from_str::<Span>("[1, 2]"), Ok(Span(1, 2)));
    assert_eq!(from_str::<Marker>("null"), Ok(Marker));
    assert_eq!(from_str::<(u8, &str, bool)>(r#"[1,"x",false]"#), Ok((1, "x", false)));
    assert_eq!(from_str::<[i16; 3]>("[-1, 0, 1]"), Ok([-1, 0, 1]));
    assert_eq!(from_str::<[u8; 0]>("[]"), Ok([]));
    assert_eq!(kind_at(from_str::<[u8; 3]>("[1, 2]")), (ErrorKind::InvalidLength, 0));
    assert_eq!(kind_at(from_str::<[u8; 2]>("[1, 2, 3]")), (ErrorKind::InvalidLength, 5));
    assert_eq!(kind_at(from_str::<[u8; 0]>("[1]")), (ErrorKind::InvalidLength, 1));
    assert_eq!(kind_at(from_str::<[u8; 2]>("[1, 2 3]")), (ErrorKind::ExpectedCommaOrEnd, 6));
    assert_eq!(kind_at(from_str::<[u8; 2]>("[1,]")), (ErrorKind::ExpectedValue, 3));
}

#[test]
fn structs_skip_and_validate_unknown_fields() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Project<'a> {
        id: &'a str,
        #[serde(default)]
        retries: u8,
    }
    let ok = r#"{"extra": {"deep": [1, 2.5e3, "s\u00e9", null, true]}, "id": "p", "more": []}"#;
    assert_eq!(from_str::<Project<'_>>(ok), Ok(Project { id: "p", retries: 0 }));
    // A skipped value is still checked: `tru` is not JSON.
    assert_eq!(
        kind_at(from_str::<Project<'_>>(r#"{"x":tru, "id": "p"}"#)),
        (ErrorKind::InvalidLiteral, 8)
    );
    assert_eq!(
        kind_at(from_str::<Project<'_>>(r#"{"id": "p", "x": [1,]}"#)),
        (ErrorKind::ExpectedValue, 20)
    );
    assert_eq!(
        kind_at(from_str::<Project<'_>>(r#"{"id": "p", "x": 01}"#)),
        (ErrorKind::InvalidNumber, 18)
    );
    // Keys are compared after unescaping.
    assert_eq!(from_str::<Project<'_>>(r#"{"\u0069d": "p"}"#), Ok(Project { id: "p", retries: 0 }));
    // Missing fields are named, at the object's offset.
    let e = from_str::<Project<'_>>(r#"  {"retries": 1}"#).unwrap_err();
    assert_eq!(
        (e.kind(), e.offset(), e.message()),
        (ErrorKind::MissingField, 2, "missing field `id`")
    );
    assert_eq!(e.to_string(), "missing field `id` at byte 2");
    let e = from_str::<Project<'_>>(r#"{"id": "a", "id": "b"}"#).unwrap_err();
    assert_eq!((e.kind(), e.message()), (ErrorKind::DuplicateField, "duplicate field `id`"));
    // A struct may be written as an array of its fields, as serde_json allows.
    assert_eq!(from_str::<Project<'_>>(r#"["p", 3]"#), Ok(Project { id: "p", retries: 3 }));

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        a: u8,
    }
    assert_eq!(from_str::<Strict>(r#"{"a": 1}"#), Ok(Strict { a: 1 }));
    let e = from_str::<Strict>(r#"{"a": 1, "b": 2}"#).unwrap_err();
    assert_eq!(
        (e.kind(), e.message()),
        (ErrorKind::UnknownField, "unknown field `b`, expected `a`")
    );
    assert_eq!(e.offset(), 9, "at the unknown key");
}

#[test]
fn enums_as_strings_and_single_key_objects() {
    #[derive(Debug, Deserialize, PartialEq)]
    enum Event<'a> {
        Started,
        Progress(u8),
        Moved(i32, i32),
        Done { url: &'a str },
    }
    assert_eq!(from_str::<Event<'_>>(r#""Started""#), Ok(Event::Started));
    assert_eq!(from_str::<Event<'_>>(r#"{"Started": null}"#), Ok(Event::Started));
    assert_eq!(from_str::<Event<'_>>(r#"{"Progress": 40}"#), Ok(Event::Progress(40)));
    assert_eq!(from_str::<Event<'_>>(r#"{ "Moved" : [1, -2] }"#), Ok(Event::Moved(1, -2)));
    assert_eq!(from_str::<Event<'_>>(r#"{"Done": {"url": "u"}}"#), Ok(Event::Done { url: "u" }));
    assert_eq!(from_str::<Event<'_>>(r#""St\u0061rted""#), Ok(Event::Started));
    let e = from_str::<Event<'_>>(r#""Stopped""#).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownVariant);
    assert_eq!(
        e.message(),
        "unknown variant `Stopped`, expected one of `Started`, `Progress`, `Moved`, `Done`"
    );
    assert_eq!(kind_at(from_str::<Event<'_>>(r#""Progress""#)), (ErrorKind::UnexpectedType, 0));
    assert_eq!(
        kind_at(from_str::<Event<'_>>(r#"{"Progress": 1, "Started": null}"#)),
        (ErrorKind::InvalidLength, 14)
    );
    assert_eq!(kind_at(from_str::<Event<'_>>(r#"{}"#)), (ErrorKind::ExpectedKey, 1));
    assert_eq!(kind_at(from_str::<Event<'_>>("3")), (ErrorKind::UnexpectedType, 0));
}

#[test]
fn heapless_collections_refuse_to_overflow() {
    assert_eq!(from_str::<HVec<u8, 3>>("[1,2,3]").unwrap(), [1, 2, 3]);
    let e = from_str::<HVec<u8, 3>>("[1,2,3,4]").unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::InvalidLength, 0));
    let map: LinearMap<&str, u32, 4> = from_str(r#"{"a": 1, "b": 2}"#).unwrap();
    assert_eq!((map.get("a"), map.get("b")), (Some(&1), Some(&2)));
    assert_eq!(
        kind_at(from_str::<LinearMap<&str, u32, 1>>(r#"{"a": 1, "b": 2}"#)).0,
        ErrorKind::InvalidLength
    );
    // Keys other than strings are read from inside the key string.
    let by_id: LinearMap<u16, bool, 4> = from_str(r#"{"1": true, "65535": false}"#).unwrap();
    assert_eq!((by_id.get(&1), by_id.get(&65535)), (Some(&true), Some(&false)));
    assert_eq!(
        kind_at(from_str::<LinearMap<u16, bool, 4>>(r#"{"65536": true}"#)),
        (ErrorKind::NumberOutOfRange, 1)
    );
    assert_eq!(
        kind_at(from_str::<LinearMap<u16, bool, 4>>(r#"{"x": true}"#)),
        (ErrorKind::UnexpectedType, 1)
    );
    let flags: LinearMap<bool, u8, 2> = from_str(r#"{"true": 1}"#).unwrap();
    assert_eq!(flags.get(&true), Some(&1));
    let escaped_keys: LinearMap<JsonStr<'_>, u8, 2> = from_str(r#"{"a\tb": 1}"#).unwrap();
    assert_eq!(escaped_keys.keys().next().unwrap().raw(), r"a\tb");
}

#[test]
fn deserialize_any_and_ignored_any() {
    // serde_json's own visitor-driven `Value` goes through `deserialize_any`.
    let v: serde_json::Value =
        from_str(r#"{"a": [1, -2, 3.5, "s\n", true, null], "b": {}}"#).unwrap();
    assert_eq!(v, serde_json::json!({"a": [1, -2, 3.5, "s\n", true, null], "b": {}}));
    let wide: serde_json::Value =
        from_str("18446744073709551616").map(|n: u128| serde_json::json!(n.to_string())).unwrap();
    assert_eq!(wide, "18446744073709551616");
    assert_eq!(from_str::<IgnoredAny>(r#"[{"a": [[], {}]}, "x", -1e5]"#), Ok(IgnoredAny));
    assert_eq!(kind_at(from_str::<IgnoredAny>("[1, tru]")), (ErrorKind::InvalidLiteral, 7));
    assert_eq!(kind_at(from_str::<IgnoredAny>("[1] 2")), (ErrorKind::TrailingCharacters, 4));
    assert_eq!(kind_at(from_str::<IgnoredAny>("")), (ErrorKind::EmptyBody, 0));
    assert_eq!(kind_at(from_slice::<IgnoredAny>(b"[\"\xff\"]")), (ErrorKind::InvalidUtf8, 2));
    assert_eq!(kind_at(from_slice::<u8>(b"[\"\xff\"]")), (ErrorKind::InvalidUtf8, 2));
}

#[test]
fn deep_input_is_an_error_never_a_stack_overflow() {
    let deep = "[".repeat(1 << 20);
    // A recursive, visitor-driven type: without the limit this would overflow the stack.
    assert_eq!(kind_at(from_str::<serde_json::Value>(&deep)), (ErrorKind::DepthLimitExceeded, 128));
    assert_eq!(kind_at(from_str::<IgnoredAny>(&deep)), (ErrorKind::DepthLimitExceeded, 128));
    let body = format!(r#"{{"data": {deep}"#);
    let e = decode_typed::<serde_json::Value>(200, body.as_bytes()).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::DepthLimitExceeded, 9 + 127));
    let nested = format!(r#"{{"data": {}1{}}}"#, "[".repeat(200), "]".repeat(200));
    let decoder = Decoder::new().with_max_depth(201);
    let v = decoder.decode_typed::<serde_json::Value>(200, nested.as_bytes()).unwrap();
    assert!(v.is_success());
    let e = Decoder::new()
        .with_max_depth(200)
        .decode_typed::<serde_json::Value>(200, nested.as_bytes());
    assert_eq!(kind_at(e), (ErrorKind::DepthLimitExceeded, 9 + 199));
    // The two-pass path: the decoder refuses it before the deserializer sees it.
    assert_eq!(decode(200, nested.as_bytes()).unwrap_err().kind(), ErrorKind::DepthLimitExceeded);
}

#[test]
fn errors_point_into_the_body() {
    let body = r#"{"code": "0", "data": {"id": 5}}"#;
    #[derive(Debug, Deserialize, PartialEq)]
    struct Id<'a> {
        #[allow(dead_code)]
        id: &'a str,
    }
    let e = both::<Id<'_>>(body).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::UnexpectedType, body.find('5').unwrap()));
    assert_eq!(e.message(), "invalid type: integer `5`, expected a borrowed string");
    assert_eq!(e.error().offset(), e.offset());
    // `from_raw` on `data` counts from the body too.
    let raw = decode(200, body.as_bytes()).unwrap().into_result().unwrap().data().unwrap();
    assert_eq!(status_core::from_raw::<Id<'_>>(raw).unwrap_err(), e);
}

#[test]
fn a_malformed_body_wins_over_a_type_error_in_one_pass_too() {
    for body in [
        r#"{"data": "text", "x": tru}"#,
        r#"{"data": {"id": 5}, "data": 1}"#,
        r#"{"data": [1, 2, 3, "x"], "code" 0}"#,
        r#"{"data": {"id": [1, 2,]}}"#,
        r#"{"data": 1} x"#,
        r#"["data"]"#,
    ] {
        let typed = decode_typed::<HVec<u8, 2>>(200, body.as_bytes()).unwrap_err();
        let two_pass = decode(200, body.as_bytes()).unwrap_err();
        assert_eq!(typed.error(), two_pass, "{body}");
    }
    let invalid_utf8 = b"{\"data\": [1], \"x\": \"\xff\"}";
    assert_eq!(
        decode_typed::<HVec<u8, 2>>(200, invalid_utf8).unwrap_err().kind(),
        ErrorKind::InvalidUtf8
    );
}

#[test]
fn one_pass_reports_api_errors_as_decode_does() {
    for &(status, body) in status_tests::ALL {
        let typed = decode_typed::<Option<IgnoredAny>>(status, body.as_bytes()).unwrap();
        match decode(status, body.as_bytes()).unwrap() {
            Reply::Error(e) => assert_eq!(typed, TypedReply::Error(e)),
            Reply::Success(ok) => {
                assert_eq!(typed.status(), ok.status());
                assert_eq!(typed.into_result().unwrap().is_some(), ok.data().is_some());
            }
        }
    }
    assert_eq!(decode_typed::<()>(99, b"").unwrap_err().kind(), ErrorKind::InvalidStatus);
}

#[test]
fn numbers_as_strings_helper() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Times {
        #[serde(with = "int_or_string")]
        begin_ms: u64,
        #[serde(with = "int_or_string")]
        expire_at: i64,
        offset: Option<IntOrString<i8>>,
        big: IntOrString<u128>,
    }
    let t: Times = from_str(
        r#"{"begin_ms": "15000", "expire_at": 1775751200314, "offset": "-5", "big": "340282366920938463463374607431768211455"}"#,
    )
    .unwrap();
    assert_eq!(
        t,
        Times {
            begin_ms: 15_000,
            expire_at: 1_775_751_200_314,
            offset: Some(IntOrString(-5)),
            big: IntOrString(u128::MAX)
        }
    );
    // serde_json agrees on the same helper.
    let j: Times =
        serde_json::from_str(r#"{"begin_ms": 15000, "expire_at": "-1", "offset": null, "big": 7}"#)
            .unwrap();
    assert_eq!((j.begin_ms, j.expire_at, j.offset, j.big.0), (15_000, -1, None, 7));
    for bad in [r#""+1""#, r#""01""#, r#"" 1""#, r#""1.0""#, "1.5", r#""256""#, "256", "-1", "true"]
    {
        let r = from_str::<IntOrString<u8>>(bad);
        assert!(
            matches!(
                r.map_err(|e| e.kind()),
                Err(ErrorKind::InvalidValue | ErrorKind::UnexpectedType)
            ),
            "{bad}"
        );
    }
}

#[test]
fn data_error_is_a_serde_error_and_a_std_error() {
    fn takes<E: serde::de::Error + core::error::Error + Copy>(_: E) {}
    let e = from_str::<u8>("x").unwrap_err();
    takes(e);
    assert_eq!(status_core::Error::from(e), e.error());
    assert_eq!(e.kind().as_str(), "expected_value");
}

#[test]
fn with_an_allocator_untagged_and_internally_tagged_enums_work_through_deserialize_any() {
    // These attributes need serde's `alloc` (see the crate docs); where it is there, the
    // deserializer serves them through `deserialize_any`.
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum Id {
        Number(u64),
        Text(String),
    }
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "type")]
    enum Event {
        Clip { idx: u32 },
    }
    assert_eq!(from_str::<Id>("15000"), Ok(Id::Number(15_000)));
    assert_eq!(from_str::<Id>(r#""p\u0031""#), Ok(Id::Text("p1".to_owned())));
    assert_eq!(from_str::<Event>(r#"{"idx": 3, "type": "Clip"}"#), Ok(Event::Clip { idx: 3 }));
    assert_eq!(kind_at(from_str::<Id>("true")).0, ErrorKind::Custom);
}

#[test]
fn raw_json_fields_keep_a_value_for_later_with_its_body_offset() {
    #[derive(Debug, Deserialize)]
    struct Event<'a> {
        kind: &'a str,
        #[serde(borrow)]
        payload: RawJson<'a>,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    struct Progress {
        percent: u8,
    }
    let body = r#"{"data": {"payload": {"percent": 400}, "kind": "progress"}}"#;
    let event: Event<'_> = both_raw(body);
    assert_eq!((event.kind, event.payload.get()), ("progress", r#"{"percent": 400}"#));
    assert_eq!(event.payload.offset(), body.find("{\"percent").unwrap());
    // Errors in the deferred value still point into the body.
    let e = from_raw::<Progress>(event.payload).unwrap_err();
    assert_eq!((e.kind(), e.offset()), (ErrorKind::NumberOutOfRange, body.find("400").unwrap()));
    // Captured values are validated like any other, and honour the depth limit.
    assert_eq!(
        kind_at(from_str::<Event<'_>>(r#"{"kind": "k", "payload": [1,]}"#)),
        (ErrorKind::ExpectedValue, 28)
    );
    let deep = format!(r#"{{"kind": "k", "payload": {}"#, "[".repeat(200));
    assert_eq!(kind_at(from_str::<Event<'_>>(&deep)), (ErrorKind::DepthLimitExceeded, 25 + 127));
    // Only this crate's deserializer can lend raw text.
    assert!(serde_json::from_str::<RawJson<'_>>("1").is_err());
}

/// Deserializes `data` through both paths, which must agree, and keeps the result.
fn both_raw<'a, T: Deserialize<'a> + core::fmt::Debug>(body: &'a str) -> T {
    let one_pass = decode_typed::<T>(200, body.as_bytes()).unwrap().into_result().unwrap();
    let two_pass: T =
        decode(200, body.as_bytes()).unwrap().into_result().unwrap().data_as().unwrap();
    assert_eq!(format!("{one_pass:?}"), format!("{two_pass:?}"));
    two_pass
}
