//! [`InPlaceVec`]: a `heapless::Vec` that serde's in-place deserialization fills where it
//! stands.

use core::fmt;
use core::ops::{Deref, DerefMut};

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

/// A `heapless::Vec<T, N>` whose `Deserialize::deserialize_in_place` pushes each element into
/// the vector it is given, instead of building a new vector and moving it over the old one.
///
/// `heapless::Vec` itself has only serde's default in-place impl: a new vector, built on the
/// stack and moved into place, which for a list with room for thousands of items copies the
/// whole capacity twice, however few items the body holds. As a field of a type derived with
/// serde_derive's `deserialize_in_place` feature and read by
/// [`Decoder::decode_typed_in_place`](crate::Decoder::decode_typed_in_place), an `InPlaceVec`
/// costs each element once and the capacity nothing.
///
/// It dereferences to the `heapless::Vec`; [`into_inner`](Self::into_inner) and `From` convert.
/// Deserialized by value (not in place), it is exactly a `heapless::Vec`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InPlaceVec<T, const N: usize>(pub heapless::Vec<T, N>);

impl<T, const N: usize> InPlaceVec<T, N> {
    /// An empty vector.
    pub const fn new() -> Self {
        Self(heapless::Vec::new())
    }

    /// The `heapless::Vec` inside.
    pub fn into_inner(self) -> heapless::Vec<T, N> {
        self.0
    }
}

// By hand: a derive would ask for `T: Default`.
impl<T, const N: usize> Default for InPlaceVec<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Deref for InPlaceVec<T, N> {
    type Target = heapless::Vec<T, N>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl<T, const N: usize> DerefMut for InPlaceVec<T, N> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<T, const N: usize> From<heapless::Vec<T, N>> for InPlaceVec<T, N> {
    fn from(v: heapless::Vec<T, N>) -> Self {
        Self(v)
    }
}

impl<T, const N: usize> From<InPlaceVec<T, N>> for heapless::Vec<T, N> {
    fn from(v: InPlaceVec<T, N>) -> Self {
        v.0
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for InPlaceVec<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        heapless::Vec::deserialize(deserializer).map(Self)
    }

    fn deserialize_in_place<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Self,
    ) -> Result<(), D::Error> {
        place.0.clear();
        deserializer.deserialize_seq(Fill(&mut place.0))
    }
}

/// Pushes a sequence's elements into the vector it holds.
struct Fill<'p, T, const N: usize>(&'p mut heapless::Vec<T, N>);

impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for Fill<'_, T, N> {
    type Value = ();

    // heapless's words, so that in place and by value fail with the same message.
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element()? {
            if self.0.push(value).is_err() {
                return Err(de::Error::invalid_length(N + 1, &self));
            }
        }
        Ok(())
    }
}
