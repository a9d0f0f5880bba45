//! The API key, kept out of every `Debug`, `Display` and error message.

use core::fmt;

use http::HeaderValue;

/// An API key. Its `Debug` prints `ApiKey(<redacted>)`; it has no `Display`.
///
/// The key is stored only as the ready-made `Authorization: Bearer <key>` header value,
/// marked [sensitive](HeaderValue::set_sensitive) so that hyper's own `Debug` output redacts
/// it too and HTTP/2 never enters it into the HPACK table.
#[derive(Clone)]
pub struct ApiKey {
    bearer: HeaderValue,
}

impl ApiKey {
    /// Wraps a key.
    ///
    /// # Errors
    ///
    /// [`InvalidApiKey`] when the key is empty or holds a byte that a header cannot carry
    /// (control characters, non-ASCII). The error does not repeat the key.
    pub fn new(key: impl AsRef<str>) -> Result<Self, InvalidApiKey> {
        let key = key.as_ref().trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidApiKey(()));
        }
        let mut bearer =
            HeaderValue::try_from(format!("Bearer {key}")).map_err(|_| InvalidApiKey(()))?;
        bearer.set_sensitive(true);
        Ok(Self { bearer })
    }

    /// The `Authorization` header value, marked sensitive.
    pub(crate) fn bearer(&self) -> &HeaderValue {
        &self.bearer
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// The key given to [`ApiKey::new`] was empty or not printable ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApiKey(());

impl fmt::Display for InvalidApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("API key must be non-empty printable ASCII without spaces")
    }
}

impl core::error::Error for InvalidApiKey {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_and_header_is_sensitive() {
        let key = ApiKey::new("sk-live-7f3a9c").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert!(key.bearer().is_sensitive());
        assert_eq!(key.bearer().as_bytes(), b"Bearer sk-live-7f3a9c");
        assert!(!format!("{:?}", key.bearer()).contains("7f3a9c"));
    }

    #[test]
    fn refuses_keys_a_header_cannot_carry() {
        for bad in ["", "   ", "two words", "line\nbreak", "caf\u{e9}"] {
            assert_eq!(ApiKey::new(bad).unwrap_err(), InvalidApiKey(()), "{bad:?}");
        }
    }
}
