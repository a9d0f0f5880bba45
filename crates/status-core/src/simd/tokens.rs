//! From a block's classes to its tokens: the escaped bytes, the inside of strings and where
//! each scalar starts, with the state carried from one block to the next. Word arithmetic
//! only; each path runs it right after its classification, in the same function.

use super::Classes;

/// Every second bit, from bit 0: where a run of backslashes starting there has its escapes.
const EVEN: u64 = 0x5555_5555_5555_5555;

/// The state a block walk carries from one block to the next.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Carry {
    /// 1 when the last byte of the block was a backslash that escapes the next byte.
    escaped: u64,
    /// All ones when the block ended inside a string.
    pub(crate) in_string: u64,
    /// 1 when the last byte of the block belonged to a scalar (number or literal).
    scalar: u64,
}

/// The tokens of one block and what its strings and numbers need checked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Tokens {
    /// Each structural byte outside strings, each opening quote and each scalar's first byte.
    pub(crate) starts: u64,
    /// The backslashes that begin an escape inside a string.
    pub(crate) escapes: u64,
    /// Whether a string holds a control character.
    pub(crate) control: bool,
    /// The last byte of each scalar that ends inside the block (bit 63 never: a scalar there
    /// may go on in the next block).
    pub(crate) scalar_ends: u64,
    /// The block's ASCII digits.
    pub(crate) digit: u64,
    /// The bytes of scalars (numbers and literals).
    pub(crate) scalar: u64,
}

/// Bit `i` set when an odd number of bits at or below `i` are set.
#[inline(always)]
pub(crate) fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The tokens of a block of classes `c`, after the blocks that left `carry`.
#[inline(always)]
pub(crate) fn from_classes(c: Classes, carry: &mut Carry) -> Tokens {
    // The bytes escaped by a backslash: a run of backslashes escapes every second byte
    // from its start, and the byte after it when its length is odd.
    let backslash = c.backslash & !carry.escaped;
    let follows = backslash << 1 | carry.escaped;
    let odd_starts = backslash & !EVEN & !follows;
    let (even_runs, overflow) = odd_starts.overflowing_add(backslash);
    carry.escaped = u64::from(overflow);
    let escaped = (EVEN ^ (even_runs << 1)) & follows;

    let quotes = c.quote & !escaped;
    // From each opening quote up to (not including) its closing quote.
    let in_string = prefix_xor(quotes) ^ carry.in_string;
    carry.in_string = ((in_string as i64) >> 63) as u64;

    let scalar = !(c.whitespace | c.op | quotes | in_string);
    let scalar_starts = scalar & !(scalar << 1 | carry.scalar);
    carry.scalar = scalar >> 63;
    Tokens {
        starts: (c.op & !in_string) | (quotes & in_string) | scalar_starts,
        escapes: c.backslash & !escaped & in_string,
        control: c.control & in_string != 0,
        scalar_ends: scalar & !(scalar >> 1) & !(1 << 63),
        digit: c.digit,
        scalar,
    }
}

/// A carried state from its three words (escaped, in string, scalar), for the tests.
#[cfg(test)]
// Only the x86_64 path's tests use it, and builds without that path leave them out.
#[allow(dead_code)]
pub(super) fn test_carry([escaped, in_string, scalar]: [u64; 3]) -> Carry {
    Carry { escaped, in_string, scalar }
}
