//! A request to the API, kept whole so that it can be sent again on retry.

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use http::{HeaderMap, Method};

/// A request relative to the client's base URI.
///
/// ```
/// use status_hyper::ApiRequest;
///
/// let get = ApiRequest::get("/api/v2/clips/results/prj06928fdjqqaza");
/// let post = ApiRequest::post("/api/v2/clips", r#"{"video_url": "https://example.com/v.mp4"}"#);
/// assert_eq!(post.method(), http::Method::POST);
/// assert!(!post.is_idempotent());
/// assert!(post.mark_idempotent().is_idempotent());
/// # let _ = get;
/// ```
#[derive(Debug, Clone)]
pub struct ApiRequest {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
    idempotent: bool,
    // A 429 is returned to the caller instead of retried (typed submissions handle it).
    return_429: bool,
}

impl ApiRequest {
    /// A request with `method` for `path` (with its query, if any), without a body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            idempotent: false,
            return_429: false,
        }
    }

    /// A GET for `path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// A POST of a JSON `body` to `path`.
    pub fn post(path: impl Into<String>, json: impl Into<Bytes>) -> Self {
        Self::new(Method::POST, path).json(json)
    }

    /// Sets a JSON body (and `Content-Type: application/json`).
    pub fn json(mut self, json: impl Into<Bytes>) -> Self {
        self.body = json.into();
        self.headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        self
    }

    /// Adds a header. `Authorization` and the API-version header are set by the client and
    /// replace any given here.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Declares that sending this request twice does no harm (for example a POST that
    /// carries its own idempotency key), so that it is retried like a GET.
    pub fn mark_idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Returns a 429 to the caller at once instead of retrying it.
    pub(crate) fn returning_429(mut self) -> Self {
        self.return_429 = true;
        self
    }

    /// Whether a 429 is returned at once rather than retried.
    pub(crate) fn returns_429(&self) -> bool {
        self.return_429
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method.clone()
    }

    /// The path and query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The extra headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Whether the caller marked the request idempotent.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }
}
