//! Server-controlled text made safe to write into a log line or a terminal.

use core::fmt::{self, Write as _};

use crate::json_str::JsonStr;

/// Displays text from a body so that it cannot break a log line or drive a terminal.
///
/// Control characters (C0, DEL, C1: newlines, carriage returns, `ESC` that starts ANSI
/// sequences), the Unicode line and paragraph separators and the bidirectional formatting
/// characters (which reorder what a reader sees, as in "Trojan Source") are written as Rust
/// escapes (`\n`, `\u{1b}`, `\u{202e}`); everything else is written as it is. `ApiError`'s
/// `Display` uses it for every field a server controls.
///
/// ```
/// use status_core::LogSafe;
/// let forged = "bad request\n2026-11-30T00:00:00Z INFO admin login ok\u{1b}[2J";
/// assert_eq!(
///     LogSafe::new(forged).to_string(),
///     r"bad request\n2026-11-30T00:00:00Z INFO admin login ok\u{1b}[2J",
/// );
/// ```
#[derive(Clone, Copy)]
pub struct LogSafe<'a>(Source<'a>);

#[derive(Clone, Copy)]
enum Source<'a> {
    Text(&'a str),
    Json(JsonStr<'a>),
}

impl<'a> LogSafe<'a> {
    /// Text already decoded.
    pub const fn new(text: &'a str) -> Self {
        Self(Source::Text(text))
    }

    /// A JSON string from the body, decoded as it is written.
    pub const fn json(text: JsonStr<'a>) -> Self {
        Self(Source::Json(text))
    }

    /// Whether `c` is written escaped.
    pub fn escapes(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
}

fn write_char(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    if LogSafe::escapes(c) {
        for e in c.escape_default() {
            f.write_char(e)?;
        }
        Ok(())
    } else {
        f.write_char(c)
    }
}

impl fmt::Display for LogSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Source::Text(text) => {
                // Runs without a character to escape are written whole.
                let mut rest = text;
                while let Some((at, c)) = rest.char_indices().find(|&(_, c)| Self::escapes(c)) {
                    let (clean, tail) = rest.split_at(at);
                    f.write_str(clean)?;
                    write_char(f, c)?;
                    rest = tail.get(c.len_utf8()..).unwrap_or_default();
                }
                f.write_str(rest)
            }
            Source::Json(text) => text.chars().try_for_each(|c| write_char(f, c)),
        }
    }
}

impl fmt::Debug for LogSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn every_control_character_and_ansi_sequence_is_escaped() {
        let mut hostile = std::string::String::new();
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            hostile.push(c);
        }
        hostile.push_str("\u{1b}[31mred\u{1b}[0m \u{9b}2J \u{2028}\u{2029}\u{202e}evil\u{2066}");
        for shown in [
            LogSafe::new(&hostile).to_string(),
            LogSafe::json(JsonStr::from_validated(&hostile, false)).to_string(),
        ] {
            assert!(shown.chars().all(|c| !LogSafe::escapes(c)), "{shown:?}");
            assert!(shown.contains(r"\u{1b}[31mred"));
            assert!(shown.contains(r"\n") && shown.contains(r"\r") && shown.contains(r"\u{202e}"));
        }
        assert_eq!(LogSafe::new("plain – ünïcödé ok").to_string(), "plain – ünïcödé ok");
        assert_eq!(LogSafe::new("a\u{85}b").to_string(), r"a\u{85}b");
    }
}
