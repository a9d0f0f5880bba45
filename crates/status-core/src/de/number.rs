//! Integers from JSON number text, with checked arithmetic: too large is an error, never a wrap.

/// An integer read from text: its sign and magnitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Integer {
    pub(crate) negative: bool,
    pub(crate) magnitude: u128,
}

/// Why text is not an integer of some type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotInteger {
    /// Not the RFC 8259 integer grammar (`-?(0|[1-9][0-9]*)`): a fraction, an exponent, a sign
    /// other than `-`, a leading zero, anything else.
    Syntax,
    /// An integer, but beyond the range asked for.
    OutOfRange,
}

impl Integer {
    /// Reads `-?(0|[1-9][0-9]*)`, the whole of `text`.
    pub(crate) fn parse(text: &str) -> Result<Self, NotInteger> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest.as_bytes()),
            None => (false, text.as_bytes()),
        };
        match digits {
            [] => return Err(NotInteger::Syntax),
            [b'0', _, ..] => return Err(NotInteger::Syntax),
            _ => {}
        }
        let digit = |d: u8| match d.wrapping_sub(b'0') {
            v @ 0..=9 => Ok(v),
            _ => Err(NotInteger::Syntax),
        };
        // Nineteen digits always fit a u64: the common case never touches 128-bit arithmetic.
        let magnitude = if digits.len() <= 19 {
            let mut n = 0u64;
            for &d in digits {
                n = n * 10 + u64::from(digit(d)?);
            }
            u128::from(n)
        } else {
            if !digits.iter().all(u8::is_ascii_digit) {
                return Err(NotInteger::Syntax);
            }
            let mut n = 0u128;
            for &d in digits {
                n = n
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(u128::from(d - b'0')))
                    .ok_or(NotInteger::OutOfRange)?;
            }
            n
        };
        Ok(Self { negative, magnitude })
    }

    /// The value as `T`, when it fits.
    pub(crate) fn to<T: TryFrom<u128> + TryFrom<i128>>(self) -> Result<T, NotInteger> {
        let fitted = if self.negative {
            0i128.checked_sub_unsigned(self.magnitude).and_then(|v| T::try_from(v).ok())
        } else {
            T::try_from(self.magnitude).ok()
        };
        fitted.ok_or(NotInteger::OutOfRange)
    }
}

/// Whether validated number text is written as an integer (no fraction, no exponent).
#[inline]
pub(crate) fn is_integer(text: &str) -> bool {
    !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int<T: TryFrom<u128> + TryFrom<i128>>(s: &str) -> Result<T, NotInteger> {
        Integer::parse(s).and_then(Integer::to)
    }

    #[test]
    fn every_width_at_its_edges() {
        assert_eq!(int::<u8>("255"), Ok(255));
        assert_eq!(int::<u8>("256"), Err(NotInteger::OutOfRange));
        assert_eq!(int::<u8>("-1"), Err(NotInteger::OutOfRange));
        assert_eq!(int::<u8>("-0"), Ok(0));
        assert_eq!(int::<i8>("-128"), Ok(-128));
        assert_eq!(int::<i8>("-129"), Err(NotInteger::OutOfRange));
        assert_eq!(int::<u64>("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(int::<u64>("18446744073709551616"), Err(NotInteger::OutOfRange));
        assert_eq!(int::<i64>("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(int::<i128>("-170141183460469231731687303715884105728"), Ok(i128::MIN));
        assert_eq!(
            int::<i128>("170141183460469231731687303715884105728"),
            Err(NotInteger::OutOfRange)
        );
        assert_eq!(int::<u128>("340282366920938463463374607431768211455"), Ok(u128::MAX));
        assert_eq!(
            int::<u128>("340282366920938463463374607431768211456"),
            Err(NotInteger::OutOfRange)
        );
        assert_eq!(int::<u128>("9999999999999999999"), Ok(9_999_999_999_999_999_999));
    }

    #[test]
    fn only_the_integer_grammar() {
        for bad in ["", "-", "+1", "01", "-01", "1.0", "1e3", " 1", "1 ", "0x10", "١"] {
            assert_eq!(int::<i64>(bad), Err(NotInteger::Syntax), "{bad:?}");
        }
        assert!(is_integer("-12") && !is_integer("1.5") && !is_integer("1E2"));
    }
}
