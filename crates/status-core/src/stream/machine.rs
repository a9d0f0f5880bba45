//! The push decoder's state machine: `decode`'s grammar, one byte at a time where a token is
//! split across chunks, one block at a time (the `simd` run searches) inside a chunk.
//!
//! Every choice mirrors the whole-body path, so that the verdict is the same:
//!
//! - UTF-8 is checked as the bytes pass. Outside strings a byte above 0x7F is an error either
//!   way, but which one depends on the character it starts: a valid character is a grammar
//!   error at its first byte, bad bytes are [`ErrorKind::InvalidUtf8`], and a character cut by
//!   the end of the body is the truncation the grammar sees there (`scan::Text::settle`). So
//!   such a byte is *held* until its character is complete, and only then shown to the grammar
//!   (as the byte 0x80, which every state outside strings refuses as it would the character).
//! - At a UTF-8 error the grammar is first taken to the end of input at the error's offset, as
//!   `decode` scans the valid prefix: a number that ends there still completes its member.
//! - Escapes are validated by `escape::escape_end`, on the chunk when the escape lies inside
//!   it, else on the escape's bytes gathered in a 12-byte buffer, re-run as each byte arrives.
//! - Top-level keys are matched against the keys the decoder reads as they pass, and only
//!   which of those were seen is kept (see [`KeyMatch`]).

use super::{Events, Field, ItemPath};
use crate::envelope::{Known, Seen};
use crate::error::{Error, ErrorKind};
use crate::escape;
use crate::grammar::{continues_number, is_plain_ascii, is_whitespace};
use crate::raw::RawJson;
use crate::scan::{self, MAX_DEPTH};
use crate::simd;
use crate::status::Expect;

/// Where the machine is in the grammar.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lex {
    /// Before the top-level value.
    Start,
    /// After `{`: a key or `}`.
    ObjOpen,
    /// After `,` in an object: a key.
    ObjKey,
    /// After a key: `:`.
    Colon,
    /// After `:`, or `,` in an array: a value.
    Value,
    /// After `[`: a value or `]`.
    ArrOpen,
    /// After a value inside a container: `,` or the container's end.
    After,
    /// After the top-level value: whitespace only.
    Trailing,
    /// Inside a string.
    Str,
    /// Inside an escape, whose bytes so far are in `esc`.
    Esc,
    /// After a number's `-`.
    NumSign,
    /// After a number's leading `0`.
    NumZero,
    /// In a number's integer digits.
    NumInt,
    /// After a number's `.`.
    NumDot,
    /// In a number's fraction digits.
    NumFrac,
    /// After a number's `e`.
    NumExp,
    /// After the sign of a number's exponent.
    NumExpSign,
    /// In a number's exponent digits.
    NumExpDigits,
    /// In a literal (`true`, `false`, `null`).
    Lit,
}

impl Lex {
    /// Between tokens, where whitespace may come and changes nothing.
    #[inline]
    const fn between_tokens(self) -> bool {
        matches!(
            self,
            Lex::Start
                | Lex::ObjOpen
                | Lex::ObjKey
                | Lex::Colon
                | Lex::Value
                | Lex::ArrOpen
                | Lex::After
                | Lex::Trailing
        )
    }
}

const LITERALS: [&[u8]; 3] = [b"true", b"false", b"null"];

/// What a string's text is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Validated only.
    Plain,
    /// A top-level key: matched, for duplicates and for the member it names.
    TopKey,
    /// A key on the item path: matched with the path.
    PathKey,
    /// The text of a documented error field: handed to the caller decoded.
    Text(Field),
}

/// The top-level member whose value is being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Member {
    Other,
    Data,
    Field(Field),
}

/// The top-level value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Top {
    /// Nothing but whitespace so far.
    Empty,
    Object,
    /// A value that is not an object, starting at `Machine::top_at`.
    NotObject,
}

/// A documented field as seen (error_body's `Slot`, without the borrowed value).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Absent,
    Found,
    /// The value (at `Machine::wrong_at`, when it is the first of its shape) has another type.
    WrongType,
    /// An integer that is not a status.
    NotStatus,
}

impl Slot {
    fn require(self, close: usize, at: usize) -> Result<(), Error> {
        match self {
            Self::Found => Ok(()),
            Self::Absent => Err(Error::new(ErrorKind::MissingField, close)),
            Self::WrongType => Err(Error::new(ErrorKind::UnexpectedType, at)),
            Self::NotStatus => Err(Error::new(ErrorKind::InvalidStatus, at)),
        }
    }

    fn is_present(self) -> bool {
        self != Self::Absent
    }
}

/// A key matched, as its decoded bytes pass, against the names it may be, without keeping it:
/// the candidates still in the running, one bit each, and how many bytes matched.
///
/// A top-level key is matched against the seven [`Known`] keys (bit `i` for `Known::ALL[i]`),
/// a key on the item path against the path's key at its depth (bit 0).
#[derive(Clone, Copy)]
struct KeyMatch {
    cand: u8,
    len: u8,
}

impl KeyMatch {
    /// The next decoded bytes of a top-level key.
    #[inline]
    fn known(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.cand == 0 {
                return;
            }
            let at = usize::from(self.len);
            let mut left = self.cand;
            while left != 0 {
                let bit = left & left.wrapping_neg();
                left ^= bit;
                let name = Known::ALL.get(bit.trailing_zeros() as usize).map(|k| k.name());
                if name.and_then(|n| n.as_bytes().get(at)) != Some(&b) {
                    self.cand ^= bit;
                }
            }
            // (At most one past the longest name while a candidate is left.)
            self.len = self.len.saturating_add(1);
        }
    }

    /// The [`Known`] key the whole top-level key is.
    fn known_key(&self) -> Option<Known> {
        let len = usize::from(self.len);
        Known::ALL
            .into_iter()
            .enumerate()
            .find(|&(i, k)| self.cand >> i & 1 != 0 && k.name().len() == len)
            .map(|(_, k)| k)
    }

    /// The next decoded bytes of a key on the item path, whose key there is `name`.
    #[inline]
    fn one(&mut self, name: &[u8], bytes: &[u8]) {
        let at = usize::from(self.len);
        match u8::try_from(at + bytes.len()) {
            Ok(end) if self.cand != 0 && name.get(at..usize::from(end)) == Some(bytes) => {
                self.len = end;
            }
            _ => self.cand = 0,
        }
    }

    /// Whether the whole key is `name`.
    fn is(&self, name: &[u8]) -> bool {
        self.cand != 0 && usize::from(self.len) == name.len()
    }
}

/// The fields in `Field::index` order.
const FIELDS_IN_ORDER: [Field; 6] =
    [Field::Message, Field::TraceId, Field::Timestamp, Field::Status, Field::Error, Field::Path];

/// Which shape a field belongs to: 0 for the message shape, 1 for the gateway shape.
const fn shape_of(field: Field) -> usize {
    match field {
        Field::Message | Field::TraceId => 0,
        Field::Timestamp | Field::Status | Field::Error | Field::Path => 1,
    }
}

/// A fixed bit stack of open containers: 1 for an object, 0 for an array (as `scan`'s). Its
/// length is the machine's `depth`, kept apart so that it packs with the other small fields.
#[derive(Clone)]
struct Nesting {
    words: [u64; MAX_DEPTH / 64],
}

impl Nesting {
    #[inline]
    fn set(&mut self, at: u16, object: bool) {
        let at = usize::from(at);
        if let Some(word) = self.words.get_mut(at / 64) {
            let bit = 1u64 << (at % 64);
            if object {
                *word |= bit;
            } else {
                *word &= !bit;
            }
        }
    }

    #[inline]
    fn is_object(&self, at: u16) -> bool {
        let at = usize::from(at);
        self.words.get(at / 64).is_some_and(|w| w & (1u64 << (at % 64)) != 0)
    }
}

impl scan::Stack for Nesting {
    fn set(&mut self, depth: usize, object: bool) {
        // Levels past `u16` are past `MAX_DEPTH`, which no walk reaches.
        Nesting::set(self, u16::try_from(depth).unwrap_or(u16::MAX), object);
    }

    fn is_object(&self, depth: usize) -> bool {
        Nesting::is_object(self, u16::try_from(depth).unwrap_or(u16::MAX))
    }
}

/// A UTF-8 character begun but not complete: `need` more bytes, the next in `lo..=hi`.
#[derive(Clone, Copy)]
struct Pending {
    need: u8,
    lo: u8,
    hi: u8,
    /// Outside a string (or in an escape): the grammar sees it only once complete.
    held: bool,
    cp: u32,
    start: usize,
}

/// The continuation bytes a lead byte needs and the range of the first one (RFC 3629), with
/// the lead's payload bits; `None` for a byte that cannot start a character.
#[inline]
const fn lead(b: u8) -> Option<(u8, u8, u8, u32)> {
    let (need, lo, hi) = match b {
        0xC2..=0xDF => (1, 0x80, 0xBF),
        0xE0 => (2, 0xA0, 0xBF),
        0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
        0xED => (2, 0x80, 0x9F),
        0xF0 => (3, 0x90, 0xBF),
        0xF1..=0xF3 => (3, 0x80, 0xBF),
        0xF4 => (3, 0x80, 0x8F),
        _ => return None,
    };
    let bits = match need {
        1 => b & 0x1F,
        2 => b & 0x0F,
        _ => b & 0x07,
    };
    Some((need, lo, hi, bits as u32))
}

/// Whether `bytes` are the start of a valid character that the end of the chunk cut (what
/// `from_utf8` calls an error without a length), from the lead byte's table alone.
// Off the string scan's path: it runs once per chunk at most.
#[inline(never)]
fn is_cut_char(bytes: &[u8]) -> bool {
    let Some((&first, rest)) = bytes.split_first() else { return false };
    let Some((need, lo, hi, _)) = lead(first) else { return false };
    let mut range = lo..=hi;
    rest.len() < usize::from(need)
        && rest.iter().all(|b| {
            let ok = range.contains(b);
            range = 0x80..=0xBF;
            ok
        })
}

/// The chunk being fed, the item window and the caller's events, passed down together.
pub(crate) struct Io<'a, E: ?Sized> {
    pub(crate) chunk: &'a [u8],
    pub(crate) window: &'a mut [u8],
    pub(crate) events: &'a mut E,
    /// The chunk is UTF-8 from where a pending character ends up to this index (set by the
    /// chunk loop; it lives only as long as the chunk, so it is no part of the state).
    pub(crate) utf8_to: usize,
}

impl<'a, E: ?Sized> Io<'a, E> {
    pub(crate) fn new(chunk: &'a [u8], window: &'a mut [u8], events: &'a mut E) -> Self {
        Self { chunk, window, events, utf8_to: 0 }
    }
}

/// How a finished body was understood (the crate-internal form of `Outcome`).
pub(crate) enum Verdict {
    Success { data: bool },
    Error { shape: Result<ErrorShapeKind, Error>, body_status: Option<u16> },
}

/// The documented shape an error body has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ErrorShapeKind {
    Message,
    Gateway,
}

/// The state of a push decoder.
#[derive(Clone)]
pub(crate) struct Machine {
    /// The absolute offset of the current chunk's first byte (the bytes fed so far).
    base: usize,
    /// The HTTP status, for the decoder.
    status: u16,
    lex: Lex,
    expect: Expect,
    max_depth: u16,
    nest: Nesting,
    /// How many containers are open.
    depth: u16,
    role: Role,
    str_key: bool,
    lit: u8,
    lit_at: u8,
    /// The bytes of an escape split between chunks (the first at the offset the byte being
    /// read has, less `esc_len - 1`: only its last byte may be other than ASCII).
    esc: [u8; 12],
    esc_len: u8,
    pending: Pending,
    seen: Seen,
    key: KeyMatch,
    member: Member,
    /// Where the top-level key being read starts, then where its value does.
    member_at: usize,
    value_first: u8,
    track_status: bool,
    status_digits: bool,
    /// The digits of `status` so far; once its slot is `Found`, the body's status.
    status_acc: u32,
    slots: [Slot; 6],
    /// For the message and the gateway shape: where the value of the first of its fields
    /// (in the order `shape` checks them) that has the wrong type is. Each slot is set once
    /// (a second occurrence is a duplicate), so that is the one `shape` can report.
    wrong_at: [usize; 2],
    top: Top,
    /// Where a value that is not an object starts; for an object, its closing brace.
    top_at: usize,
    data_seen: bool,
    /// Inside `data`'s value, which began at `member_at`.
    in_data: bool,
    path: Option<ItemPath>,
    on_path: u16,
    key_match: bool,
    /// Inside an item, which began at `item_at` and whose bytes before this chunk are at the
    /// start of the window.
    in_item: bool,
    item_at: usize,
    /// How many bytes the tokens are read on by the byte-wise lane, not walked block by block:
    /// the last block walk found them dense with numbers its masks could not check.
    lane_only: u32,
    error: Option<Error>,
}

type Step = Result<(), Error>;

/// The bytes left in a chunk from which its tokens are walked block by block first: below a
/// few blocks, the setup of a block walk costs more than the byte-wise lane.
const BLOCK_WALK_MIN: usize = 256;

/// How many bytes on from where a block walk found them dense with numbers its masks could not
/// check (as canada's coordinates are) the tokens are read by the byte-wise lane, the rest of
/// that chunk besides, before a block walk probes them again: `decode` reads such a container
/// byte by byte to its end, and a probe costs about as much as a twentieth of this.
const LANE_SPAN: u32 = 16 * 1024;

impl Machine {
    pub(crate) fn new(status: u16, expect: Expect, max_depth: usize) -> Self {
        Self {
            base: 0,
            status,
            lex: Lex::Start,
            expect,
            max_depth: u16::try_from(max_depth.clamp(1, MAX_DEPTH)).unwrap_or(1),
            nest: Nesting { words: [0; MAX_DEPTH / 64] },
            depth: 0,
            role: Role::Plain,
            str_key: false,
            lit: 0,
            lit_at: 0,
            esc: [0; 12],
            esc_len: 0,
            pending: Pending { need: 0, lo: 0, hi: 0, held: false, cp: 0, start: 0 },
            seen: Seen::default(),
            key: KeyMatch { cand: 0, len: 0 },
            member: Member::Other,
            member_at: 0,
            value_first: 0,
            track_status: false,
            status_digits: false,
            status_acc: 0,
            slots: [Slot::Absent; 6],
            wrong_at: [0; 2],
            top: Top::Empty,
            top_at: 0,
            data_seen: false,
            in_data: false,
            path: None,
            on_path: 0,
            key_match: false,
            in_item: false,
            item_at: 0,
            lane_only: 0,
            error: None,
        }
    }

    pub(crate) const fn status(&self) -> u16 {
        self.status
    }

    #[inline]
    fn push_nest(&mut self, object: bool) {
        self.nest.set(self.depth, object);
        self.depth += 1;
    }

    #[inline]
    fn pop_nest(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    #[inline]
    fn in_object(&self) -> bool {
        self.nest.is_object(self.depth.wrapping_sub(1))
    }

    pub(crate) fn set_path(&mut self, path: ItemPath) {
        self.path = Some(path);
    }

    fn success(&self) -> bool {
        matches!(self.expect, Expect::Success)
    }

    pub(crate) fn error(&self) -> Option<Error> {
        self.error
    }

    pub(crate) fn consumed(&self) -> usize {
        self.base
    }

    /// Feeds one chunk; the first error is kept and returned by every later call.
    pub(crate) fn feed<E: Events + ?Sized>(&mut self, io: &mut Io<'_, E>) -> Step {
        if let Some(e) = self.error {
            self.base += io.chunk.len();
            return Err(e);
        }
        let scanned = self.scan(io);
        self.base += io.chunk.len();
        scanned.inspect_err(|&e| self.error = Some(e))
    }

    /// The end of the body: settles what only the end can tell.
    pub(crate) fn finish(&mut self) -> Verdict {
        if self.error.is_none() {
            let len = self.base;
            let mut none = Io { chunk: &[], window: &mut [], events: &mut (), utf8_to: 0 };
            let ended = if self.pending.need != 0 {
                // A body cut inside a character: the truncation the grammar sees where the
                // character starts, else the bad UTF-8 (`scan::Text::settle`).
                let start = self.pending.start;
                match self.eof(start, &mut none) {
                    Err(e) if e.kind() == ErrorKind::UnexpectedEof && e.offset() == start => {
                        Err(Error::new(ErrorKind::UnexpectedEof, len))
                    }
                    _ => Err(Error::new(ErrorKind::InvalidUtf8, start)),
                }
            } else {
                self.eof(len, &mut none)
            };
            if let Err(e) = ended {
                self.error = Some(e);
            }
        }
        let len = self.base;
        if self.success() {
            return Verdict::Success { data: self.data_seen };
        }
        let found = self.slot(Field::Status) == Slot::Found;
        // (A found status is in 100..=999.)
        let body_status = found.then_some(self.status_acc as u16);
        let shape = match (self.error, self.top) {
            (Some(e), _) => Err(e),
            (None, Top::Empty) => Err(Error::new(ErrorKind::EmptyBody, len)),
            (None, Top::NotObject) => Err(Error::new(ErrorKind::ExpectedObject, self.top_at)),
            (None, Top::Object) => self.shape(self.top_at),
        };
        Verdict::Error { shape, body_status }
    }

    /// For a 2xx body after [`Self::finish`]: the error, including a value that is not an
    /// object.
    pub(crate) fn success_error(&self) -> Option<Error> {
        match (self.error, self.top) {
            (Some(e), _) => Some(e),
            (None, Top::NotObject) => Some(Error::new(ErrorKind::ExpectedObject, self.top_at)),
            _ => None,
        }
    }

    fn slot(&self, field: Field) -> Slot {
        self.slots.get(field.index()).copied().unwrap_or(Slot::Absent)
    }

    fn require(&self, field: Field, close: usize) -> Result<(), Error> {
        let at = self.wrong_at.get(shape_of(field)).copied().unwrap_or(0);
        self.slot(field).require(close, at)
    }

    fn message_shape(&self, close: usize) -> Result<ErrorShapeKind, Error> {
        self.require(Field::Message, close)?;
        self.require(Field::TraceId, close)?;
        Ok(ErrorShapeKind::Message)
    }

    fn gateway_shape(&self, close: usize) -> Result<ErrorShapeKind, Error> {
        self.require(Field::Timestamp, close)?;
        self.require(Field::Status, close)?;
        self.require(Field::Error, close)?;
        self.require(Field::Path, close)?;
        Ok(ErrorShapeKind::Gateway)
    }

    /// `error_body`'s choice of shape, from the same slots.
    fn shape(&self, close: usize) -> Result<ErrorShapeKind, Error> {
        match self.expect {
            Expect::Message => self.message_shape(close),
            Expect::Gateway => self.gateway_shape(close),
            Expect::Success | Expect::AnyError => self.message_shape(close).or_else(|m| {
                self.gateway_shape(close).map_err(|g| {
                    let present = |fields: &[Field]| {
                        fields.iter().filter(|&&f| self.slot(f).is_present()).count()
                    };
                    let message_fields = present(&[Field::Message, Field::TraceId]);
                    let gateway_fields =
                        present(&[Field::Timestamp, Field::Status, Field::Error, Field::Path]);
                    if gateway_fields > message_fields {
                        g
                    } else {
                        m
                    }
                })
            }),
        }
    }

    // ---- the chunk loop -------------------------------------------------------------------

    fn scan<E: Events + ?Sized>(&mut self, io: &mut Io<'_, E>) -> Step {
        let base = self.base;
        let c = io.chunk;
        // A few bytes at a time (an embedded client's reads) mostly fall inside a string's
        // plain text, a number's digits or the whitespace between tokens, where nothing moves
        // but the offset.
        if c.len() < 16 && self.pending.need == 0 && !c.is_empty() {
            let plain = match self.lex {
                Lex::Str if self.role == Role::Plain => c.iter().all(|&b| is_plain_ascii(b)),
                Lex::NumInt | Lex::NumFrac | Lex::NumExpDigits if !self.track_status => {
                    c.iter().all(u8::is_ascii_digit)
                }
                lex if lex.between_tokens() => c.iter().all(|&b| is_whitespace(b)),
                _ => false,
            };
            if plain {
                let end = base + c.len();
                self.emit_data(end, io);
                return self.copy_item(end, io);
            }
        }
        // UTF-8 once per chunk, as `decode` does once per body: the strings that lie in the
        // valid part need no check of their own. (A character begun in the last chunk ends
        // in this one's first bytes; past them, characters start afresh.)
        let from = usize::from(self.pending.need);
        // (Tiny chunks check their few runs one by one.)
        io.utf8_to = match c.get(from..).filter(|_| c.len() >= 16).map(simd::utf8) {
            Some(Ok(_)) => c.len(),
            Some(Err(v)) => from + v,
            None => 0,
        };
        let mut i = 0;
        while let Some(&b) = c.get(i) {
            // Inside `data`, away from every hook: the fast lane, while it can.
            let room = c.len() - i >= 16;
            // (With an item path: inside a container off the path, where no item or path
            // key can be.)
            let off_path = self.path.is_none() || self.on_path < self.depth;
            if room && self.depth >= 2 && off_path && self.pending.need == 0 {
                // Many tokens ahead: block by block first, as `decode` reads them.
                if c.len() - i >= BLOCK_WALK_MIN && self.lane_only == 0 {
                    let j = self.walk_blocks(c, i, io.utf8_to);
                    if j != i {
                        i = j;
                        continue;
                    }
                }
                let j = self.lane(c, i, io.utf8_to);
                if j != i {
                    i = j;
                    continue;
                }
            }
            if self.pending.need != 0 {
                self.continue_char(b, io)?;
                i += 1;
                continue;
            }
            i = match self.lex {
                Lex::Str => self.string(i, io)?,
                _ if b >= 0x80 => {
                    self.hold(b, base + i, io)?;
                    i + 1
                }
                Lex::Esc => {
                    self.esc_byte(b, base + i, io)?;
                    i + 1
                }
                Lex::NumInt | Lex::NumFrac | Lex::NumExpDigits if b.is_ascii_digit() => {
                    let end = simd::digits_end(c, i + 1);
                    if self.track_status && self.lex == Lex::NumInt {
                        for &d in c.get(i..end).unwrap_or_default() {
                            self.status_digit(d);
                        }
                    }
                    end
                }
                lex if lex.between_tokens() && is_whitespace(b) => {
                    // Pretty-printed JSON has one space here more often than a run.
                    match c.get(i + 1) {
                        Some(&next) if !is_whitespace(next) => i + 1,
                        _ => simd::whitespace_end(c, i + 1),
                    }
                }
                // The commonest steps, without the general one's dispatch.
                Lex::After if b == b',' => {
                    self.lex = if self.in_object() { Lex::ObjKey } else { Lex::Value };
                    i + 1
                }
                Lex::Colon if b == b':' => {
                    self.lex = Lex::Value;
                    i + 1
                }
                Lex::ObjKey | Lex::ObjOpen if b == b'"' => {
                    self.begin_key(base + i);
                    i + 1
                }
                Lex::Value | Lex::ArrOpen if b != b']' => {
                    self.begin_value(b, base + i, io)?;
                    self.token_in_chunk(i + 1, io)?
                }
                _ => {
                    self.step(b, base + i, io)?;
                    self.token_in_chunk(i + 1, io)?
                }
            };
        }
        self.lane_only = self.lane_only.saturating_sub(u32::try_from(c.len()).unwrap_or(u32::MAX));
        // What passed of `data` and of the item, up to a held character (an error to come).
        let end = base + c.len();
        let upto = if self.pending.need != 0 && self.pending.held {
            self.pending.start.clamp(base, end)
        } else {
            end
        };
        self.emit_data(upto, io);
        self.copy_item(upto, io)
    }

    /// How deep the fast paths may close containers: below it a member, an item or a container
    /// on the item path ends, which the general path handles.
    #[inline]
    fn keep(&self) -> u16 {
        if self.path.is_some() {
            self.on_path.saturating_add(1).max(2)
        } else {
            2
        }
    }

    /// The block-wise walk of `scan` over the chunk from index `i`, under the fast lane's
    /// conditions (see [`Machine::lane`]): returns where it stopped, with the state there.
    #[inline]
    fn walk_blocks(&mut self, c: &[u8], i: usize, utf8_to: usize) -> usize {
        if !scan::BLOCK_WALK {
            return i;
        }
        let next = match self.lex {
            Lex::Value => scan::Next::Value,
            Lex::ArrOpen => scan::Next::FirstValue,
            Lex::ObjOpen => scan::Next::FirstKey,
            Lex::ObjKey => scan::Next::Key,
            Lex::Colon => scan::Next::Colon,
            Lex::After => scan::Next::After,
            _ => return i,
        };
        let keep = self.keep();
        let bytes = c.get(..utf8_to).unwrap_or_default();
        let from = scan::Stop { at: i, next, depth: usize::from(self.depth), dense: false };
        let max_depth = usize::from(self.max_depth);
        let stop =
            scan::walk_chunk(bytes, from, usize::from(keep), max_depth, true, &mut self.nest);
        if stop.dense {
            self.lane_only = LANE_SPAN;
        }
        self.lex = match stop.next {
            scan::Next::Value => Lex::Value,
            scan::Next::FirstValue => Lex::ArrOpen,
            scan::Next::FirstKey => Lex::ObjOpen,
            scan::Next::Key => Lex::ObjKey,
            scan::Next::Colon => Lex::Colon,
            scan::Next::After => Lex::After,
        };
        // The walk only goes deeper than `max_depth`, a `u16`, never.
        self.depth = u16::try_from(stop.depth).unwrap_or(self.depth);
        stop.at
    }

    /// The fast lane: whole tokens at a time from chunk index `i`, as `scan::Scanner::value`
    /// reads them, while the containers stay at least two deep (so that no member or item
    /// ends) and every token lies whole inside the chunk. It stops, leaving the state at a
    /// token boundary, before anything it does not take whole and valid: the general path then
    /// reads that byte and decides it exactly. Returns where it stopped.
    #[inline]
    fn lane(&mut self, c: &[u8], mut i: usize, utf8_to: usize) -> usize {
        let keep = self.keep();
        let digit = |p: usize| c.get(p).is_some_and(u8::is_ascii_digit);
        let string = |q: usize| lane_string(c, q, utf8_to);
        loop {
            let Some(&b) = c.get(i) else { return i };
            let between_tokens = matches!(
                self.lex,
                Lex::Value | Lex::ArrOpen | Lex::After | Lex::ObjOpen | Lex::ObjKey | Lex::Colon
            );
            if !between_tokens {
                return i;
            }
            if is_whitespace(b) {
                i = match c.get(i + 1) {
                    Some(&next) if !is_whitespace(next) => i + 1,
                    _ => simd::whitespace_end(c, i + 1),
                };
                continue;
            }
            match self.lex {
                Lex::Value | Lex::ArrOpen => {
                    let end = match b {
                        b'"' => string(i),
                        b'-' | b'0'..=b'9' => {
                            let mut p = i + usize::from(b == b'-');
                            match c.get(p) {
                                Some(b'0') => p += 1,
                                Some(b'1'..=b'9') => p = simd::digits_end(c, p + 1),
                                _ => return i,
                            }
                            if c.get(p) == Some(&b'.') {
                                if !digit(p + 1) {
                                    return i;
                                }
                                p = simd::digits_end(c, p + 2);
                            }
                            if matches!(c.get(p), Some(b'e' | b'E')) {
                                p += 1;
                                if matches!(c.get(p), Some(b'+' | b'-')) {
                                    p += 1;
                                }
                                if !digit(p) {
                                    return i;
                                }
                                p = simd::digits_end(c, p + 1);
                            }
                            c.get(p).filter(|&&next| !continues_number(next)).map(|_| p)
                        }
                        b't' | b'f' | b'n' => {
                            let word: &[u8] = match b {
                                b't' => b"true",
                                b'f' => b"false",
                                _ => b"null",
                            };
                            (c.get(i..i + word.len()) == Some(word)).then_some(i + word.len())
                        }
                        b'{' | b'[' if self.depth < self.max_depth => {
                            let object = b == b'{';
                            self.push_nest(object);
                            self.lex = if object { Lex::ObjOpen } else { Lex::ArrOpen };
                            i += 1;
                            continue;
                        }
                        b']' if self.lex == Lex::ArrOpen && self.depth > keep => {
                            self.pop_nest();
                            self.lex = Lex::After;
                            i += 1;
                            continue;
                        }
                        _ => None,
                    };
                    let Some(end) = end else { return i };
                    self.lex = Lex::After;
                    i = end;
                }
                Lex::After => match b {
                    b',' => {
                        self.lex = if self.in_object() { Lex::ObjKey } else { Lex::Value };
                        i += 1;
                    }
                    b'}' | b']' if self.depth > keep && (b == b'}') == self.in_object() => {
                        self.pop_nest();
                        i += 1;
                    }
                    _ => return i,
                },
                Lex::ObjOpen | Lex::ObjKey => match b {
                    b'"' => {
                        let Some(end) = string(i) else { return i };
                        self.lex = Lex::Colon;
                        i = end;
                    }
                    b'}' if self.lex == Lex::ObjOpen && self.depth > keep => {
                        self.pop_nest();
                        self.lex = Lex::After;
                        i += 1;
                    }
                    _ => return i,
                },
                Lex::Colon if b == b':' => {
                    self.lex = Lex::Value;
                    i += 1;
                }
                _ => return i,
            }
        }
    }

    /// Just after the first byte of a number or a literal at chunk index `i - 1`: when the
    /// whole token and the byte after it are in the chunk and the token is valid, takes it in
    /// one go and returns the index after it. Anything else (the chunk ends inside the token,
    /// an error, a byte above 0x7F) is left to the byte-at-a-time states, which decide it
    /// exactly; this only looks.
    #[inline]
    fn token_in_chunk<E: Events + ?Sized>(
        &mut self,
        i: usize,
        io: &mut Io<'_, E>,
    ) -> Result<usize, Error> {
        let c = io.chunk;
        let digit = |p: usize| c.get(p).is_some_and(u8::is_ascii_digit);
        let end = match self.lex {
            Lex::NumSign | Lex::NumZero | Lex::NumInt if !self.track_status => {
                let mut p = i;
                match self.lex {
                    Lex::NumSign => match c.get(p) {
                        Some(b'0') => p += 1,
                        Some(b'1'..=b'9') => p = simd::digits_end(c, p + 1),
                        _ => return Ok(i),
                    },
                    Lex::NumInt => p = simd::digits_end(c, p),
                    _ => {}
                }
                if c.get(p) == Some(&b'.') {
                    if !digit(p + 1) {
                        return Ok(i);
                    }
                    p = simd::digits_end(c, p + 2);
                }
                if matches!(c.get(p), Some(b'e' | b'E')) {
                    p += 1;
                    if matches!(c.get(p), Some(b'+' | b'-')) {
                        p += 1;
                    }
                    if !digit(p) {
                        return Ok(i);
                    }
                    p = simd::digits_end(c, p + 1);
                }
                match c.get(p) {
                    Some(&next) if !continues_number(next) => p,
                    _ => return Ok(i),
                }
            }
            Lex::Lit => {
                let word = LITERALS.get(usize::from(self.lit)).copied().unwrap_or_default();
                let rest = word.get(usize::from(self.lit_at)..).unwrap_or_default();
                if c.get(i..i + rest.len()) != Some(rest) {
                    return Ok(i);
                }
                i + rest.len()
            }
            _ => return Ok(i),
        };
        self.value_end(self.base + end, io)?;
        Ok(end)
    }

    /// One byte in a state outside strings, at absolute offset `at`.
    fn step<E: Events + ?Sized>(&mut self, b: u8, at: usize, io: &mut Io<'_, E>) -> Step {
        let err = |kind| Err(Error::new(kind, at));
        match self.lex {
            Lex::Start => {
                if is_whitespace(b) {
                    return Ok(());
                }
                self.top = if b == b'{' { Top::Object } else { Top::NotObject };
                self.top_at = at;
                if b == b'{' && self.path.is_some() {
                    self.on_path = 1;
                }
                self.begin_value(b, at, io)
            }
            Lex::ObjOpen | Lex::ObjKey => match b {
                _ if is_whitespace(b) => Ok(()),
                b'"' => {
                    self.begin_key(at);
                    Ok(())
                }
                b'}' if self.lex == Lex::ObjOpen => self.close(at, io),
                _ => err(ErrorKind::ExpectedKey),
            },
            Lex::Colon => match b {
                _ if is_whitespace(b) => Ok(()),
                b':' => {
                    self.lex = Lex::Value;
                    Ok(())
                }
                _ => err(ErrorKind::ExpectedColon),
            },
            Lex::Value => {
                if is_whitespace(b) {
                    return Ok(());
                }
                self.begin_value(b, at, io)
            }
            Lex::ArrOpen => match b {
                _ if is_whitespace(b) => Ok(()),
                b']' => self.close(at, io),
                _ => self.begin_value(b, at, io),
            },
            Lex::After => {
                let object = self.in_object();
                match b {
                    _ if is_whitespace(b) => Ok(()),
                    b',' => {
                        self.lex = if object { Lex::ObjKey } else { Lex::Value };
                        Ok(())
                    }
                    b'}' if object => self.close(at, io),
                    b']' if !object => self.close(at, io),
                    _ => err(ErrorKind::ExpectedCommaOrEnd),
                }
            }
            Lex::Trailing => {
                if is_whitespace(b) {
                    Ok(())
                } else {
                    err(ErrorKind::TrailingCharacters)
                }
            }
            Lex::NumSign => match b {
                b'0' => {
                    self.lex = Lex::NumZero;
                    Ok(())
                }
                b'1'..=b'9' => {
                    self.lex = Lex::NumInt;
                    Ok(())
                }
                _ => err(ErrorKind::InvalidNumber),
            },
            Lex::NumZero => match b {
                b'.' => self.number_part(Lex::NumDot),
                b'e' | b'E' => self.number_part(Lex::NumExp),
                _ => self.number_end(b, at, io),
            },
            Lex::NumInt => match b {
                b'0'..=b'9' => {
                    if self.track_status {
                        self.status_digit(b);
                    }
                    Ok(())
                }
                b'.' => self.number_part(Lex::NumDot),
                b'e' | b'E' => self.number_part(Lex::NumExp),
                _ => self.number_end(b, at, io),
            },
            Lex::NumDot => match b {
                b'0'..=b'9' => {
                    self.lex = Lex::NumFrac;
                    Ok(())
                }
                _ => err(ErrorKind::InvalidNumber),
            },
            Lex::NumFrac => match b {
                b'0'..=b'9' => Ok(()),
                b'e' | b'E' => self.number_part(Lex::NumExp),
                _ => self.number_end(b, at, io),
            },
            Lex::NumExp => match b {
                b'+' | b'-' => {
                    self.lex = Lex::NumExpSign;
                    Ok(())
                }
                b'0'..=b'9' => {
                    self.lex = Lex::NumExpDigits;
                    Ok(())
                }
                _ => err(ErrorKind::InvalidNumber),
            },
            Lex::NumExpSign => match b {
                b'0'..=b'9' => {
                    self.lex = Lex::NumExpDigits;
                    Ok(())
                }
                _ => err(ErrorKind::InvalidNumber),
            },
            Lex::NumExpDigits => match b {
                b'0'..=b'9' => Ok(()),
                _ => self.number_end(b, at, io),
            },
            Lex::Lit => {
                let word = LITERALS.get(usize::from(self.lit)).copied().unwrap_or_default();
                let at_in = usize::from(self.lit_at);
                if word.get(at_in) != Some(&b) {
                    return err(ErrorKind::InvalidLiteral);
                }
                self.lit_at += 1;
                if usize::from(self.lit_at) == word.len() {
                    self.value_end(at + 1, io)?;
                }
                Ok(())
            }
            // Strings and escapes take their bytes elsewhere; a held character in an escape
            // comes here as 0x80 only through `esc_byte`.
            Lex::Str | Lex::Esc => self.esc_byte(b, at, io),
        }
    }

    fn number_part(&mut self, next: Lex) -> Step {
        self.status_digits = false;
        self.lex = next;
        Ok(())
    }

    #[inline]
    fn status_digit(&mut self, d: u8) {
        self.status_acc = self.status_acc.saturating_mul(10).saturating_add(u32::from(d - b'0'));
    }

    /// A byte that is not part of the number just read: the number ends before it, unless it
    /// would continue one (`01`, `1.2.3`, `1e5e`).
    fn number_end<E: Events + ?Sized>(&mut self, b: u8, at: usize, io: &mut Io<'_, E>) -> Step {
        if continues_number(b) {
            return Err(Error::new(ErrorKind::InvalidNumber, at));
        }
        self.value_end(at, io)?;
        self.step(b, at, io)
    }

    #[inline]
    fn begin_value<E: Events + ?Sized>(&mut self, b: u8, at: usize, io: &mut Io<'_, E>) -> Step {
        let depth = self.depth;
        let member_value = depth == 1 && self.top == Top::Object;
        if member_value {
            self.member_at = at;
            self.value_first = b;
            match self.member {
                Member::Data => self.in_data = true,
                Member::Field(Field::Status) => {
                    self.track_status = true;
                    self.status_digits = b.is_ascii_digit();
                    self.status_acc = 0;
                }
                _ => {}
            }
        }
        if let Some(path) = &self.path {
            let level = path.item_level();
            if depth == level && self.on_path == level {
                self.in_item = true;
                self.item_at = at;
            }
        }
        let err = |kind| Err(Error::new(kind, at));
        match b {
            b'"' => {
                self.lex = Lex::Str;
                self.str_key = false;
                self.role = match self.member {
                    Member::Field(f) if member_value && f != Field::Status => {
                        io.events.field_start(f);
                        Role::Text(f)
                    }
                    _ => Role::Plain,
                };
                Ok(())
            }
            b'-' => {
                self.status_digits = false;
                self.lex = Lex::NumSign;
                Ok(())
            }
            b'0' => {
                self.lex = Lex::NumZero;
                Ok(())
            }
            b'1'..=b'9' => {
                self.lex = Lex::NumInt;
                if self.track_status {
                    self.status_digit(b);
                }
                Ok(())
            }
            b't' | b'f' | b'n' => {
                self.lit = match b {
                    b't' => 0,
                    b'f' => 1,
                    _ => 2,
                };
                self.lit_at = 1;
                self.lex = Lex::Lit;
                Ok(())
            }
            b'{' | b'[' => self.open(b == b'{', at),
            b'+' | b'.' => err(ErrorKind::InvalidNumber),
            _ => err(ErrorKind::ExpectedValue),
        }
    }

    fn open(&mut self, object: bool, at: usize) -> Step {
        if self.depth >= self.max_depth {
            return Err(Error::new(ErrorKind::DepthLimitExceeded, at));
        }
        let n = self.depth + 1;
        if let Some(path) = &self.path {
            let level = path.item_level();
            let parent_on_path = self.on_path == n - 1 && n >= 2;
            let named = if n == 2 { self.member == Member::Data } else { self.key_match };
            if parent_on_path && named && n <= level && object == (n < level) {
                self.on_path = n;
            }
        }
        self.push_nest(object);
        self.lex = if object { Lex::ObjOpen } else { Lex::ArrOpen };
        Ok(())
    }

    fn close<E: Events + ?Sized>(&mut self, at: usize, io: &mut Io<'_, E>) -> Step {
        let n = self.depth;
        self.pop_nest();
        if self.path.is_some() && self.on_path == n && n >= 2 {
            self.on_path = n - 1;
        }
        if n == 1 && self.top == Top::Object {
            self.top_at = at;
        }
        self.value_end(at + 1, io)
    }

    /// A value just ended at absolute offset `end`, exclusive.
    #[inline]
    fn value_end<E: Events + ?Sized>(&mut self, end: usize, io: &mut Io<'_, E>) -> Step {
        let depth = self.depth;
        self.lex = if depth == 0 { Lex::Trailing } else { Lex::After };
        if depth == 1 && self.top == Top::Object {
            self.member_end(end, io);
        }
        if let Some(path) = &self.path {
            let level = path.item_level();
            if depth == level && self.on_path == level && self.in_item {
                self.item_end(end, io)?;
            }
        }
        Ok(())
    }

    /// A top-level member's value just ended: `error_body`'s `Found::take`, or `data` done.
    fn member_end<E: Events + ?Sized>(&mut self, end: usize, io: &mut Io<'_, E>) {
        match self.member {
            Member::Other => {}
            Member::Data => {
                self.emit_data(end, io);
                self.in_data = false;
                self.data_seen = true;
            }
            Member::Field(field) => {
                let slot = if field == Field::Status {
                    self.track_status = false;
                    let number = matches!(self.value_first, b'-' | b'0'..=b'9');
                    match (number && self.status_digits, self.status_acc) {
                        (true, 100..=999) => Slot::Found,
                        (true, _) => Slot::NotStatus,
                        (false, _) => Slot::WrongType,
                    }
                } else if self.value_first == b'"' {
                    Slot::Found
                } else {
                    Slot::WrongType
                };
                if let Some(s) = self.slots.get_mut(field.index()) {
                    *s = slot;
                }
                let shape = shape_of(field);
                let first_wrong = slot != Slot::Found
                    && !self.slots.iter().take(field.index()).enumerate().any(|(i, &s)| {
                        FIELDS_IN_ORDER.get(i).is_some_and(|&f| shape_of(f) == shape)
                            && matches!(s, Slot::WrongType | Slot::NotStatus)
                    });
                if first_wrong {
                    if let Some(at) = self.wrong_at.get_mut(shape) {
                        *at = self.member_at;
                    }
                }
            }
        }
    }

    /// Hands over the bytes of `data` that passed up to `upto` in this chunk.
    fn emit_data<E: Events + ?Sized>(&mut self, upto: usize, io: &mut Io<'_, E>) {
        if !self.in_data {
            return;
        }
        // (The bytes before this chunk were handed over at the end of the last one.)
        let from = self.member_at.saturating_sub(self.base);
        if let Some(bytes) = io.chunk.get(from..upto.saturating_sub(self.base)) {
            if !bytes.is_empty() {
                io.events.data(bytes);
            }
        }
    }

    /// Copies the bytes of the item that passed up to `upto` in this chunk into the window.
    fn copy_item<E: Events + ?Sized>(&mut self, upto: usize, io: &mut Io<'_, E>) -> Step {
        if !self.in_item {
            return Ok(());
        }
        // The bytes before this chunk were copied at the end of the last one, to the start of
        // the window: the item's bytes are in the window at their offset from its start.
        let from = self.item_at.max(self.base);
        let bytes = io.chunk.get(from - self.base..upto.saturating_sub(self.base));
        let bytes = bytes.unwrap_or_default();
        let too_large = Error::new(ErrorKind::ItemTooLarge, self.item_at + io.window.len());
        let held = from - self.item_at;
        let room = io.window.get_mut(held..held + bytes.len());
        room.ok_or(too_large)?.copy_from_slice(bytes);
        Ok(())
    }

    fn item_end<E: Events + ?Sized>(&mut self, end: usize, io: &mut Io<'_, E>) -> Step {
        self.copy_item(end, io)?;
        self.in_item = false;
        let bytes = io.window.get(..end.saturating_sub(self.item_at)).unwrap_or_default();
        // Validated as it passed; the check only lends it as `&str`.
        let text = simd::utf8(bytes).map_err(|at| Error::new(ErrorKind::InvalidUtf8, at))?;
        io.events.item(RawJson::from_validated(text, self.item_at));
        Ok(())
    }

    fn begin_key(&mut self, at: usize) {
        self.lex = Lex::Str;
        self.str_key = true;
        self.key_match = false;
        let depth = self.depth;
        (self.role, self.key) = if depth == 1 && self.top == Top::Object {
            self.member_at = at;
            (Role::TopKey, KeyMatch { cand: (1 << Known::ALL.len()) - 1, len: 0 })
        } else if self.path.is_some_and(|p| depth >= 2 && depth < p.item_level())
            && self.on_path == depth
        {
            (Role::PathKey, KeyMatch { cand: 1, len: 0 })
        } else {
            (Role::Plain, KeyMatch { cand: 0, len: 0 })
        };
    }

    /// The closing quote of a string, at absolute offset `at`.
    fn string_end<E: Events + ?Sized>(&mut self, at: usize, io: &mut Io<'_, E>) -> Step {
        if self.str_key {
            match self.role {
                Role::TopKey => self.top_key()?,
                Role::PathKey => {
                    let key = self.key;
                    self.key_match = self.path_key().is_some_and(|name| key.is(name));
                }
                Role::Plain | Role::Text(_) => {}
            }
            self.lex = Lex::Colon;
            return Ok(());
        }
        if let Role::Text(field) = self.role {
            io.events.field_end(field);
        }
        self.value_end(at + 1, io)
    }

    /// `envelope::Seen::insert` over the matched key, then the member the key names.
    fn top_key(&mut self) -> Step {
        let known = self.key.known_key();
        self.seen.insert(known, self.member_at)?;
        self.member = match known {
            Some(Known::Data) if self.success() => Member::Data,
            Some(k) if !self.success() => Field::of(k).map_or(Member::Other, Member::Field),
            _ => Member::Other,
        };
        Ok(())
    }

    /// The item path's key at the depth of the key being read.
    fn path_key(&self) -> Option<&[u8]> {
        let depth = usize::from(self.depth);
        self.path.as_ref().and_then(|p| p.segment(depth.wrapping_sub(2)))
    }

    /// The next decoded bytes of a key being matched.
    #[inline]
    fn key_bytes(&mut self, bytes: &[u8]) {
        match self.role {
            Role::TopKey => self.key.known(bytes),
            Role::PathKey => {
                let mut key = self.key;
                key.one(self.path_key().unwrap_or_default(), bytes);
                self.key = key;
            }
            Role::Plain | Role::Text(_) => {}
        }
    }

    /// Inside a string from chunk index `i`: whole runs between quotes, escapes and control
    /// characters at a time. Returns where the main loop goes on.
    #[inline]
    fn string<E: Events + ?Sized>(
        &mut self,
        mut i: usize,
        io: &mut Io<'_, E>,
    ) -> Result<usize, Error> {
        let c = io.chunk;
        let base = self.base;
        loop {
            let stop = simd::string_end(c, i);
            let run = c.get(i..stop).unwrap_or_default();
            let checked =
                if stop <= io.utf8_to || run.is_ascii() { Ok("") } else { simd::utf8(run) };
            let valid = match checked {
                Ok(_) => run.len(),
                Err(v) => {
                    let tail = run.get(v..).unwrap_or_default();
                    if !(stop == c.len() && is_cut_char(tail)) {
                        return Err(self.utf8_error(base + i + v, io));
                    }
                    self.pend(tail, base + i + v, false);
                    v
                }
            };
            match self.role {
                Role::Plain => {}
                Role::TopKey | Role::PathKey => self.key_bytes(run),
                Role::Text(field) => {
                    let text = core::str::from_utf8(run.get(..valid).unwrap_or_default());
                    if let Some(text) = text.ok().filter(|t| !t.is_empty()) {
                        io.events.field_text(field, text);
                    }
                }
            }
            match c.get(stop) {
                None => return Ok(stop),
                Some(b'"') => {
                    self.string_end(base + stop, io)?;
                    return Ok(stop + 1);
                }
                Some(b'\\') => match escape::escape_end(c, stop) {
                    Ok(end) => {
                        self.escaped(c.get(stop..end).unwrap_or_default(), io);
                        i = end;
                    }
                    Err(_) => {
                        // Split by the chunk's end, or wrong: byte by byte from the backslash,
                        // as a held character may decide it.
                        self.lex = Lex::Esc;
                        self.esc_len = 0;
                        return Ok(stop);
                    }
                },
                Some(_) => return Err(Error::new(ErrorKind::ControlCharacter, base + stop)),
            }
        }
    }

    /// A complete, validated escape: its character goes where the string's text goes.
    fn escaped<E: Events + ?Sized>(&mut self, escape: &[u8], io: &mut Io<'_, E>) {
        if self.role == Role::Plain {
            return;
        }
        let (c, _) = escape::decode_escape(escape);
        let mut utf8 = [0u8; 4];
        let text = c.encode_utf8(&mut utf8);
        match self.role {
            Role::TopKey | Role::PathKey => self.key_bytes(text.as_bytes()),
            Role::Text(field) => io.events.field_text(field, text),
            Role::Plain => {}
        }
    }

    /// One byte of an escape, at absolute offset `at` (0x80 stands for a complete non-ASCII
    /// character).
    fn esc_byte<E: Events + ?Sized>(&mut self, b: u8, at: usize, io: &mut Io<'_, E>) -> Step {
        let len = usize::from(self.esc_len);
        if let Some(slot) = self.esc.get_mut(len) {
            *slot = b;
            self.esc_len += 1;
        }
        let bytes = self.esc.get(..usize::from(self.esc_len)).unwrap_or_default();
        match escape::escape_end(bytes, 0) {
            Ok(_) => {
                let escape = self.esc;
                let n = usize::from(self.esc_len);
                self.lex = Lex::Str;
                self.escaped(escape.get(..n).unwrap_or_default(), io);
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::UnexpectedEof && e.offset() == bytes.len() => Ok(()),
            Err(e) => {
                // The bytes before this one are ASCII, one byte each in the body.
                let start = (at + 1).saturating_sub(bytes.len());
                Err(Error::new(e.kind(), start + e.offset()))
            }
        }
    }

    fn pend(&mut self, bytes: &[u8], start: usize, held: bool) {
        let Some((&first, rest)) = bytes.split_first() else { return };
        let Some((need, lo, hi, cp)) = lead(first) else { return };
        self.pending = Pending { need, lo, hi, held, cp, start };
        for &b in rest {
            self.pending.need -= 1;
            self.pending.cp = self.pending.cp << 6 | u32::from(b & 0x3F);
            self.pending.lo = 0x80;
            self.pending.hi = 0xBF;
        }
    }

    /// A non-ASCII byte outside a string: held until its character is known.
    fn hold<E: Events + ?Sized>(&mut self, b: u8, at: usize, io: &mut Io<'_, E>) -> Step {
        if lead(b).is_none() {
            return Err(self.utf8_error(at, io));
        }
        self.pend(&[b], at, true);
        Ok(())
    }

    fn continue_char<E: Events + ?Sized>(&mut self, b: u8, io: &mut Io<'_, E>) -> Step {
        let p = self.pending;
        if !(p.lo..=p.hi).contains(&b) {
            self.pending.need = 0;
            return Err(self.utf8_error(p.start, io));
        }
        self.pending.need -= 1;
        self.pending.cp = p.cp << 6 | u32::from(b & 0x3F);
        self.pending.lo = 0x80;
        self.pending.hi = 0xBF;
        if !p.held && matches!(self.role, Role::TopKey | Role::PathKey) {
            self.key_bytes(&[b]);
        }
        if self.pending.need != 0 {
            return Ok(());
        }
        let cp = self.pending.cp;
        if p.held {
            if p.start == 0 && cp == 0xFEFF {
                return Err(Error::new(ErrorKind::ByteOrderMark, 0));
            }
            // The grammar sees the character now, and refuses it where it starts.
            self.step(0x80, p.start, io)?;
            return Err(Error::new(ErrorKind::ExpectedValue, p.start));
        }
        if let Role::Text(field) = self.role {
            if let Some(c) = char::from_u32(cp) {
                let mut utf8 = [0u8; 4];
                io.events.field_text(field, c.encode_utf8(&mut utf8));
            }
        }
        Ok(())
    }

    /// Bad UTF-8 starting at `at`: the grammar first reads the valid prefix to its end (a
    /// number there completes its member, as in `decode`), then the UTF-8 error is the one.
    fn utf8_error<E: Events + ?Sized>(&mut self, at: usize, io: &mut Io<'_, E>) -> Error {
        self.pending.need = 0;
        let mut none = Io { chunk: io.chunk, window: &mut [], events: &mut (), utf8_to: 0 };
        let _ = self.eof(at, &mut none);
        Error::new(ErrorKind::InvalidUtf8, at)
    }

    /// The input ends at absolute offset `at`.
    fn eof<E: Events + ?Sized>(&mut self, at: usize, io: &mut Io<'_, E>) -> Step {
        match self.lex {
            Lex::NumZero | Lex::NumInt | Lex::NumFrac | Lex::NumExpDigits => {
                self.value_end(at, io)?;
            }
            _ => {}
        }
        match self.lex {
            Lex::Start | Lex::Trailing => Ok(()),
            _ => Err(Error::new(ErrorKind::UnexpectedEof, at)),
        }
    }
}

/// The string whose opening quote is at `q` in the chunk: the index after it, when it is whole
/// and valid in the chunk (its UTF-8 checked here if the chunk's pass stopped before its end).
/// Inlined into the fast lane: a call for each of its strings cost about a tenth of the lane.
#[cfg_attr(not(feature = "small"), inline(always))]
fn lane_string(c: &[u8], q: usize, utf8_to: usize) -> Option<usize> {
    let (end, _) = escape::skip_string(c, q + 1).ok()?;
    if end > utf8_to {
        simd::utf8(c.get(q + 1..end)?).ok()?;
    }
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::is_cut_char;

    #[test]
    fn a_cut_character_is_what_from_utf8_calls_one() {
        let from_utf8 = |b: &[u8]| core::str::from_utf8(b).is_err_and(|e| e.error_len().is_none());
        let mut checked = 0;
        // Miri checks a continuation byte, the lead bytes at the edges of each length, and 0xFF.
        let leads: &[u8] =
            if cfg!(miri) { &[0x80, 0xC3, 0xE0, 0xED, 0xF0, 0xF4, 0xFF] } else { &[] };
        for a in (0x80..=0xFFu8).filter(|a| leads.is_empty() || leads.contains(a)) {
            for b in 0..=0xFFu8 {
                assert_eq!(is_cut_char(&[a]), from_utf8(&[a]), "{a:x}");
                assert_eq!(is_cut_char(&[a, b]), from_utf8(&[a, b]), "{a:x} {b:x}");
                // Three bytes where the first two may still be a prefix.
                if from_utf8(&[a, b]) {
                    for c in 0..=0xFFu8 {
                        let t = [a, b, c];
                        assert_eq!(is_cut_char(&t), from_utf8(&t), "{a:x} {b:x} {c:x}");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 0);
    }
}
