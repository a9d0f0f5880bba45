//! What every request carries besides the key: the version, `User-Agent`, `Accept-Encoding`.

use http::header::{HeaderValue, ACCEPT_ENCODING, USER_AGENT};
use status_hyper::mock::MockServer;
use status_hyper::{ApiRequest, DEFAULT_USER_AGENT};

use crate::common::{builder, PROTOCOLS};

#[tokio::test]
async fn a_user_agent_by_default_and_a_replacement() {
    assert_eq!(DEFAULT_USER_AGENT, concat!("status-hyper/", env!("CARGO_PKG_VERSION")));
    for http2 in PROTOCOLS {
        let server = MockServer::start().await.unwrap();
        let default = builder(&server, http2).build_http().unwrap();
        default.send(&ApiRequest::get("/api/v2/clips/results/x")).await.unwrap_err();
        let custom = builder(&server, http2)
            .user_agent(HeaderValue::from_static("my-service/2.1 status-hyper"))
            .build_http()
            .unwrap();
        custom.send(&ApiRequest::get("/api/v2/clips/results/x")).await.unwrap_err();
        // A request's own header wins over the client's.
        let own = ApiRequest::get("/api/v2/clips/results/x")
            .header(USER_AGENT, HeaderValue::from_static("one-off/1"));
        custom.send(&own).await.unwrap_err();

        let seen: Vec<_> = server
            .requests()
            .iter()
            .map(|r| r.headers.get_all(USER_AGENT).iter().cloned().collect::<Vec<_>>())
            .collect();
        assert_eq!(
            seen,
            [
                vec![HeaderValue::from_static(DEFAULT_USER_AGENT)],
                vec![HeaderValue::from_static("my-service/2.1 status-hyper")],
                vec![HeaderValue::from_static("one-off/1")],
            ]
        );
    }
}

#[tokio::test]
async fn accept_encoding_names_what_this_build_decodes() {
    let server = MockServer::start().await.unwrap();
    let client = builder(&server, false).build_http().unwrap();
    client.send(&ApiRequest::get("/api/v2/clips/results/x")).await.unwrap_err();
    let sent = server.requests()[0].headers.get(ACCEPT_ENCODING).cloned();
    let expected = match (cfg!(feature = "gzip"), cfg!(feature = "brotli")) {
        (true, true) => Some("gzip, br"),
        (true, false) => Some("gzip"),
        (false, true) => Some("br"),
        (false, false) => None,
    };
    assert_eq!(sent.as_ref().map(|v| v.to_str().unwrap()), expected);
}
