//! Integers that the API writes either as numbers or as strings.

use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};

use super::number::{Integer, NotInteger};

/// An integer field that may arrive as a JSON number (`1775751200314`) or as a string
/// holding one (`"15000"`), as the API sends them.
///
/// Use it where a `with` attribute cannot go, such as `Option<IntOrString<u64>>` or
/// `heapless::Vec<IntOrString<u32>, 8>`; for a plain field, [`int_or_string`] keeps the
/// field's type an integer. The string must hold exactly the JSON integer grammar (`-?` then
/// digits without a leading zero, no spaces, no `+`), and the value must fit `T`. Written as a
/// number, an integer beyond 64 bits reaches `deserialize_any` visitors as an `f64` (as with
/// serde_json), so `IntOrString<u128>` takes such values only as strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IntOrString<T>(pub T);

impl<T> IntOrString<T> {
    /// The integer.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<'de, T: TryFrom<u128> + TryFrom<i128>> Deserialize<'de> for IntOrString<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        int_or_string::deserialize(deserializer).map(IntOrString)
    }
}

/// `#[serde(with = "status_core::de::int_or_string")]` for an integer field that may arrive as
/// a number or as a string holding one; see [`IntOrString`].
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Clip {
///     #[serde(with = "status_core::de::int_or_string")]
///     begin_ms: u64,
///     #[serde(with = "status_core::de::int_or_string")]
///     end_ms: u64,
/// }
/// let clip: Clip = status_core::de::from_str(r#"{"begin_ms": "15000", "end_ms": 75000}"#)?;
/// assert_eq!((clip.begin_ms, clip.end_ms), (15_000, 75_000));
/// # Ok::<(), status_core::DataError>(())
/// ```
pub mod int_or_string {
    use super::*;

    /// Reads an integer written as a number or as a string.
    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<u128> + TryFrom<i128>,
    {
        deserializer.deserialize_any(IntVisitor(PhantomData))
    }
}

struct IntVisitor<T>(PhantomData<T>);

impl<T: TryFrom<u128> + TryFrom<i128>> IntVisitor<T> {
    fn fit<E: de::Error>(&self, n: Integer, unexp: Unexpected<'_>) -> Result<T, E> {
        n.to().map_err(|_| E::invalid_value(unexp, self))
    }
}

impl<'de, T: TryFrom<u128> + TryFrom<i128>> Visitor<'de> for IntVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer of the field's width, as a number or a string")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.fit(Integer { negative: false, magnitude: u128::from(v) }, Unexpected::Unsigned(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        let n = Integer { negative: v < 0, magnitude: u128::from(v.unsigned_abs()) };
        self.fit(n, Unexpected::Signed(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<T, E> {
        self.fit(Integer { negative: false, magnitude: v }, Unexpected::Other("128-bit integer"))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<T, E> {
        let n = Integer { negative: v < 0, magnitude: v.unsigned_abs() };
        self.fit(n, Unexpected::Other("128-bit integer"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        match Integer::parse(v) {
            Ok(n) => self.fit(n, Unexpected::Str(v)),
            Err(NotInteger::Syntax | NotInteger::OutOfRange) => {
                Err(E::invalid_value(Unexpected::Str(v), &self))
            }
        }
    }
}
