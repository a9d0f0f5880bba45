//! Validating a container 64 bytes at a time: each block is classified first (strings, escapes,
//! structure, where each scalar starts), and the walk then goes from token to token through a
//! bit mask. Where the byte-wise walk finds each token's start from the end of the one before
//! (a chain of dependent loads, one per token), here every start is known up front, so the
//! checks of successive tokens overlap in the CPU.
//!
//! It answers "valid, and it ends here" or "not sure". Everything else (a bad escape, a control
//! character, the depth limit, the end of input, any grammar error) is left to the byte-wise
//! walk of [`Scanner::value`](super::Scanner::value), which runs from the start again and finds
//! the error and its offset. It must accept exactly what that walk accepts, or less: the
//! differential tests hold it to that.

use super::{number_exact, number_fast, Nesting};
use crate::escape;
use crate::grammar::{is_value_end, is_whitespace};
use crate::simd;

/// Whether `next`, the byte after a scalar, ends it where the grammar allows. The end of the
/// input does not: no container ends there, and in a chunk the scalar may go on in the next.
#[inline(always)]
fn ends_scalar(next: Option<&u8>) -> bool {
    next.is_some_and(|&b| is_value_end(b) || is_whitespace(b))
}

/// Whether the number at bit `i` is valid by the block's masks alone: an integer or a plain
/// fraction that ends inside the block (most numbers). `false` says only "not by the masks".
#[inline(always)]
fn plain_number(bytes: &[u8], base: usize, i: usize, first: u8, masks: &Masks) -> bool {
    let rest = masks.scalar_ends >> i;
    if rest != 0 {
        // The number is the scalar run from bit `i` to bit `end` (at most 62), and a byte
        // follows it (see `ends_scalar`).
        let end = i + rest.trailing_zeros() as usize;
        let int = i + usize::from(first == b'-');
        if int <= end && masks.digit >> int & 1 != 0 && base + end + 1 < bytes.len() {
            // A leading zero is the whole integer part.
            let zero_then_digit =
                bytes.get(base + int) == Some(&b'0') && masks.digit >> (int + 1) & 1 != 0;
            let others = !masks.digit & (u64::MAX >> (63 - end)) & (u64::MAX << int);
            if !zero_then_digit {
                if others == 0 {
                    return true;
                }
                let dot = others.trailing_zeros() as usize;
                // One `.`, with digits on both sides (all the rest of the run is digits).
                if others & (others - 1) == 0
                    && dot > int
                    && dot < end
                    && bytes.get(base + dot) == Some(&b'.')
                {
                    return true;
                }
            }
        }
    }
    false
}

/// Whether a valid scalar starts at `at` and ends where its run of scalar bytes ends.
#[inline(always)]
fn scalar(bytes: &[u8], at: usize, first: u8) -> bool {
    let end = match first {
        // Either check lets a control character end a number; the walk must not.
        b'-' | b'0'..=b'9' => match number_fast(bytes, at) {
            Some(end) => end,
            None => match number_exact(bytes, at) {
                Ok(end) => end,
                Err(_) => return false,
            },
        },
        b't' if bytes.get(at..at + 4) == Some(b"true") => at + 4,
        b'f' if bytes.get(at..at + 5) == Some(b"false") => at + 5,
        b'n' if bytes.get(at..at + 4) == Some(b"null") => at + 4,
        _ => return false,
    };
    ends_scalar(bytes.get(end))
}

/// What the walk reads of the current block besides its tokens.
#[derive(Default)]
struct Masks {
    digit: u64,
    /// See [`simd::Tokens::scalar_ends`].
    scalar_ends: u64,
    scalar: u64,
}

/// How many times [`container_end`] tries [`integers`] on numbers it turns out not to fit
/// (fractions, exponents, other values between) before it stops trying in that container.
const INTEGER_MISSES: u32 = 8;

/// The integers of an array from the one at bit `i` of the block at `base` (whose later tokens
/// are `starts`) on, as long as only integers and the commas between them follow, up to the
/// last that ends in the block, checked together from the block's masks: what is left of
/// `starts` after the last, and how many there were. `None` when the run is not one of valid
/// integers (or the block is the input's last, partial one).
///
/// The tokens must alternate, integer first and last: every other one, counted from the
/// first, is an integer, which is what the prefix parity of the tokens tells. Each integer is
/// digits with at most a minus sign in front, and a leading zero only alone.
#[inline(always)]
fn integers(bytes: &[u8], base: usize, i: usize, starts: u64, masks: &Masks) -> Option<(u64, u32)> {
    let block: &[u8; 64] = bytes.get(base..base + 64)?.try_into().ok()?;
    let [comma, minus, zero] = simd::byte_masks(block, *b",-0");
    let from = u64::MAX << i;
    // The run stops before the first token that is neither a comma nor a number.
    let stop = starts & !masks.scalar & !comma;
    let before_stop = stop.wrapping_sub(1) & !stop;
    let ends = masks.scalar_ends & before_stop & from;
    if ends == 0 {
        return None;
    }
    let region = from & (u64::MAX >> ends.leading_zeros());
    let tokens = (starts | 1 << i) & region;
    let numbers = tokens & masks.scalar;
    if simd::prefix_xor(tokens) & tokens != numbers {
        return None;
    }
    let digit = masks.digit;
    let not_digit = masks.scalar & region & !digit;
    let first_digit = numbers & digit | not_digit << 1;
    let valid = not_digit & !(numbers & minus) == 0
        && (not_digit << 1) & !digit == 0
        && first_digit & zero & digit >> 1 == 0;
    valid.then_some((starts & !region, numbers.count_ones()))
}

/// The blocks of the input from a container's opening bracket on, classified one at a time.
struct Blocks<'a> {
    bytes: &'a [u8],
    /// Where the next block starts.
    next: usize,
    /// The masks of the block before `next` that numbers are checked with.
    masks: Masks,
    carry: simd::Carry,
    /// The escapes before this offset are checked (a surrogate pair with its first half).
    escapes_checked: usize,
    /// Where the walk asks whether it suits the container (see [`PROBE_BLOCKS`]).
    probe_at: usize,
    /// The numbers so far the masks could check, and those they could not (long ones across
    /// a block's end, exponents), which cost a byte-wise check each on top of the blocks.
    plain: u32,
    slow: u32,
}

impl<'a> Blocks<'a> {
    /// The blocks of `bytes` from `start` on, asking at `probe_at` whether they suit.
    fn new(bytes: &'a [u8], start: usize, probe_at: usize) -> Self {
        Self {
            bytes,
            next: start,
            masks: Masks::default(),
            carry: simd::Carry::default(),
            escapes_checked: 0,
            probe_at,
            plain: 0,
            slow: 0,
        }
    }

    /// Whether the walk is at its probe and the blocks so far were dense with numbers the masks
    /// could not check, which the byte-wise walk reads faster.
    #[inline(always)]
    fn dense(&self) -> bool {
        self.next == self.probe_at && self.slow >= PROBE_SLOW && 3 * self.slow >= self.plain
    }

    /// Classifies the next block (which then starts at `self.next - 64`) and checks its
    /// strings: its tokens, or `None` at the end of input or when a string there is not one
    /// the masks can vouch for.
    // Out of line: once per block, and the walk keeps its cursor in registers around it.
    #[inline(never)]
    fn refill(&mut self) -> Option<u64> {
        let base = self.next;
        let mut padded;
        let block: &[u8; 64] = match self.bytes.get(base..base + 64) {
            Some(block) => block.try_into().ok()?,
            None => {
                // The last bytes, followed by whitespace, which holds no token.
                let tail = self.bytes.get(base..).filter(|tail| !tail.is_empty())?;
                padded = [b' '; 64];
                padded.get_mut(..tail.len())?.copy_from_slice(tail);
                &padded
            }
        };
        if self.dense() {
            return None;
        }
        self.next = base + 64;
        let tokens = simd::block_tokens(block, &mut self.carry);
        self.masks =
            Masks { digit: tokens.digit, scalar_ends: tokens.scalar_ends, scalar: tokens.scalar };
        if tokens.control {
            return None;
        }
        // Up to [`ONE_BY_ONE`] escapes are checked one by one, more all at once.
        let mut one_by_one = tokens.escapes;
        if one_by_one != 0 {
            let mut beyond = one_by_one;
            for _ in 0..ONE_BY_ONE {
                beyond &= beyond.wrapping_sub(1);
            }
            if beyond != 0 {
                one_by_one = masked(block, one_by_one)?;
            }
        }
        while one_by_one != 0 {
            let at = base + one_by_one.trailing_zeros() as usize;
            one_by_one &= one_by_one - 1;
            if at >= self.escapes_checked {
                self.escapes_checked = escape::escape_end(self.bytes, at).ok()?;
            }
        }
        Some(tokens.starts)
    }
}

/// How many escapes in a block [`Blocks::refill`] checks one by one: the classes cost about as
/// much as three simple escapes checked so.
const ONE_BY_ONE: u32 = 3;

/// Checks the escapes of `block` whose backslashes are `escapes` from its classes at once:
/// `None` when one is invalid; else those left to check one by one, whose end is not in the
/// block (a backslash at bit 63, or a `\u` with digits past it) or that may be half a
/// surrogate pair (a `\u` whose first digit is `d` or `D`, as `\uD800` to `\uDFFF` are).
// Out of line: most blocks have fewer escapes.
#[inline(never)]
fn masked(block: &[u8; 64], escapes: u64) -> Option<u64> {
    let c = simd::escape_classes(block);
    // The byte each backslash escapes (one at bit 63 escapes the next block's first).
    let letters = escapes << 1;
    if letters & !(c.simple | c.u) != 0 {
        return None;
    }
    let u = letters & c.u;
    // The `u`s with their four digits in the block: those up to bit 58.
    let whole = u & (u64::MAX >> 5);
    let digits = whole << 1 | whole << 2 | whole << 3 | whole << 4;
    if digits & !c.hex != 0 {
        return None;
    }
    let surrogate = (whole << 1 & c.d) >> 2;
    Some(escapes & 1 << 63 | (u & !whole) >> 1 | surrogate)
}

/// Whether the block walks run here: where the classification runs many bytes a step, and
/// not in size-optimised builds (it only buys speed).
pub(crate) const ENABLED: bool = !cfg!(feature = "small") && simd::WIDE_CLASSES;

/// How many blocks [`container_end`] reads before deciding whether it suits the container.
const PROBE_BLOCKS: usize = 8;
/// It leaves a container to the byte-wise walk when at least this many numbers in those blocks,
/// and a quarter of them, were ones its masks could not check: arrays of long numbers, with
/// exponents or across block ends, read faster byte by byte.
const PROBE_SLOW: u32 = 6;

/// The end of the valid container whose opening bracket is at `start`, nested inside `depth`
/// containers already, under the `max_depth` limit; `None` when not sure, or (with `probe`)
/// when the first blocks show the container reads faster byte by byte.
///
/// The same walk as [`Scanner::value`](super::Scanner::value)'s, with each "skip whitespace and
/// look at the next byte" replaced by taking the next token of the mask.
#[inline(never)]
pub(super) fn container_end(
    bytes: &[u8],
    start: usize,
    depth: usize,
    max_depth: usize,
    probe: bool,
) -> Option<usize> {
    let probe_at = if probe { start + PROBE_BLOCKS * 64 } else { usize::MAX };
    let mut blocks = Blocks::new(bytes, start, probe_at);
    let (mut base, mut starts) = (start, 0u64);
    // The next token: its offset and first byte.
    macro_rules! token {
        () => {{
            while starts == 0 {
                starts = blocks.refill()?;
                base = blocks.next - 64;
            }
            let at = base + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            (at, *bytes.get(at)?)
        }};
    }
    // After a key, its colon and the first token of its value.
    macro_rules! colon_value {
        () => {{
            if token!().1 != b':' {
                return None;
            }
            token!()
        }};
    }
    let mut nest = Nesting::new();
    let mut object = false;
    let mut integer_misses = 0;
    let (mut at, mut b) = token!();
    'value: loop {
        match b {
            b'{' | b'[' => {
                if depth + nest.len >= max_depth {
                    return None;
                }
                object = b == b'{';
                nest.push(object);
                let (first_at, first) = token!();
                if first != if object { b'}' } else { b']' } {
                    (at, b) = match first {
                        b'"' if object => colon_value!(),
                        _ if object => return None,
                        _ => (first_at, first),
                    };
                    continue 'value;
                }
                // Empty: it closes at once.
                nest.pop();
                if nest.len == 0 {
                    return Some(first_at + 1);
                }
                object = nest.in_object();
            }
            // The string's text is checked through the masks.
            b'"' => {}
            // In an array, with the integer ending in the block: it and the integers after
            // it, at once. A miss is counted here and the number checked alone below.
            b'-' | b'0'..=b'9'
                if !object
                    && integer_misses < INTEGER_MISSES
                    && blocks.masks.scalar_ends >> (at - base) != 0
                    && match integers(bytes, base, at - base, starts, &blocks.masks) {
                        Some((rest, count)) => {
                            starts = rest;
                            blocks.plain += count;
                            true
                        }
                        None => {
                            integer_misses += 1;
                            false
                        }
                    } => {}
            b'-' | b'0'..=b'9' if plain_number(bytes, base, at - base, b, &blocks.masks) => {
                blocks.plain += 1;
            }
            b'-' | b'0'..=b'9' if scalar(bytes, at, b) => blocks.slow += 1,
            b't' | b'f' | b'n' if scalar(bytes, at, b) => {}
            _ => return None,
        }
        // A value just ended: close containers until one continues with a comma.
        loop {
            let (close_at, next) = token!();
            match next {
                b',' => {
                    (at, b) = if object {
                        match token!() {
                            (_, b'"') => colon_value!(),
                            _ => return None,
                        }
                    } else {
                        token!()
                    };
                    continue 'value;
                }
                b'}' if object => {}
                b']' if !object => {}
                _ => return None,
            }
            nest.pop();
            if nest.len == 0 {
                return Some(close_at + 1);
            }
            object = nest.in_object();
        }
    }
}

/// What the walk of a chunk expects at a token boundary, as the push decoder's states say it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Next {
    /// A value: after `:`, or after `,` in an array.
    Value,
    /// A value or `]`, just after `[`.
    FirstValue,
    /// A key or `}`, just after `{`.
    FirstKey,
    /// A key, after `,` in an object.
    Key,
    /// The `:` after a key.
    Colon,
    /// A `,` or the innermost container's closing bracket.
    After,
}

/// The open containers below a walk's start, kept by its caller: 1 for an object.
pub(crate) trait Stack {
    /// Records that the container at nesting level `depth` (0 the outermost) is an object.
    fn set(&mut self, depth: usize, object: bool);
    /// Whether the container at nesting level `depth` is an object.
    fn is_object(&self, depth: usize) -> bool;
}

/// Where a walk of a chunk stopped: the offset of the first token it did not take (or the end
/// of the bytes), what is expected there and how many containers are open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Stop {
    pub(crate) at: usize,
    pub(crate) next: Next,
    pub(crate) depth: usize,
    /// It stopped at its probe: the bytes read faster byte by byte (see [`PROBE_BLOCKS`]).
    pub(crate) dense: bool,
}

/// Walks the tokens of `bytes` (UTF-8, and only ever part of a body) from where `from` stopped,
/// a token boundary where its `next` is expected with its `depth` containers open (their kinds
/// in `stack`), for
/// as long as each token is whole inside `bytes` and valid, no container at depth `keep` or
/// below closes, and the nesting stays under `max_depth`. It stops before the first token that
/// is not so, leaving that token to a byte-wise reader, which decides it exactly; it stops at
/// the end of `bytes` before a token that may go on past them.
///
/// With `probe`, it also stops after its first [`PROBE_BLOCKS`] blocks when they show the
/// bytes read faster byte by byte, and says so.
///
/// Each level it opens is written to `stack` as it goes; levels above the returned depth are
/// left as they are, which is of no consequence to a caller that tracks depth itself.
pub(crate) fn walk_chunk(
    bytes: &[u8],
    from: Stop,
    keep: usize,
    max_depth: usize,
    probe: bool,
    stack: &mut impl Stack,
) -> Stop {
    let Stop { at: start, next, mut depth, .. } = from;
    let probe_at = if probe { start + PROBE_BLOCKS * 64 } else { usize::MAX };
    let mut blocks = Blocks::new(bytes, start, probe_at);
    let (mut base, mut starts) = (start, 0u64);
    let mut object = depth > 0 && stack.is_object(depth - 1);
    // Where the last token starts when it is a string or a scalar (else `usize::MAX`): a block
    // that cannot be taken (the end of the bytes among them) may hold the rest of it, and the
    // walk then stops before it, where a key (waiting for its colon) or a value (waiting for
    // what follows it) was expected; after a bracket, colon or comma it stops at the block.
    let mut open_at = usize::MAX;
    // Stops before the token at `$at`, where `$next` was expected.
    macro_rules! stop {
        ($at:expr, $next:expr) => {
            return Stop { at: $at, next: $next, depth, dense: blocks.dense() }
        };
    }
    // The next token (offset and first byte), while `$next` is expected.
    macro_rules! token {
        ($next:expr) => {{
            while starts == 0 {
                let block = blocks.next;
                let Some(more) = blocks.refill() else {
                    if open_at != usize::MAX {
                        let open = if $next == Next::Colon { Next::Key } else { Next::Value };
                        stop!(open_at, open);
                    }
                    stop!(block.min(bytes.len()), $next);
                };
                (starts, base) = (more, blocks.next - 64);
            }
            let at = base + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            match bytes.get(at) {
                Some(&b) => (at, b),
                None => stop!(at, $next),
            }
        }};
    }
    // A string or scalar taken at `$at` (as a key or a value; either state before it takes
    // it alike, `[` and `{` apart, which it is not).
    macro_rules! took_open {
        ($at:expr) => {
            open_at = $at
        };
    }
    // A key (expected as `$next`), its colon, and the first token of its value.
    macro_rules! key_colon_value {
        ($key_at:expr, $key:expr, $next:expr) => {{
            if $key != b'"' {
                stop!($key_at, $next);
            }
            took_open!($key_at);
            let (colon_at, colon) = token!(Next::Colon);
            if colon != b':' {
                stop!(colon_at, Next::Colon);
            }
            open_at = usize::MAX;
            token!(Next::Value)
        }};
    }
    // Enter the walk where `next` says: at a value's first token, or after a value.
    let (mut at, mut b, mut expected) = (start, 0, Next::Value);
    let mut after_value = false;
    match next {
        Next::Value | Next::FirstValue => {
            (at, b, expected) = {
                let (at, b) = token!(next);
                (at, b, next)
            }
        }
        Next::Colon => {
            let (colon_at, colon) = token!(Next::Colon);
            if colon != b':' {
                stop!(colon_at, Next::Colon);
            }
            (at, b) = token!(Next::Value);
        }
        Next::FirstKey | Next::Key => {
            let (key_at, key) = token!(next);
            if key == b'}' && next == Next::FirstKey && depth > keep {
                depth -= 1;
                object = depth > 0 && stack.is_object(depth - 1);
                after_value = true;
            } else {
                (at, b) = key_colon_value!(key_at, key, next);
            }
        }
        Next::After => after_value = true,
    }
    'value: loop {
        if !after_value {
            match b {
                b'{' | b'[' => {
                    if depth >= max_depth {
                        stop!(at, expected);
                    }
                    object = b == b'{';
                    stack.set(depth, object);
                    depth += 1;
                    open_at = usize::MAX;
                    let first_next = if object { Next::FirstKey } else { Next::FirstValue };
                    let (first_at, first) = token!(first_next);
                    if first == if object { b'}' } else { b']' } {
                        if depth <= keep {
                            stop!(first_at, first_next);
                        }
                        // Empty: it closes at once.
                        depth -= 1;
                        object = depth > 0 && stack.is_object(depth - 1);
                    } else if object {
                        (at, b) = key_colon_value!(first_at, first, Next::FirstKey);
                        expected = Next::Value;
                        continue 'value;
                    } else {
                        (at, b, expected) = (first_at, first, Next::FirstValue);
                        continue 'value;
                    }
                }
                // Only when the walk starts just after `[`.
                b']' if expected == Next::FirstValue && depth > keep => {
                    depth -= 1;
                    object = depth > 0 && stack.is_object(depth - 1);
                    open_at = usize::MAX;
                }
                // The string's text is checked through the masks.
                b'"' => took_open!(at),
                b'-' | b'0'..=b'9' if plain_number(bytes, base, at - base, b, &blocks.masks) => {
                    blocks.plain += 1;
                    took_open!(at)
                }
                b'-' | b'0'..=b'9' if scalar(bytes, at, b) => {
                    blocks.slow += 1;
                    took_open!(at)
                }
                b't' | b'f' | b'n' if scalar(bytes, at, b) => took_open!(at),
                _ => stop!(at, expected),
            }
        }
        after_value = false;
        // A value just ended: close containers until one continues with a comma.
        loop {
            let (close_at, close) = token!(Next::After);
            match close {
                b',' => {
                    open_at = usize::MAX;
                    (at, b) = if object {
                        let (key_at, key) = token!(Next::Key);
                        key_colon_value!(key_at, key, Next::Key)
                    } else {
                        token!(Next::Value)
                    };
                    expected = Next::Value;
                    continue 'value;
                }
                b'}' | b']' if (close == b'}') == object && depth > keep => {
                    depth -= 1;
                    object = depth > 0 && stack.is_object(depth - 1);
                    open_at = usize::MAX;
                }
                _ => stop!(close_at, Next::After),
            }
        }
    }
}

/// Whether the block-wise walk agrees with the byte-wise one on every container that starts
/// in `input` (the first 16, at two depth limits): where it answers, the byte-wise walk accepts
/// the same text, and on a valid container it does answer.
pub(crate) fn agrees_with_bytewise(input: &[u8]) -> bool {
    let Ok(text) = super::Text::new(input) else { return true };
    let bytes = text.text.as_bytes();
    let starts = bytes.iter().enumerate().filter(|(_, &b)| b == b'{' || b == b'[');
    starts.take(16).all(|(start, _)| {
        [3, super::MAX_DEPTH].into_iter().all(|max_depth| {
            let mut exact = super::Scanner::new(text.text, max_depth);
            exact.advance(start);
            let want = exact.container(0).map(|value| start + value.len());
            let probed = container_end(bytes, start, 0, max_depth, true);
            match container_end(bytes, start, 0, max_depth, false) {
                _ if probed.is_some_and(|end| want != Ok(end)) => false,
                Some(end) => want == Ok(end),
                // Bodies this walk leaves to the other: controls, escapes and the limits aside,
                // it answers for every container the byte-wise walk accepts.
                None => want.is_err() || leaves_to_bytewise(bytes, start),
            }
        })
    })
}

/// Whether the block-wise walk may decline a valid container at `start`: only when the bytes
/// after it, in the block where it ends, hold what reads as a bad escape or a control character
/// in a string, which takes a backslash or a control byte somewhere after `start`.
fn leaves_to_bytewise(bytes: &[u8], start: usize) -> bool {
    bytes.get(start..).unwrap_or_default().iter().any(|&b| b < 0x20 || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len() as u64) as usize]
        }
    }

    /// A random valid value, biased towards what the masks must get right: escapes (runs of
    /// backslashes, escaped quotes, surrogate pairs), numbers of every shape, whitespace.
    fn value(rng: &mut Rng, depth: u32, out: &mut String) {
        let ws = ["", "", " ", "\n  ", "\t", "\r\n"];
        match if depth > 5 { 2 + rng.below(3) } else { rng.below(6) } {
            0 | 5 => {
                out.push('[');
                for i in 0..rng.below(6) {
                    if i > 0 {
                        out.push_str(rng.pick(&ws));
                        out.push(',');
                    }
                    out.push_str(rng.pick(&ws));
                    value(rng, depth + 1, out);
                }
                out.push_str(rng.pick(&ws));
                out.push(']');
            }
            1 => {
                out.push('{');
                for i in 0..rng.below(6) {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(rng.pick(&ws));
                    string(rng, out);
                    out.push_str(rng.pick(&ws));
                    out.push(':');
                    out.push_str(rng.pick(&ws));
                    value(rng, depth + 1, out);
                    out.push_str(rng.pick(&ws));
                }
                out.push('}');
            }
            2 => string(rng, out),
            3 => {
                let parts =
                    ["-", "0", "1", "12", "9876543210123456789", ".5", ".25", "e7", "E-3", "e+12"];
                out.push_str(if rng.below(4) == 0 { "-" } else { "" });
                out.push_str(parts[1 + rng.below(3) as usize]);
                if rng.below(2) == 0 {
                    out.push_str(parts[5 + rng.below(2) as usize]);
                }
                if rng.below(3) == 0 {
                    out.push_str(parts[7 + rng.below(3) as usize]);
                }
            }
            _ => out.push_str(rng.pick(&["true", "false", "null"])),
        }
    }

    fn string(rng: &mut Rng, out: &mut String) {
        out.push('"');
        for _ in 0..rng.below(12) {
            out.push_str(rng.pick(&[
                "a",
                "bc",
                "{",
                "]",
                ":",
                ",",
                " ",
                "\\\"",
                "\\\\",
                "\\\\\\\\",
                "\\n",
                "\\u00e9",
                "\\uD83D\\uDE00",
                "é",
                "\u{1F600}",
                "0123456789abcdef0123456789abcdef",
            ]));
        }
        out.push('"');
    }

    /// Valid documents, and each with one byte changed, inserted or removed.
    fn documents() -> Vec<Vec<u8>> {
        let mut rng = Rng(0x853c_49e6_748f_ea9b);
        let mut out = Vec::new();
        for _ in 0..if cfg!(miri) { 8 } else { 3000 } {
            let mut doc = String::new();
            value(&mut rng, 0, &mut doc);
            let doc = doc.into_bytes();
            for _ in 0..3 {
                let mut bad = doc.clone();
                let at = rng.below(bad.len() as u64 + 1) as usize;
                let bytes = b"\"\\{}[]:, \x01\x1fe.-0atn";
                let byte = bytes[rng.below(bytes.len() as u64) as usize];
                match rng.below(3) {
                    0 if at < bad.len() => bad[at] = byte,
                    1 if at < bad.len() => drop(bad.remove(at)),
                    _ => bad.insert(at, byte),
                }
                out.push(bad);
            }
            out.push(doc);
        }
        out
    }

    #[test]
    fn agrees_with_the_bytewise_walk() {
        for doc in documents() {
            assert!(agrees_with_bytewise(&doc), "{:?}", String::from_utf8_lossy(&doc));
        }
    }

    /// Token shapes the masks must get right, valid and not: numbers, literals, strings with
    /// escapes and surrogate pairs, and bytes that belong nowhere.
    const TOKENS: &[&str] = &[
        "0",
        "-0",
        "-",
        "-1",
        "01",
        "-01",
        "1.",
        "1.5",
        "-0.5",
        "00.5",
        "1.5e3",
        "1e",
        "1e+5",
        "-.5",
        "1.2.3",
        "1..2",
        "1-2",
        "1e5e",
        "+1",
        "--1",
        "0x",
        "1 2",
        "1\u{e9}",
        "1\\",
        "1\"",
        "1\x01",
        "12345678901234567890123456789012345678",
        "tru",
        "true",
        "truex",
        "nul",
        "null",
        "false",
        "fals",
        "t",
        "\"\"",
        "\"\\\"\"",
        "\"\\\\\"",
        "\"\\\\\\\"\"",
        "\"\\uD83D\\uDE00\"",
        "\"\\uD83D\"",
        "\"\\uD83D\\u0041\"",
        "\"\\uD83D\\\\\"",
        "\"\\uDE00\"",
        "\"\\u00G9\"",
        "\"\\x\"",
        "\"\x01\"",
        "\"\t\"",
        "\"\u{e9}\"",
        "\u{e9}",
        "\\",
        "\\\"\"",
        "\"\\\"",
        "[]",
        "{\"a\":1}",
        "{\"a\"}",
        "{1:1}",
        "[,]",
        "[1,]",
        "\"a\"\"b\"",
        "\"a\":",
        "}",
        "[",
        "\"",
        "\"{\"",
        "\x01",
        "\x7f",
    ];

    /// Each of [`TOKENS`] at every offset where it touches or straddles the first block
    /// boundary, after whitespace, inside a string or after a number, in an array or as an
    /// object's value, with each of the bytes that may come after it: where the block walk
    /// answers, the byte-wise walk agrees, here and nested at depths that reach the limit.
    #[test]
    fn tokens_across_block_boundaries() {
        let tails = ["]", ",1]", "", ",]", "\"]", ":1]", "x]", "\x01]", "]]", ",[]]"];
        let contexts = [("[", " ", ""), ("[\"", "a", "\","), ("[", "1", ","), ("{\"k\":", " ", "")];
        let tokens = if cfg!(miri) { &TOKENS[..2] } else { TOKENS };
        for token in tokens {
            for (open, pad, close) in contexts {
                let tail_fix = |tail: &str| match open {
                    "{\"k\":" => tail.replace(']', "}"),
                    _ => String::from(tail),
                };
                let before = open.len() + close.len();
                // The token's first byte from where its last is at bit 61 to bit 65.
                let first = (62usize.saturating_sub(token.len() + before))..(66 - before);
                for k in first {
                    for tail in &tails[..if cfg!(miri) { 3 } else { tails.len() }] {
                        let doc =
                            std::format!("{open}{}{close}{token}{}", pad.repeat(k), tail_fix(tail));
                        assert!(agrees_with_bytewise(doc.as_bytes()), "{doc:?}");
                        assert!(agrees_at_depth(doc.as_bytes()), "{doc:?}");
                    }
                }
            }
        }
    }

    /// Runs of backslashes in a string (and outside one) ending at every offset around the
    /// first block boundary, then a quote, an escape or a surrogate pair.
    #[test]
    fn backslash_runs_across_block_boundaries() {
        let afters = ["\"", "a\"", "\\\"", "u0041\"", "uD83D\\uDE00\"", "uD83D\"", "\"\""];
        // Miri checks the runs that end on either side of the first block's end.
        let afters = if cfg!(miri) { &afters[2..6] } else { &afters[..] };
        for n in 0..if cfg!(miri) { 2 } else { 8 } {
            let ks = if cfg!(miri) { 63..65 } else { (60 - n.min(60))..66 };
            for k in ks {
                for after in afters {
                    for (open, pad) in [("[\"", "a"), ("[", " ")] {
                        for tail in ["]", ",\"b\"]"] {
                            let doc = std::format!(
                                "{open}{}{}{after}{tail}",
                                pad.repeat(k - 1),
                                "\\".repeat(n)
                            );
                            assert!(agrees_with_bytewise(doc.as_bytes()), "{doc:?}");
                        }
                    }
                }
            }
        }
    }

    /// Blocks dense with escapes, checked all at once from their classes: one escape of every
    /// kind, valid or not, at every offset around the first two block ends among many valid
    /// ones. The walk answers for a valid string and declines an invalid one, as the byte-wise
    /// walk judges it.
    #[test]
    fn dense_escapes_are_checked_at_once() {
        let valid = [
            "\\\"",
            "\\\\",
            "\\/",
            "\\b",
            "\\f",
            "\\n",
            "\\r",
            "\\t",
            "\\u00e9",
            "\\uABCD",
            "\\uabcd",
            "\\uD83D\\uDE00",
            "\\ud83d\\ude00",
            "\\uD7FF",
            "\\uE000",
            "\\u0000",
        ];
        let invalid = [
            "\\x",
            "\\u00G9",
            "\\u12\"",
            "\\U0041",
            "\\a",
            "\\0",
            "\\uD800",
            "\\uDC00",
            "\\uD83D\\n",
            "\\uD83D\\u0041",
            "\\u\\u0041",
            "\\ug000",
            "\\u@000",
            "\\u`000",
            "\\\u{e9}",
        ];
        let fill = ["\\n", "\\u00e9", "\\\"", "a"];
        // Miri checks a few of each, at one offset.
        let (valid, invalid) =
            if cfg!(miri) { (&valid[9..12], &invalid[5..8]) } else { (&valid[..], &invalid[..]) };
        for (probe, ok) in valid.iter().map(|p| (p, true)).chain(invalid.iter().map(|p| (p, false)))
        {
            for at in if cfg!(miri) { 61..62 } else { 50..132 } {
                let mut text = String::new();
                let mut i = 0;
                while text.len() < at {
                    text.push_str(fill[i % fill.len()]);
                    i += 1;
                }
                let doc = std::format!("[\"{text}{probe}{text}\",1]");
                let end = container_end(doc.as_bytes(), 0, 0, 8, false);
                let want = super::super::validate(doc.as_bytes(), 8).is_ok();
                assert_eq!(want, ok, "{doc:?}");
                assert_eq!(end, ok.then_some(doc.len()), "{doc:?}");
            }
        }
    }

    /// Arrays of integers, checked a block at a time: one token among them of every shape,
    /// valid or not, at every offset around the first block ends, after integers of every
    /// length. The walk answers for a valid array and declines an invalid one.
    #[test]
    fn integer_runs_are_checked_at_once() {
        let valid = ["7", "0", "-0", "-12", "1.5", "1e3", "\"x\"", "[1,2]", "null", "  8", "9 "];
        let invalid = [
            "01", "-", "--1", "1-2", "-01", "00", "1a", "+1", "1.", ".5", "1e", "tru", "1 2", ",",
            "0-", "-a", "1\"x\"", "\u{e9}", "\x01",
        ];
        let fill = ["12345", "-6", "0", "789", "-10", "4"];
        // Miri checks a few of each, at one offset.
        let (valid, invalid) =
            if cfg!(miri) { (&valid[..3], &invalid[..4]) } else { (&valid[..], &invalid[..]) };
        for (token, ok) in valid.iter().map(|t| (t, true)).chain(invalid.iter().map(|t| (t, false)))
        {
            for at in if cfg!(miri) { 61..62 } else { 40..136 } {
                for shift in 0..if cfg!(miri) { 1 } else { fill.len() } {
                    let mut doc = String::from("[");
                    let mut i = shift;
                    while doc.len() < at {
                        doc.push_str(fill[i % fill.len()]);
                        doc.push(',');
                        i += 1;
                    }
                    doc.push_str(token);
                    for n in 0..24 {
                        doc.push(',');
                        doc.push_str(fill[(i + n) % fill.len()]);
                    }
                    doc.push(']');
                    let want = super::super::validate(doc.as_bytes(), 8).is_ok();
                    assert_eq!(want, ok, "{doc:?}");
                    let end = container_end(doc.as_bytes(), 0, 0, 8, false);
                    assert_eq!(end, ok.then_some(doc.len()), "{doc:?}");
                }
            }
        }
    }

    /// Where the block walk answers for a container nested inside one or two others already,
    /// the byte-wise walk from there accepts the same text: the depth limit is counted alike.
    fn agrees_at_depth(input: &[u8]) -> bool {
        let Ok(text) = crate::scan::Text::new(input) else { return true };
        let bytes = text.text.as_bytes();
        let starts = bytes.iter().enumerate().filter(|(_, &b)| b == b'{' || b == b'[');
        starts.take(4).all(|(start, _)| {
            [(1, 2), (2, 4)].into_iter().all(|(depth, max_depth)| {
                let mut exact = crate::scan::Scanner::new(text.text, max_depth);
                exact.advance(start);
                let want = exact.container(depth).map(|value| start + value.len());
                container_end(bytes, start, depth, max_depth, true)
                    .is_none_or(|end| want == Ok(end))
            })
        })
    }

    #[test]
    fn answers_for_large_valid_containers() {
        let mut rng = Rng(7);
        let (mut answered, mut total) = (0, 0);
        for _ in 0..if cfg!(miri) { 4 } else { 500 } {
            let mut doc = String::from("[");
            for i in 0..8 {
                if i > 0 {
                    doc.push(',');
                }
                value(&mut rng, 1, &mut doc);
            }
            doc.push(']');
            total += 1;
            let end = container_end(doc.as_bytes(), 0, 0, 128, false);
            answered += usize::from(end == Some(doc.len()));
        }
        assert_eq!(answered, total);
    }

    /// A stack for the chunk walk's tests.
    struct Bits(u128);

    impl Stack for Bits {
        fn set(&mut self, depth: usize, object: bool) {
            self.0 = self.0 & !(1 << depth) | u128::from(object) << depth;
        }
        fn is_object(&self, depth: usize) -> bool {
            self.0 >> depth & 1 != 0
        }
    }

    #[test]
    fn chunk_walks_compose_and_stop_before_errors() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        // Each document is walked as the one element of an array the walk may not close, as
        // the push decoder walks what lies inside `data`.
        let walk = |bytes: &[u8], from: Stop, stack: &mut Bits| {
            walk_chunk(bytes, from, 1, 100, false, stack)
        };
        let start = Stop { at: 1, next: Next::FirstValue, depth: 1, dense: false };
        for doc in documents() {
            let body = [b"[".as_slice(), &doc, b"]"].concat();
            let Ok(text) = core::str::from_utf8(&body) else { continue };
            let whole = walk(&body, start, &mut Bits(0));
            // It never passes the first error: the byte-wise walk accepts what it took.
            match super::super::validate(text.as_bytes(), 101) {
                Err(e) => assert!(whole.at <= e.offset(), "{text:?}: {whole:?} past {e:?}"),
                Ok(())
                    if !doc.iter().any(|&b| b < 0x20 || b == b'\\')
                        && doc.iter().any(|&b| b != b' ') =>
                {
                    let end =
                        Stop { at: body.len() - 1, next: Next::After, depth: 1, dense: false };
                    assert_eq!(whole, end, "{text:?}");
                }
                Ok(()) => {}
            }
            // Cut anywhere, then resumed over the whole: where the walk of the whole goes.
            let cut = 1 + rng.below(body.len() as u64) as usize;
            let mut stack = Bits(0);
            let first = walk(&body[..cut], start, &mut stack);
            assert!(first.at <= cut);
            let resumed = walk(&body, first, &mut stack);
            // Strings with escapes or controls are vouched for block by block, so a walk that
            // starts elsewhere may stop elsewhere in them.
            if !doc.iter().any(|&b| b < 0x20 || b == b'\\') {
                assert_eq!(resumed, whole, "{text:?} cut at {cut}: {first:?}");
            }
        }
    }

    #[test]
    fn leaves_arrays_of_long_numbers_to_the_bytewise_walk() {
        let array = |number: &str| {
            let mut doc = String::from("[");
            for i in 0..200 {
                doc += if i == 0 { "" } else { "," };
                doc += number;
            }
            doc + "]"
        };
        // Exponents, and numbers long enough to cross many block ends: byte by byte.
        let floats = array("-0.12345678901234567e-12");
        assert_eq!(container_end(floats.as_bytes(), 0, 0, 8, true), None);
        assert_eq!(container_end(floats.as_bytes(), 0, 0, 8, false), Some(floats.len()));
        // Short integers and plain fractions, checked from the masks: block by block.
        for number in ["12", "-7", "0.5", "123456"] {
            let doc = array(number);
            assert_eq!(container_end(doc.as_bytes(), 0, 0, 8, true), Some(doc.len()), "{number}");
        }
        // Either way the same verdict.
        assert_eq!(super::super::validate(floats.as_bytes(), 8), Ok(()));
        // A chunk's walk stops at its probe there, and says so, at a token boundary the
        // byte-wise walk goes on from; without the probe, or on short numbers, it goes on.
        let chunk = |doc: &str, probe| {
            let from = Stop { at: 1, next: Next::FirstValue, depth: 1, dense: false };
            walk_chunk(doc.as_bytes(), from, 0, 8, probe, &mut Bits(0))
        };
        let stop = chunk(&floats, true);
        assert!(stop.dense && stop.depth == 1, "{stop:?}");
        assert!((PROBE_BLOCKS * 64 - 64..=PROBE_BLOCKS * 64).contains(&stop.at), "{stop:?}");
        let rest = &floats[stop.at..];
        assert!(rest.starts_with(',') || rest.starts_with('-'), "{stop:?} at {rest:.8}");
        let whole = Stop { at: floats.len(), next: Next::After, depth: 0, dense: false };
        assert_eq!(chunk(&floats, false), whole);
        let doc = array("123456");
        assert_eq!(chunk(&doc, true), Stop { at: doc.len(), ..whole });
    }

    #[test]
    fn declines_what_it_cannot_vouch_for() {
        let end = |json: &str, max_depth| container_end(json.as_bytes(), 0, 0, max_depth, true);
        assert_eq!(end(r#"{"a":[1,"x\"y",{"b":null}]}"#, 8), Some(27));
        assert_eq!(end("[[[]]]", 3), Some(6));
        assert_eq!(end("[[[]]]", 2), None);
        for bad in [
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "[01]",
            "[1.]",
            "[-]",
            "[tru]",
            "[truex]",
            "[\"\\x\"]",
            "[\"\\uD800\"]",
            "[\"a\x01\"]",
            "[1",
            "[\"]",
            "{\"a\":1]",
            "[1}",
            "[\"a\"\"b\"]",
            "[1\"a\"]",
            "[nul]",
            "[+1]",
            "{1:2}",
            "[\u{e9}]",
        ] {
            assert_eq!(end(bad, 8), None, "{bad}");
        }
    }
}
