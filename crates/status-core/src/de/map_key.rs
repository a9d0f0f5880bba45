//! Object keys: always strings, read as text or as the number or `bool` written inside them
//! (`{"1": ...}` into an integer-keyed map).

use serde::de::{self, Expected, Unexpected, Visitor};

use super::deserializer::Deserializer;
use super::error::Failure;
use super::number::{Integer, NotInteger};
use super::JSON_STR_TOKEN;
use crate::error::ErrorKind;
use crate::scan::Scanner;

/// An object key, always a string (the cursor is on its opening quote), read as the type its
/// visitor asks for: text, or a number or `bool` written inside the string (`{"1": ...}` into
/// an integer-keyed map).
pub(super) struct MapKey<'d, 'a, E> {
    pub(super) de: &'d mut Deserializer<'a, E>,
}

impl<'a, E: Failure> MapKey<'_, 'a, E> {
    /// The key's raw text, when it holds a JSON number, with its offset.
    pub(super) fn number_text(&mut self, exp: &dyn Expected) -> Result<(&'a str, usize), E> {
        let at = self.de.sc.pos();
        let s = self.de.sc.string()?;
        let mut probe = Scanner::new(s.raw(), 0);
        let whole = matches!(probe.skip_ws(), Some(b'-' | b'0'..=b'9'))
            && probe.number_text().is_ok()
            && probe.pos() == s.raw().len();
        if !whole {
            let unexp = s.as_str().map_or(Unexpected::Other("string"), Unexpected::Str);
            return Err(E::invalid_type(unexp, exp).at(at));
        }
        Ok((s.raw(), at))
    }

    pub(super) fn integer<T: TryFrom<u128> + TryFrom<i128>>(
        &mut self,
        name: &'static str,
    ) -> Result<(T, usize), E> {
        let (text, at) = self.number_text(&name)?;
        match Integer::parse(text).and_then(Integer::to) {
            Ok(v) => Ok((v, at)),
            Err(NotInteger::OutOfRange) => Err(E::positioned(
                ErrorKind::NumberOutOfRange,
                at,
                format_args!("integer out of range for {name}"),
            )),
            Err(NotInteger::Syntax) => Err(E::invalid_type(Unexpected::Str(text), &name).at(at)),
        }
    }
}

macro_rules! key_integers {
    ($($method:ident => $visit:ident($ty:ty),)*) => {$(
        fn $method<V: Visitor<'a>>(mut self, visitor: V) -> Result<V::Value, E> {
            let (value, at): ($ty, usize) = self.integer(stringify!($ty))?;
            visitor.$visit(value).map_err(|e: E| e.at(at))
        }
    )*};
}

impl<'a, E: Failure> de::Deserializer<'a> for MapKey<'_, 'a, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.de.visit_string_here(visitor, false)
    }

    key_integers! {
        deserialize_i8 => visit_i8(i8),
        deserialize_i16 => visit_i16(i16),
        deserialize_i32 => visit_i32(i32),
        deserialize_i64 => visit_i64(i64),
        deserialize_i128 => visit_i128(i128),
        deserialize_u8 => visit_u8(u8),
        deserialize_u16 => visit_u16(u16),
        deserialize_u32 => visit_u32(u32),
        deserialize_u64 => visit_u64(u64),
        deserialize_u128 => visit_u128(u128),
    }

    fn deserialize_f32<V: Visitor<'a>>(mut self, visitor: V) -> Result<V::Value, E> {
        let (text, at) = self.number_text(&visitor)?;
        match text.parse::<f32>() {
            Ok(v) if v.is_finite() => visitor.visit_f32(v).map_err(|e: E| e.at(at)),
            _ => Err(crate::error::Error::new(ErrorKind::NumberOutOfRange, at).into()),
        }
    }

    fn deserialize_f64<V: Visitor<'a>>(mut self, visitor: V) -> Result<V::Value, E> {
        let (text, at) = self.number_text(&visitor)?;
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => visitor.visit_f64(v).map_err(|e: E| e.at(at)),
            _ => Err(crate::error::Error::new(ErrorKind::NumberOutOfRange, at).into()),
        }
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.de.sc.pos();
        let s = self.de.sc.string()?;
        match s.as_str() {
            Some("true") => visitor.visit_bool(true),
            Some("false") => visitor.visit_bool(false),
            other => Err(E::invalid_type(
                other.map_or(Unexpected::Other("string"), Unexpected::Str),
                &visitor,
            )),
        }
        .map_err(|e: E| e.at(at))
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.de.visit_string_here(visitor, true)
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.de.visit_string_here(visitor, true)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        if name == JSON_STR_TOKEN {
            return self.de.deserialize_newtype_struct(name, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        self.de.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        <V: Visitor<'a>>
        char str string unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}
