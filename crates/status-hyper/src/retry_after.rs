//! `Retry-After` (RFC 9110, section 10.2.3) in both of its forms.

use core::time::Duration;
use std::time::SystemTime;

use http::header::{DATE, RETRY_AFTER};
use http::HeaderMap;

/// The wait a response asks for in its `Retry-After` header, if any.
///
/// Both forms of RFC 9110 are read:
/// - `delay-seconds`, such as `Retry-After: 120`;
/// - an HTTP date, such as `Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`. The wait is measured
///   from the response's own `Date` header when it has a valid one, so that a skewed local
///   clock does not stretch or shrink it, and from `now` otherwise. A date in the past means
///   no wait.
///
/// A malformed value (a negative or fractional number, an unparsable date) is ignored, as
/// RFC 9110 lets a recipient do, and the caller falls back to its own schedule.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use http::HeaderMap;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", "7".parse().unwrap());
/// assert_eq!(status_hyper::retry_after(&headers, SystemTime::now()), Some(Duration::from_secs(7)));
///
/// headers.insert("date", "Tue, 10 Mar 2026 15:52:01 GMT".parse().unwrap());
/// headers.insert("retry-after", "Tue, 10 Mar 2026 15:52:31 GMT".parse().unwrap());
/// assert_eq!(status_hyper::retry_after(&headers, SystemTime::now()), Some(Duration::from_secs(30)));
/// ```
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Values too large for u64 seconds still mean "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let reference = headers
        .get(DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .unwrap_or(now);
    Some(at.duration_since(reference).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn at(s: &str) -> SystemTime {
        httpdate::parse_http_date(s).unwrap()
    }

    #[test]
    fn delay_seconds() {
        let now = SystemTime::UNIX_EPOCH;
        let get = |v| retry_after(&headers(&[("retry-after", v)]), now);
        assert_eq!(get("0"), Some(Duration::ZERO));
        assert_eq!(get("  3 "), Some(Duration::from_secs(3)));
        assert_eq!(get("99999999999999999999999"), Some(Duration::from_secs(u64::MAX)));
        for bad in ["-1", "1.5", "+2", "", "soon", "1 2"] {
            assert_eq!(get(bad), None, "{bad:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn http_date_against_the_date_header() {
        let h = headers(&[
            ("date", "Tue, 10 Mar 2026 15:52:01 GMT"),
            ("retry-after", "Tue, 10 Mar 2026 15:52:09 GMT"),
        ]);
        // The local clock is a day off; the server's own Date header decides.
        let skewed = at("Wed, 11 Mar 2026 15:52:01 GMT");
        assert_eq!(retry_after(&h, skewed), Some(Duration::from_secs(8)));
    }

    #[test]
    fn http_date_against_now_without_a_date_header() {
        let now = at("Tue, 10 Mar 2026 15:52:01 GMT");
        let get = |v| retry_after(&headers(&[("retry-after", v)]), now);
        assert_eq!(get("Tue, 10 Mar 2026 15:53:01 GMT"), Some(Duration::from_secs(60)));
        // The obsolete RFC 850 and asctime forms are HTTP dates too.
        assert_eq!(get("Tuesday, 10-Mar-26 15:52:05 GMT"), Some(Duration::from_secs(4)));
        assert_eq!(get("Tue Mar 10 15:52:03 2026"), Some(Duration::from_secs(2)));
        assert_eq!(get("Tue, 10 Mar 2026 15:50:00 GMT"), Some(Duration::ZERO));
        assert_eq!(get("Tue, 10 Mar 2026 25:00:00 GMT"), None);
    }

    #[test]
    fn a_bad_date_header_falls_back_to_now() {
        let now = at("Tue, 10 Mar 2026 15:52:01 GMT");
        let h = headers(&[("date", "yesterday"), ("retry-after", "Tue, 10 Mar 2026 15:52:11 GMT")]);
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(10)));
    }
}
