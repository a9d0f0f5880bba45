//! An async `reqwest` call whose body chunks go through the push decoder as they arrive:
//! `data` is printed while it streams, and a malformed 2xx body fails at the chunk that holds
//! its first bad byte, without reading the rest.
//!
//! `cargo run -- [http://HOST:PORT/PATH]` (no argument: a loopback server answers).

use status_core::stream::{ErrorText, PushDecoder};

#[path = "../../common.rs"]
mod common;
use common::{report, serve_once, Print};

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
