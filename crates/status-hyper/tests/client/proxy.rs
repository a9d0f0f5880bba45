//! Proxies: a real CONNECT proxy on loopback between the client and the mock.
//!
//! The tests set the proxy explicitly (the environment's variables are read through
//! `Proxy::from_lookup` in the unit tests), so the machine's own proxy settings do not matter.

use status_hyper::mock::{MockReply, MockServer};
use status_hyper::{ApiKey, ApiRequest, Client, ErrorKind, Proxy, RetryPolicy};

use crate::common::{builder, ConnectProxy, KEY, PROTOCOLS};

fn header<'a>(headers: &'a [String], name: &str) -> Option<&'a str> {
    headers.iter().find_map(|h| {
        let (n, v) = h.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[tokio::test]
async fn requests_go_through_a_connect_tunnel_and_the_key_only_inside_it() {
    for http2 in PROTOCOLS {
        let proxy = ConnectProxy::start().await;
        let server = MockServer::start().await.unwrap();
        server.push_all([MockReply::success("1"), MockReply::success("2")]);
        let client = builder(&server, http2).proxy(Proxy::all(proxy.uri())).build_http().unwrap();
        for expected in ["1", "2"] {
            let response = client.send(&ApiRequest::get("/api/v2/clips/results/p")).await.unwrap();
            assert_eq!(response.data().unwrap().get(), expected);
        }
        // One tunnel, reused by both requests; plain http is tunnelled too (origin-form
        // inside), so the proxy sees neither the request nor its headers.
        let seen = proxy.seen();
        assert_eq!(seen.len(), 1, "{seen:?}");
        let port = server.addr().port();
        assert_eq!(seen[0].request_line, format!("CONNECT 127.0.0.1:{port} HTTP/1.1"));
        assert_eq!(header(&seen[0].headers, "host"), Some(format!("127.0.0.1:{port}").as_str()));
        assert_eq!(header(&seen[0].headers, "authorization"), None);
        assert_eq!(header(&seen[0].headers, "proxy-authorization"), None);
        assert!(!format!("{seen:?}").contains(KEY));
        // The key did reach the server, through the tunnel.
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert!(requests.iter().all(|r| r.has_bearer(KEY) && r.path == "/api/v2/clips/results/p"));
    }
}

#[tokio::test]
async fn proxy_credentials_go_to_the_proxy_and_no_further() {
    let proxy = ConnectProxy::start().await;
    let server = MockServer::start().await.unwrap();
    server.push(MockReply::success("1"));
    let with_auth = format!("http://user:p%40ss@{}", proxy.addr);
    let client = builder(&server, false).proxy(Proxy::all(&with_auth)).build_http().unwrap();
    client.send(&ApiRequest::get("/x")).await.unwrap();
    let seen = proxy.seen();
    // base64("user:p@ss")
    assert_eq!(header(&seen[0].headers, "proxy-authorization"), Some("Basic dXNlcjpwQHNz"));
    assert_eq!(header(&seen[0].headers, "authorization"), None);
    let request = &server.requests()[0];
    assert!(request.headers.get("proxy-authorization").is_none());
    assert!(!format!("{client:?}").contains("p%40ss"), "Debug hides the proxy's password");
}

#[tokio::test]
async fn no_proxy_and_loopback_rules_bypass_the_proxy() {
    let proxy = ConnectProxy::start().await;
    let server = MockServer::start().await.unwrap();
    let bypasses = [
        Proxy::all(proxy.uri()).no_proxy("example.com, 127.0.0.1"),
        Proxy::all(proxy.uri()).no_proxy("127.0.0.0/8"),
        Proxy::all(proxy.uri()).no_proxy("*"),
        Proxy::https(proxy.uri()),
        Proxy::none(),
        // From the environment, loopback destinations are always reached directly.
        Proxy::from_lookup(|name| (name == "HTTP_PROXY").then(|| proxy.uri())),
    ];
    let n = bypasses.len();
    for p in bypasses {
        server.push(MockReply::success("1"));
        let client = builder(&server, false).proxy(p).build_http().unwrap();
        client.send(&ApiRequest::get("/x")).await.unwrap();
    }
    server.push(MockReply::success("1"));
    builder(&server, false)
        .no_proxy()
        .build_http()
        .unwrap()
        .send(&ApiRequest::get("/x"))
        .await
        .unwrap();
    assert_eq!(server.request_count(), n + 1);
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

#[tokio::test]
async fn an_unreachable_proxy_is_a_connect_error_and_a_bad_one_a_config_error() {
    let server = MockServer::start().await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let client = builder(&server, false)
        .proxy(Proxy::all(format!("http://{closed}")))
        .retry(RetryPolicy::never())
        .build_http()
        .unwrap();
    let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect, "{e:?}");
    assert_eq!(server.request_count(), 0);

    for bad in ["socks5://127.0.0.1:1080", "https://127.0.0.1:3128", "not a uri"] {
        let built = Client::builder(server.uri(), ApiKey::new(KEY).unwrap())
            .proxy(Proxy::all(bad))
            .build_http();
        assert_eq!(built.unwrap_err().kind(), ErrorKind::Config, "{bad}");
    }
}

#[cfg(feature = "tls")]
#[tokio::test]
async fn https_runs_tls_inside_the_tunnel() {
    // The mock speaks plain HTTP, so the TLS handshake through the tunnel fails; what
    // matters is that the proxy saw only a CONNECT and the mock no HTTP request at all.
    let proxy = ConnectProxy::start().await;
    let server = MockServer::start().await.unwrap();
    let port = server.addr().port();
    let base = format!("https://localhost:{port}").parse().unwrap();
    let client = Client::builder(base, ApiKey::new(KEY).unwrap())
        .proxy(Proxy::all(proxy.uri()))
        .retry(RetryPolicy::never())
        .build_https()
        .unwrap();
    let e = client.send(&ApiRequest::get("/x")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect, "{e:?}");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].request_line, format!("CONNECT localhost:{port} HTTP/1.1"));
    assert_eq!(server.request_count(), 0);
}
