#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
mod client;
mod connect;
mod encoding;
mod env;
mod error;
mod event;
mod orphans;
mod projects;
mod proxy;
mod rate_limit;
mod reply;
mod request;
mod retry;
mod retry_after;
mod secret;
mod store;
mod stream;
#[cfg(feature = "tls")]
mod tls;
mod trace;

#[cfg(feature = "mock")]
pub mod mock;

pub use client::{
    Client, ClientBuilder, SuccessResponse, API_BASE, API_VERSION_HEADER, DEFAULT_USER_AGENT,
};
pub use connect::{BoxFuture, Connector};
pub use env::{EnvError, EnvProblem, API_KEY_VAR, BASE_URL_VAR};
pub use error::{Error, ErrorKind};
pub use event::Event;
pub use projects::{Project, ProjectSlots};
pub use proxy::{Proxy, ProxyConnector};
pub use rate_limit::{RateLimiter, RatePermit};
pub use reply::BufferedResponse;
pub use request::ApiRequest;
pub use retry::RetryPolicy;
pub use retry_after::retry_after;
pub use secret::{ApiKey, InvalidApiKey};
pub use store::{
    AcquireError, LocalProjectStore, LocalRateStore, Orphan, ProjectStore, RateStore, SlotId,
    StoreError, StoreFallback, StoreFuture,
};
pub use stream::ItemStream;

pub use hyper_util::client::legacy::connect::HttpConnector;
