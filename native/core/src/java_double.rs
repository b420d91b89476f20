//! Java 17's `Double.toString` and `Float.toString`, digit for digit.
//!
//! Spark prints floating point through them (casts to string) and reads a double's decimal value
//! through them (`BigDecimal(d)`: casts to decimal, `round`). Java 17 does not always print the
//! shortest digits that read back as the same value (Java 19 does): `2e23` prints as
//! `1.9999999999999998E23`, `1e23` as `9.999999999999999E22`. So this follows the JDK 17
//! algorithm's own steps (`FloatingDecimal`'s `dtoa`): exact digits of integers below 2^63 (less
//! the digits their exponent makes insignificant), otherwise Steele and White's digit generation
//! with its stopping test and last-digit rounding, in 32-bit, 64-bit or unbounded integers as the
//! JDK chooses, since the 32- and 64-bit tests behave differently where they overflow.

use num_bigint::BigUint;

/// The digits of a finite, non-zero value and `exponent`, the power of ten of the first digit:
/// the value is `d0.d1d2... × 10^exponent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JavaDigits {
    pub digits: Vec<u8>,
    pub exponent: i32,
}

const EXP_SHIFT: i32 = 52;
const MAX_SMALL_BIN_EXP: i32 = 62;
const MIN_SMALL_BIN_EXP: i32 = -(63 / 3);

/// The digits Java 17 prints for `v` (finite, sign ignored; zero is one digit 0).
pub fn double_digits(v: f64) -> JavaDigits {
    let bits = v.to_bits();
    let fraction = bits & ((1 << 52) - 1);
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 && fraction == 0 {
        return JavaDigits { digits: vec![0], exponent: 0 };
    }
    let (fraction, bin_exp, significant_bits) = if biased == 0 {
        // A subnormal: normalized, with fewer significant bits.
        let leading = fraction.leading_zeros() as i32;
        let shift = leading - (63 - EXP_SHIFT);
        (fraction << shift, 1 - shift, 64 - leading)
    } else {
        (fraction | (1 << 52), biased, EXP_SHIFT + 1)
    };
    dtoa(bin_exp - 1023, fraction, significant_bits)
}

/// The digits Java 17 prints for `v` (finite, sign ignored): `Float.toString`'s, which run the
/// same algorithm with a float's 24 significant bits.
pub fn float_digits(v: f32) -> JavaDigits {
    let bits = v.to_bits();
    let fraction = bits & ((1 << 23) - 1);
    let biased = ((bits >> 23) & 0xff) as i32;
    if biased == 0 && fraction == 0 {
        return JavaDigits { digits: vec![0], exponent: 0 };
    }
    let (fraction, bin_exp, significant_bits) = if biased == 0 {
        let leading = fraction.leading_zeros() as i32;
        let shift = leading - (31 - 23);
        (fraction << shift, 1 - shift, 32 - leading)
    } else {
        (fraction | (1 << 23), biased, 24)
    };
    dtoa(bin_exp - 127, (fraction as u64) << (EXP_SHIFT - 23), significant_bits)
}

/// `Double.toString(v)`.
pub fn double_to_string(v: f64) -> String {
    java_format(v.is_nan(), v.is_infinite(), v.is_sign_negative(), || double_digits(v))
}

/// `Float.toString(v)`.
pub fn float_to_string(v: f32) -> String {
    java_format(v.is_nan(), v.is_infinite(), v.is_sign_negative(), || float_digits(v))
}

/// Java's layout: plain from 10^-3 up to 10^7, else `d.dddE±n`; at least one digit after the point.
fn java_format(nan: bool, infinite: bool, negative: bool, digits: impl FnOnce() -> JavaDigits) -> String {
    if nan {
        return "NaN".into();
    }
    let sign = if negative { "-" } else { "" };
    if infinite {
        return format!("{sign}Infinity");
    }
    let JavaDigits { digits, exponent } = digits();
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    // Java's decimal exponent: the value is 0.d0d1... × 10^dec.
    let dec = exponent + 1;
    let body = if dec > 0 && dec < 8 {
        let whole = (dec as usize).min(text.len());
        let (int_part, frac_part) = text.split_at(whole);
        if whole < dec as usize {
            format!("{int_part}{}.0", "0".repeat(dec as usize - whole))
        } else if frac_part.is_empty() {
            format!("{int_part}.0")
        } else {
            format!("{int_part}.{frac_part}")
        }
    } else if dec <= 0 && dec > -3 {
        format!("0.{}{text}", "0".repeat((-dec) as usize))
    } else {
        let rest = if text.len() > 1 { &text[1..] } else { "0" };
        format!("{}.{rest}E{}", &text[..1], dec - 1)
    };
    format!("{sign}{body}")
}

/// Bit lengths of 5^i for the powers a 64-bit value can hold (the JDK's `N_5_BITS`, 0 for 5^0).
fn five_bits(i: i32) -> Option<i32> {
    match i {
        0 => Some(0),
        1..=26 => Some(64 - 5u64.pow(i as u32).leading_zeros() as i32),
        _ => None,
    }
}

/// `insignificantDigitsForPow2`: how many low decimal digits of an integer scaled by 2^p2 carry
/// no information.
fn insignificant_digits(p2: i32) -> u32 {
    const TABLE: [u32; 64] = [
        0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10,
        11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19,
    ];
    if p2 > 1 && (p2 as usize) < TABLE.len() { TABLE[p2 as usize] } else { 0 }
}

/// The integer's digits, rounded half up to drop `insignificant` low digits, trailing zeros off.
fn long_digits(value: u64, insignificant: u32) -> JavaDigits {
    let mut value = value;
    let mut exponent = 0;
    if insignificant != 0 {
        let pow10 = 10u64.pow(insignificant);
        let residue = value % pow10;
        value /= pow10;
        exponent += insignificant as i32;
        if residue >= pow10 >> 1 {
            value += 1;
        }
    }
    while value % 10 == 0 {
        value /= 10;
        exponent += 1;
    }
    let digits: Vec<u8> = value.to_string().bytes().map(|b| b - b'0').collect();
    exponent += digits.len() as i32 - 1;
    JavaDigits { digits, exponent }
}

/// floor(log10(value)) as the JDK estimates it (at most one too high).
fn estimate_decimal_exponent(fraction: u64, bin_exp: i32) -> i32 {
    let d2 = f64::from_bits((1023u64 << 52) | (fraction & ((1 << 52) - 1)));
    let d = (d2 - 1.5) * 0.289529654 + 0.176091259 + bin_exp as f64 * 0.301029995663981;
    d.floor() as i32
}

/// The digit generation's state after each digit: whether the value so far is within the lower
/// (`low`) or upper (`high`) rounding interval, and how the remainder compares to half a digit.
struct Stop {
    low: bool,
    high: bool,
    /// Sign of 2 × remainder − 10 × S, where both `low` and `high` stop the generation.
    half: std::cmp::Ordering,
}

fn dtoa(bin_exp: i32, fraction: u64, significant_bits: i32) -> JavaDigits {
    let tail_zeros = fraction.trailing_zeros() as i32;
    let fract_bits = EXP_SHIFT + 1 - tail_zeros;
    let tiny_bits = (fract_bits - bin_exp - 1).max(0);
    if (MIN_SMALL_BIN_EXP..=MAX_SMALL_BIN_EXP).contains(&bin_exp)
        && tiny_bits == 0
        && five_bits(tiny_bits).is_some_and(|b| fract_bits + b < 64)
    {
        let insignificant = if bin_exp > significant_bits { insignificant_digits(bin_exp - significant_bits - 1) } else { 0 };
        let value = if bin_exp >= EXP_SHIFT { fraction << (bin_exp - EXP_SHIFT) } else { fraction >> (EXP_SHIFT - bin_exp) };
        return long_digits(value, insignificant);
    }
    let mut dec_exp = estimate_decimal_exponent(fraction, bin_exp);
    let b5 = (-dec_exp).max(0);
    let mut b2 = b5 + tiny_bits + bin_exp;
    let s5 = dec_exp.max(0);
    let mut s2 = s5 + tiny_bits;
    let m5 = b5;
    let mut m2 = b2 - significant_bits;
    let fraction = fraction >> tail_zeros;
    b2 -= fract_bits - 1;
    let common = b2.min(s2);
    b2 -= common;
    s2 -= common;
    m2 -= common;
    // Below a power of two the next value down is half as far away.
    if fract_bits == 1 {
        m2 -= 1;
    }
    if m2 < 0 {
        b2 -= m2;
        s2 -= m2;
        m2 = 0;
    }
    let b_bits = fract_bits + b2 + five_bits(b5).unwrap_or(b5 * 3);
    let ten_s_bits = s2 + 1 + five_bits(s5 + 1).unwrap_or((s5 + 1) * 3);
    // E-form output has at least two digits: the first digit alone never stops.
    let e_form = |dec_exp: i32| !(-3..8).contains(&dec_exp);
    let mut digits = Vec::with_capacity(20);
    let stop = if b_bits < 64 && ten_s_bits < 64 {
        if b_bits < 32 && ten_s_bits < 32 {
            let pow5 = |e: i32| 5i32.pow(e as u32);
            let (b, s, m) = ((fraction as i32).wrapping_mul(pow5(b5)) << b2, pow5(s5) << s2, pow5(m5) << m2);
            generate_fixed(b, s, m, &mut digits, &mut dec_exp, e_form)
        } else {
            let pow5 = |e: i32| 5i64.pow(e as u32);
            let (b, s, m) = ((fraction as i64).wrapping_mul(pow5(b5)) << b2, pow5(s5) << s2, pow5(m5) << m2);
            generate_fixed(b, s, m, &mut digits, &mut dec_exp, e_form)
        }
    } else {
        let pow52 = |p5: i32, p2: i32| BigUint::from(5u32).pow(p5 as u32) << (p2 as usize);
        let b = BigUint::from(fraction) * BigUint::from(5u32).pow(b5 as u32) << (b2 as usize);
        generate_big(b, pow52(s5, s2), pow52(m5 + 1, m2 + 1), pow52(s5 + 1, s2 + 1), &mut digits, &mut dec_exp, e_form)
    };
    let mut exponent = dec_exp;
    let up = stop.high && (!stop.low || stop.half == std::cmp::Ordering::Greater
        || (stop.half == std::cmp::Ordering::Equal && digits.last().is_some_and(|d| d % 2 == 1)));
    if up {
        round_up(&mut digits, &mut exponent);
    }
    JavaDigits { digits, exponent }
}

/// The fixed-width integers the JDK generates digits in, wrapping where Java's `int` and `long`
/// wrap (the stopping test then reads the wrapped values, as the JDK's does).
trait Fixed: Copy + Ord {
    const ZERO: Self;
    fn ten() -> Self;
    fn div(self, other: Self) -> Self;
    fn rem(self, other: Self) -> Self;
    fn mul(self, other: Self) -> Self;
    fn add(self, other: Self) -> Self;
    fn sub(self, other: Self) -> Self;
    fn digit(self) -> u8;
}

macro_rules! fixed {
    ($t:ty) => {
        impl Fixed for $t {
            const ZERO: Self = 0;
            fn ten() -> Self {
                10
            }
            fn div(self, other: Self) -> Self {
                self.wrapping_div(other)
            }
            fn rem(self, other: Self) -> Self {
                self.wrapping_rem(other)
            }
            fn mul(self, other: Self) -> Self {
                self.wrapping_mul(other)
            }
            fn add(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
            fn sub(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
            fn digit(self) -> u8 {
                self as u8
            }
        }
    };
}
fixed!(i32);
fixed!(i64);

fn generate_fixed<T: Fixed>(
    mut b: T,
    s: T,
    mut m: T,
    digits: &mut Vec<u8>,
    dec_exp: &mut i32,
    e_form: impl Fn(i32) -> bool,
) -> Stop {
    let tens = s.mul(T::ten());
    let q = b.div(s);
    b = T::ten().mul(b.rem(s));
    m = m.mul(T::ten());
    let mut low = b < m;
    let mut high = b.add(m) > tens;
    if q == T::ZERO && !high {
        *dec_exp -= 1;
    } else {
        digits.push(q.digit());
    }
    if e_form(*dec_exp) {
        low = false;
        high = false;
    }
    while !low && !high {
        let q = b.div(s);
        b = T::ten().mul(b.rem(s));
        m = m.mul(T::ten());
        if m > T::ZERO {
            low = b < m;
            high = b.add(m) > tens;
        } else {
            // m overflowed: it is certainly beyond b, and b + m beyond 10 × S.
            low = true;
            high = true;
        }
        digits.push(q.digit());
    }
    let half = b.add(b).sub(tens).cmp(&T::ZERO);
    Stop { low, high, half }
}

fn generate_big(
    mut b: BigUint,
    s: BigUint,
    mut m: BigUint,
    ten_s: BigUint,
    digits: &mut Vec<u8>,
    dec_exp: &mut i32,
    e_form: impl Fn(i32) -> bool,
) -> Stop {
    let next_digit = |b: &mut BigUint| {
        let q = &*b / &s;
        *b = (&*b % &s) * 10u32;
        q.to_u32_digits().first().copied().unwrap_or(0) as u8
    };
    let q = next_digit(&mut b);
    let mut low = b < m;
    let mut high = &b + &m >= ten_s;
    if q == 0 && !high {
        *dec_exp -= 1;
    } else {
        digits.push(q);
    }
    if e_form(*dec_exp) {
        low = false;
        high = false;
    }
    while !low && !high {
        let q = next_digit(&mut b);
        m *= 10u32;
        low = b < m;
        high = &b + &m >= ten_s;
        digits.push(q);
    }
    let half = if high && low { (&b << 1usize).cmp(&ten_s) } else { std::cmp::Ordering::Less };
    Stop { low, high, half }
}

/// Adds one to the last digit, carrying; a carry out of the first digit makes it a 1 a place up.
fn round_up(digits: &mut [u8], exponent: &mut i32) {
    let mut i = digits.len() - 1;
    while digits[i] == 9 && i > 0 {
        digits[i] = 0;
        i -= 1;
    }
    if digits[i] == 9 {
        *exponent += 1;
        digits[0] = 1;
    } else {
        digits[i] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_17_is_not_always_shortest() {
        // Printed by OpenJDK 17.0.15.
        let cases = [
            (2e23, "1.9999999999999998E23"),
            (1e23, "9.999999999999999E22"),
            (8.41e21, "8.409999999999999E21"),
            (5e-324, "4.9E-324"),
            (0.002, "0.002"),
            (1e-5, "1.0E-5"),
            (9.007199254740993e15, "9.007199254740992E15"),
            (1.18575755e-316, "1.18575755E-316"),
            (4.8726570057e288, "4.8726570056999995E288"),
            (2.82879384806159e17, "2.82879384806159008E17"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (100.0, "100.0"),
            (1e7, "1.0E7"),
            (1234567.0, "1234567.0"),
            (0.001, "0.001"),
            (1.0e-4, "1.0E-4"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, java) in cases {
            assert_eq!(double_to_string(v), java, "{v:e}");
        }
    }

    #[test]
    fn floats_print_their_own_digits() {
        let cases = [(1.0e-36f32, "1.0E-36"), (3.4028235e38, "3.4028235E38"), (0.1, "0.1"), (1.4e-45, "1.4E-45"), (-2.5, "-2.5")];
        for (v, java) in cases {
            assert_eq!(float_to_string(v), java, "{v:e}");
        }
    }
}
