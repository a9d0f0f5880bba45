//! Arbitrary damage to valid bodies (truncation, byte flips, insertions, deletions) never
//! makes the decoder panic, and every error it reports points inside the body.
//!
//! The damaged bodies go through the fuzz targets' properties (`status_tests::fuzz`), which
//! check far more than the absence of a panic. 256 cases per property; set `PROPTEST_CASES`
//! for more.

use proptest::prelude::*;
use status_tests::{fuzz, ALL};

/// One of the specification's bodies, or a small envelope around an awkward value.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let examples =
        prop::sample::select(ALL.iter().map(|(_, b)| b.as_bytes().to_vec()).collect::<Vec<_>>());
    let awkward = prop::sample::select(vec![
        r#""caf\u00e9 \ud83d\ude00 é 😀""#,
        "[1, -0.5e+3, true, false, null, {}]",
        r#"{"a": {"b": [[], {"c": "\n"}]}}"#,
        "12345678901234567890e-3",
    ])
    .prop_map(|v| format!(r#"{{"code": "0", "data": {v}, "message": "Succeed"}}"#).into_bytes());
    prop_oneof![3 => examples, 1 => awkward]
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let interesting = prop::sample::select(
        b"{}[]:,\"\\ \n0-.eEtfnu\x00\x1f\x7f\x80\xc3\xed\xef\xbb\xbf\xff".to_vec(),
    );
    let bytes = prop::collection::vec(prop_oneof![interesting, any::<u8>()], 1..4);
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1u8..).prop_map(|(at, x)| Mutation::Flip(at, x)),
        (any::<usize>(), bytes).prop_map(|(at, b)| Mutation::Insert(at, b)),
        (any::<usize>(), 1usize..8).prop_map(|(at, n)| Mutation::Delete(at, n)),
    ]
}

fn apply(body: &mut Vec<u8>, m: &Mutation) {
    let len = body.len();
    match *m {
        Mutation::Truncate(at) => body.truncate(at % (len + 1)),
        Mutation::Flip(at, x) if len > 0 => body[at % len] ^= x,
        Mutation::Insert(at, ref bytes) => {
            let at = at % (len + 1);
            body.splice(at..at, bytes.iter().copied());
        }
        Mutation::Delete(at, n) if len > 0 => {
            let at = at % len;
            body.drain(at..(at + n).min(len));
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any damage, under any status: the properties of the `decode` and `differential`
    /// targets hold (no panic, offsets inside the body, agreement with serde_json).
    #[test]
    fn damaged_bodies_are_handled(
        original in body(),
        mutations in prop::collection::vec(mutation(), 1..4),
        status in prop::sample::select(vec![200u16, 204, 400, 403, 429, 500, 502, 404, 999]),
    ) {
        let mut damaged = original;
        for m in &mutations {
            apply(&mut damaged, m);
        }
        let mut input = status.to_be_bytes().to_vec();
        input.extend_from_slice(&damaged);
        fuzz::decode(&input);
        fuzz::differential(&damaged);
    }
}
