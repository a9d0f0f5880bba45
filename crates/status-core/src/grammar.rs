//! The byte classes of RFC 8259 that more than one reader needs, defined once.

/// JSON whitespace: space, tab, line feed, carriage return.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) const fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// Printable ASCII other than `"` and `\\`: string text that needs no look beyond its byte.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) const fn is_plain_ascii(b: u8) -> bool {
    matches!(b, 0x20..=0x7F) && b != b'"' && b != b'\\'
}

/// A byte that may follow a complete value inside a container, whitespace aside: a comma or
/// a closing bracket.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) const fn is_value_end(b: u8) -> bool {
    matches!(b, b',' | b']' | b'}')
}

/// A byte that would continue a number (`01`, `1.2.3`, `1e5e`, `4030`): one that cannot
/// follow a complete number.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(crate) const fn continues_number(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
}
