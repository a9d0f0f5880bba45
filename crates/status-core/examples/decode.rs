//! A command-line view of the decoder.
//!
//! ```text
//! decode STATUS [FILE]
//! ```
//!
//! Reads the body from FILE (standard input when absent), decodes it as a reply with that HTTP
//! status and prints one JSON document on one line (only the byte-exact `data` may span lines).
//!
//! Exit status: 0 for any well-formed reply (a success or an API error, recognised or not),
//! 65 for a malformed 2xx body, 64 for bad usage (including a status outside 100..=999),
//! 66 when FILE cannot be read.

use core::fmt::Write as _;
use std::io::Read as _;
use std::process::ExitCode;

use status_core::{decode, ApiError, ErrorShape, JsonStr, Reply};

const USAGE: &str = "usage: decode STATUS [FILE]   (body from FILE, or standard input)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
    let mut out = String::new();
    let code = match decode(status, &body) {
        Ok(Reply::Success(ok)) => {
            write!(out, r#"{{"kind":"success","status":{status}"#).ok();
            if let Some(data) = ok.data() {
                write!(out, r#","data":{data}"#).ok();
            }
            out.push('}');
            0
        }
        Ok(Reply::Error(err)) => {
            api_error(&mut out, &err);
            0
        }
        Err(e) if e.kind() == status_core::ErrorKind::InvalidStatus => return usage(),
        Err(e) => {
            write!(
                out,
                r#"{{"kind":"malformed","status":{status},"error":"{}","offset":{}}}"#,
                e.kind().as_str(),
                e.offset()
            )
            .ok();
            65
        }
    };
    println!("{out}");
    ExitCode::from(code)
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

fn api_error(out: &mut String, err: &ApiError<'_>) {
    write!(out, r#"{{"kind":"api_error","status":{}"#, err.status()).ok();
    match err.shape() {
        ErrorShape::Message(m) => {
            out.push_str(r#","shape":"message","message":"#);
            json_string(out, m.message);
            out.push_str(r#","trace_id":"#);
            json_string(out, m.trace_id);
        }
        ErrorShape::Gateway(g) => {
            out.push_str(r#","shape":"gateway","timestamp":"#);
            json_string(out, g.timestamp);
            match g.parse_timestamp() {
                Ok(t) => write!(out, r#","timestamp_ms":{}"#, t.unix_ms()).ok(),
                Err(_) => write!(out, r#","timestamp_ms":null"#).ok(),
            };
            write!(out, r#","body_status":{},"error":"#, g.status).ok();
            json_string(out, g.error_name);
            out.push_str(r#","path":"#);
            json_string(out, g.path);
        }
        ErrorShape::Unrecognized(reason) => {
            write!(
                out,
                r#","shape":"unrecognized","reason":"{}","offset":{}"#,
                reason.kind().as_str(),
                reason.offset()
            )
            .ok();
        }
    }
    write!(out, r#","retry":"{}"}}"#, err.retry().as_str()).ok();
}

/// Writes the decoded text of `s` as a JSON string, escaped minimally.
fn json_string(out: &mut String, s: JsonStr<'_>) {
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
