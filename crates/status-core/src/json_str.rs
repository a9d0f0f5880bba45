//! A validated JSON string that borrows its raw, possibly escaped, text.

use core::fmt::{self, Write as _};
use core::hash::{Hash, Hasher};

use crate::error::{Error, ErrorKind};
use crate::escape::{self, decode_escape};

/// A JSON string from a validated body, borrowed as written (without its quotes).
///
/// Nothing is copied: [`as_str`](Self::as_str) hands out the text itself when it has no
/// escapes, and escaped text is decoded on the way out, into a caller's buffer
/// ([`unescape_into`](Self::unescape_into)), a `heapless::String`
/// ([`to_heapless`](Self::to_heapless)), a formatter (`Display`) or a comparison (`== "text"`).
///
/// With the `serde` feature it is also the field type for text that may be escaped: a
/// `&'a str` field can only borrow a string without escapes, a `JsonStr<'a>` field takes any
/// string, still without copying or allocating.
#[derive(Clone, Copy)]
pub struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

/// A piece of a string's decoded text: a run of literal text, or one escaped character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStrPiece<'a> {
    /// Text that needed no decoding.
    Text(&'a str),
    /// A character that was written as an escape.
    Char(char),
}

/// Iterator over the [`JsonStrPiece`]s of a [`JsonStr`]'s decoded text.
#[derive(Debug, Clone)]
pub struct JsonStrPieces<'a> {
    rest: &'a str,
}

impl<'a> Iterator for JsonStrPieces<'a> {
    type Item = JsonStrPiece<'a>;

    #[inline]
    fn next(&mut self) -> Option<JsonStrPiece<'a>> {
        let bytes = self.rest.as_bytes();
        match bytes.first()? {
            b'\\' => {
                let (ch, len) = decode_escape(bytes);
                self.rest = self.rest.get(len..).unwrap_or_default();
                Some(JsonStrPiece::Char(ch))
            }
            _ => {
                let end = bytes.iter().position(|&b| b == b'\\').unwrap_or(bytes.len());
                let (text, rest) = self.rest.split_at_checked(end).unwrap_or((self.rest, ""));
                self.rest = rest;
                Some(JsonStrPiece::Text(text))
            }
        }
    }
}

impl<'a> JsonStr<'a> {
    /// Wraps text the scanner validated; `escaped` says whether it holds a backslash.
    #[inline]
    pub(crate) const fn from_validated(raw: &'a str, escaped: bool) -> Self {
        Self { raw, escaped }
    }

    /// Validates one JSON string literal, quotes included (`"a\nb"`), surrounded by nothing.
    ///
    /// Error offsets count from the opening quote.
    pub fn parse(literal: &'a str) -> Result<Self, Error> {
        match literal.as_bytes().first() {
            Some(b'"') => {}
            Some(_) => return Err(Error::new(ErrorKind::ExpectedValue, 0)),
            None => return Err(Error::new(ErrorKind::EmptyBody, 0)),
        }
        let (end, escaped) = escape::skip_string(literal.as_bytes(), 1)?;
        if end != literal.len() {
            return Err(Error::new(ErrorKind::TrailingCharacters, end));
        }
        Ok(Self::from_validated(literal.get(1..end - 1).unwrap_or_default(), escaped))
    }

    /// The text between the quotes, escapes and all: as written in the body for a string this
    /// crate's decoder or deserializer found. A `JsonStr` deserialized through another
    /// deserializer (such as serde_json's) holds the text it lent, already decoded and without
    /// a backslash, which may differ from what the body said (`"\u0041"` lends `A`).
    #[inline]
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// Whether the text holds at least one backslash escape.
    #[inline]
    pub const fn has_escapes(&self) -> bool {
        self.escaped
    }

    /// The text itself, borrowed, when it has no escapes (`None` when it needs decoding).
    #[inline]
    pub const fn as_str(&self) -> Option<&'a str> {
        if self.escaped {
            None
        } else {
            Some(self.raw)
        }
    }

    /// The decoded text as pieces: literal runs and escaped characters.
    #[inline]
    pub fn pieces(&self) -> JsonStrPieces<'a> {
        JsonStrPieces { rest: self.raw }
    }

    /// The decoded characters.
    pub fn chars(&self) -> impl Iterator<Item = char> + 'a {
        self.pieces().flat_map(|piece| {
            let (text, ch) = match piece {
                JsonStrPiece::Text(t) => (t, None),
                JsonStrPiece::Char(c) => ("", Some(c)),
            };
            text.chars().chain(ch)
        })
    }

    /// The length in bytes of the decoded text, as UTF-8.
    pub fn unescaped_len(&self) -> usize {
        if !self.escaped {
            return self.raw.len();
        }
        self.pieces()
            .map(|p| match p {
                JsonStrPiece::Text(t) => t.len(),
                JsonStrPiece::Char(c) => c.len_utf8(),
            })
            .sum()
    }

    /// Decodes the text into `buf` and returns it as `&str`.
    ///
    /// Fails with [`ErrorKind::BufferTooSmall`] at the offset (in the raw text) of the first
    /// piece that did not fit; nothing is truncated silently.
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, Error> {
        escape::unescape(self.raw, self.escaped, buf)
    }

    /// Decodes the text into a fixed-capacity `heapless::String<N>`.
    ///
    /// Fails with [`ErrorKind::BufferTooSmall`] when the text does not fit.
    #[cfg(feature = "heapless")]
    pub fn to_heapless<const N: usize>(&self) -> Result<heapless::String<N>, Error> {
        let mut out = heapless::String::new();
        self.decode_each(|raw_at, text| {
            out.push_str(text).map_err(|_| Error::new(ErrorKind::BufferTooSmall, raw_at))
        })?;
        Ok(out)
    }

    /// Calls `f` with each decoded piece as text, and the raw offset it was decoded from.
    fn decode_each(
        &self,
        mut f: impl FnMut(usize, &str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut pieces = self.pieces();
        loop {
            let raw_at = self.raw.len() - pieces.rest.len();
            let mut utf8 = [0u8; 4];
            match pieces.next() {
                None => return Ok(()),
                Some(JsonStrPiece::Text(t)) => f(raw_at, t)?,
                Some(JsonStrPiece::Char(c)) => f(raw_at, c.encode_utf8(&mut utf8))?,
            }
        }
    }
}

impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in self.pieces() {
            match piece {
                JsonStrPiece::Text(t) => f.write_str(t)?,
                JsonStrPiece::Char(c) => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.chars() {
            for e in c.escape_debug() {
                f.write_char(e)?;
            }
        }
        f.write_char('"')
    }
}

impl PartialEq<str> for JsonStr<'_> {
    fn eq(&self, other: &str) -> bool {
        if !self.escaped {
            return self.raw == other;
        }
        let mut rest = other;
        for piece in self.pieces() {
            let mut utf8 = [0u8; 4];
            let text = match piece {
                JsonStrPiece::Text(t) => t,
                JsonStrPiece::Char(c) => c.encode_utf8(&mut utf8),
            };
            match rest.strip_prefix(text) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }
}

impl PartialEq<&str> for JsonStr<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<JsonStr<'_>> for str {
    fn eq(&self, other: &JsonStr<'_>) -> bool {
        other == self
    }
}

impl PartialEq<JsonStr<'_>> for &str {
    fn eq(&self, other: &JsonStr<'_>) -> bool {
        other == *self
    }
}

impl PartialEq for JsonStr<'_> {
    fn eq(&self, other: &JsonStr<'_>) -> bool {
        if !self.escaped {
            return *other == *self.raw;
        }
        if !other.escaped {
            return *self == *other.raw;
        }
        self.chars().eq(other.chars())
    }
}

impl Eq for JsonStr<'_> {}

impl Hash for JsonStr<'_> {
    /// Hashes the decoded text, so `"\u0041"` and `"A"` hash alike.
    ///
    /// Hashers may depend on how input is split between `write` calls, so the text goes
    /// through fixed-size blocks whose boundaries depend on the decoded text alone.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut block = [0u8; 32];
        let mut filled = 0;
        let _ = self.decode_each(|_, text| {
            let mut bytes = text.as_bytes();
            while !bytes.is_empty() {
                let take = bytes.len().min(block.len() - filled);
                let (head, rest) = bytes.split_at(take);
                if let Some(dst) = block.get_mut(filled..filled + take) {
                    dst.copy_from_slice(head);
                }
                filled += take;
                bytes = rest;
                if filled == block.len() {
                    state.write(&block);
                    filled = 0;
                }
            }
            Ok(())
        });
        state.write(block.get(..filled).unwrap_or_default());
        state.write_u8(0xff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::{String, ToString};

    #[test]
    fn unescape_into_agrees_with_the_decoded_characters() {
        let mut cases: std::vec::Vec<String> = std::vec![
            r#"plain"#.into(),
            r#"The \"best\" moments"#.into(),
            r#"\\\/\b\f\n\r\t"#.into(),
            r#"\u00e9\u0000\uFFFF\ud83d\ude00 caf\u00E9"#.into(),
            r#"Emoji-rich 🚀🔥✨ moment with a quote: \u00ab on y va \u00bb"#.into(),
            r#"\n"#.into(),
            std::format!(r#"{}\n{}"#, "é".repeat(40), "x".repeat(37)),
        ];
        // Around a buffer's end: what fits is decoded, what does not is refused where the
        // piece that did not fit starts.
        for n in 29..35 {
            cases.push(std::format!(r#"{}\t"#, "a".repeat(n)));
            cases.push(std::format!(r#"{}\u00e9"#, "a".repeat(n)));
        }
        for raw in &cases {
            let literal = std::format!("\"{raw}\"");
            let s = JsonStr::parse(&literal).unwrap();
            let want: String = s.chars().collect();
            let mut buf = [0u8; 32];
            match s.unescape_into(&mut buf) {
                Ok(got) => assert_eq!(got, want, "{raw}"),
                Err(e) => {
                    assert!(want.len() > 32, "{raw}");
                    assert_eq!(e.kind(), ErrorKind::BufferTooSmall);
                    let decoded_before: usize =
                        JsonStr::from_validated(&raw[..e.offset()], true).unescaped_len();
                    assert!(decoded_before <= 32, "{raw}: {e}");
                }
            }
        }
        // Text decoded by another deserializer is taken as it is, quotes and all.
        let text = JsonStr::from_validated("a \"quoted\"\tword", false);
        let mut buf = [0u8; 32];
        assert_eq!(text.unescape_into(&mut buf), Ok("a \"quoted\"\tword"));
        assert_eq!(
            text.unescape_into(&mut [0u8; 4]),
            Err(Error::new(ErrorKind::BufferTooSmall, 0))
        );
    }

    fn s(lit: &str) -> JsonStr<'_> {
        JsonStr::parse(lit).unwrap()
    }

    #[cfg(feature = "serde")]
    #[test]
    fn decoded_text_from_other_deserializers_is_never_read_as_escapes() {
        use serde::de::value::{BorrowedStrDeserializer, Error as ValueError};
        use serde::Deserialize as _;
        let from = |text| JsonStr::deserialize(BorrowedStrDeserializer::<ValueError>::new(text));
        assert_eq!(from("plain").unwrap(), "plain");
        for text in [r"C:\new", "a\\", r"\ud800x"] {
            assert!(from(text).is_err(), "{text}");
        }
        let parsed: JsonStr<'_> = crate::de::from_str(r#""C:\\new\u0041""#).unwrap();
        assert_eq!(parsed, "C:\\newA");
    }

    #[test]
    fn plain_text_is_borrowed() {
        let j = s(r#""trace_id-1""#);
        assert_eq!(j.as_str(), Some("trace_id-1"));
        assert!(!j.has_escapes());
        assert_eq!(j, "trace_id-1");
    }

    #[test]
    fn escapes_decode() {
        let j = s(r#""a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\uD83D\uDE00z""#);
        assert_eq!(j.as_str(), None);
        let want = "a\"b\\c/d\u{8}\u{c}\n\r\té€😀z";
        assert_eq!(j.to_string(), want);
        assert_eq!(j, want);
        assert_eq!(j.unescaped_len(), want.len());
        let mut buf = [0u8; 64];
        assert_eq!(j.unescape_into(&mut buf), Ok(want));
        assert_eq!(j.chars().collect::<String>(), want);
    }

    #[test]
    fn unescape_into_small_buffer_fails_at_the_piece() {
        let j = s(r#""ab\ncd""#);
        let mut buf = [0u8; 3];
        assert_eq!(j.unescape_into(&mut buf), Err(Error::new(ErrorKind::BufferTooSmall, 4)));
        let mut exact = [0u8; 5];
        assert_eq!(j.unescape_into(&mut exact), Ok("ab\ncd"));
    }

    #[cfg(feature = "heapless")]
    #[test]
    fn heapless_strings() {
        let j = s(r#""caf\u00e9""#);
        let h: heapless::String<5> = j.to_heapless().unwrap();
        assert_eq!(h.as_str(), "café");
        assert_eq!(j.to_heapless::<4>(), Err(Error::new(ErrorKind::BufferTooSmall, 3)));
    }

    #[test]
    fn comparison_sees_through_escapes() {
        assert_eq!(s(r#""d\u0061ta""#), "data");
        assert_ne!(s(r#""d\u0061ta""#), "dat");
        assert_ne!(s(r#""d\u0061ta""#), "datas");
        assert_eq!(s(r#""d\u0061ta""#), s(r#""\u0064ata""#));
        assert_eq!(s(r#""data""#), s(r#""\u0064ata""#));
        assert!("data" == s(r#""\u0064ata""#));
    }

    /// A hasher that sees how input was split, as some fast hashers do.
    #[derive(Default)]
    struct Splits(std::vec::Vec<std::vec::Vec<u8>>);

    impl Hasher for Splits {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.push(bytes.to_vec());
        }
    }

    #[test]
    fn hash_input_depends_on_decoded_text_only() {
        let long = "x".repeat(40) + "é" + &"y".repeat(40);
        let escaped = std::format!("\"{}\\u00e9{}\"", "x".repeat(40), "y".repeat(40));
        let plain = std::format!("\"{long}\"");
        for (a, b) in [(r#""\u0041b""#, r#""Ab""#), (escaped.as_str(), plain.as_str())] {
            let (mut ha, mut hb) = (Splits::default(), Splits::default());
            s(a).hash(&mut ha);
            s(b).hash(&mut hb);
            assert_eq!(ha.0, hb.0, "{a} vs {b}");
        }
    }

    #[test]
    fn hash_matches_decoded_text() {
        use core::hash::BuildHasher;
        let build = std::collections::hash_map::RandomState::new();
        assert_eq!(build.hash_one(s(r#""\u0041b""#)), build.hash_one(s(r#""Ab""#)));
    }

    #[test]
    fn debug_shows_decoded_text_quoted() {
        assert_eq!(std::format!("{:?}", s(r#""a\nb""#)), r#""a\nb""#);
    }

    #[test]
    fn parse_rejects_non_strings() {
        assert_eq!(JsonStr::parse("x").unwrap_err().kind(), ErrorKind::ExpectedValue);
        assert_eq!(
            JsonStr::parse(r#""a" "#).unwrap_err(),
            Error::new(ErrorKind::TrailingCharacters, 3)
        );
        assert_eq!(JsonStr::parse(r#""\ud800""#).unwrap_err().kind(), ErrorKind::LoneSurrogate);
    }
}
