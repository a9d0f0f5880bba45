//! What the three transport examples share: the events that print a reply as its body passes,
//! the summary printed at its end, and a loopback server for running without a network.
//! Each example includes this file with `#[path]`, as each is a workspace of its own.

use status_core::stream::{ErrorText, Events, Field, Outcome};

/// What the examples print as the body passes: `data` to standard output, the error fields
/// into fixed buffers.
pub struct Print {
    pub text: ErrorText<256>,
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

pub fn report(outcome: Outcome, print: &Print) {
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
pub fn serve_once() -> std::io::Result<String> {
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
