//! Decoding a reply as its bytes arrive: a sans-IO push decoder with `decode`'s verdict.
//!
//! A [`PushDecoder`] is made from the status (and a [`Decoder`]'s nesting limit), fed the
//! body in chunks of any size, and finished at the end of the body. It consumes every chunk
//! whole, keeps no byte of the body (a character, escape, number or literal split between
//! chunks is carried in its state), and tells the caller what passes through [`Events`]:
//! the bytes of `data` for a 2xx, the documented fields of an error body, and, with an
//! [`ItemPath`], each element of an array inside `data` once it is complete in the caller's
//! window.
//!
//! The verdict is `decode`'s: the same acceptance, the same [`ErrorKind`] at the same offset,
//! from the call whose chunk holds the byte at fault. Only what needs the end of the body
//! waits for [`PushDecoder::finish`]: a truncation, a number at the very end, a top-level value
//! that is not an object, the shape of an error body. One more case waits for the next
//! bytes: a byte above 0x7F where the grammar allows none is a grammar error if it starts a
//! valid character and a UTF-8 error if not, which its (at most three) following bytes tell.

mod machine;

#[cfg(feature = "heapless")]
mod collect;
mod io;

use crate::envelope::Known;
use crate::error::{Error, ErrorKind};
use crate::raw::RawJson;
use crate::reply::Decoder;
use crate::status::Expect;
use machine::{ErrorShapeKind, Io, Machine, Verdict};

#[cfg(feature = "heapless")]
pub use collect::{ErrorText, FieldText};
#[cfg(feature = "embedded-io-async")]
pub use io::decode_async;
pub use io::ReadError;
#[cfg(feature = "embedded-io")]
pub use io::{decode_buf_read, decode_read};

/// A documented field of an error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `message` (400/500 shape).
    Message,
    /// `trace_id` (400/500 shape).
    TraceId,
    /// `timestamp` (403/429 shape).
    Timestamp,
    /// `status` (403/429 shape): a number, reported by [`StreamedError::body_status`].
    Status,
    /// `error` (403/429 shape): the name of the status.
    Error,
    /// `path` (403/429 shape).
    Path,
}

impl Field {
    /// The key that names it.
    pub const fn key(self) -> &'static str {
        self.known().name()
    }

    /// The top-level key it is read from.
    const fn known(self) -> Known {
        match self {
            Self::Message => Known::Message,
            Self::TraceId => Known::TraceId,
            Self::Timestamp => Known::Timestamp,
            Self::Status => Known::Status,
            Self::Error => Known::Error,
            Self::Path => Known::Path,
        }
    }

    /// The field a top-level key of an error body gives (none for `data`).
    pub(crate) const fn of(key: Known) -> Option<Self> {
        Some(match key {
            Known::Message => Self::Message,
            Known::TraceId => Self::TraceId,
            Known::Timestamp => Self::Timestamp,
            Known::Status => Self::Status,
            Known::Error => Self::Error,
            Known::Path => Self::Path,
            Known::Data => return None,
        })
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

/// What a [`PushDecoder`] tells as the bytes pass. Every method does nothing by default.
///
/// The calls come in body order. Bytes handed over belong to a body that is valid so far;
/// the body is valid only once [`PushDecoder::finish`] says so, so a caller that forwards
/// `data` must be ready to discard what it forwarded when a later byte fails.
pub trait Events {
    /// The next bytes of `data` (2xx only), byte-exact: all the calls together are the
    /// `data` value as written, as [`Success::data`](crate::Success::data) would give it.
    fn data(&mut self, bytes: &[u8]) {
        let _ = bytes;
    }

    /// A documented string field of an error body begins (non-2xx only).
    fn field_start(&mut self, field: Field) {
        let _ = field;
    }

    /// The next piece of the field's text, decoded (escapes resolved). A piece may be cut
    /// anywhere between characters.
    fn field_text(&mut self, field: Field, text: &str) {
        let _ = (field, text);
    }

    /// The field's string is complete: it counts as present, as it would for `decode`. A
    /// field that started and never ended (the body failed inside it) does not.
    fn field_end(&mut self, field: Field) {
        let _ = field;
    }

    /// An element of the array at the [`ItemPath`], complete and validated, as written; it
    /// lives in the caller's window until the next call, ready for
    /// [`from_raw`](crate::from_raw) (feature `serde`).
    fn item(&mut self, item: RawJson<'_>) {
        let _ = item;
    }
}

/// Validation only.
impl Events for () {}

impl<E: Events + ?Sized> Events for &mut E {
    fn data(&mut self, bytes: &[u8]) {
        (**self).data(bytes);
    }
    fn field_start(&mut self, field: Field) {
        (**self).field_start(field);
    }
    fn field_text(&mut self, field: Field, text: &str) {
        (**self).field_text(field, text);
    }
    fn field_end(&mut self, field: Field) {
        (**self).field_end(field);
    }
    fn item(&mut self, item: RawJson<'_>) {
        (**self).item(item);
    }
}

/// [`Events`] that hands `data`'s bytes to a closure (to a file, a socket, a hash).
pub struct OnData<F>(pub F);

impl<F: FnMut(&[u8])> Events for OnData<F> {
    fn data(&mut self, bytes: &[u8]) {
        (self.0)(bytes);
    }
}

/// [`Events`] that hands each item to a closure.
pub struct OnItem<F>(pub F);

impl<F: FnMut(RawJson<'_>)> Events for OnItem<F> {
    fn item(&mut self, item: RawJson<'_>) {
        (self.0)(item);
    }
}

/// Where the items are: the keys from `data` down to an array, whose elements are the items
/// (no key: `data` itself is the array). At most [`ItemPath::MAX_SEGMENTS`] keys of at most
/// [`ItemPath::MAX_KEY_LEN`] bytes each, compared with the body's keys decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemPath {
    keys: [[u8; ItemPath::MAX_KEY_LEN]; ItemPath::MAX_SEGMENTS],
    lens: [u8; ItemPath::MAX_SEGMENTS],
    len: u8,
}

impl ItemPath {
    /// The most keys a path holds.
    pub const MAX_SEGMENTS: usize = 4;
    /// The longest key a path holds, in bytes.
    pub const MAX_KEY_LEN: usize = 15;

    /// The path through these keys of `data`; `None` for too many or too long keys.
    pub fn new(keys: &[&str]) -> Option<Self> {
        if keys.len() > Self::MAX_SEGMENTS || keys.iter().any(|k| k.len() > Self::MAX_KEY_LEN) {
            return None;
        }
        let mut path =
            Self { keys: [[0; Self::MAX_KEY_LEN]; Self::MAX_SEGMENTS], lens: [0; 4], len: 0 };
        for ((slot, len), key) in path.keys.iter_mut().zip(&mut path.lens).zip(keys) {
            let bytes = key.as_bytes();
            slot.get_mut(..bytes.len())?.copy_from_slice(bytes);
            *len = bytes.len() as u8;
        }
        path.len = keys.len() as u8;
        Some(path)
    }

    /// The nesting depth inside the item array (the envelope is 1, `data` 2).
    pub(crate) const fn item_level(&self) -> u16 {
        2 + self.len as u16
    }

    /// The `i`th key.
    pub(crate) fn segment(&self, i: usize) -> Option<&[u8]> {
        if i >= usize::from(self.len) {
            return None;
        }
        let len = usize::from(*self.lens.get(i)?);
        self.keys.get(i)?.get(..len)
    }
}

/// How an error body (non-2xx) was understood, from [`PushDecoder::finish`]: `decode`'s
/// [`ApiError`](crate::ApiError) without the borrowed text, which came through [`Events`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamedError {
    status: u16,
    shape: StreamShape,
    body_status: Option<u16>,
}

/// Which documented shape an error body has; [`crate::ErrorShape`] without the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamShape {
    /// The 400/500 shape: `message` and `trace_id` came as fields.
    Message,
    /// The 403/429 shape: `timestamp`, `status`, `error` and `path` came.
    Gateway,
    /// Neither: why not, as [`ApiError::unrecognized_reason`](crate::ApiError::unrecognized_reason).
    Unrecognized(Error),
}

impl StreamedError {
    /// The HTTP status.
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The shape of the body.
    pub const fn shape(&self) -> StreamShape {
        self.shape
    }

    /// Why the body matched no documented shape, when it did not.
    pub const fn unrecognized_reason(&self) -> Option<Error> {
        match self.shape {
            StreamShape::Unrecognized(e) => Some(e),
            _ => None,
        }
    }

    /// The `status` the body claims, when it had a valid one.
    pub const fn body_status(&self) -> Option<u16> {
        self.body_status
    }
}

/// The end of a streamed reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx status with a valid body; `data` (if any) came through [`Events::data`].
    Success {
        /// The HTTP status.
        status: u16,
        /// Whether the body had `data`.
        has_data: bool,
    },
    /// Any other status.
    Error(StreamedError),
}

/// A push decoder: `decode` for a body that arrives in chunks. See the [module](self).
///
/// ```
/// use status_core::stream::{OnData, Outcome, PushDecoder};
///
/// let body = br#"{"data": {"id": 7, "tags": ["a", "b"]}, "code": 0}"#;
/// let mut data = Vec::new();
/// let mut decoder = PushDecoder::new(200)?;
/// for chunk in body.chunks(5) {
///     decoder.feed(chunk, &mut OnData(|bytes: &[u8]| data.extend_from_slice(bytes)))?;
/// }
/// assert_eq!(decoder.finish()?, Outcome::Success { status: 200, has_data: true });
/// assert_eq!(data, br#"{"id": 7, "tags": ["a", "b"]}"#);
/// # Ok::<(), status_core::Error>(())
/// ```
#[derive(Clone)]
pub struct PushDecoder {
    // The status is kept in the machine, where it packs with the other small fields.
    machine: Machine,
}

impl core::fmt::Debug for PushDecoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PushDecoder")
            .field("status", &self.status())
            .field("consumed", &self.machine.consumed())
            .field("error", &self.machine.error())
            .finish_non_exhaustive()
    }
}

impl PushDecoder {
    /// A decoder for a reply with this status, with the default [`Decoder`].
    /// A status outside `100..=999` is [`ErrorKind::InvalidStatus`], as for `decode`.
    pub fn new(status: u16) -> Result<Self, Error> {
        Self::with_decoder(&Decoder::new(), status)
    }

    /// A decoder with `decoder`'s settings (its nesting limit).
    pub fn with_decoder(decoder: &Decoder, status: u16) -> Result<Self, Error> {
        if !(100..=999).contains(&status) {
            return Err(Error::new(ErrorKind::InvalidStatus, 0));
        }
        let machine = Machine::new(status, Expect::for_status(status), decoder.max_depth());
        Ok(Self { machine })
    }

    /// The same decoder, handing out the elements of the array at `path` inside `data`
    /// through [`Events::item`]; feed it with [`Self::feed_items`].
    pub fn with_items(mut self, path: ItemPath) -> Self {
        self.machine.set_path(path);
        self
    }

    /// The HTTP status.
    pub const fn status(&self) -> u16 {
        self.machine.status()
    }

    /// How many body bytes were fed so far.
    pub fn consumed(&self) -> usize {
        self.machine.consumed()
    }

    /// Feeds the next chunk of the body, consuming all of it.
    ///
    /// For a 2xx, the first error in the body is returned by the call whose chunk holds the
    /// byte at fault (and by every later call). For any other status the body never fails
    /// the reply (the status wins, as for `decode`): the call returns `Ok`, and
    /// [`Self::finish`] tells why the body was not recognised.
    pub fn feed<E: Events + ?Sized>(&mut self, chunk: &[u8], events: &mut E) -> Result<(), Error> {
        self.feed_items(chunk, &mut [], events)
    }

    /// [`Self::feed`], with the window the items are gathered in: the same window on every
    /// call, as an item may span chunks. An item larger than the window is
    /// [`ErrorKind::ItemTooLarge`] at its first byte that did not fit.
    pub fn feed_items<E: Events + ?Sized>(
        &mut self,
        chunk: &[u8],
        window: &mut [u8],
        events: &mut E,
    ) -> Result<(), Error> {
        let mut io = Io::new(chunk, window, events);
        match self.machine.feed(&mut io) {
            Err(e) if (200..=299).contains(&self.status()) => Err(e),
            _ => Ok(()),
        }
    }

    /// Whether the body already failed (for a 2xx, it will be an `Err`; for other statuses,
    /// the body is unrecognised and later bytes are not looked at).
    pub fn failed(&self) -> Option<Error> {
        self.machine.error()
    }

    /// The end of the body: `decode`'s verdict.
    pub fn finish(mut self) -> Result<Outcome, Error> {
        match self.machine.finish() {
            Verdict::Success { data } => match self.machine.success_error() {
                Some(e) => Err(e),
                None => Ok(Outcome::Success { status: self.status(), has_data: data }),
            },
            Verdict::Error { shape, body_status } => {
                let shape = match shape {
                    Ok(ErrorShapeKind::Message) => StreamShape::Message,
                    Ok(ErrorShapeKind::Gateway) => StreamShape::Gateway,
                    Err(e) => StreamShape::Unrecognized(e),
                };
                Ok(Outcome::Error(StreamedError { status: self.status(), shape, body_status }))
            }
        }
    }
}

#[cfg(all(test, feature = "heapless"))]
mod tests;
