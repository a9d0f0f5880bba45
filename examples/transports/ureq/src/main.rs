//! A blocking `ureq` call whose body reader feeds the push decoder in 512-byte reads: the
//! body is never held whole, and a malformed 2xx body stops the reading at its first bad byte.
//!
//! `cargo run -- [http://HOST:PORT/PATH]` (no argument: a loopback server answers).

use std::io::Read;

use status_core::stream::{ErrorText, PushDecoder};

#[path = "../../common.rs"]
mod common;
use common::{report, serve_once, Print};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => serve_once()?,
    };
    // ureq reports 4xx and 5xx as errors; their bodies are replies all the same.
    let response = match ureq::get(&url).set("Accept", "application/json").call() {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(e) => return Err(e.into()),
    };
    let mut decoder = PushDecoder::new(response.status())?;
    let mut print = Print { text: ErrorText::new() };
    let mut reader = response.into_reader();
    let mut buf = [0u8; 512];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        decoder.feed(&buf[..n], &mut print)?;
    }
    report(decoder.finish()?, &print);
    Ok(())
}
