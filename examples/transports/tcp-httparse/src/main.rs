//! A reply over a bare `TcpStream`: the head parsed with `httparse`, the body fed to the push
//! decoder as it is read, in whatever pieces the socket gives.
//!
//! `cargo run -- [http://HOST:PORT/PATH]` (no argument: a loopback server answers). Reads the
//! body to the end of the connection (`Connection: close`); a client of a keep-alive server
//! would stop at `Content-Length` or decode `Transfer-Encoding: chunked` first.

use std::io::{Read, Write};
use std::net::TcpStream;

use status_core::stream::{ErrorText, PushDecoder};

#[path = "../../common.rs"]
mod common;
use common::{report, serve_once, Print};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => serve_once()?,
    };
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (host, path) =
        rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host)?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes())?;

    // The head must be whole for httparse; the body then streams.
    let mut buf = [0u8; 4096];
    let mut len = 0;
    let (status, head_len) = loop {
        let n = stream.read(&mut buf[len..])?;
        if n == 0 {
            return Err("the connection closed inside the head".into());
        }
        len += n;
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head_len) = response.parse(&buf[..len])? {
            break (response.code.ok_or("no status")?, head_len);
        }
        if len == buf.len() {
            return Err("a head larger than 4 KiB".into());
        }
    };

    let mut decoder = PushDecoder::new(status)?;
    let mut print = Print { text: ErrorText::new() };
    decoder.feed(&buf[head_len..len], &mut print)?;
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        // A malformed 2xx body fails here, at the read that holds its first bad byte.
        decoder.feed(&buf[..n], &mut print)?;
    }
    report(decoder.finish()?, &print);
    Ok(())
}
