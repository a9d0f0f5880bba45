//! An async `reqwest` call whose body chunks go through the push decoder as they arrive:
//! `data` is printed while it streams, and a malformed 2xx body fails at the chunk that holds
//! its first bad byte, without reading the rest.
//!
//! `cargo run -- [http://HOST:PORT/PATH]` (no argument: a loopback server answers).

use status_core::stream::{ErrorText, Events, Field, Outcome, PushDecoder};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => serve_once()?,
    };
    let mut response =
        reqwest::Client::new().get(&url).header("Accept", "application/json").send().await?;
    let mut decoder = PushDecoder::new(response.status().as_u16())?;
    let mut print = Print { text: ErrorText::new() };
    while let Some(chunk) = response.chunk().await? {
        decoder.feed(&chunk, &mut print)?;
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
