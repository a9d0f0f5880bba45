//! HTTPS through hyper-rustls, with one explicit crypto provider.

use std::sync::Arc;

use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::error::{Error, ErrorKind};

/// A hyper-rustls connector using rustls' `ring` provider (named explicitly, so the choice
/// does not depend on which providers other crates in the build enable) and the webpki
/// roots. Offers HTTP/2 and HTTP/1.1 through ALPN, or HTTP/2 alone.
pub(crate) fn https_connector(http2_only: bool) -> Result<HttpsConnector<HttpConnector>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .map_err(|e| Error::with_source(ErrorKind::Config, e))?
        .https_or_http();
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    Ok(if http2_only {
        builder.enable_http2().wrap_connector(http)
    } else {
        builder.enable_all_versions().wrap_connector(http)
    })
}
