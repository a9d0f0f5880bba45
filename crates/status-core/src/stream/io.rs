//! Feeding the push decoder from a reader: blocking over `embedded_io`, async over
//! `embedded_io_async`. Both loops are a few lines around [`Feeder::take`], which holds all of
//! the logic, so the two cannot drift apart.

#[cfg(any(feature = "embedded-io", feature = "embedded-io-async"))]
use super::{Events, Outcome, PushDecoder};
use crate::error::Error;

/// A failure while reading a reply: the transport's, or the body's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError<E> {
    /// The reader failed.
    Io(E),
    /// The 2xx body is malformed (the reader was not read past the chunk that showed it).
    Body(Error),
}

impl<E: core::fmt::Debug> core::fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "reading the body failed: {e:?}"),
            Self::Body(e) => write!(f, "malformed body: {e}"),
        }
    }
}

impl<E: core::fmt::Debug> core::error::Error for ReadError<E> {}

/// The decoder and what it feeds, between reads.
#[cfg(any(feature = "embedded-io", feature = "embedded-io-async"))]
pub(crate) struct Feeder<'w, 'e, E: ?Sized> {
    decoder: PushDecoder,
    window: &'w mut [u8],
    events: &'e mut E,
}

#[cfg(any(feature = "embedded-io", feature = "embedded-io-async"))]
impl<'w, 'e, E: Events + ?Sized> Feeder<'w, 'e, E> {
    pub(crate) fn new(decoder: PushDecoder, window: &'w mut [u8], events: &'e mut E) -> Self {
        Self { decoder, window, events }
    }

    /// Takes the bytes a read gave: an empty read is the end of the body, and gives the
    /// outcome; so does a body that has already failed, whose rest is not worth reading.
    pub(crate) fn take<IoE>(&mut self, bytes: &[u8]) -> Result<Option<Outcome>, ReadError<IoE>> {
        if !bytes.is_empty() {
            self.decoder.feed_items(bytes, self.window, self.events).map_err(ReadError::Body)?;
            if self.decoder.failed().is_none() {
                return Ok(None);
            }
        }
        self.finish().map(Some)
    }

    fn finish<IoE>(&mut self) -> Result<Outcome, ReadError<IoE>> {
        // The decoder is small and `Clone`: finishing a copy leaves `self` whole.
        self.decoder.clone().finish().map_err(ReadError::Body)
    }
}

/// Decodes a reply whose body `reader` yields, through its own buffer; items (with
/// [`PushDecoder::with_items`]) are gathered in `window` (empty when there are none).
///
/// Reads until the end of the body (a read of 0 bytes), or until the body has failed.
#[cfg(feature = "embedded-io")]
pub fn decode_buf_read<R, E>(
    reader: &mut R,
    decoder: PushDecoder,
    window: &mut [u8],
    events: &mut E,
) -> Result<Outcome, ReadError<R::Error>>
where
    R: embedded_io::BufRead + ?Sized,
    E: Events + ?Sized,
{
    let mut feeder = Feeder::new(decoder, window, events);
    loop {
        let bytes = reader.fill_buf().map_err(ReadError::Io)?;
        let n = bytes.len();
        if let Some(outcome) = feeder.take(bytes)? {
            reader.consume(n);
            return Ok(outcome);
        }
        reader.consume(n);
    }
}

/// [`decode_buf_read`] over a plain `embedded_io::Read`, reading into `buf` (its size is the
/// chunk size).
#[cfg(feature = "embedded-io")]
pub fn decode_read<R, E>(
    reader: &mut R,
    decoder: PushDecoder,
    buf: &mut [u8],
    window: &mut [u8],
    events: &mut E,
) -> Result<Outcome, ReadError<R::Error>>
where
    R: embedded_io::Read + ?Sized,
    E: Events + ?Sized,
{
    let mut feeder = Feeder::new(decoder, window, events);
    loop {
        let n = reader.read(buf).map_err(ReadError::Io)?;
        if let Some(outcome) = feeder.take(buf.get(..n).unwrap_or_default())? {
            return Ok(outcome);
        }
    }
}

/// [`decode_buf_read`] over an `embedded_io_async::BufRead`, as reqwless and embassy-net
/// hand over a body.
#[cfg(feature = "embedded-io-async")]
pub async fn decode_async<R, E>(
    reader: &mut R,
    decoder: PushDecoder,
    window: &mut [u8],
    events: &mut E,
) -> Result<Outcome, ReadError<R::Error>>
where
    R: embedded_io_async::BufRead + ?Sized,
    E: Events + ?Sized,
{
    let mut feeder = Feeder::new(decoder, window, events);
    loop {
        let bytes = reader.fill_buf().await.map_err(ReadError::Io)?;
        let n = bytes.len();
        if let Some(outcome) = feeder.take(bytes)? {
            reader.consume(n);
            return Ok(outcome);
        }
        reader.consume(n);
    }
}

#[cfg(all(test, any(feature = "embedded-io", feature = "embedded-io-async")))]
mod tests {
    use super::super::OnData;
    use super::*;
    use crate::error::ErrorKind;
    use std::vec::Vec;

    const BODY: &[u8] = br#"{"data": {"clips": [1, "two", {"x": 3}]}, "code": 0}"#;

    /// A reader that hands out at most `step` bytes a call, and counts how far it was read.
    struct Short<'a> {
        bytes: &'a [u8],
        step: usize,
        read: usize,
    }

    #[derive(Debug, PartialEq)]
    struct Never;
    impl embedded_io::Error for Never {
        fn kind(&self) -> embedded_io::ErrorKind {
            embedded_io::ErrorKind::Other
        }
    }

    impl embedded_io::ErrorType for Short<'_> {
        type Error = Never;
    }

    impl Short<'_> {
        fn next(&self) -> &[u8] {
            let rest = &self.bytes[self.read..];
            &rest[..rest.len().min(self.step)]
        }
    }

    #[cfg(feature = "embedded-io")]
    impl embedded_io::Read for Short<'_> {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, Never> {
            let n = self.next().len().min(buf.len());
            buf[..n].copy_from_slice(&self.bytes[self.read..self.read + n]);
            self.read += n;
            Ok(n)
        }
    }

    #[cfg(feature = "embedded-io")]
    impl embedded_io::BufRead for Short<'_> {
        fn fill_buf(&mut self) -> Result<&[u8], Never> {
            Ok(self.next())
        }
        fn consume(&mut self, amt: usize) {
            self.read += amt;
        }
    }

    #[cfg(feature = "embedded-io-async")]
    impl embedded_io_async::BufRead for Short<'_> {
        async fn fill_buf(&mut self) -> Result<&[u8], Never> {
            Ok(self.next())
        }
        fn consume(&mut self, amt: usize) {
            self.read += amt;
        }
    }

    fn decoder() -> PushDecoder {
        PushDecoder::new(200).unwrap()
    }

    #[cfg(feature = "embedded-io")]
    #[test]
    fn blocking_readers_give_the_data_and_stop_at_a_bad_byte() {
        for step in [1, 3, 64] {
            let mut data = Vec::new();
            let mut short = Short { bytes: BODY, step, read: 0 };
            let mut events = OnData(|b: &[u8]| data.extend_from_slice(b));
            let outcome = decode_buf_read(&mut short, decoder(), &mut [], &mut events);
            assert_eq!(outcome, Ok(Outcome::Success { status: 200, has_data: true }));
            assert_eq!(data, br#"{"clips": [1, "two", {"x": 3}]}"#);
            let mut short = Short { bytes: BODY, step, read: 0 };
            let mut buf = [0u8; 5];
            let outcome = decode_read(&mut short, decoder(), &mut buf, &mut [], &mut ());
            assert_eq!(outcome, Ok(Outcome::Success { status: 200, has_data: true }));
        }
        // The slice reader of embedded-io, and a body that fails early: not read to its end.
        let mut bad = std::vec![b' '; 4096];
        bad[..3].copy_from_slice(b"{x:");
        let mut short = Short { bytes: &bad, step: 16, read: 0 };
        let outcome = decode_buf_read(&mut short, decoder(), &mut [], &mut ());
        assert_eq!(outcome, Err(ReadError::Body(Error::new(ErrorKind::ExpectedKey, 1))));
        assert_eq!(short.read, 0, "the failing chunk is left unconsumed");
        let mut slice: &[u8] = BODY;
        let mut buf = [0u8; 7];
        let outcome = decode_read(&mut slice, decoder(), &mut buf, &mut [], &mut ());
        assert_eq!(outcome, Ok(Outcome::Success { status: 200, has_data: true }));
    }

    #[cfg(feature = "embedded-io-async")]
    #[test]
    fn async_readers_give_the_same() {
        use core::future::Future;
        use core::pin::pin;
        use core::task::{Context, Poll, Waker};
        fn block_on<F: Future>(f: F) -> F::Output {
            let mut f = pin!(f);
            let mut cx = Context::from_waker(Waker::noop());
            loop {
                if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
                    return out;
                }
            }
        }
        for step in [1, 4, 4096] {
            let mut items = Vec::new();
            let mut short = Short { bytes: BODY, step, read: 0 };
            let path = super::super::ItemPath::new(&["clips"]).unwrap();
            let mut window = [0u8; 16];
            let mut events =
                super::super::OnItem(|i: crate::raw::RawJson<'_>| items.push(i.get().len()));
            let dec = decoder().with_items(path);
            let outcome = block_on(decode_async(&mut short, dec, &mut window, &mut events));
            assert_eq!(outcome, Ok(Outcome::Success { status: 200, has_data: true }));
            assert_eq!(items, [1, 5, 8]);
        }
        let mut short = Short { bytes: b"{\"data\": [1,,]}", step: 2, read: 0 };
        let outcome = block_on(decode_async(&mut short, decoder(), &mut [], &mut ()));
        assert_eq!(outcome, Err(ReadError::Body(Error::new(ErrorKind::ExpectedValue, 12))));
    }
}
