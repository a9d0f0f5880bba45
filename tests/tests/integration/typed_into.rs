//! `decode_typed_into` gives what `decode_typed` gives, writing `data` into the caller's slot:
//! the same replies, the same errors at the same offsets, and a slot that is `Some` exactly on
//! success (emptied when the body is refused or the reply is an error). So does
//! `decode_typed_in_place`, into a type derived with serde's in-place deserialization.

use heapless::Vec as HVec;
use serde::Deserialize;
use status_core::de::{decode_typed_into, InPlaceVec};
use status_core::{decode_typed, Decoder, ErrorKind, TypedReply};

#[derive(Debug, Deserialize, PartialEq)]
struct Clip<'a> {
    idx: u32,
    title: &'a str,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Results<'a, const N: usize> {
    id: &'a str,
    #[serde(borrow)]
    clips: HVec<Clip<'a>, N>,
}

/// `Results` whose list is filled where it stands (serde_derive's `deserialize_in_place`
/// feature is on for this crate).
#[derive(Debug, Deserialize, PartialEq, Default)]
struct ResultsInPlace<'a, const N: usize> {
    id: &'a str,
    #[serde(borrow)]
    clips: InPlaceVec<Clip<'a>, N>,
}

const BODIES: &[(u16, &[u8])] = &[
    (200, br#"{"data": {"id": "p1", "clips": [{"idx": 0, "title": "a"}, {"idx": 1, "title": "b"}]}}"#),
    (200, br#"{"code": "0", "data": {"id": "p1", "clips": []}, "message": "ok"}"#),
    // `data` of the wrong shape, then a syntax error behind it: the syntax error wins.
    (200, br#"{"data": {"id": 1, "clips": []}, "x": [1,}"#),
    (200, br#"{"data": {"id": 1, "clips": []}}"#),
    (200, br#"{"data": {"id": "p", "clips": [{"idx": 0, "title": "a"}, {"idx": 1, "title": "b"}, {"idx": 2, "title": "c"}]}}"#),
    (200, br#"{"data": {"id": "p", "clips": []}, "data": 1}"#),
    (200, br#"{"data": {"id": "p", "clips": []}"#),
    (200, br#"{"other": 1}"#),
    (200, b""),
    (200, b"[1]"),
    (200, b"{\"data\": {\"id\": \"p\", \"clips\": []}} \xff"),
    (400, br#"{"message": "m", "trace_id": "t"}"#),
    (502, b"<html></html>"),
    (42, b"{}"),
];

#[test]
fn into_the_slot_agrees_with_decode_typed() {
    for &(status, body) in BODIES {
        // A slot that held a value before: it must not survive a failure.
        let mut slot = Some(Results::<'_, 2> { id: "stale", clips: HVec::new() });
        let into = decode_typed_into::<Results<'_, 2>>(status, body, &mut slot);
        let by_value = decode_typed::<Results<'_, 2>>(status, body);
        let lossy = String::from_utf8_lossy(body);
        match (&into, &by_value) {
            (
                Ok(TypedReply::Success { status: a, .. }),
                Ok(TypedReply::Success { status: b, data }),
            ) => {
                assert_eq!(a, b, "{lossy}");
                assert_eq!(slot.as_ref(), Some(data), "{lossy}");
            }
            (Ok(TypedReply::Error(a)), Ok(TypedReply::Error(b))) => {
                assert_eq!(a, b, "{lossy}");
                assert!(slot.is_none(), "{lossy}");
            }
            (Err(a), Err(b)) => {
                assert_eq!(a, b, "{lossy}");
                assert!(slot.is_none(), "{lossy}");
            }
            _ => panic!("{lossy}: {into:?} against {by_value:?}"),
        }
    }
}

#[test]
fn a_large_capacity_is_filled_in_place() {
    let body = br#"{"data": {"id": "p1", "clips": [{"idx": 7, "title": "x"}]}}"#;
    let mut slot = None;
    let reply = Decoder::new().decode_typed_into::<Results<'_, 512>>(200, body, &mut slot);
    assert!(matches!(reply, Ok(TypedReply::Success { status: 200, .. })));
    let results = slot.as_ref().expect("filled on success");
    assert_eq!((results.id, results.clips.len()), ("p1", 1));
    assert_eq!(results.clips[0], Clip { idx: 7, title: "x" });
    // A type error is reported as `decode_typed` reports it, with its offset.
    let e = decode_typed_into::<Results<'_, 512>>(200, br#"{"data": {"id": 5}}"#, &mut slot)
        .unwrap_err();
    assert_eq!((e.kind(), e.offset(), slot.is_none()), (ErrorKind::UnexpectedType, 16, true));
}

#[test]
fn in_place_agrees_with_decode_typed() {
    for &(status, body) in BODIES {
        // A place that held a value before: on success nothing of it may remain.
        let mut place = ResultsInPlace::<'_, 2> { id: "stale", clips: InPlaceVec::new() };
        place.clips.push(Clip { idx: 99, title: "stale" }).unwrap();
        let in_place = Decoder::new().decode_typed_in_place(status, body, &mut place);
        let by_value = decode_typed::<Results<'_, 2>>(status, body);
        let lossy = String::from_utf8_lossy(body);
        match (&in_place, &by_value) {
            (
                Ok(TypedReply::Success { status: a, .. }),
                Ok(TypedReply::Success { status: b, data }),
            ) => {
                assert_eq!(a, b, "{lossy}");
                assert_eq!((place.id, &*place.clips), (data.id, &data.clips), "{lossy}");
            }
            (Ok(TypedReply::Error(a)), Ok(TypedReply::Error(b))) => assert_eq!(a, b, "{lossy}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{lossy}"),
            _ => panic!("{lossy}: {in_place:?} against {by_value:?}"),
        }
    }
}

#[test]
fn in_place_fills_a_large_list_and_refuses_one_item_too_many() {
    let body =
        br#"{"data": {"id": "p1", "clips": [{"idx": 7, "title": "x"}, {"idx": 8, "title": "y"}]}}"#;
    let mut place = ResultsInPlace::<'_, 2048>::default();
    let reply = Decoder::new().decode_typed_in_place(200, body, &mut place);
    assert!(matches!(reply, Ok(TypedReply::Success { status: 200, .. })));
    assert_eq!(place.id, "p1");
    assert_eq!(&place.clips[..], [Clip { idx: 7, title: "x" }, Clip { idx: 8, title: "y" }]);
    // Room for one: the second clip is refused where the list is, as by value.
    let mut small = ResultsInPlace::<'_, 1>::default();
    let e = Decoder::new().decode_typed_in_place(200, body, &mut small).unwrap_err();
    let by_value = decode_typed::<Results<'_, 1>>(200, body).unwrap_err();
    assert_eq!(e, by_value);
    assert_eq!((e.kind(), e.offset()), (ErrorKind::InvalidLength, 31));
}
