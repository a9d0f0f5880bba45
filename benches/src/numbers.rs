//! Generated success bodies heavy with numbers or with escaped strings, about 1 MiB each:
//! the shapes where a scanner's number check and escape check, not its string runs, set the
//! pace. Deterministic: every run decodes the same bytes.
//!
//! - `floats`: an array of floats with 15 to 17 significant digits, a quarter with exponents;
//! - `integers`: an array of integers of 1 to 18 digits, some negative;
//! - `mixed-numbers`: integers, short and long fractions, exponents, zeros, in one array;
//! - `mesh`: an array of short objects of coordinates, as geometry meshes are written;
//! - `escaped-text`: objects whose strings mostly carry escapes (`\uXXXX`, surrogate pairs,
//!   `\n`, `\"`, `\\`, `\/`).

use core::fmt::Write;

use crate::{envelope, Body};

/// The size the generated bodies reach (each stops at the first value past it).
pub const NUMBER_BODY_SIZE: usize = 1 << 20;

/// The names of the generated bodies, in table order.
pub const NUMBER_WORKLOADS: [&str; 5] =
    ["floats", "integers", "mixed-numbers", "mesh", "escaped-text"];

/// xorshift64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `len` decimal digits, the first not zero when `lead` is set.
    fn digits(&mut self, out: &mut String, len: usize, lead: bool) {
        for i in 0..len {
            let d = if i == 0 && lead { 1 + self.below(9) } else { self.below(10) };
            out.push(char::from(b'0' + d as u8));
        }
    }
}

/// A float with `sig` significant digits: `-?I.F` with an optional exponent.
fn push_float(out: &mut String, rng: &mut Rng, sig: Option<usize>, exponent: bool) {
    // `None`: 15 to 17 significant digits, as a double's shortest form often has.
    let sig = sig.unwrap_or_else(|| 15 + rng.below(3) as usize);
    if rng.below(2) == 0 {
        out.push('-');
    }
    let int_len = rng.below(4) as usize;
    if int_len == 0 {
        out.push('0');
    } else {
        rng.digits(out, int_len, true);
    }
    out.push('.');
    rng.digits(out, sig.saturating_sub(int_len).max(1), false);
    if exponent {
        out.push(if rng.below(2) == 0 { 'e' } else { 'E' });
        out.push_str(["", "+", "-"][rng.below(3) as usize]);
        let _ = write!(out, "{}", 1 + rng.below(300));
    }
}

fn push_integer(out: &mut String, rng: &mut Rng) {
    if rng.below(4) == 0 {
        out.push('-');
    }
    let len = 1 + rng.below(18) as usize;
    if len == 1 {
        rng.digits(out, 1, false);
    } else {
        rng.digits(out, len, true);
    }
}

fn push_mixed(out: &mut String, rng: &mut Rng) {
    match rng.below(6) {
        0 => push_integer(out, rng),
        1 => out.push_str(["0", "-0", "1", "0.5", "-1.25", "100"][rng.below(6) as usize]),
        2 => {
            let sig = 3 + rng.below(4) as usize;
            push_float(out, rng, Some(sig), false)
        }
        3 => push_float(out, rng, None, false),
        4 => {
            let sig = 1 + rng.below(17) as usize;
            push_float(out, rng, Some(sig), true)
        }
        _ => {
            // An integer with an exponent: `12e5`, `-7E-3`.
            push_integer(out, rng);
            out.push_str(["e", "E", "e+", "e-"][rng.below(4) as usize]);
            let _ = write!(out, "{}", rng.below(100));
        }
    }
}

const TEXTS: &[&str] = &[
    r#"caf\u00e9 \"cr\u00e8me\"\n"#,
    r#"Line one\nLine two\n\tindented \\ back"#,
    r#"\u00ab on y va \u00bb \uD83D\uDE80\uD83D\uDD25"#,
    r#"path: C:\\Users\\clip\\video.mp4"#,
    r#"https:\/\/cdn.example.com\/thumb\/clip.jpg"#,
    r#"\u6771\u4eac\u306e\u30cf\u30a4\u30e9\u30a4\u30c8"#,
    r#"She said \"it\u2019s done\" \u2014 and left.\r\n"#,
    r#"plain text without any escape at all, for contrast"#,
];

/// Appends values made by `push` as an array until `out` reaches [`NUMBER_BODY_SIZE`].
fn array(push: impl Fn(&mut String, &mut Rng)) -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::with_capacity(NUMBER_BODY_SIZE + 256);
    out.push('[');
    let mut first = true;
    while out.len() < NUMBER_BODY_SIZE {
        if !first {
            out.push(',');
        }
        first = false;
        push(&mut out, &mut rng);
    }
    out.push(']');
    out.into_bytes()
}

/// The `data` value of the generated body `name` (one of [`NUMBER_WORKLOADS`]).
pub fn number_data(name: &str) -> Option<Vec<u8>> {
    Some(match name {
        "floats" => array(|out, rng| {
            let exponent = rng.below(4) == 0;
            push_float(out, rng, None, exponent)
        }),
        "integers" => array(push_integer),
        "mixed-numbers" => array(push_mixed),
        "mesh" => array(|out, rng| {
            out.push_str("{\"x\":");
            let sig = 6 + rng.below(4) as usize;
            push_float(out, rng, Some(sig), false);
            out.push_str(",\"y\":");
            let sig = 6 + rng.below(4) as usize;
            push_float(out, rng, Some(sig), false);
            out.push_str(",\"z\":");
            let sig = 6 + rng.below(4) as usize;
            push_float(out, rng, Some(sig), false);
            out.push('}');
        }),
        "escaped-text" => array(|out, rng| {
            let _ = write!(
                out,
                "{{\"id\":{},\"text\":\"{}\",\"note\":\"{}\"}}",
                rng.below(1 << 20),
                TEXTS[rng.below(TEXTS.len() as u64) as usize],
                TEXTS[rng.below(TEXTS.len() as u64) as usize],
            );
        }),
        _ => return None,
    })
}

/// The generated bodies, each wrapped as `{"data": X}`.
pub fn number_envelopes() -> Vec<Body> {
    NUMBER_WORKLOADS
        .iter()
        .filter_map(|&name| Some(Body::new(name, 200, envelope(&number_data(name)?))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_bodies_are_json_of_the_requested_size_and_shape() {
        for body in number_envelopes() {
            let len = body.bytes.len();
            assert!((NUMBER_BODY_SIZE..NUMBER_BODY_SIZE + 512).contains(&len), "{len}");
            let value: serde_json::Value = serde_json::from_slice(&body.bytes).unwrap();
            let items = value["data"].as_array().unwrap();
            assert!(items.len() > 5_000, "{}: {}", body.name, items.len());
            match body.name.as_str() {
                "floats" | "integers" | "mixed-numbers" => {
                    assert!(items.iter().all(serde_json::Value::is_number))
                }
                "mesh" => assert!(items.iter().all(|i| i["z"].is_number())),
                _ => {
                    let escaped = items
                        .iter()
                        .filter(|i| i["text"].as_str().is_some_and(|t| t.len() < 60))
                        .count();
                    assert!(escaped > 0);
                }
            }
        }
        let text = String::from_utf8(number_data("escaped-text").unwrap()).unwrap();
        let strings = text.matches("\"text\":").count() * 2;
        assert!(text.matches("\\").count() > strings, "most strings carry escapes");
        for body in number_envelopes() {
            let mut scratch = crate::Scratch::default();
            for engine in crate::SUCCESS_ENGINES {
                let found = crate::decode_success(engine, &body.bytes, &mut scratch);
                assert!(matches!(found, Ok(n) if n > 0), "{} on {}", engine.name(), body.name);
            }
        }
        let floats = String::from_utf8(number_data("floats").unwrap()).unwrap();
        assert!(floats.contains('e') && floats.contains('E'));
    }
}
