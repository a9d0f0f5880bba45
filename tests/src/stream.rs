//! The streaming decoder held to `decode`: both verdicts in one owned form, and the ways of
//! cutting a body into chunks that the tests and the `stream` fuzz target use.

use std::string::String;
use std::vec::Vec;

use status_core::stream::{
    ErrorText, Events, Field, Outcome, PushDecoder, StreamShape, StreamedError,
};
use status_core::stream::{ItemPath, OnItem};
use status_core::{decode, ErrorKind, ErrorShape, JsonType, RawJson, Reply};

/// A verdict both paths can give, owned, for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// A 2xx with a valid body, and the bytes of `data` when it had one.
    Success(Option<Vec<u8>>),
    /// A malformed 2xx body.
    Malformed(status_core::Error),
    /// Any other status: the shape, the string fields decoded (message, trace_id, timestamp,
    /// error, path) and the body's status.
    Api {
        /// The shape (or why none).
        shape: StreamShape,
        /// The string fields, decoded: message, trace_id, timestamp, error, path.
        fields: [Option<String>; 5],
        /// The body's `status`.
        body_status: Option<u16>,
    },
}

/// `decode`'s verdict.
pub fn expected(status: u16, body: &[u8]) -> Seen {
    match decode(status, body) {
        Ok(Reply::Success(ok)) => Seen::Success(ok.data().map(|d| d.as_bytes().to_vec())),
        Err(e) => Seen::Malformed(e),
        Ok(Reply::Error(e)) => {
            let f = e.fields();
            let fields = [f.message, f.trace_id, f.timestamp, f.error_name, f.path]
                .map(|s| s.map(|s| s.to_string()));
            let shape = match e.shape() {
                ErrorShape::Message(_) => StreamShape::Message,
                ErrorShape::Gateway(_) => StreamShape::Gateway,
                ErrorShape::Unrecognized(r) => StreamShape::Unrecognized(r),
            };
            Seen::Api { shape, fields, body_status: e.body_status() }
        }
    }
}

/// The fields' buffer size the tests collect into: larger than any test body's fields.
pub const FIELD_CAPACITY: usize = 8192;

/// Events the tests collect: `data` reassembled, the error fields, the call count.
#[derive(Default)]
pub struct Collected {
    /// `data`, from the pass-through bytes.
    pub data: Vec<u8>,
    /// The error fields.
    pub text: ErrorText<FIELD_CAPACITY>,
}

impl Events for Collected {
    fn data(&mut self, bytes: &[u8]) {
        assert!(!bytes.is_empty(), "an empty data piece");
        self.data.extend_from_slice(bytes);
    }
    fn field_start(&mut self, f: Field) {
        self.text.field_start(f);
    }
    fn field_text(&mut self, f: Field, t: &str) {
        self.text.field_text(f, t);
    }
    fn field_end(&mut self, f: Field) {
        self.text.field_end(f);
    }
}

/// The verdict from a finished stream and what it told.
pub fn seen(outcome: Result<Outcome, status_core::Error>, got: Collected) -> Seen {
    match outcome {
        Err(e) => Seen::Malformed(e),
        Ok(Outcome::Success { has_data, .. }) => Seen::Success(has_data.then_some(got.data)),
        Ok(Outcome::Error(e)) => api(&e, &got.text),
    }
}

fn api(e: &StreamedError, text: &ErrorText<FIELD_CAPACITY>) -> Seen {
    let get = |f| {
        text.get(f).map(|t| {
            assert!(!t.is_cut(), "a test field was cut");
            String::from(t.as_str())
        })
    };
    Seen::Api {
        shape: e.shape(),
        fields: [
            get(Field::Message),
            get(Field::TraceId),
            get(Field::Timestamp),
            get(Field::Error),
            get(Field::Path),
        ],
        body_status: e.body_status(),
    }
}

/// Whether an error of this kind is reported at the byte that decides it, so that the chunk
/// holding that byte must be the one to raise it. The others point back to what they are
/// about (a duplicate key's first byte, an escape's backslash, the start of bad UTF-8).
fn decided_at_its_offset(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::ExpectedValue
            | ErrorKind::ExpectedKey
            | ErrorKind::ExpectedColon
            | ErrorKind::ExpectedCommaOrEnd
            | ErrorKind::TrailingCharacters
            | ErrorKind::InvalidNumber
            | ErrorKind::InvalidLiteral
            | ErrorKind::ControlCharacter
            | ErrorKind::DepthLimitExceeded
    )
}

/// Streams `body` in the chunks that `cuts` (ascending offsets) make, and checks that an
/// error is raised by the chunk that holds its byte (a byte above 0x7F may wait up to three
/// more bytes, which tell whether it starts a valid character).
pub fn streamed(status: u16, body: &[u8], cuts: &[usize]) -> Seen {
    let mut dec = PushDecoder::new(status).expect("a valid status");
    let mut got = Collected::default();
    let mut from = 0;
    for &to in cuts.iter().chain([body.len()].iter()) {
        let to = to.clamp(from, body.len());
        if let Err(e) = dec.feed(&body[from..to], &mut got) {
            let at = e.offset();
            assert!(at < to, "{e} raised by the chunk {from}..{to}, before its byte");
            if decided_at_its_offset(e.kind()) {
                let late = body[at] >= 0x80 && from <= at + 3;
                assert!(at >= from || late, "{e} raised late, by the chunk {from}..{to}");
            }
            // Every later call says the same.
            assert_eq!(dec.feed(b" ", &mut ()), Err(e));
            return Seen::Malformed(e);
        }
        from = to;
    }
    seen(dec.finish(), got)
}

/// When `data` of a 2xx body is an array: its elements streamed as items (through a window as
/// large as the body) are the elements whole-body `decode` and `from_raw` give, text and
/// offset.
pub fn items_agree(status: u16, body: &[u8], cuts: &[usize]) {
    let Ok(Reply::Success(ok)) = decode(status, body) else { return };
    let Some(data) = ok.data().filter(|d| d.json_type() == JsonType::Array) else { return };
    let Ok(want) = status_core::from_raw::<Vec<RawJson<'_>>>(data) else { return };
    let want: Vec<(String, usize)> =
        want.iter().map(|i| (i.get().to_owned(), i.offset())).collect();
    let mut dec = PushDecoder::new(status).unwrap().with_items(ItemPath::new(&[]).unwrap());
    let mut window = vec![0u8; body.len()];
    let mut got = Vec::new();
    let mut events = OnItem(|i: RawJson<'_>| got.push((i.get().to_owned(), i.offset())));
    let mut from = 0;
    for &to in cuts.iter().chain([body.len()].iter()) {
        let to = to.clamp(from, body.len());
        dec.feed_items(&body[from..to], &mut window, &mut events).expect("a valid body");
        from = to;
    }
    assert!(dec.finish().is_ok());
    assert_eq!(got, want, "items of {:?}", String::from_utf8_lossy(body));
}

/// The cuts that make chunks of `size` bytes.
pub fn even_cuts(len: usize, size: usize) -> Vec<usize> {
    (1..).map(|k| k * size).take_while(|&c| c < len).collect()
}

/// The chunk sizes every body is streamed in.
pub fn chunk_sizes() -> impl Iterator<Item = usize> {
    (1..=64).chain([4096])
}

/// Streams `body` in every chunk size of [`chunk_sizes`] and every two-way split (every
/// `split_step`-th, when the body is long), each time against `decode`.
pub fn check(status: u16, body: &[u8], split_step: usize) {
    let want = expected(status, body);
    let show = || format!("{status} {:?}", String::from_utf8_lossy(body));
    for size in chunk_sizes() {
        let cuts = even_cuts(body.len(), size);
        let got = streamed(status, body, &cuts);
        assert_eq!(got, want, "{} in chunks of {size}", show());
        items_agree(status, body, &cuts);
    }
    if body.len() <= 4096 {
        for at in (0..=body.len()).step_by(split_step.max(1)) {
            let got = streamed(status, body, &[at]);
            assert_eq!(got, want, "{} split at {at}", show());
        }
    }
}
