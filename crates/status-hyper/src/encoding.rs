//! `Content-Encoding`: what the client asks for, and undoing it under the body limit.
//!
//! The compressed bytes are pushed through a write-side decoder as they arrive, into a
//! buffer that refuses to grow past the limit, so a small body that expands enormously (a
//! "zip bomb") costs at most the limit in memory and is cut off as soon as it passes it.

use std::io::{self, Write};

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_ENCODING;
use http::HeaderMap;

/// The `Accept-Encoding` the client sends, given the enabled features; `None` when it can
/// decode nothing but the identity.
pub(crate) const ACCEPT_ENCODING: Option<&str> = if cfg!(all(feature = "gzip", feature = "brotli"))
{
    Some("gzip, br")
} else if cfg!(feature = "gzip") {
    Some("gzip")
} else if cfg!(feature = "brotli") {
    Some("br")
} else {
    None
};

/// The decoded body grew past the limit.
#[derive(Debug)]
pub(crate) struct OverLimit;

impl core::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the decoded body grew past the body limit")
    }
}

impl core::error::Error for OverLimit {}

/// The reply used an encoding the client cannot undo.
#[derive(Debug)]
pub(crate) struct Unsupported;

impl core::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("unsupported Content-Encoding (this build decodes ")?;
        f.write_str(ACCEPT_ENCODING.unwrap_or("none"))?;
        f.write_str(")")
    }
}

impl core::error::Error for Unsupported {}

/// Why a body could not be taken in.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The decoded body passed the limit.
    OverLimit,
    /// The encoding is unknown, or the compressed data is corrupt or truncated.
    Encoding(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        if e.get_ref().is_some_and(|inner| inner.is::<OverLimit>()) {
            Self::OverLimit
        } else {
            Self::Encoding(e)
        }
    }
}

/// A buffer that refuses to hold more than `limit` bytes.
#[derive(Debug)]
struct Bounded {
    buf: BytesMut,
    limit: usize,
}

impl Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.buf.len().saturating_add(bytes.len()) > self.limit {
            return Err(io::Error::other(OverLimit));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Collects a body, decoding it as its `Content-Encoding` says.
pub(crate) struct Decoding {
    codec: Codec,
    /// Whether any byte arrived: an empty body needs no decoding whatever its encoding.
    received: bool,
}

enum Codec {
    /// The body as it is; a single chunk is kept without copying.
    Identity { first: Option<Bytes>, rest: BytesMut, limit: usize },
    #[cfg(feature = "gzip")]
    Gzip(flate2::write::MultiGzDecoder<Bounded>),
    #[cfg(feature = "brotli")]
    Brotli(Box<brotli_decompressor::DecompressorWriter<Bounded>>),
}

impl Decoding {
    /// A collector for a body with these headers, holding at most `limit` decoded bytes.
    ///
    /// # Errors
    ///
    /// [`Failure::Encoding`] for an encoding this build cannot undo, or a list of several.
    pub(crate) fn new(headers: &HeaderMap, limit: usize) -> Result<Self, Failure> {
        let mut names = headers
            .get_all(CONTENT_ENCODING)
            .iter()
            .flat_map(|v| v.to_str().unwrap_or("\u{0}").split(','))
            .map(str::trim)
            .filter(|name| !name.is_empty() && !name.eq_ignore_ascii_case("identity"));
        let codec = match (names.next(), names.next()) {
            (None, _) => Codec::Identity { first: None, rest: BytesMut::new(), limit },
            (Some(name), None) => Self::codec(name, limit)?,
            (Some(_), Some(_)) => return Err(Failure::Encoding(io::Error::other(Unsupported))),
        };
        Ok(Self { codec, received: false })
    }

    #[allow(clippy::needless_pass_by_value, unused_variables)]
    fn codec(name: &str, limit: usize) -> Result<Codec, Failure> {
        let bounded = || Bounded { buf: BytesMut::new(), limit };
        #[cfg(feature = "gzip")]
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            return Ok(Codec::Gzip(flate2::write::MultiGzDecoder::new(bounded())));
        }
        #[cfg(feature = "brotli")]
        if name.eq_ignore_ascii_case("br") {
            let writer = brotli_decompressor::DecompressorWriter::new(bounded(), 16 * 1024);
            return Ok(Codec::Brotli(Box::new(writer)));
        }
        let _ = bounded;
        Err(Failure::Encoding(io::Error::other(Unsupported)))
    }

    /// Whether the body is being decoded (so its `Content-Encoding` and `Content-Length`
    /// no longer describe the bytes kept).
    pub(crate) fn decodes(&self) -> bool {
        !matches!(self.codec, Codec::Identity { .. })
    }

    /// Takes in the next chunk of the body as received.
    pub(crate) fn push(&mut self, chunk: Bytes) -> Result<(), Failure> {
        self.push_decoded(chunk).map(|_| ())
    }

    /// Takes in the next chunk of the body as received, and lends out the decoded bytes it
    /// added (the codecs may hold some back until later chunks or [`Self::finish`]).
    pub(crate) fn push_decoded(&mut self, chunk: Bytes) -> Result<&[u8], Failure> {
        if chunk.is_empty() {
            return Ok(&[]);
        }
        self.received = true;
        match &mut self.codec {
            Codec::Identity { first, rest, limit } => {
                let held = first.as_ref().map_or(0, Bytes::len) + rest.len();
                if held.saturating_add(chunk.len()) > *limit {
                    return Err(Failure::OverLimit);
                }
                match first {
                    None => Ok(first.insert(chunk)),
                    Some(_) => {
                        let start = rest.len();
                        rest.extend_from_slice(&chunk);
                        Ok(&rest[start..])
                    }
                }
            }
            #[cfg(feature = "gzip")]
            Codec::Gzip(decoder) => {
                let start = decoder.get_ref().buf.len();
                write_all(decoder, &chunk)?;
                Ok(&decoder.get_ref().buf[start..])
            }
            #[cfg(feature = "brotli")]
            Codec::Brotli(decoder) => {
                let start = decoder.get_ref().buf.len();
                write_all(&mut **decoder, &chunk)?;
                Ok(&decoder.get_ref().buf[start..])
            }
        }
    }

    /// Takes the decoded bytes held so far, without finishing the stream: what there is of
    /// a body that was given up on, or the latest bytes of a body passed on rather than kept
    /// (which then holds at most one chunk's decoded bytes, under the limit, at a time).
    pub(crate) fn held(&mut self) -> Bytes {
        match &mut self.codec {
            Codec::Identity { first, rest, .. } => match first.take() {
                None => Bytes::new(),
                Some(first) if rest.is_empty() => first,
                Some(first) => {
                    let mut all = BytesMut::with_capacity(first.len() + rest.len());
                    all.extend_from_slice(&first);
                    all.extend_from_slice(rest);
                    rest.clear();
                    all.freeze()
                }
            },
            #[cfg(feature = "gzip")]
            Codec::Gzip(decoder) => decoder.get_mut().buf.split().freeze(),
            #[cfg(feature = "brotli")]
            Codec::Brotli(decoder) => decoder.get_mut().buf.split().freeze(),
        }
    }

    /// The whole body, decoded.
    pub(crate) fn finish(self) -> Result<Bytes, Failure> {
        match self.codec {
            Codec::Identity { first, rest, .. } => Ok(match first {
                None => Bytes::new(),
                Some(first) if rest.is_empty() => first,
                Some(first) => {
                    let mut all = BytesMut::with_capacity(first.len() + rest.len());
                    all.extend_from_slice(&first);
                    all.extend_from_slice(&rest);
                    all.freeze()
                }
            }),
            #[cfg(any(feature = "gzip", feature = "brotli"))]
            _ if !self.received => Ok(Bytes::new()),
            #[cfg(feature = "gzip")]
            Codec::Gzip(decoder) => Ok(decoder.finish()?.buf.freeze()),
            #[cfg(feature = "brotli")]
            Codec::Brotli(mut decoder) => {
                decoder.close()?;
                match decoder.into_inner() {
                    Ok(bounded) => Ok(bounded.buf.freeze()),
                    Err(_) => Err(Failure::Encoding(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "truncated brotli stream",
                    ))),
                }
            }
        }
    }
}

/// Like `Write::write_all`, but a decoder that takes nothing more (its stream ended before
/// the body did) is an error rather than a loop.
#[cfg(any(feature = "gzip", feature = "brotli"))]
fn write_all(w: &mut impl Write, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match w.write(bytes) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "data after the end of the compressed stream",
                ))
            }
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(encoding: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding));
        h
    }

    fn collect(encoding: &'static str, chunks: &[&[u8]], limit: usize) -> Result<Bytes, Failure> {
        let mut d = Decoding::new(&headers(encoding), limit)?;
        for c in chunks {
            d.push(Bytes::copy_from_slice(c))?;
        }
        d.finish()
    }

    #[test]
    fn identity_keeps_a_single_chunk_and_applies_the_limit() {
        let mut d = Decoding::new(&HeaderMap::new(), 4).unwrap();
        assert!(!d.decodes());
        let chunk = Bytes::from_static(b"abcd");
        d.push(chunk.clone()).unwrap();
        assert_eq!(d.finish().unwrap().as_ptr(), chunk.as_ptr());
        assert!(matches!(collect("identity", &[b"ab", b"cde"], 4), Err(Failure::OverLimit)));
        assert_eq!(collect("identity", &[b"ab", b"cd"], 4).unwrap(), "abcd");
    }

    #[test]
    fn unknown_and_stacked_encodings_are_refused() {
        for encoding in ["zstd", "deflate, deflate", "gzip, br", "compress"] {
            assert!(matches!(collect(encoding, &[b"x"], 100), Err(Failure::Encoding(_))));
        }
        // An empty body needs no decoding, whatever encoding it claims.
        let mut d = Decoding::new(&headers("gzip, gzip"), 100).err();
        assert!(d.take().is_some());
        #[cfg(feature = "gzip")]
        assert_eq!(collect("gzip", &[], 100).unwrap(), "");
    }

    #[cfg(feature = "gzip")]
    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[cfg(feature = "gzip")]
    #[test]
    fn gzip_in_any_split_and_its_failures() {
        let text = br#"{"data": {"id": "proj_abc123", "status": "SUCCEEDED"}}"#;
        let packed = gzip(text);
        for cut in 0..packed.len() {
            let (a, b) = packed.split_at(cut);
            assert_eq!(collect("gzip", &[a, b], 1024).unwrap(), &text[..], "{cut}");
        }
        assert_eq!(collect("x-gzip", &[&packed], text.len()).unwrap(), &text[..]);
        assert!(matches!(collect("GZIP", &[&packed], text.len() - 1), Err(Failure::OverLimit)));
        // Truncated, corrupt, and followed by garbage.
        let truncated = &packed[..packed.len() - 3];
        assert!(matches!(collect("gzip", &[truncated], 1024), Err(Failure::Encoding(_))));
        let mut corrupt = packed.clone();
        let n = corrupt.len() - 6;
        corrupt[n] ^= 0xff;
        assert!(matches!(collect("gzip", &[&corrupt], 1024), Err(Failure::Encoding(_))));
        assert!(matches!(collect("gzip", &[b"not gzip at all"], 1024), Err(Failure::Encoding(_))));
    }

    #[cfg(feature = "brotli")]
    #[test]
    fn brotli_and_its_failures() {
        let packed: &[u8] = &BROTLI_SAMPLE;
        let text = format!(r#"{{"data": "{}"}}"#, "abc".repeat(100));
        let text = text.as_bytes();
        for cut in 0..packed.len() {
            let (a, b) = packed.split_at(cut);
            assert_eq!(collect("br", &[a, b], 1024).unwrap(), text, "{cut}");
        }
        assert!(matches!(collect("br", &[packed], text.len() - 1), Err(Failure::OverLimit)));
        let truncated = &packed[..packed.len() - 2];
        assert!(matches!(collect("br", &[truncated], 1024), Err(Failure::Encoding(_))));
    }

    /// `{"data": "abcabc..."}` (300 letters), compressed by the `brotli` command-line tool.
    #[cfg(feature = "brotli")]
    const BROTLI_SAMPLE: [u8; 32] = [
        0xa1, 0xb8, 0x09, 0xc0, 0x6f, 0x9c, 0xae, 0xb8, 0x07, 0x6d, 0xf0, 0x93, 0xb5, 0x88, 0xd8,
        0xd8, 0xde, 0x06, 0xd1, 0x09, 0xeb, 0x53, 0x92, 0xcc, 0x56, 0x04, 0x60, 0xe0, 0x3e, 0x26,
        0x6a, 0x18,
    ];
}
