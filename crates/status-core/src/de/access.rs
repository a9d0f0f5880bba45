//! The parts serde walks through: array elements, object members, and enum variants.

use serde::de::{self, DeserializeSeed, Unexpected, Visitor};

use super::deserializer::Deserializer;
use super::error::Failure;
use super::map_key::MapKey;
use crate::error::ErrorKind;

/// The elements of an array whose `[` has been consumed.
pub(super) struct Elements<'d, 'a, E> {
    pub(super) de: &'d mut Deserializer<'a, E>,
    pub(super) first: bool,
    /// The closing bracket has been consumed.
    pub(super) done: bool,
}

/// Moves to the next element of a container and returns its first byte, the cursor on it;
/// `None` at the container's end (left unconsumed).
#[cfg_attr(not(feature = "small"), inline(always))]
pub(super) fn next_element<E: Failure>(
    de: &mut Deserializer<'_, E>,
    first: &mut bool,
    close: u8,
) -> Result<Option<u8>, E> {
    let b = de.peek()?;
    if b == close {
        return Ok(None);
    }
    if core::mem::take(first) {
        return Ok(Some(b));
    }
    if b != b',' {
        return Err(de.sc.err(ErrorKind::ExpectedCommaOrEnd).into());
    }
    de.sc.advance(1);
    de.peek().map(Some)
}

impl<'a, E: Failure> de::SeqAccess<'a> for Elements<'_, 'a, E> {
    type Error = E;

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, E> {
        if self.done {
            return Ok(None);
        }
        match next_element(self.de, &mut self.first, b']')? {
            None => {
                self.done = true;
                self.de.close();
                Ok(None)
            }
            // `[1,]`: a value must follow a comma.
            Some(b']') => Err(self.de.sc.err(ErrorKind::ExpectedValue).into()),
            Some(_) => seed.deserialize(&mut *self.de).map(Some),
        }
    }
}

/// The members of an object whose `{` has been consumed.
pub(super) struct Members<'d, 'a, E> {
    pub(super) de: &'d mut Deserializer<'a, E>,
    pub(super) first: bool,
    /// The closing brace has been consumed.
    pub(super) done: bool,
}

impl<'a, E: Failure> de::MapAccess<'a> for Members<'_, 'a, E> {
    type Error = E;

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn next_key_seed<K: DeserializeSeed<'a>>(&mut self, seed: K) -> Result<Option<K::Value>, E> {
        if self.done {
            return Ok(None);
        }
        match next_element(self.de, &mut self.first, b'}')? {
            None => {
                self.done = true;
                self.de.close();
                Ok(None)
            }
            Some(b) => key(self.de, b, seed).map(Some),
        }
    }

    #[cfg_attr(not(feature = "small"), inline(always))]
    fn next_value_seed<V: DeserializeSeed<'a>>(&mut self, seed: V) -> Result<V::Value, E> {
        seed.deserialize(&mut *self.de)
    }
}

/// Reads `"key" :` through `seed`, the cursor on `first`, its first byte.
#[cfg_attr(not(feature = "small"), inline(always))]
pub(super) fn key<'a, K: DeserializeSeed<'a>, E: Failure>(
    de: &mut Deserializer<'a, E>,
    first: u8,
    seed: K,
) -> Result<K::Value, E> {
    if first != b'"' {
        return Err(de.sc.err(ErrorKind::ExpectedKey).into());
    }
    let value = seed.deserialize(MapKey { de: &mut *de })?;
    match de.peek()? {
        b':' => de.sc.advance(1),
        _ => return Err(de.sc.err(ErrorKind::ExpectedColon).into()),
    }
    Ok(value)
}

/// An enum written as a string: a unit variant.
pub(super) struct UnitVariant<'d, 'a, E> {
    pub(super) de: &'d mut Deserializer<'a, E>,
}

impl<'a, E: Failure> de::EnumAccess<'a> for UnitVariant<'_, 'a, E> {
    type Error = E;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'a>>(self, seed: S) -> Result<(S::Value, Self), E> {
        let variant = seed.deserialize(MapKey { de: &mut *self.de })?;
        Ok((variant, self))
    }
}

impl<'a, E: Failure> de::VariantAccess<'a> for UnitVariant<'_, 'a, E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, _seed: T) -> Result<T::Value, E> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"newtype variant"))
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, _visitor: V) -> Result<V::Value, E> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"tuple variant"))
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, E> {
        Err(de::Error::invalid_type(Unexpected::UnitVariant, &"struct variant"))
    }
}

/// An enum written as `{"Variant": content}`, after the `{`.
pub(super) struct Variant<'d, 'a, E> {
    pub(super) de: &'d mut Deserializer<'a, E>,
}

impl<'a, E: Failure> de::EnumAccess<'a> for Variant<'_, 'a, E> {
    type Error = E;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'a>>(self, seed: S) -> Result<(S::Value, Self), E> {
        let first = self.de.peek()?;
        let variant = key(self.de, first, seed)?;
        Ok((variant, self))
    }
}

impl<'a, E: Failure> de::VariantAccess<'a> for Variant<'_, 'a, E> {
    type Error = E;

    fn unit_variant(self) -> Result<(), E> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(self, seed: T) -> Result<T::Value, E> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, E> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        de::Deserializer::deserialize_struct(&mut *self.de, "", fields, visitor)
    }
}
