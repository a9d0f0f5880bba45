//! Settings from the environment: `WAYINVIDEO_API_KEY` and `WAYINVIDEO_BASE_URL`.

use core::fmt;
use std::ffi::OsString;

use http::uri::Scheme;
use http::Uri;

use crate::client::{is_loopback, Client, ClientBuilder, API_BASE};
use crate::secret::ApiKey;

/// The variable that holds the API key.
pub const API_KEY_VAR: &str = "WAYINVIDEO_API_KEY";

/// The variable that may hold the base URL (default [`API_BASE`]).
pub const BASE_URL_VAR: &str = "WAYINVIDEO_BASE_URL";

/// A variable [`Client::from_env`] needs is missing or malformed. Names the variable and never
/// repeats its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError {
    variable: &'static str,
    problem: EnvProblem,
}

/// What is wrong with the variable.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvProblem {
    /// It is not set, or empty.
    Missing,
    /// Its value is not valid Unicode.
    NotUnicode,
    /// Its value is unusable, for the reason given.
    Malformed(&'static str),
}

impl EnvError {
    /// The variable: [`API_KEY_VAR`] or [`BASE_URL_VAR`].
    pub fn variable(&self) -> &'static str {
        self.variable
    }

    /// What is wrong with it.
    pub fn problem(&self) -> EnvProblem {
        self.problem
    }

    /// Whether the variable is not set (or empty).
    pub fn is_missing(&self) -> bool {
        self.problem == EnvProblem::Missing
    }
}

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problem {
            EnvProblem::Missing => write!(f, "{} is not set", self.variable),
            EnvProblem::NotUnicode => write!(f, "{} is not valid Unicode", self.variable),
            EnvProblem::Malformed(why) => write!(f, "{} is malformed: {why}", self.variable),
        }
    }
}

impl core::error::Error for EnvError {}

fn text(
    lookup: &mut impl FnMut(&str) -> Option<OsString>,
    variable: &'static str,
) -> Result<Option<String>, EnvError> {
    match lookup(variable) {
        None => Ok(None),
        Some(value) => match value.into_string() {
            Ok(s) if s.trim().is_empty() => Ok(None),
            Ok(s) => Ok(Some(s)),
            Err(_) => Err(EnvError { variable, problem: EnvProblem::NotUnicode }),
        },
    }
}

impl Client {
    /// Settings from the environment: the key from `WAYINVIDEO_API_KEY`, and the base URL
    /// from `WAYINVIDEO_BASE_URL` when it is set (default [`API_BASE`]). Every other setting
    /// has its default, and can be changed on the returned builder.
    ///
    /// ```no_run
    /// # #[cfg(feature = "tls")]
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = status_hyper::Client::from_env()?.build_https()?;
    /// # let _ = client; Ok(()) }
    /// # #[cfg(not(feature = "tls"))] fn main() {}
    /// ```
    ///
    /// # Errors
    ///
    /// An [`EnvError`] naming the variable: the key is missing or not a valid key, or the
    /// base URL is not an absolute `https` URL (or `http` to a loopback host).
    pub fn from_env() -> Result<ClientBuilder, EnvError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// As [`from_env`](Self::from_env), reading each variable through `lookup`.
    ///
    /// ```
    /// use status_hyper::{Client, EnvProblem};
    ///
    /// let err = Client::from_lookup(|_| None).unwrap_err();
    /// assert_eq!(err.to_string(), "WAYINVIDEO_API_KEY is not set");
    ///
    /// let builder = Client::from_lookup(|name| match name {
    ///     "WAYINVIDEO_API_KEY" => Some("sk-...".into()),
    ///     "WAYINVIDEO_BASE_URL" => Some("http://127.0.0.1:8080".into()),
    ///     _ => None,
    /// })?;
    /// # let _ = builder;
    /// # Ok::<(), status_hyper::EnvError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(
        mut lookup: impl FnMut(&str) -> Option<OsString>,
    ) -> Result<ClientBuilder, EnvError> {
        let key = text(&mut lookup, API_KEY_VAR)?
            .ok_or(EnvError { variable: API_KEY_VAR, problem: EnvProblem::Missing })?;
        let key = ApiKey::new(key).map_err(|_| EnvError {
            variable: API_KEY_VAR,
            problem: EnvProblem::Malformed("an API key is printable ASCII without spaces"),
        })?;
        let base = match text(&mut lookup, BASE_URL_VAR)? {
            None => Uri::from_static(API_BASE),
            Some(url) => parse_base(url.trim()).map_err(|why| EnvError {
                variable: BASE_URL_VAR,
                problem: EnvProblem::Malformed(why),
            })?,
        };
        Ok(Client::builder(base, key))
    }
}

fn parse_base(url: &str) -> Result<Uri, &'static str> {
    let uri: Uri = url.parse().map_err(|_| "not a URL")?;
    let (Some(scheme), Some(host)) = (uri.scheme(), uri.host()) else {
        return Err("must be an absolute http:// or https:// URL");
    };
    if *scheme == Scheme::HTTP {
        if !is_loopback(host) {
            return Err("plain http is only allowed to a loopback host; use https");
        }
    } else if *scheme != Scheme::HTTPS {
        return Err("must be an absolute http:// or https:// URL");
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("must not contain credentials");
    }
    if uri.query().is_some() {
        return Err("must not have a query");
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-env-5e6f7a-distinctive";

    fn lookup(vars: &[(&'static str, &'static str)]) -> Result<ClientBuilder, EnvError> {
        let vars = vars.to_vec();
        Client::from_lookup(move |name| {
            vars.iter().find(|(n, _)| *n == name).map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn key_and_base_url() {
        let b = lookup(&[(API_KEY_VAR, KEY)]).unwrap();
        assert!(format!("{b:?}").contains("wayinvideo-api.wayin.ai"));
        let b = lookup(&[(API_KEY_VAR, KEY), (BASE_URL_VAR, " http://127.0.0.1:8080/prefix ")]);
        assert!(format!("{:?}", b.unwrap()).contains("127.0.0.1:8080/prefix"));
        assert!(lookup(&[(API_KEY_VAR, KEY), (BASE_URL_VAR, "")]).is_ok(), "empty is unset");
    }

    #[test]
    fn errors_name_the_variable_and_hide_the_value() {
        let missing = lookup(&[]).unwrap_err();
        assert_eq!((missing.variable(), missing.is_missing()), (API_KEY_VAR, true));
        let empty = lookup(&[(API_KEY_VAR, "  ")]).unwrap_err();
        assert!(empty.is_missing());
        let bad = lookup(&[(API_KEY_VAR, "sk with spaces")]).unwrap_err();
        assert_eq!(bad.variable(), API_KEY_VAR);
        assert!(matches!(bad.problem(), EnvProblem::Malformed(_)));
        assert!(!bad.to_string().contains("sk with"), "{bad}");

        for (url, why) in [
            ("not a url at all", "not a URL"),
            ("/relative", "absolute"),
            ("ftp://127.0.0.1", "absolute"),
            ("http://api.example.com", "loopback"),
            ("https://user:pw@api.example.com", "credentials"),
            ("https://api.example.com/?x=1", "query"),
        ] {
            let e = lookup(&[(API_KEY_VAR, KEY), (BASE_URL_VAR, url)]).unwrap_err();
            assert_eq!(e.variable(), BASE_URL_VAR, "{url}");
            assert!(e.to_string().starts_with("WAYINVIDEO_BASE_URL is malformed: "), "{e}");
            assert!(e.to_string().contains(why), "{url}: {e}");
            assert!(!e.to_string().contains(KEY));
        }
    }

    #[cfg(unix)]
    #[test]
    fn values_that_are_not_unicode() {
        use std::os::unix::ffi::OsStringExt;
        let e = Client::from_lookup(|_| Some(OsString::from_vec(vec![0xff, 0xfe]))).unwrap_err();
        assert_eq!((e.variable(), e.problem()), (API_KEY_VAR, EnvProblem::NotUnicode));
        assert_eq!(e.to_string(), "WAYINVIDEO_API_KEY is not valid Unicode");
    }

    #[test]
    fn from_env_reads_the_process_environment() {
        // Reads only: whatever this process has, the result names the variable on failure.
        match Client::from_env() {
            Ok(_) => assert!(std::env::var_os(API_KEY_VAR).is_some()),
            Err(e) => assert!([API_KEY_VAR, BASE_URL_VAR].contains(&e.variable())),
        }
    }
}
