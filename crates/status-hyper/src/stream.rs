//! The items of a list inside `data`, typed one by one as the body arrives, in memory
//! bounded by a window whatever the body's size.

use core::marker::PhantomData;
use std::collections::VecDeque;

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde::de::DeserializeOwned;
use status_core::stream::{ItemPath, OnItem, PushDecoder};
use status_core::{Decoder, RawJson};
use tokio::time::{timeout_at, Duration, Instant};

use crate::encoding::{Decoding, Failure};
use crate::error::{Error, ErrorKind};

/// Why the wait for the next frame may end early.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Until {
    /// The attempt timeout, of this length.
    Attempt(Instant, Duration),
    /// The call's deadline.
    Deadline(Instant),
}

impl Until {
    fn at(self) -> Instant {
        match self {
            Self::Attempt(at, _) | Self::Deadline(at) => at,
        }
    }

    /// The earlier of the two ends, when there is one.
    pub(crate) fn earliest(attempt: Option<Self>, deadline: Option<Self>) -> Option<Self> {
        match (attempt, deadline) {
            (Some(a), Some(d)) => Some(if d.at() < a.at() { d } else { a }),
            (a, d) => a.or(d),
        }
    }
}

/// The typed items of the array at an [`ItemPath`] inside a 2xx reply's `data`, from
/// [`Client::stream_items`](crate::Client::stream_items), decoded as the body arrives.
///
/// The body is never held: each frame is fed to status-core's
/// [`PushDecoder`] and dropped, each item is gathered in the window (its size fixed when the
/// call is made) and deserialized into `T` with [`status_core::from_raw`] once it is
/// complete. Memory is the window, the frame being fed, and the items of one piece of at
/// most a window's bytes waiting to be taken, whatever the body's size. A compressed body
/// (`Content-Encoding`) also holds the decoded bytes of one frame, at most the client's body
/// limit; the body limit does not otherwise apply, as nothing is buffered.
///
/// After an error, [`next`](Self::next) returns `None`. The attempt timeout and the
/// deadline of the call run on until the body's last byte.
pub struct ItemStream<T> {
    status: StatusCode,
    headers: HeaderMap,
    body: Incoming,
    /// `None` once the body ended.
    decoding: Option<Decoding>,
    /// The most decoded bytes one frame may hold.
    frame_limit: usize,
    /// `None` once the body ended or failed.
    decoder: Option<PushDecoder>,
    window: Box<[u8]>,
    /// Bytes of the current frame not yet fed.
    pending: Bytes,
    ready: VecDeque<Result<T, Error>>,
    until: Option<Until>,
    attempts: u32,
    items: u64,
    _type: PhantomData<fn() -> T>,
}

impl<T> core::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ItemStream")
            .field("status", &self.status)
            .field("decoder", &self.decoder)
            .field("window", &self.window.len())
            .field("items", &self.items)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl<T> ItemStream<T> {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The size of the window an item must fit in.
    pub fn window_size(&self) -> usize {
        self.window.len()
    }

    /// How many items were decoded so far (handed out or waiting).
    pub fn decoded_items(&self) -> u64 {
        self.items
    }

    /// How many attempts it took to receive the first item.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl<T: DeserializeOwned> ItemStream<T> {
    /// A stream over a 2xx response's body.
    pub(crate) fn new(
        response: http::Response<Incoming>,
        path: ItemPath,
        window: usize,
        decoder: &Decoder,
        frame_limit: usize,
        until: Option<Until>,
    ) -> Result<Self, Error> {
        let (parts, body) = response.into_parts();
        let status = parts.status;
        let decoding = Decoding::new(&parts.headers, frame_limit)
            .map_err(|f| failure(f, status, frame_limit))?;
        let pushing = PushDecoder::with_decoder(decoder, status.as_u16())
            .map_err(|e| Error::decode_streamed(status, e))?
            .with_items(path);
        Ok(Self {
            status,
            headers: parts.headers,
            body,
            decoding: Some(decoding),
            frame_limit,
            decoder: Some(pushing),
            window: vec![0; window].into_boxed_slice(),
            pending: Bytes::new(),
            ready: VecDeque::new(),
            until,
            attempts: 0,
            items: 0,
            _type: PhantomData,
        })
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts;
    }

    /// Reads until an item is ready or the body is over: the end of the call's retry phase.
    pub(crate) async fn prime(&mut self) -> Result<(), Error> {
        while self.ready.is_empty() && self.decoder.is_some() {
            self.advance().await;
        }
        match self.ready.front() {
            Some(Err(_)) => match self.ready.pop_front() {
                Some(Err(e)) => Err(e),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The next item; `None` at the end of the body or after an error.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Decode`] for a malformed body (status-core's error, with its absolute
    /// byte offset, as the source; [`ItemTooLarge`](status_core::ErrorKind::ItemTooLarge)
    /// for an item larger than the window), [`ErrorKind::Data`] for an item that does not
    /// fit `T`, [`ErrorKind::Body`] when the connection fails, [`ErrorKind::Timeout`] or
    /// [`ErrorKind::Deadline`] when the body is still arriving at the attempt timeout or the
    /// deadline, [`ErrorKind::ContentEncoding`] for a body whose encoding cannot be undone.
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            self.decoder.as_ref()?;
            self.advance().await;
        }
    }

    /// The stream as a [`futures_core::Stream`].
    pub fn into_stream(self) -> impl Stream<Item = Result<T, Error>> + Send + 'static
    where
        T: Send + 'static,
    {
        futures_util::stream::unfold(self, |mut items| async move {
            items.next().await.map(|item| (item, items))
        })
    }

    /// Feeds a piece of the pending frame, or waits for the next one.
    async fn advance(&mut self) {
        if self.pending.is_empty() {
            match self.next_frame().await {
                Ok(Some(bytes)) => self.pending = bytes,
                Ok(None) => self.end(),
                Err(e) => self.fail(e),
            }
            return;
        }
        // At most a window's worth at a time, so that the items waiting stay few.
        let piece = self.pending.split_to(self.pending.len().min(self.window.len().max(256)));
        self.feed(&piece);
    }

    fn feed(&mut self, bytes: &[u8]) {
        let Some(decoder) = self.decoder.as_mut() else { return };
        let status = self.status;
        let (ready, items) = (&mut self.ready, &mut self.items);
        // An item that does not fit `T` ends the stream after it.
        let mut misfit = false;
        let mut on_item = OnItem(|raw: RawJson<'_>| {
            if !misfit {
                *items += 1;
                let item = typed(status, raw);
                misfit = item.is_err();
                ready.push_back(item);
            }
        });
        let fed = decoder.feed_items(bytes, &mut self.window, &mut on_item);
        if misfit {
            self.stop();
        } else if let Err(e) = fed {
            self.fail(Error::decode_streamed(status, e));
        }
    }

    /// The body is over: the tail the codec held back, then the verdict.
    fn end(&mut self) {
        let status = self.status;
        match self.decoding.take().map(Decoding::finish) {
            Some(Ok(tail)) => self.feed(&tail),
            Some(Err(f)) => return self.fail(failure(f, status, self.frame_limit)),
            None => {}
        }
        if let Some(decoder) = self.decoder.take() {
            if let Err(e) = decoder.finish() {
                self.ready.push_back(Err(Error::decode_streamed(status, e)));
            }
        }
    }

    fn fail(&mut self, e: Error) {
        self.ready.push_back(Err(e));
        self.stop();
    }

    fn stop(&mut self) {
        self.decoder = None;
        self.pending = Bytes::new();
    }

    /// The next data frame, decoded; `None` at the end of the body.
    async fn next_frame(&mut self) -> Result<Option<Bytes>, Error> {
        let status = self.status;
        loop {
            let frame = match self.until {
                None => self.body.frame().await,
                Some(until) => match timeout_at(until.at(), self.body.frame()).await {
                    Ok(frame) => frame,
                    Err(elapsed) => {
                        return Err(match until {
                            Until::Attempt(_, limit) => Error::timeout(limit, elapsed),
                            Until::Deadline(_) => Error::deadline(),
                        }
                        .with_status(status))
                    }
                },
            };
            let Some(frame) = frame else { return Ok(None) };
            let frame = frame.map_err(|e| Error::body_failed(status, e))?;
            let Ok(chunk) = frame.into_data() else { continue };
            let (limit, Some(decoding)) = (self.frame_limit, self.decoding.as_mut()) else {
                return Ok(None);
            };
            decoding.push(chunk).map_err(|f| failure(f, status, limit))?;
            let decoded = decoding.held();
            if !decoded.is_empty() {
                return Ok(Some(decoded));
            }
        }
    }
}

fn typed<T: DeserializeOwned>(status: StatusCode, raw: RawJson<'_>) -> Result<T, Error> {
    status_core::from_raw(raw)
        .map_err(|e| Error::data(status, Bytes::copy_from_slice(raw.as_bytes()), e))
}

fn failure(f: Failure, status: StatusCode, limit: usize) -> Error {
    match f {
        Failure::OverLimit => Error::too_large(ErrorKind::BodyTooLarge, status, limit as u64),
        Failure::Encoding(e) => Error::content_encoding(status, e),
    }
}
