//! A command-line view of the decoder.
//!
//! ```text
//! decode [--chunk N] STATUS [FILE]
//! ```
//!
//! Reads the body from FILE (standard input when absent), decodes it as a reply with that HTTP
//! status and prints one JSON document on one line (only the byte-exact `data` may span lines).
//! With `--chunk N` the body goes through the push decoder (`status_core::stream`) in N-byte
//! chunks instead, `data` reassembled from the bytes it hands over: the output is the same.
//!
//! Exit status: 0 for any well-formed reply (a success or an API error, recognised or not),
//! 65 for a malformed 2xx body, 64 for bad usage (including a status outside 100..=999 and a
//! chunk size of 0), 66 when FILE cannot be read.

use core::fmt::Write as _;
use std::io::Read as _;
use std::process::ExitCode;

use status_core::stream::{Events, Field, Outcome, PushDecoder, StreamShape};
use status_core::{decode, Error, ErrorKind, ErrorShape, Reply, Retry, Timestamp};

const USAGE: &str = "usage: decode [--chunk N] STATUS [FILE]   (body from FILE, or standard input)";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut chunk = None;
    if args.first().map(String::as_str) == Some("--chunk") {
        match args.get(1).and_then(|n| n.parse::<usize>().ok()).filter(|&n| n > 0) {
            Some(n) => chunk = Some(n),
            None => return usage(),
        }
        args.drain(..2);
    }
    let (status, path) = match args.as_slice() {
        [status] => (status, None),
        [status, path] => (status, Some(path)),
        _ => return usage(),
    };
    let Ok(status) = status.parse::<u16>() else { return usage() };
    let body = match read_body(path.map(String::as_str)) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("decode: cannot read {}: {e}", path.map_or("standard input", |p| p));
            return ExitCode::from(66);
        }
    };
    let shown = match chunk {
        None => whole(status, &body),
        Some(n) => streamed(status, &body, n),
    };
    let Some(shown) = shown else { return usage() };
    let mut out = String::new();
    let code = shown.write(&mut out);
    println!("{out}");
    ExitCode::from(code)
}

/// What the example prints, from either mode, the text fields decoded.
enum Shown {
    Success { status: u16, data: Option<String> },
    Api { status: u16, shape: Shape },
    Malformed { status: u16, error: Error },
}

enum Shape {
    Message { message: String, trace_id: String },
    Gateway { timestamp: String, body_status: u16, error: String, path: String },
    Unrecognized(Error),
}

/// The whole body at once: `decode`. `None` for a status outside 100..=999.
fn whole(status: u16, body: &[u8]) -> Option<Shown> {
    Some(match decode(status, body) {
        Ok(Reply::Success(ok)) => {
            Shown::Success { status, data: ok.data().map(|d| d.get().to_owned()) }
        }
        Ok(Reply::Error(err)) => {
            let shape = match err.shape() {
                ErrorShape::Message(m) => Shape::Message {
                    message: m.message.to_string(),
                    trace_id: m.trace_id.to_string(),
                },
                ErrorShape::Gateway(g) => Shape::Gateway {
                    timestamp: g.timestamp.to_string(),
                    body_status: g.status,
                    error: g.error_name.to_string(),
                    path: g.path.to_string(),
                },
                ErrorShape::Unrecognized(reason) => Shape::Unrecognized(reason),
            };
            Shown::Api { status, shape }
        }
        Err(e) if e.kind() == ErrorKind::InvalidStatus => return None,
        Err(error) => Shown::Malformed { status, error },
    })
}

/// What the push decoder hands over, kept whole (this example has an allocator; a device
/// would forward `data` and collect the fields into `stream::ErrorText`).
#[derive(Default)]
struct Kept {
    data: Vec<u8>,
    fields: [String; 6],
}

impl Events for Kept {
    fn data(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }
    fn field_start(&mut self, f: Field) {
        self.fields[f as usize].clear();
    }
    fn field_text(&mut self, f: Field, text: &str) {
        self.fields[f as usize].push_str(text);
    }
}

/// The body in chunks of `n` bytes through the push decoder.
fn streamed(status: u16, body: &[u8], n: usize) -> Option<Shown> {
    let mut decoder = PushDecoder::new(status).ok()?;
    let mut kept = Kept::default();
    let fed = body.chunks(n).try_for_each(|chunk| decoder.feed(chunk, &mut kept));
    let outcome = fed.and_then(|()| decoder.finish());
    let take = |f: Field| kept.fields[f as usize].clone();
    Some(match outcome {
        Err(error) => Shown::Malformed { status, error },
        Ok(Outcome::Success { has_data, .. }) => {
            let data = has_data.then(|| String::from_utf8(kept.data.clone()).ok()).flatten();
            Shown::Success { status, data }
        }
        Ok(Outcome::Error(e)) => {
            let shape = match e.shape() {
                StreamShape::Message => {
                    Shape::Message { message: take(Field::Message), trace_id: take(Field::TraceId) }
                }
                StreamShape::Gateway => Shape::Gateway {
                    timestamp: take(Field::Timestamp),
                    body_status: e.body_status().unwrap_or(0),
                    error: take(Field::Error),
                    path: take(Field::Path),
                },
                StreamShape::Unrecognized(reason) => Shape::Unrecognized(reason),
            };
            Shown::Api { status, shape }
        }
    })
}

impl Shown {
    /// Prints the reply as one JSON document; returns the exit status.
    fn write(&self, out: &mut String) -> u8 {
        match self {
            Self::Success { status, data } => {
                write!(out, r#"{{"kind":"success","status":{status}"#).ok();
                if let Some(data) = data {
                    write!(out, r#","data":{data}"#).ok();
                }
                out.push('}');
                0
            }
            Self::Api { status, shape } => {
                write!(out, r#"{{"kind":"api_error","status":{status}"#).ok();
                match shape {
                    Shape::Message { message, trace_id } => {
                        out.push_str(r#","shape":"message","message":"#);
                        json_string(out, message);
                        out.push_str(r#","trace_id":"#);
                        json_string(out, trace_id);
                    }
                    Shape::Gateway { timestamp, body_status, error, path } => {
                        out.push_str(r#","shape":"gateway","timestamp":"#);
                        json_string(out, timestamp);
                        match Timestamp::parse(timestamp) {
                            Ok(t) => write!(out, r#","timestamp_ms":{}"#, t.unix_ms()).ok(),
                            Err(_) => write!(out, r#","timestamp_ms":null"#).ok(),
                        };
                        write!(out, r#","body_status":{body_status},"error":"#).ok();
                        json_string(out, error);
                        out.push_str(r#","path":"#);
                        json_string(out, path);
                    }
                    Shape::Unrecognized(reason) => {
                        write!(
                            out,
                            r#","shape":"unrecognized","reason":"{}","offset":{}"#,
                            reason.kind().as_str(),
                            reason.offset()
                        )
                        .ok();
                    }
                }
                write!(out, r#","retry":"{}"}}"#, Retry::for_status(*status).as_str()).ok();
                0
            }
            Self::Malformed { status, error } => {
                write!(
                    out,
                    r#"{{"kind":"malformed","status":{status},"error":"{}","offset":{}}}"#,
                    error.kind().as_str(),
                    error.offset()
                )
                .ok();
                65
            }
        }
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(64)
}

fn read_body(path: Option<&str>) -> std::io::Result<Vec<u8>> {
    match path {
        Some(path) => std::fs::read(path),
        None => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body)?;
            Ok(body)
        }
    }
}

/// Writes `s` as a JSON string, escaped minimally.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                write!(out, "\\u{:04x}", u32::from(c)).ok();
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both modes print the same line and exit the same way, for every example body under
    /// every status and chunk size.
    #[test]
    fn chunked_mode_prints_what_whole_mode_prints() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bodies");
        let mut bodies: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
        bodies.extend(
            [
                &b""[..],
                b"<html>bad gateway</html>",
                b"{\"data\":[01]}",
                br#"{"data": {"a": "caf\u00e9"}, "code": 0}"#,
                br#"{"message": "m\u00e9", "trace_id": "t", "x": [1, 2]}"#,
                b"{\"data\":\"\xc3\"}",
            ]
            .map(<[u8]>::to_vec),
        );
        assert!(bodies.len() > 6, "the example bodies are there");
        for body in &bodies {
            for status in [200, 204, 400, 403, 429, 500, 502, 99] {
                let print = |shown: Option<Shown>| {
                    shown.map(|s| {
                        let mut out = String::new();
                        let code = s.write(&mut out);
                        (out, code)
                    })
                };
                let want = print(whole(status, body));
                for n in (1..=64).chain([4096]) {
                    assert_eq!(
                        print(streamed(status, body, n)),
                        want,
                        "{status} in {n}-byte chunks"
                    );
                }
            }
        }
    }
}
