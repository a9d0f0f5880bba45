//! A body cut short is a truncated transfer, whatever it was cut in the middle of: a 2xx is
//! refused with `UnexpectedEof` at the cut, and any other status keeps that reason.
//! 256 cases; set `PROPTEST_CASES` for more.

use proptest::prelude::*;
use status_core::{decode, ErrorKind, Reply};
use status_tests::ALL;

/// A JSON object body: the specification's, or one holding multi-byte text and escapes.
fn object_body() -> impl Strategy<Value = Vec<u8>> {
    let objects: Vec<Vec<u8>> = ALL
        .iter()
        .map(|(_, b)| b.as_bytes().to_vec())
        .filter(|b| b.first() == Some(&b'{'))
        .collect();
    let awkward = prop::sample::select(vec![
        r#""caf\u00e9 \ud83d\ude00 é 😀 ∑""#,
        "[1, -0.5e+3, true, false, null, {}]",
        r#"{"a": {"b": [[], {"c": "\n"}]}}"#,
        "12345678901234567890e-3",
    ])
    .prop_map(|v| format!(r#"{{"code": "0", "data": {v}, "message": "Succeed"}}"#).into_bytes());
    prop_oneof![prop::sample::select(objects), awkward]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn truncation_is_reported_at_the_cut(original in object_body(), cut in any::<usize>()) {
        let close = original.iter().rposition(|&b| b == b'}').expect("an object");
        let cut = 1 + cut % close;
        let prefix = &original[..cut];
        let shown = String::from_utf8_lossy(prefix);
        let e = match decode(200, prefix) {
            Err(e) => e,
            Ok(reply) => return Err(TestCaseError::fail(format!("{reply:?} for {shown:?}"))),
        };
        prop_assert_eq!((e.kind(), e.offset()), (ErrorKind::UnexpectedEof, cut), "{:?}", shown);
        // The status wins for an error reply, with the same reason.
        let Ok(Reply::Error(err)) = decode(500, prefix) else {
            return Err(TestCaseError::fail("a 500 must decode to an ApiError"));
        };
        prop_assert_eq!(err.unrecognized_reason(), Some(e));
    }
}
