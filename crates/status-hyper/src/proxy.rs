//! HTTP proxies: a CONNECT tunnel per destination, chosen from the environment or settings.

use core::error::Error as StdError;
use core::fmt;
use core::task::{Context, Poll};
use std::sync::Arc;

use http::uri::{Authority, Scheme};
use http::Uri;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::client::is_loopback;
use crate::connect::BoxFuture;
use crate::error::Error;

type BoxError = Box<dyn StdError + Send + Sync>;

/// Which requests go through an HTTP proxy, and which proxy.
///
/// The client reaches a proxy with a `CONNECT` tunnel, for `https` and plain `http`
/// destinations alike, so the proxy sees only the destination's host and port: the
/// request, its `Authorization` header with the API key, and the reply travel inside the
/// tunnel (and inside TLS, for `https`). Proxy credentials given as `http://user:pass@host`
/// are sent to the proxy as `Proxy-Authorization`. Only `http://` proxies are supported.
///
/// By default ([`Proxy::from_env`]) the client honours `HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY` and `NO_PROXY` (or their lower-case forms) as curl does.
///
/// ```
/// use status_hyper::Proxy;
///
/// // Everything through one proxy, except hosts under `internal.example`.
/// let proxy = Proxy::all("http://proxy.example:3128").no_proxy("internal.example");
/// # let _ = proxy;
/// // The settings a process with these variables would get:
/// let env = Proxy::from_lookup(|name| match name {
///     "HTTPS_PROXY" => Some("http://proxy.example:3128".into()),
///     _ => None,
/// });
/// assert!(env.intercepts(&"https://wayinvideo-api.wayin.ai".parse().unwrap()));
/// assert!(!env.intercepts(&"http://wayinvideo-api.wayin.ai".parse().unwrap()));
/// ```
#[derive(Clone)]
pub struct Proxy {
    source: Source,
}

#[derive(Clone)]
enum Source {
    /// Read the environment when the client is built.
    Env,
    None,
    Settings(Settings),
}

#[derive(Clone, Default)]
struct Settings {
    all: String,
    http: String,
    https: String,
    no: String,
    /// Environment proxies are not used for loopback destinations: a local mock or sidecar
    /// keeps working under a machine-wide proxy.
    loopback_direct: bool,
    explicit: bool,
}

impl Proxy {
    /// The proxy settings of this process's environment, read when the client is built:
    /// `HTTPS_PROXY` for `https` destinations, `HTTP_PROXY` for plain `http` ones,
    /// `ALL_PROXY` for both where those are unset, and `NO_PROXY`, a comma-separated list of
    /// hosts, domains (which cover their subdomains), IP addresses and networks (`10.0.0.0/8`)
    /// to reach directly, or `*` for all. Each is also read in lower case. Loopback hosts are
    /// always reached directly, and under CGI (`REQUEST_METHOD` set) the variables are
    /// ignored, since a request's `Proxy` header would appear as `HTTP_PROXY`.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading each variable through `lookup`.
    pub fn from_lookup(mut lookup: impl FnMut(&str) -> Option<String>) -> Self {
        if lookup("REQUEST_METHOD").is_some() {
            return Self::none();
        }
        let mut first = |names: [&str; 2]| names.iter().find_map(|n| lookup(n)).unwrap_or_default();
        Self {
            source: Source::Settings(Settings {
                all: first(["ALL_PROXY", "all_proxy"]),
                http: first(["HTTP_PROXY", "http_proxy"]),
                https: first(["HTTPS_PROXY", "https_proxy"]),
                no: first(["NO_PROXY", "no_proxy"]),
                loopback_direct: true,
                explicit: false,
            }),
        }
    }

    /// No proxy: every connection goes straight to its destination.
    pub fn none() -> Self {
        Self { source: Source::None }
    }

    /// Every destination through the proxy at `uri` (`http://host:port`, optionally with
    /// `user:password@`), loopback hosts included.
    pub fn all(uri: impl Into<String>) -> Self {
        Self::explicit(Settings { all: uri.into(), ..Settings::default() })
    }

    /// Only `https` destinations through the proxy at `uri`.
    pub fn https(uri: impl Into<String>) -> Self {
        Self::explicit(Settings { https: uri.into(), ..Settings::default() })
    }

    /// Only plain `http` destinations through the proxy at `uri`.
    pub fn http(uri: impl Into<String>) -> Self {
        Self::explicit(Settings { http: uri.into(), ..Settings::default() })
    }

    fn explicit(settings: Settings) -> Self {
        Self { source: Source::Settings(Settings { explicit: true, ..settings }) }
    }

    /// Reaches the hosts in `list` directly, with `NO_PROXY`'s syntax (see
    /// [`from_env`](Self::from_env)); replaces any list given before.
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        if let Source::Settings(s) = &mut self.source {
            s.no = list.into();
        }
        self
    }

    /// Whether a connection to `dst` would go through a proxy.
    pub fn intercepts(&self, dst: &Uri) -> bool {
        self.resolve().is_ok_and(|r| r.is_some_and(|r| r.intercept(dst).is_some()))
    }

    /// The matcher these settings give; `None` for direct connections only.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when an explicit proxy is not an
    /// `http://` URI (the environment's unusable values are ignored, as curl does).
    pub(crate) fn resolve(&self) -> Result<Option<Resolved>, Error> {
        let settings = match &self.source {
            Source::Env => return Self::from_env().resolve(),
            Source::None => return Ok(None),
            Source::Settings(s) => s,
        };
        if settings.explicit {
            for uri in [&settings.all, &settings.http, &settings.https] {
                if uri.is_empty() {
                    continue;
                }
                let probe = Matcher::builder().all(uri.as_str()).build();
                let ok = probe
                    .intercept(&Uri::from_static("http://probe.invalid"))
                    .is_some_and(|i| i.uri().scheme() == Some(&Scheme::HTTP));
                if !ok {
                    return Err(Error::config("the proxy must be an http:// URI"));
                }
            }
        }
        let matcher = Matcher::builder()
            .all(settings.all.as_str())
            .http(settings.http.as_str())
            .https(settings.https.as_str())
            .no(settings.no.as_str())
            .build();
        // hyper-util's matcher applies `*` to host names only; curl applies it to every host,
        // IP addresses included.
        let bypass_all = settings.no.split(',').any(|entry| entry.trim() == "*");
        Ok(Some(Resolved {
            matcher: Arc::new(matcher),
            loopback_direct: settings.loopback_direct,
            bypass_all,
        }))
    }
}

impl Default for Proxy {
    /// The environment's settings, read when the client is built.
    fn default() -> Self {
        Self { source: Source::Env }
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Env => f.write_str("Proxy(from the environment)"),
            Source::None => f.write_str("Proxy(none)"),
            Source::Settings(s) => f
                .debug_struct("Proxy")
                .field("all", &redact(&s.all))
                .field("http", &redact(&s.http))
                .field("https", &redact(&s.https))
                .field("no_proxy", &s.no)
                .field("loopback_direct", &s.loopback_direct)
                .finish(),
        }
    }
}

/// A proxy URI without its credentials.
fn redact(uri: &str) -> String {
    let (scheme, rest) = uri.split_once("://").map_or(("", uri), |(s, r)| (s, r));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let shown = match rest[..authority_end].rsplit_once('@') {
        Some((_, host)) => format!("<redacted>@{host}{}", &rest[authority_end..]),
        None => rest.to_owned(),
    };
    if scheme.is_empty() {
        shown
    } else {
        format!("{scheme}://{shown}")
    }
}

#[derive(Clone)]
pub(crate) struct Resolved {
    matcher: Arc<Matcher>,
    loopback_direct: bool,
    bypass_all: bool,
}

impl Resolved {
    fn intercept(&self, dst: &Uri) -> Option<hyper_util::client::proxy::matcher::Intercept> {
        if self.bypass_all {
            return None;
        }
        if self.loopback_direct && dst.host().is_some_and(is_loopback) {
            return None;
        }
        self.matcher.intercept(dst)
    }
}

/// The client's TCP connector: connects directly, or through a `CONNECT` tunnel when the
/// [`Proxy`] settings say so. [`ClientBuilder::build_http`](crate::ClientBuilder::build_http)
/// uses it as it is and [`build_https`](crate::ClientBuilder::build_https) runs TLS over it,
/// so that TLS runs inside the tunnel; wrap it in your own TLS connector and pass that to
/// [`build`](crate::ClientBuilder::build) to keep the proxy settings.
#[derive(Clone)]
pub struct ProxyConnector {
    http: HttpConnector,
    proxy: Option<Resolved>,
}

impl ProxyConnector {
    /// A connector for `proxy`; `http` makes the TCP connections (to the proxy or the
    /// destination), and must accept `https` URIs (`enforce_http(false)`) to be used under TLS.
    ///
    /// # Errors
    ///
    /// As [`Proxy`]'s settings: an explicit proxy that is not an `http://` URI.
    pub fn new(proxy: &Proxy, http: HttpConnector) -> Result<Self, Error> {
        Ok(Self { http, proxy: proxy.resolve()? })
    }
}

impl fmt::Debug for ProxyConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConnector")
            .field("proxy", &self.proxy.as_ref().map(|p| &*p.matcher))
            .finish_non_exhaustive()
    }
}

/// Only `http://` proxies can be tunnelled through.
#[derive(Debug)]
struct UnsupportedProxy;

impl fmt::Display for UnsupportedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("only http:// proxies are supported")
    }
}

impl StdError for UnsupportedProxy {}

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = BoxFuture<TokioIo<TcpStream>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let intercept = self.proxy.as_ref().and_then(|p| p.intercept(&dst));
        let Some(intercept) = intercept else {
            let connecting = self.http.call(dst);
            return Box::pin(async move { connecting.await.map_err(Into::into) });
        };
        if intercept.uri().scheme() != Some(&Scheme::HTTP) {
            return Box::pin(async { Err(Box::new(UnsupportedProxy) as BoxError) });
        }
        let mut tunnel = Tunnel::new(intercept.uri().clone(), self.http.clone());
        if let Some(auth) = intercept.basic_auth() {
            tunnel = tunnel.with_auth(auth.clone());
        }
        // The tunnel takes a missing port for 443; a plain `http` destination means 80.
        let connecting = tunnel.call(with_port(dst));
        Box::pin(async move { connecting.await.map_err(Into::into) })
    }
}

/// `dst` with its scheme's default port written out.
fn with_port(dst: Uri) -> Uri {
    if dst.port().is_some() {
        return dst;
    }
    let port = if dst.scheme() == Some(&Scheme::HTTP) { 80 } else { 443 };
    let Some(host) = dst.host() else { return dst };
    let Ok(authority) = Authority::try_from(format!("{host}:{port}")) else { return dst };
    let mut parts = dst.clone().into_parts();
    parts.authority = Some(authority);
    Uri::from_parts(parts).unwrap_or(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &'static str) -> Uri {
        Uri::from_static(s)
    }

    fn env(vars: &'static [(&'static str, &'static str)]) -> Proxy {
        Proxy::from_lookup(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
    }

    #[test]
    fn the_environment_is_read_as_curl_does() {
        let p = env(&[("HTTPS_PROXY", "http://proxy:3128"), ("NO_PROXY", "internal.example")]);
        assert!(p.intercepts(&uri("https://wayinvideo-api.wayin.ai")));
        assert!(!p.intercepts(&uri("http://wayinvideo-api.wayin.ai")));
        assert!(!p.intercepts(&uri("https://api.internal.example")));
        assert!(!p.intercepts(&uri("https://127.0.0.1:8080")), "loopback stays direct");
        assert!(!p.intercepts(&uri("https://localhost")), "loopback stays direct");

        let lower = env(&[("http_proxy", "proxy:3128"), ("all_proxy", "http://all:1")]);
        assert!(lower.intercepts(&uri("http://example.com")));
        assert!(lower.intercepts(&uri("https://example.com")), "ALL_PROXY covers https");

        let star = env(&[("ALL_PROXY", "http://proxy:3128"), ("no_proxy", "a.example, *")]);
        assert!(!star.intercepts(&uri("https://example.com")));
        assert!(!star.intercepts(&uri("https://10.1.2.3")), "`*` covers IP addresses too");

        let net = env(&[("HTTPS_PROXY", "http://proxy:3128"), ("NO_PROXY", "10.0.0.0/8")]);
        assert!(!net.intercepts(&uri("https://10.1.2.3")));
        assert!(net.intercepts(&uri("https://11.1.2.3")));

        let cgi = env(&[("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "http://evil:1")]);
        assert!(!cgi.intercepts(&uri("http://example.com")));
        assert!(!env(&[]).intercepts(&uri("https://example.com")));
    }

    #[test]
    fn explicit_settings_include_loopback_and_are_checked() {
        let p = Proxy::all("http://127.0.0.1:3128");
        assert!(p.intercepts(&uri("http://127.0.0.1:9")));
        assert!(!p.clone().no_proxy("127.0.0.1").intercepts(&uri("http://127.0.0.1:9")));
        assert!(!Proxy::https("http://p:1").intercepts(&uri("http://example.com")));
        assert!(Proxy::http("http://p:1").intercepts(&uri("http://example.com")));
        assert!(!Proxy::none().intercepts(&uri("https://example.com")));
        for bad in ["", "socks5://127.0.0.1:1080", "https://p:1", "::"] {
            let p = Proxy::all(bad);
            if bad.is_empty() {
                assert!(p.resolve().is_ok());
            } else {
                assert!(p.resolve().is_err(), "{bad}");
            }
        }
    }

    #[test]
    fn debug_hides_proxy_credentials() {
        let p = Proxy::all("http://user:s3cret@proxy.example:3128/");
        let shown = format!("{p:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("user"), "{shown}");
        assert!(shown.contains("http://<redacted>@proxy.example:3128/"), "{shown}");
        assert_eq!(redact("proxy:1"), "proxy:1");
    }

    #[test]
    fn plain_http_destinations_get_port_80() {
        assert_eq!(with_port(uri("http://example.com/x")), "http://example.com:80/x");
        assert_eq!(with_port(uri("https://example.com")).port_u16(), Some(443));
        assert_eq!(with_port(uri("http://example.com:81")).port_u16(), Some(81));
    }
}
