//! Reading an error body into an [`ApiError`]: the documented bodies in one pass, any other
//! through the envelope walk, with the documented fields collected as it passes.

use crate::api_error::{ApiError, ErrorFields, ShapeKind};
#[cfg_attr(feature = "small", allow(unused_imports))]
use crate::documented::{self, Read};
use crate::envelope::{self, EachMember, Known, Member, Outline};
use crate::error::{Error, ErrorKind};
use crate::json_str::JsonStr;
use crate::raw::RawJson;
use crate::scan::Text;
use crate::status::Expect;

/// The reply for a status outside 2xx: the status wins over the body, whatever it holds.
// Not inlined: the reply is then built where `decode` returns it.
#[inline(never)]
pub(crate) fn read(status: u16, body: &[u8], max_depth: usize) -> ApiError<'_> {
    let expect = Expect::for_status(status);
    // The documented bodies as the API writes them take a one-pass path, their fields in other
    // orders and other small flat objects another; every other body, the general scan, which
    // gives the same answer for those. The `small` feature leaves both one-pass paths out.
    #[cfg(not(feature = "small"))]
    {
        let mut fields = ErrorFields::default();
        let read = match expect {
            Expect::Message => match documented::message(body, max_depth, &mut fields) {
                Read::Documented(s) => {
                    let fields = ErrorFields {
                        message: Some(s.get(0)),
                        trace_id: Some(s.get(1)),
                        ..ErrorFields::default()
                    };
                    return ApiError::new(status, body, fields, ShapeKind::Message);
                }
                other => matches!(other, Read::AnyOrder),
            },
            Expect::Gateway => match documented::gateway(body, max_depth, &mut fields) {
                Read::Documented((s, body_status)) => {
                    let fields = ErrorFields {
                        timestamp: Some(s.get(0)),
                        status: Some(body_status),
                        error_name: Some(s.get(1)),
                        path: Some(s.get(2)),
                        ..ErrorFields::default()
                    };
                    return ApiError::new(status, body, fields, ShapeKind::Gateway);
                }
                other => matches!(other, Read::AnyOrder),
            },
            _ => documented::any_order(body, max_depth, &mut fields),
        };
        if let Some(shape) = read.then(|| shaped(&fields, expect)).flatten() {
            return ApiError::new(status, body, fields, shape);
        }
    }
    general(status, body, max_depth, expect)
}

/// The shape the fields an any-order reading found make, when they make the one the status
/// promises (either shape for an undocumented status, the message shape first, as
/// [`Found::shape`] judges); `None` when a field is missing, and the general scan, which
/// gives the same answer for these bodies, says which and where.
#[cfg_attr(feature = "small", allow(dead_code))]
fn shaped(f: &ErrorFields<'_>, expect: Expect) -> Option<ShapeKind> {
    let message = f.message.is_some() && f.trace_id.is_some();
    let gateway =
        f.timestamp.is_some() && f.status.is_some() && f.error_name.is_some() && f.path.is_some();
    match expect {
        Expect::Message if message => Some(ShapeKind::Message),
        Expect::Gateway if gateway => Some(ShapeKind::Gateway),
        Expect::AnyError if message => Some(ShapeKind::Message),
        Expect::AnyError if gateway => Some(ShapeKind::Gateway),
        _ => None,
    }
}

/// Reads an error body of any form: the envelope walk, collecting the documented fields.
#[inline(never)]
fn general<'a>(status: u16, body: &'a [u8], max_depth: usize, expect: Expect) -> ApiError<'a> {
    let mut found = Found::default();
    let scanned = Text::new(body).and_then(|text| {
        let mut take = |m: Member<'a>| found.take(m);
        // With `small`, one copy of the walk serves this and `Decoder::success`.
        #[cfg(feature = "small")]
        let mut take: &mut dyn FnMut(Member<'a>) = &mut take;
        let mut collect = EachMember(&mut take);
        text.settle(envelope::walk(text.text, max_depth, &mut collect))
    });
    let unrecognized = |kind, offset| ShapeKind::Unrecognized(Error::new(kind, offset));
    let shape = match scanned {
        Err(reason) => ShapeKind::Unrecognized(reason),
        Ok(Outline::Empty) => unrecognized(ErrorKind::EmptyBody, body.len()),
        Ok(Outline::NotObject { offset }) => unrecognized(ErrorKind::ExpectedObject, offset),
        Ok(Outline::Object { close }) => found.shape(expect, close),
    };
    ApiError::new(status, body, found.fields(), shape)
}

/// A field as seen while scanning: absent, present with the right type, or wrong.
#[derive(Clone, Copy, Default)]
enum Slot<T> {
    #[default]
    Absent,
    Found(T),
    Invalid(Error),
}

impl<T: Copy> Slot<T> {
    fn ok(&self) -> Option<T> {
        match *self {
            Self::Found(v) => Some(v),
            _ => None,
        }
    }

    fn require(&self, close: usize) -> Result<T, Error> {
        match *self {
            Self::Found(v) => Ok(v),
            Self::Absent => Err(Error::new(ErrorKind::MissingField, close)),
            Self::Invalid(e) => Err(e),
        }
    }

    fn is_present(&self) -> bool {
        !matches!(self, Self::Absent)
    }
}

#[derive(Default)]
struct Found<'a> {
    message: Slot<JsonStr<'a>>,
    trace_id: Slot<JsonStr<'a>>,
    timestamp: Slot<JsonStr<'a>>,
    status: Slot<u16>,
    error: Slot<JsonStr<'a>>,
    path: Slot<JsonStr<'a>>,
}

impl<'a> Found<'a> {
    fn take(&mut self, m: Member<'a>) {
        let Some(field) = m.known else { return };
        let wrong = |kind| Error::new(kind, m.value_offset);
        let string = m.string.map_or(Slot::Invalid(wrong(ErrorKind::UnexpectedType)), Slot::Found);
        match field {
            Known::Data => {}
            Known::Message => self.message = string,
            Known::TraceId => self.trace_id = string,
            Known::Timestamp => self.timestamp = string,
            Known::Error => self.error = string,
            Known::Path => self.path = string,
            Known::Status => {
                let raw = RawJson::from_validated(m.value, m.value_offset);
                self.status = match raw.as_u64() {
                    Some(s @ 100..=999) => Slot::Found(s as u16),
                    // Any other integer is a number of the right type, just not a status.
                    _ if m.value.bytes().all(|b| b.is_ascii_digit()) => {
                        Slot::Invalid(wrong(ErrorKind::InvalidStatus))
                    }
                    _ => Slot::Invalid(wrong(ErrorKind::UnexpectedType)),
                };
            }
        }
    }

    fn fields(&self) -> ErrorFields<'a> {
        ErrorFields {
            message: self.message.ok(),
            trace_id: self.trace_id.ok(),
            timestamp: self.timestamp.ok(),
            status: self.status.ok(),
            error_name: self.error.ok(),
            path: self.path.ok(),
        }
    }

    fn message_shape(&self, close: usize) -> Result<ShapeKind, Error> {
        self.message.require(close)?;
        self.trace_id.require(close)?;
        Ok(ShapeKind::Message)
    }

    fn gateway_shape(&self, close: usize) -> Result<ShapeKind, Error> {
        self.timestamp.require(close)?;
        self.status.require(close)?;
        self.error.require(close)?;
        self.path.require(close)?;
        Ok(ShapeKind::Gateway)
    }

    /// The shape the body has, judged by what the status promises.
    fn shape(&self, expect: Expect, close: usize) -> ShapeKind {
        let result = match expect {
            Expect::Message => self.message_shape(close),
            Expect::Gateway => self.gateway_shape(close),
            // Undocumented statuses take either shape; when neither fits, explain by the one
            // the body came closer to.
            _ => self.message_shape(close).or_else(|m| {
                self.gateway_shape(close).map_err(|g| {
                    let count = |f: &[bool]| f.iter().filter(|&&p| p).count();
                    let message_fields =
                        count(&[self.message.is_present(), self.trace_id.is_present()]);
                    let gateway_fields = count(&[
                        self.timestamp.is_present(),
                        self.status.is_present(),
                        self.error.is_present(),
                        self.path.is_present(),
                    ]);
                    if gateway_fields > message_fields {
                        g
                    } else {
                        m
                    }
                })
            }),
        };
        result.unwrap_or_else(ShapeKind::Unrecognized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{decode, Decoder, Reply};
    use std::string::String;
    use std::vec::Vec;

    const MESSAGE: &[u8] =
        b"{\n  \"message\": \"the error message\",\n  \"trace_id\": \"the_trace_id\"\n}";
    const COMPACT_MESSAGE: &[u8] =
        r#"{"message":"caf\u00e9, \"quoted\", d\u00fc\u00f1\uD83D\uDE00 ünï","trace_id":"t-1"}"#
            .as_bytes();
    const GATEWAY: &[u8] = b"{\n  \"timestamp\": \"2026-03-13T07:58:46.156+00:00\",\n  \"status\": 403,\n  \"error\": \"Forbidden\",\n  \"path\": \"/api/v2/clips\"\n}";
    const COMPACT_GATEWAY: &[u8] = br#"{"timestamp":"2026-03-10T15:52:01.610+00:00","status":429,"error":"Too Many Requests","path":"\/api\/v2\/clips"}"#;

    /// The raw text and escape flag of each string field (`JsonStr`'s `==` compares decoded
    /// text only).
    fn raw_strings<'a>(e: &ApiError<'a>) -> [Option<(&'a str, bool)>; 5] {
        let f = e.fields();
        [f.message, f.trace_id, f.timestamp, f.error_name, f.path]
            .map(|s| s.map(|s| (s.raw(), s.has_escapes())))
    }

    /// Holds `decode` to the general scan on `body`; tells whether the one-pass path read it.
    fn agrees(status: u16, body: &[u8]) -> bool {
        let expect = Expect::for_status(status);
        let general = general(status, body, Decoder::DEFAULT_MAX_DEPTH, expect);
        let got = decode(status, body);
        let lossy = || String::from_utf8_lossy(body);
        assert_eq!(got, Ok(Reply::Error(general)), "{status} {:?}", lossy());
        if let Ok(Reply::Error(e)) = got {
            assert_eq!(raw_strings(&e), raw_strings(&general), "{status} {:?}", lossy());
            assert_eq!(e.shape(), general.shape(), "{status} {:?}", lossy());
        }
        let depth = Decoder::DEFAULT_MAX_DEPTH;
        let documented = match expect {
            Expect::Message => {
                !matches!(documented::message(body, depth, &mut Default::default()), Read::Neither)
            }
            Expect::Gateway => {
                !matches!(documented::gateway(body, depth, &mut Default::default()), Read::Neither)
            }
            Expect::Success | Expect::AnyError => false,
        };
        documented || documented::any_order(body, depth, &mut Default::default())
    }

    /// The documented fields in other orders and layouts, and with keys besides them.
    const OTHER_ORDERS: [&[u8]; 10] = [
        b"{\n  \"trace_id\": \"the_trace_id\",\n  \"message\": \"the error message\"\n}",
        br#"{"message":"m","code":40012,"trace_id":"t","extra":[1,{"a":null}]}"#,
        b"{\r\n\t\"status\" : 429,\r\n\t\"timestamp\" : \"2026-03-10T15:52:01.610+00:00\",\r\n\t\"path\" : \"/p\",\r\n\t\"error\" : \"Too \\u004dany\"\r\n}",
        br#"{"path":"/api/v2/clips","error":"Forbidden","status":403,"timestamp":"2026-03-13T07:58:46.156+00:00","retry_after":"30"}"#,
        br#"{"status":403,"message":"m","trace_id":"7","path":"x","error":"e","timestamp":"t"}"#,
        // Text beyond ASCII, and extra values of every scalar kind.
        "{\"message\": \"caf\u{e9} \\u00e9\", \"ok\": true, \"no\": false, \"n\": null, \"trace_id\": \"\u{1f600}\"}"
            .as_bytes(),
        "{\"cl\u{e9}\": -1.5e3, \"trace_id\": \"t\", \"x\": 0, \"message\": \"m\"}".as_bytes(),
        // Integers of every form, and a number that is not one, as extra values.
        br#"{"n":-0,"message":"m","big":123456789012345678901234567890,"z":0,"trace_id":"t","f":-10.0e-1}"#,
        // The documented order left part way: the fields read before go on with the rest.
        b"{\n  \"timestamp\": \"2026-03-10T15:52:01.610+00:00\",\n  \"status\": 429,\n  \"error\": \"Too Many Requests\",\n  \"retry_after\": \"30\",\n  \"path\": \"/p\"\n}",
        br#"{"timestamp":"t","status":403,"path":"/p","error":"e"}"#,
    ];

    #[test]
    fn other_orders_and_extra_keys_are_read_in_one_pass() {
        for body in OTHER_ORDERS {
            for status in [400, 403, 404, 429, 500] {
                assert!(agrees(status, body), "{status} {:?}", String::from_utf8_lossy(body));
            }
        }
        // Many other keys, repeated ones among them, are read in one pass too.
        let body = br#"{"a":1,"b":2,"c":3,"d":4,"e":5,"message":"m","a":{},"trace_id":"t","a":6}"#;
        assert!(agrees(400, body));
        // Repeated fields (`data` too), escaped keys, fields of other types: the general
        // scan's.
        for body in [
            &br#"{"status":4030,"message":"m","trace_id":"t","path":"x","error":"e"}"#[..],
            br#"{"message":"m","trace_id":7}"#,
            &br#"{"message":"m","trace_id":"t","message":"m"}"#[..],
            br#"{"data":1,"message":"m","trace_id":"t","data":2}"#,
            br#"{"mess\u0061ge":"m","trace_id":"t"}"#,
            br#"{"timestamp":"t","status":403,"timestamp":"t","error":"e","path":"p"}"#,
            br#"{"timestamp":"t","status":403,"error":"e","status":403,"path":"p"}"#,
        ] {
            for status in [400, 403] {
                assert!(!agrees(status, body), "{status} {:?}", String::from_utf8_lossy(body));
            }
        }
    }

    #[test]
    fn the_one_pass_path_agrees_with_the_general_scan() {
        let bodies = [MESSAGE, COMPACT_MESSAGE, GATEWAY, COMPACT_GATEWAY];
        for (body, status) in bodies.into_iter().zip([400, 500, 403, 429]) {
            assert!(agrees(status, body), "the one-pass path reads the documented body");
        }
        let bodies = [&bodies[..], &OTHER_ORDERS[..]].concat();
        // Every byte that matters somewhere in a body, put everywhere: the one-pass path
        // must refuse what it cannot read exactly as the general scan would.
        let bytes: &[u8] = if cfg!(miri) {
            b" \"\\}9"
        } else {
            b" \t\n\"\\{}[],:09-.eEu/\x00\x1f\x80\xc3\xef\xff"
        };
        // Miri checks a sample of the places, under two statuses.
        let (step, statuses): (usize, &[u16]) =
            if cfg!(miri) { (41, &[400, 403]) } else { (1, &[400, 403, 404, 429, 500]) };
        let (mut read, mut total) = (0, 0);
        for &body in &bodies {
            let mut variants: Vec<Vec<u8>> = Vec::new();
            for at in (0..=body.len()).step_by(step) {
                variants.push(body[..at].to_vec());
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
            }
            for variant in &variants {
                for &status in statuses {
                    read += usize::from(agrees(status, variant));
                    total += 1;
                }
            }
        }
        // Whitespace, other text in strings and other digits keep the one-pass path.
        assert!(read * 10 > total, "the one-pass path read {read} of {total} variants");
    }
}
