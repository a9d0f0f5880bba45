//! serde's `Deserializer` trait for the cursor: each `deserialize_*` call reads the value at
//! the cursor as the type asks, or says what is there instead.

use serde::de::{self, Visitor};

use super::access::{Elements, Members, UnitVariant, Variant};
use super::deserializer::Deserializer;
use super::error::Failure;
use super::{raw, JSON_STR_TOKEN};
use crate::error::ErrorKind;

macro_rules! integers {
    ($($method:ident => $visit:ident($ty:ty),)*) => {$(
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
            let value: $ty = self.integer(stringify!($ty))?;
            let at = self.sc.pos();
            visitor.$visit(value).map_err(|e: E| e.at(at))
        }
    )*};
}

impl<'a, E: Failure> de::Deserializer<'a> for &mut Deserializer<'a, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        let result = match self.peek()? {
            b'n' => {
                self.keyword(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.keyword(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.keyword(b"false")?;
                visitor.visit_bool(false)
            }
            b'"' => return self.visit_string(visitor, false),
            b'[' => return self.deserialize_seq(visitor),
            b'{' => return self.deserialize_map(visitor),
            b'-' | b'0'..=b'9' => return self.visit_number(visitor),
            _ => return Err(self.syntax_error()),
        };
        result.map_err(|e: E| e.at(at))
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        let value = match self.peek()? {
            b't' => true,
            b'f' => false,
            _ => return Err(self.invalid_type(&visitor)),
        };
        self.keyword(if value { b"true" } else { b"false" })?;
        visitor.visit_bool(value).map_err(|e: E| e.at(at))
    }

    integers! {
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

    fn deserialize_f32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let value: f32 = self.float("f32")?;
        let at = self.sc.pos();
        visitor.visit_f32(value).map_err(|e: E| e.at(at))
    }

    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let value: f64 = self.float("f64")?;
        let at = self.sc.pos();
        visitor.visit_f64(value).map_err(|e: E| e.at(at))
    }

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.visit_string(visitor, false)
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.visit_string(visitor, false)
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.visit_string(visitor, false)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        match self.peek()? {
            b'[' => self.deserialize_seq(visitor),
            _ => self.visit_string(visitor, true),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        if self.peek()? == b'n' {
            self.keyword(b"null")?;
            visitor.visit_none().map_err(|e: E| e.at(at))
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        let at = self.sc.pos();
        if self.peek()? != b'n' {
            return Err(self.invalid_type(&visitor));
        }
        self.keyword(b"null")?;
        visitor.visit_unit().map_err(|e: E| e.at(at))
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        if name == JSON_STR_TOKEN {
            if self.peek()? != b'"' {
                return Err(self.invalid_type(&visitor));
            }
            let at = self.sc.pos();
            let s = self.sc.string()?;
            // Raw text goes by a channel of its own, so that no other deserializer's decoded
            // text can be mistaken for it.
            let parts = raw::RawParts::new(s.raw(), self.base + at);
            return visitor.visit_seq(parts).map_err(|e: E| e.at(at));
        }
        if name == raw::RAW_JSON_TOKEN {
            self.peek()?;
            let at = self.sc.pos();
            let json = self.sc.value(self.depth)?;
            let parts = raw::RawParts::new(json, self.base + at);
            return visitor.visit_seq(parts).map_err(|e: E| e.at(at));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        if self.peek()? != b'[' {
            return Err(self.invalid_type(&visitor));
        }
        let open = self.sc.pos();
        self.enter()?;
        let inside = self.depth;
        match visitor.visit_seq(Elements { de: &mut *self, first: true, done: false }) {
            // The visitor read to the end, whose closing bracket the access consumed.
            Ok(value) if self.depth < inside => Ok(value),
            Ok(value) => {
                self.leave(open, b']')?;
                Ok(value)
            }
            Err(e) => Err(e.at(open)),
        }
    }

    fn deserialize_tuple<V: Visitor<'a>>(self, _len: usize, visitor: V) -> Result<V::Value, E> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, E> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        if self.peek()? != b'{' {
            return Err(self.invalid_type(&visitor));
        }
        let open = self.sc.pos();
        self.enter()?;
        let inside = self.depth;
        match visitor.visit_map(Members { de: &mut *self, first: true, done: false }) {
            // The visitor read to the end, whose closing bracket the access consumed.
            Ok(value) if self.depth < inside => Ok(value),
            Ok(value) => {
                self.leave(open, b'}')?;
                Ok(value)
            }
            Err(e) => Err(e.at(open)),
        }
    }

    fn deserialize_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        // Like serde_json, a struct may also be written as an array of its fields in order.
        match self.peek()? {
            b'[' => self.deserialize_seq(visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        let open = self.sc.pos();
        match self.peek()? {
            b'"' => visitor.visit_enum(UnitVariant { de: self }).map_err(|e: E| e.at(open)),
            b'{' => {
                self.enter()?;
                let value =
                    visitor.visit_enum(Variant { de: &mut *self }).map_err(|e: E| e.at(open))?;
                if self.peek()? == b',' {
                    return Err(E::positioned(
                        ErrorKind::InvalidLength,
                        self.sc.pos(),
                        format_args!("an enum written as an object has exactly one key"),
                    ));
                }
                self.leave(open, b'}')?;
                Ok(value)
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        self.visit_string(visitor, false)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, E> {
        // Skipped values are validated all the same, without recursion.
        let at = self.sc.pos();
        self.sc.value(self.depth)?;
        visitor.visit_unit().map_err(|e: E| e.at(at))
    }
}
