//! status-hyper's integration tests, in one binary so that the test command links once.
//!
//! Each module is one concern, run against a real hyper server on loopback.

mod common;

mod clip_example;
mod compression;
mod endpoints;
mod headers;
mod limits;
mod load;
mod log_safety;
mod proxy;
mod retry;
mod secrets;
mod statuses;
mod streaming;
mod telemetry;
mod tls;
mod upload;
mod versions;
mod wait;
