//! Integers from JSON number text, with checked arithmetic: too large is an error, never a wrap.

use crate::grammar::continues_number;

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

/// A number read in one pass, straight from the text: `mantissa × 10^exponent`, negated when
/// `negative`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    pub(crate) negative: bool,
    /// The digits, fraction included, as one integer of at most 19 digits.
    pub(crate) mantissa: u64,
    /// Minus the number of fraction digits.
    pub(crate) exponent: i32,
    /// Written without a fraction.
    pub(crate) integer: bool,
    /// How many bytes of text the number takes.
    pub(crate) len: usize,
}

impl Short {
    /// Reads the valid number at the start of `bytes` when it is the usual kind: at most 19
    /// digits, no exponent, and at least 8 bytes of text after each run of digits (so that
    /// they are read eight at a time). `None` for anything else, valid or not, which the exact
    /// path then settles; what this accepts, the exact path accepts with the same value.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn read(bytes: &[u8]) -> Option<Self> {
        let negative = bytes.first() == Some(&b'-');
        let start = usize::from(negative);
        let (mut mantissa, digits) = digit_run(bytes, start)?;
        // No digit, or a leading zero.
        if digits == 0 || (digits > 1 && bytes.get(start) == Some(&b'0')) {
            return None;
        }
        let mut end = start + digits;
        let mut exponent = 0;
        let integer = bytes.get(end) != Some(&b'.');
        if !integer {
            let (fraction, n) = digit_run(bytes, end + 1)?;
            if n == 0 || digits + n > 19 {
                return None;
            }
            // At most 19 digits in all: below 10^19, which fits a u64.
            mantissa = mantissa.wrapping_mul(pow10(n)).wrapping_add(fraction);
            exponent = -(n as i32);
            end += 1 + n;
        }
        // An exponent, or text that cannot follow a number, is left to the exact scan.
        match bytes.get(end) {
            Some(&b) if continues_number(b) => None,
            _ => Some(Self { negative, mantissa, exponent, integer, len: end }),
        }
    }

    /// The integer as `T`, when it is one and fits.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn to<T: TryFrom<u64> + TryFrom<i64>>(self) -> Option<T> {
        if !self.integer {
            return None;
        }
        if self.negative {
            T::try_from(0i64.checked_sub_unsigned(self.mantissa)?).ok()
        } else {
            T::try_from(self.mantissa).ok()
        }
    }

    /// The number as an `f64`, when that is exact arithmetic: the mantissa is below 2^53
    /// and the power of ten at most 10^22, so both are exact doubles and the one division or
    /// multiplication rounds correctly (Clinger's fast path).
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn to_f64(self) -> Option<f64> {
        const EXACT: u64 = 1 << 53;
        let power = POW10_F64.get(self.exponent.unsigned_abs() as usize)?;
        if self.mantissa > EXACT {
            return None;
        }
        // Exact: the mantissa has at most 53 significant bits.
        let m = self.mantissa as f64;
        let v = if self.exponent < 0 { m / power } else { m * power };
        Some(if self.negative { -v } else { v })
    }

    /// [`Self::to_f64`] for an `f32`: a mantissa below 2^24 and at most 10^10.
    #[cfg_attr(not(feature = "small"), inline(always))]
    pub(crate) fn to_f32(self) -> Option<f32> {
        const EXACT: u64 = 1 << 24;
        let power = POW10_F32.get(self.exponent.unsigned_abs() as usize)?;
        if self.mantissa > EXACT {
            return None;
        }
        let m = self.mantissa as f32;
        let v = if self.exponent < 0 { m / power } else { m * power };
        Some(if self.negative { -v } else { v })
    }
}

const POW10: [u64; 20] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
    10_000_000_000,
    100_000_000_000,
    1_000_000_000_000,
    10_000_000_000_000,
    100_000_000_000_000,
    1_000_000_000_000_000,
    10_000_000_000_000_000,
    100_000_000_000_000_000,
    1_000_000_000_000_000_000,
    10_000_000_000_000_000_000,
];

/// 10^n for a digit count `n` the caller has bounded by 19.
#[cfg_attr(not(feature = "small"), inline(always))]
fn pow10(n: usize) -> u64 {
    POW10.get(n).copied().unwrap_or(0)
}

const POW10_F64: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

const POW10_F32: [f32; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// The run of ASCII digits at `at` (at most 19 of them) as a value and a count, read eight
/// bytes at a time; `None` when it is longer or when fewer than eight bytes are left.
#[cfg_attr(not(feature = "small"), inline(always))]
fn digit_run(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut count = 0;
    loop {
        let chunk: [u8; 8] = bytes.get(at + count..at + count + 8)?.try_into().ok()?;
        let chunk = u64::from_le_bytes(chunk);
        let n = leading_digits(chunk);
        if count + n > 19 {
            return None;
        }
        if n > 0 {
            value = value.wrapping_mul(pow10(n)).wrapping_add(eight_digits(chunk << (64 - 8 * n)));
        }
        count += n;
        if n < 8 {
            return Some((value, count));
        }
    }
}

/// How many of the eight bytes of `chunk` (first byte lowest) are digits before the first
/// byte that is not.
#[cfg_attr(not(feature = "small"), inline(always))]
fn leading_digits(chunk: u64) -> usize {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    // A digit is 0x30..=0x39: its high nibble is 3, and adding 6 leaves it 3. A carry out
    // of a byte that is not a digit only disturbs the bytes after it.
    let not_digit =
        ((chunk & HIGH) ^ ZEROS) | ((chunk.wrapping_add(0x0606_0606_0606_0606) & HIGH) ^ ZEROS);
    (not_digit.trailing_zeros() / 8) as usize
}

/// The value of eight digits (first byte lowest and most significant); zero bytes read as
/// leading zeros.
#[cfg_attr(not(feature = "small"), inline(always))]
fn eight_digits(chunk: u64) -> u64 {
    let v = (chunk & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
    let v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
    (v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32
}

/// Whether validated number text is written as an integer (no fraction, no exponent).
#[inline]
pub(crate) fn is_integer(text: &str) -> bool {
    !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powers_of_ten() {
        for (n, p) in POW10.iter().enumerate() {
            assert_eq!(*p, 10u64.pow(n as u32));
            assert_eq!(pow10(n), *p);
        }
    }

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

    /// Number text followed by enough bytes for the eight-byte reads.
    fn short(text: &str) -> Option<Short> {
        Short::read(std::format!("{text},        ").as_bytes())
    }

    #[test]
    fn short_numbers_read_in_one_pass() {
        let n = short("-1234567890123").unwrap();
        assert_eq!(
            (n.negative, n.mantissa, n.exponent, n.integer, n.len),
            (true, 1234567890123, 0, true, 14)
        );
        assert_eq!(n.to::<i64>(), Some(-1_234_567_890_123));
        assert_eq!(n.to::<u64>(), None);
        assert_eq!(short("0.1234").unwrap().to_f64(), Some(0.1234));
        assert_eq!(short("-0.0").unwrap().to_f64().map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(short("-0").unwrap().to::<u8>(), Some(0));
        assert_eq!(short("1.5").unwrap().to::<u8>(), None);
        assert_eq!(short("9999999999999999999").unwrap().mantissa, 9_999_999_999_999_999_999);
        assert_eq!(short("255").unwrap().to::<u8>(), Some(255));
        assert_eq!(short("256").unwrap().to::<u8>(), None);
        // Left to the exact path: too long, exponents, errors, and text near the end.
        for other in [
            "12345678901234567890",
            "1.2345678901234567890",
            "1e5",
            "1.5E-3",
            "01",
            "-",
            "-x",
            "1.",
            "1.x",
            "+1",
            "1.2.3",
            "1-",
        ] {
            assert_eq!(short(other), None, "{other}");
        }
        assert_eq!(Short::read(b"12,"), None);
        // Clinger's fast path stops where the arithmetic stops being exact.
        assert_eq!(short("9007199254740993").unwrap().to_f64(), None);
        assert_eq!(short("9007199254740992").unwrap().to_f64(), Some(9_007_199_254_740_992.0));
        assert_eq!(short("0.00000000000000000000001").map(|n| n.to_f64()), None);
    }

    #[test]
    fn short_numbers_agree_with_the_exact_path() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n) as usize
        };
        let (mut hits, mut floats) = (0, 0);
        let rounds = if cfg!(miri) { 300 } else { 30_000 };
        for _ in 0..rounds {
            let mut text = std::string::String::new();
            let digits =
                |text: &mut std::string::String, n: usize, next: &mut dyn FnMut(u64) -> usize| {
                    for _ in 0..n {
                        text.push(char::from(b'0' + next(10) as u8));
                    }
                };
            if next(3) == 0 {
                text.push('-');
            }
            let n = next(21);
            digits(&mut text, n, &mut next);
            if next(2) == 0 {
                text.push('.');
                let n = next(21);
                digits(&mut text, n, &mut next);
            }
            if next(4) == 0 {
                let at = next(text.len() as u64 + 1);
                text.insert(at, char::from(b"-+.eE0x ,"[next(9)]));
            }
            text.push_str(&" ,]}5.e-"[next(8)..]);
            text.push_str(&" ".repeat(next(12)));
            let Some(n) = Short::read(text.as_bytes()) else { continue };
            hits += 1;
            let mut sc = crate::scan::Scanner::new(&text, 8);
            let exact = sc.number_text().unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
            assert_eq!(exact.len(), n.len, "{text:?}");
            let integer = Integer::parse(exact);
            assert_eq!(n.integer, integer.is_ok(), "{text:?}");
            if let Ok(i) = integer {
                assert_eq!(
                    (i.negative, i.magnitude),
                    (n.negative, u128::from(n.mantissa)),
                    "{text:?}"
                );
                assert_eq!(n.to::<i64>(), i.to::<i64>().ok(), "{text:?}");
                assert_eq!(n.to::<u32>(), i.to::<u32>().ok(), "{text:?}");
            }
            if let Some(v) = n.to_f64() {
                floats += usize::from(!n.integer);
                assert_eq!(v.to_bits(), exact.parse::<f64>().unwrap().to_bits(), "{text:?}");
            }
            if let Some(v) = n.to_f32() {
                assert_eq!(v.to_bits(), exact.parse::<f32>().unwrap().to_bits(), "{text:?}");
            }
        }
        assert!(hits > rounds / 5 && floats > rounds / 20, "{hits} short numbers, {floats} floats");
    }

    #[test]
    fn only_the_integer_grammar() {
        for bad in ["", "-", "+1", "01", "-01", "1.0", "1e3", " 1", "1 ", "0x10", "١"] {
            assert_eq!(int::<i64>(bad), Err(NotInteger::Syntax), "{bad:?}");
        }
        assert!(is_integer("-12") && !is_integer("1.5") && !is_integer("1E2"));
    }
}
