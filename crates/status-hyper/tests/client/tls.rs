//! The `tls` feature: the rustls connector plugs into the client (run with `--features tls`).
#![cfg(feature = "tls")]

use crate::common::KEY;
use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiKey, ApiRequest, Client, ErrorKind, RetryPolicy};

#[tokio::test]
async fn https_is_really_tls_and_plain_loopback_still_works() {
    let server = MockServer::start().await.unwrap();

    // The mock speaks plain HTTP: a TLS handshake with it fails before anything is sent.
    let https = format!("https://localhost:{}", server.addr().port()).parse().unwrap();
    let client = Client::builder(https, ApiKey::new(KEY).unwrap())
        .retry(RetryPolicy::never())
        .build_https()
        .unwrap();
    let err = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
    assert_eq!(server.request_count(), 0, "no request reached the plain server");

    // The same connector serves plain http to loopback, over either protocol.
    for http2 in [false, true] {
        server.push(MockReply::success("2"));
        let client = Client::builder(server.uri(), ApiKey::new(KEY).unwrap())
            .http2_only(http2)
            .build_https()
            .unwrap();
        let response = client.send(&ApiRequest::get("/x")).await.unwrap();
        assert_eq!(response.data().unwrap().get(), "2");
    }
}
