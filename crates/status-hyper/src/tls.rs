//! HTTPS through hyper-rustls, with one explicit crypto provider, inside the proxy's tunnel.

use std::sync::Arc;

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::error::{Error, ErrorKind};
use crate::proxy::{Proxy, ProxyConnector};

/// A hyper-rustls connector using rustls' `ring` provider (named explicitly, so the choice
/// does not depend on which providers other crates in the build enable) and the webpki
/// roots, or with `native-roots` the platform's store. Offers HTTP/2 and HTTP/1.1 through
/// ALPN, or HTTP/2 alone. TCP connections, direct or tunnelled, come from a
/// [`ProxyConnector`], so TLS runs end to end inside a proxy's tunnel.
pub(crate) fn https_connector(
    http2_only: bool,
    proxy: &Proxy,
) -> Result<HttpsConnector<ProxyConnector>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    #[cfg(not(feature = "native-roots"))]
    let builder = HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .map_err(|e| Error::with_source(ErrorKind::Config, e))?;
    #[cfg(feature = "native-roots")]
    let builder = HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|e| Error::with_source(ErrorKind::Config, e))?;
    let builder = builder.https_or_http();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let tcp = ProxyConnector::new(proxy, http)?;
    Ok(if http2_only {
        builder.enable_http2().wrap_connector(tcp)
    } else {
        builder.enable_all_versions().wrap_connector(tcp)
    })
}
