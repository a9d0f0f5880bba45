//! A connect timeout for any connector, TLS handshakes included.

use core::error::Error as StdError;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::fmt;

use http::Uri;
use hyper::rt::{Read, Write};
use hyper_util::client::legacy::connect::Connection;
use tower_service::Service;

type BoxError = Box<dyn StdError + Send + Sync>;

/// Wraps a connector so that each connection attempt fails with [`ConnectTimedOut`] after
/// `timeout`. Wrapping the connector rather than configuring it works for every connector,
/// and the time spent in a TLS handshake counts too.
#[derive(Clone, Debug)]
pub(crate) struct TimeoutConnector<C> {
    inner: C,
    timeout: Option<Duration>,
}

impl<C> TimeoutConnector<C> {
    pub(crate) fn new(inner: C, timeout: Option<Duration>) -> Self {
        Self { inner, timeout }
    }
}

/// A connector the [`Client`](crate::Client) can use: implemented for every hyper-util
/// connector, that is every `tower_service::Service<Uri>` that yields a connection, such as
/// [`HttpConnector`](crate::HttpConnector) or hyper-rustls' `HttpsConnector`.
pub trait Connector: Clone + Send + Sync + 'static {
    /// The connection type.
    type Io: Read + Write + Connection + Unpin + Send + 'static;

    /// Whether the connector can take a call.
    fn poll_connector_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>>;

    /// Starts connecting to `dst`.
    fn connect_to(&mut self, dst: Uri) -> BoxFuture<Self::Io>;
}

/// A boxed connection future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<C> Connector for C
where
    C: Service<Uri> + Clone + Send + Sync + 'static,
    C::Response: Read + Write + Connection + Unpin + Send + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Io = C::Response;

    fn poll_connector_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.poll_ready(cx).map_err(Into::into)
    }

    fn connect_to(&mut self, dst: Uri) -> BoxFuture<Self::Io> {
        let connecting = self.call(dst);
        Box::pin(async move { connecting.await.map_err(Into::into) })
    }
}

impl<C: Connector> Service<Uri> for TimeoutConnector<C> {
    type Response = C::Io;
    type Error = BoxError;
    type Future = BoxFuture<C::Io>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_connector_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let connecting = self.inner.connect_to(dst);
        match self.timeout {
            Some(t) => Box::pin(async move {
                match tokio::time::timeout(t, connecting).await {
                    Ok(result) => result,
                    Err(_) => Err(Box::new(ConnectTimedOut(t)) as BoxError),
                }
            }),
            None => connecting,
        }
    }
}

/// The connect timeout passed; found in the source chain of a connect error.
#[derive(Debug)]
pub(crate) struct ConnectTimedOut(Duration);

impl fmt::Display for ConnectTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no connection within {:?}", self.0)
    }
}

impl StdError for ConnectTimedOut {}
