//! A reply over a bare `TcpStream`: the head parsed with `httparse`, the body fed to the push
//! decoder as it is read, in whatever pieces the socket gives.
//!
//! `cargo run -- [http://HOST:PORT/PATH]` (no argument: a loopback server answers). Reads the
//! body to the end of the connection (`Connection: close`); a client of a keep-alive server
//! would stop at `Content-Length` or decode `Transfer-Encoding: chunked` first.

use std::io::{Read, Write};
use std::net::TcpStream;

use status_core::stream::{ErrorText, Events, Field, Outcome, PushDecoder};

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

/// What the examples print as the body passes: `data` to standard output, the error fields
/// into fixed buffers.
struct Print {
    text: ErrorText<256>,
}

impl Events for Print {
    fn data(&mut self, bytes: &[u8]) {
        use std::io::Write as _;
        std::io::stdout().write_all(bytes).ok();
    }
    fn field_start(&mut self, field: Field) {
        self.text.field_start(field);
    }
    fn field_text(&mut self, field: Field, text: &str) {
        self.text.field_text(field, text);
    }
    fn field_end(&mut self, field: Field) {
        self.text.field_end(field);
    }
}

fn report(outcome: Outcome, print: &Print) {
    match outcome {
        Outcome::Success { status, has_data } => {
            println!("\n=> {status}: {}", if has_data { "data above" } else { "no data" });
        }
        Outcome::Error(e) => {
            println!("=> {} {:?}", e.status(), e.shape());
            for field in [Field::Message, Field::TraceId, Field::Error, Field::Path] {
                if let Some(text) = print.text.get(field) {
                    let cut = if text.is_cut() { " (cut)" } else { "" };
                    println!("   {}: {}{cut}", field.key(), text.as_str());
                }
            }
        }
    }
}

/// A loopback server that answers one request with a canned reply, written a few bytes at a
/// time so that the body reaches the client in many pieces. Returns its address.
fn serve_once() -> std::io::Result<String> {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?.to_string();
    std::thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else { return };
        // Read the whole request head before answering.
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && conn.read(&mut byte).is_ok_and(|n| n == 1) {
            request.push(byte[0]);
        }
        let body = r#"{"data": {"clips": [{"idx": 1, "title": "caf\u00e9"}, {"idx": 2, "title": "b"}]}, "code": 0}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        for piece in reply.as_bytes().chunks(7) {
            if conn.write_all(piece).and_then(|()| conn.flush()).is_err() {
                return;
            }
        }
    });
    Ok(format!("http://{addr}/api/v2/clips"))
}
