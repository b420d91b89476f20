//! Math functions in Spark's legacy (non-ANSI) mode: `round`/`bround` (through decimal digits,
//! as Spark rounds through `BigDecimal`), `nanvl`, `greatest`/`least`, `div` and `pmod`.

use std::cmp::Ordering;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{
    make_comparator, Array, ArrayRef, AsArray, DynComparator, Float32Array, Float64Array, Int64Array, PrimitiveArray,
};
use arrow::buffer::NullBuffer;
use arrow::compute::{interleave, SortOptions};
use arrow::datatypes::{
    i256, ArrowPrimitiveType, DataType, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, Schema,
};
use datafusion::common::{internal_err, Result as DfResult, ScalarValue};
use datafusion::physical_expr::expressions::Literal;
use datafusion::physical_expr::PhysicalExpr;

use super::kernel::{Kernel, KernelExpr};
use super::type_of;
use crate::proto::scalar_function::Name;
use crate::error::{Result, ThermiteError};

pub(super) fn handles(name: Name) -> bool {
    matches!(name, Name::Round | Name::Bround | Name::Nanvl | Name::Greatest | Name::Least | Name::Div | Name::Pmod)
}

pub(super) fn build(name: Name, args: Vec<Arc<dyn PhysicalExpr>>, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let types = args.iter().map(|a| type_of(a, input)).collect::<Result<Vec<DataType>>>()?;
    let unsupported = || ThermiteError::plan(format!("{name:?} of {types:?}"));
    let same_types = types.windows(2).all(|w| w[0] == w[1]);
    let (kind, args) = match name {
        Name::Round | Name::Bround => {
            let scale = match (args.len(), args.get(1).and_then(|a| a.as_any().downcast_ref::<Literal>())) {
                (2, Some(l)) => match l.value() {
                    ScalarValue::Int32(Some(s)) => *s,
                    _ => return Err(unsupported()),
                },
                _ => return Err(unsupported()),
            };
            let t = &types[0];
            if !(t.is_integer() || t.is_floating() || matches!(t, DataType::Decimal128(..))) {
                return Err(unsupported());
            }
            let mode = if name == Name::Round { Rounding::HalfUp } else { Rounding::HalfEven };
            (Kind::Round { mode, scale }, vec![Arc::clone(&args[0])])
        }
        Name::Nanvl if args.len() == 2 && same_types && types[0].is_floating() => (Kind::NaNvl, args),
        Name::Greatest | Name::Least if !args.is_empty() && same_types && comparable(&types[0]) => {
            (Kind::Extreme { greatest: name == Name::Greatest }, args)
        }
        Name::Div if args.len() == 2 => match (&types[0], &types[1]) {
            (DataType::Int64, DataType::Int64) | (DataType::Decimal128(..), DataType::Decimal128(..)) => {
                (Kind::Div, args)
            }
            _ => return Err(unsupported()),
        },
        Name::Pmod if args.len() == 2 => match (&types[0], &types[1]) {
            (DataType::Decimal128(..), DataType::Decimal128(..)) => (Kind::Pmod, args),
            (l, r) if l == r && (l.is_integer() || l.is_floating()) => (Kind::Pmod, args),
            _ => return Err(unsupported()),
        },
        _ => return Err(unsupported()),
    };
    Ok(KernelExpr::new(kind, args))
}

fn comparable(t: &DataType) -> bool {
    t.is_integer()
        || t.is_floating()
        || matches!(
            t,
            DataType::Decimal128(..) | DataType::Utf8 | DataType::Boolean | DataType::Date32 | DataType::Timestamp(..)
        )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Rounding {
    HalfUp,
    HalfEven,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Round { mode: Rounding, scale: i32 },
    /// The first argument unless it is NaN.
    NaNvl,
    /// NULLs skipped; Spark's order (NaN largest, -0.0 equal to 0.0: the first of equals wins).
    Extreme { greatest: bool },
    /// `IntegralDivide`: truncated quotient as a long, NULL on division by zero.
    Div,
    /// Positive modulus, NULL on a zero divisor.
    Pmod,
}

impl Kernel for Kind {
    fn data_type(&self, args: &[DataType]) -> DfResult<DataType> {
        let first = args[0].clone();
        Ok(match *self {
            Kind::Round { scale, .. } => match first {
                DataType::Decimal128(p, s) => round_decimal_type(p, s, scale),
                t => t,
            },
            Kind::Div => DataType::Int64,
            Kind::Pmod => match (first, &args[1]) {
                (DataType::Decimal128(p1, s1), DataType::Decimal128(p2, s2)) => pmod_decimal_type(p1, s1, *p2, *s2),
                (t, _) => t,
            },
            Kind::NaNvl | Kind::Extreme { .. } => first,
        })
    }

    fn evaluate(&self, args: &[ArrayRef], _rows: usize, result_type: &DataType) -> DfResult<ArrayRef> {
        match *self {
            Kind::Round { mode, scale } => round(&args[0], mode, scale, result_type),
            Kind::NaNvl => nanvl(&args[0], &args[1]),
            Kind::Extreme { greatest } => extreme(args, greatest),
            Kind::Div => div(&args[0], &args[1]),
            Kind::Pmod => pmod(&args[0], &args[1], result_type),
        }
    }
}

/// Spark's `RoundBase.dataType` for decimals: room for a carry into a new integral digit.
fn round_decimal_type(p: u8, s: i8, scale: i32) -> DataType {
    let integral = p as i32 - s as i32 + 1;
    if scale < 0 {
        DataType::Decimal128(integral.max(1 - scale).min(38) as u8, 0)
    } else {
        let new_scale = (s as i32).min(scale);
        DataType::Decimal128((integral + new_scale).min(38) as u8, new_scale as i8)
    }
}

/// Spark's remainder type: the narrower integral part, the wider scale.
fn pmod_decimal_type(p1: u8, s1: i8, p2: u8, s2: i8) -> DataType {
    let scale = s1.max(s2);
    let integral = (p1 as i32 - s1 as i32).min(p2 as i32 - s2 as i32);
    DataType::Decimal128((integral + scale as i32).min(38) as u8, scale)
}

/// `v / d` (d > 0) rounded to an integer by `mode`.
fn round_div(v: i128, d: i128, mode: Rounding) -> i128 {
    let (q, r) = (v / d, (v % d).abs());
    let up = match (r).cmp(&(d - r)) {
        Ordering::Greater => true,
        Ordering::Equal => mode == Rounding::HalfUp || q % 2 != 0,
        Ordering::Less => false,
    };
    if up {
        q + v.signum()
    } else {
        q
    }
}

fn round(values: &ArrayRef, mode: Rounding, scale: i32, result_type: &DataType) -> DfResult<ArrayRef> {
    // Integers keep their value at scale >= 0; below, they round to a multiple of 10^-scale, kept
    // in the type's low bits as the JVM's narrowing conversions do.
    macro_rules! integral {
        ($t:ty, $native:ty) => {{
            let a = values.as_primitive::<$t>();
            if scale >= 0 {
                Arc::new(a.clone()) as ArrayRef
            } else if scale <= -20 {
                Arc::new(a.unary::<_, $t>(|_| 0)) as ArrayRef
            } else {
                let d = 10i128.pow((-scale) as u32);
                Arc::new(a.unary::<_, $t>(|v| (round_div(v as i128, d, mode) * d) as $native)) as ArrayRef
            }
        }};
    }
    Ok(match values.data_type() {
        DataType::Int8 => integral!(Int8Type, i8),
        DataType::Int16 => integral!(Int16Type, i16),
        DataType::Int32 => integral!(Int32Type, i32),
        DataType::Int64 => integral!(Int64Type, i64),
        DataType::Float64 => Arc::new(values.as_primitive::<Float64Type>().unary::<_, Float64Type>(|v| {
            if v.is_finite() {
                round_decimal_digits(v, mode, scale).parse().unwrap_or(v)
            } else {
                v
            }
        })),
        // Spark widens the float to a double first, then converts the decimal result to a float.
        DataType::Float32 => Arc::new(values.as_primitive::<Float32Type>().unary::<_, Float32Type>(|v| {
            if v.is_finite() {
                round_decimal_digits(v as f64, mode, scale).parse().unwrap_or(v)
            } else {
                v
            }
        })),
        DataType::Decimal128(_, s) => {
            let s = *s as i32;
            let a = values.as_primitive::<Decimal128Type>();
            let rounded: PrimitiveArray<Decimal128Type> = if scale >= s {
                a.clone()
            } else if scale >= 0 {
                let d = 10i128.pow((s - scale) as u32);
                a.unary(|v| round_div(v, d, mode))
            } else if s - scale > 38 {
                // |value| < 10^38 / 10^(s - scale) <= 0.1 of the rounding unit.
                a.unary(|_| 0)
            } else {
                let (d, m) = (10i128.pow((s - scale) as u32), 10i128.pow((-scale) as u32));
                a.unary(|v| round_div(v, d, mode) * m)
            };
            Arc::new(rounded.with_data_type(result_type.clone()))
        }
        other => return internal_err!("round of {other}"),
    })
}

/// The digits of Java 17's `Double.toString(v)` for a finite `v >= 0`, and the place (power of
/// ten) of the first.
pub(super) fn java_double_digits(v: f64) -> (Vec<u8>, i64) {
    let d = crate::java_double::double_digits(v);
    (d.digits, d.exponent as i64)
}

/// `BigDecimal(d).setScale(scale, mode)` as a decimal string: Scala's `BigDecimal(d)` takes the
/// digits of `Double.toString(d)`. A zero has no sign in a decimal.
fn round_decimal_digits(v: f64, mode: Rounding, scale: i32) -> String {
    let (digits, exp) = java_double_digits(v.abs());
    // Digits at or above 10^-scale: the first digit's place is 10^exp.
    let keep = exp + scale as i64 + 1;
    if keep >= digits.len() as i64 {
        return if v == 0.0 { "0".to_string() } else { format!("{v:e}") };
    }
    if keep < 0 {
        return "0".to_string();
    }
    let (kept, rest) = digits.split_at(keep as usize);
    let mut unscaled: u128 = kept.iter().fold(0, |acc, &d| acc * 10 + d as u128);
    let beyond_half = rest[1..].iter().any(|&d| d != 0);
    let up = match rest[0].cmp(&5) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => mode == Rounding::HalfUp || beyond_half || unscaled % 2 == 1,
    };
    if up {
        unscaled += 1;
    }
    if unscaled == 0 {
        return "0".to_string();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}{unscaled}e{}", -(scale as i64))
}

fn nanvl(left: &ArrayRef, right: &ArrayRef) -> DfResult<ArrayRef> {
    macro_rules! pick {
        ($t:ty, $array:ty) => {{
            let (l, r) = (left.as_primitive::<$t>(), right.as_primitive::<$t>());
            let out: $array = l
                .iter()
                .zip(r.iter())
                .map(|(a, b)| match a {
                    Some(a) if a.is_nan() => b,
                    a => a,
                })
                .collect();
            Arc::new(out) as ArrayRef
        }};
    }
    Ok(match left.data_type() {
        DataType::Float64 => pick!(Float64Type, Float64Array),
        DataType::Float32 => pick!(Float32Type, Float32Array),
        other => return internal_err!("nanvl of {other}"),
    })
}

/// Spark's floating point order for `greatest`/`least`: NaN above everything, -0.0 == 0.0.
fn float_comparator<T: ArrowPrimitiveType>(l: &ArrayRef, r: &ArrayRef) -> DynComparator
where
    T::Native: num_float::Float,
{
    let (l, r) = (l.as_primitive::<T>().clone(), r.as_primitive::<T>().clone());
    use num_float::Float;
    Box::new(move |i, j| {
        let (a, b) = (l.value(i), r.value(j));
        match (a.is_nan(), b.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        }
    })
}

mod num_float {
    /// The float operations the comparator needs, for f32 and f64.
    pub trait Float: PartialOrd + Copy + Send + Sync + 'static {
        fn is_nan(self) -> bool;
    }
    impl Float for f32 {
        fn is_nan(self) -> bool {
            f32::is_nan(self)
        }
    }
    impl Float for f64 {
        fn is_nan(self) -> bool {
            f64::is_nan(self)
        }
    }
}

fn extreme(args: &[ArrayRef], greatest: bool) -> DfResult<ArrayRef> {
    let rows = args[0].len();
    let n = args.len();
    // comparators[c][b]: child c's row against child b's row.
    let mut comparators: Vec<Vec<DynComparator>> = Vec::with_capacity(n);
    // Strings compare as their bytes, which need not be valid UTF-8.
    let keys: Vec<ArrayRef> = args.iter().map(crate::spark_utf8::as_binary).collect();
    for c in &keys {
        let mut row = Vec::with_capacity(n);
        for b in &keys {
            row.push(match c.data_type() {
                DataType::Float64 => float_comparator::<Float64Type>(c, b),
                DataType::Float32 => float_comparator::<Float32Type>(c, b),
                _ => make_comparator(c.as_ref(), b.as_ref(), SortOptions::default())?,
            });
        }
        comparators.push(row);
    }
    let wanted = if greatest { Ordering::Greater } else { Ordering::Less };
    let indices: Vec<(usize, usize)> = (0..rows)
        .map(|i| {
            // Where every child is NULL, child 0's NULL is the answer.
            let mut best: Option<usize> = None;
            for (c, a) in args.iter().enumerate() {
                if a.is_valid(i) && best.is_none_or(|b| comparators[c][b](i, i) == wanted) {
                    best = Some(c);
                }
            }
            (best.unwrap_or(0), i)
        })
        .collect();
    let arrays: Vec<&dyn Array> = args.iter().map(|a| a.as_ref()).collect();
    Ok(interleave(&arrays, &indices)?)
}

fn div(left: &ArrayRef, right: &ArrayRef) -> DfResult<ArrayRef> {
    let nulls = NullBuffer::union(left.nulls(), right.nulls());
    let valid = |i: usize| nulls.as_ref().is_none_or(|n| n.is_valid(i));
    let out: Int64Array = match (left.data_type(), right.data_type()) {
        (DataType::Int64, DataType::Int64) => {
            let (l, r) = (left.as_primitive::<Int64Type>(), right.as_primitive::<Int64Type>());
            (0..l.len())
                .map(|i| (valid(i) && r.value(i) != 0).then(|| l.value(i).wrapping_div(r.value(i))))
                .collect()
        }
        (DataType::Decimal128(_, s1), DataType::Decimal128(_, s2)) => {
            let (l, r) = (left.as_primitive::<Decimal128Type>(), right.as_primitive::<Decimal128Type>());
            let (m1, m2) = (i256_pow10(*s2), i256_pow10(*s1));
            // A quotient of more than 38 digits is NULL (Spark's decimal overflow); a long keeps
            // the low 64 bits of the others, as `BigDecimal.longValue`.
            let limit = i256_pow10(38);
            (0..l.len())
                .map(|i| {
                    if !valid(i) || r.value(i) == 0 {
                        return None;
                    }
                    let (a, b) = (i256::from_i128(l.value(i)), i256::from_i128(r.value(i)));
                    let q = a.wrapping_mul(m1).wrapping_div(b.wrapping_mul(m2));
                    (q < limit && q > limit.wrapping_neg()).then(|| q.as_i128() as i64)
                })
                .collect()
        }
        (l, r) => return internal_err!("div of {l} and {r}"),
    };
    Ok(Arc::new(out))
}

fn i256_pow10(exp: i8) -> i256 {
    i256::from_i128(10).wrapping_pow(exp as u32)
}

fn pmod(left: &ArrayRef, right: &ArrayRef, result_type: &DataType) -> DfResult<ArrayRef> {
    let nulls = NullBuffer::union(left.nulls(), right.nulls());
    // Integers narrower than int compute in int, as the JVM does, then narrow.
    macro_rules! by_type {
        ($t:ty, |$a:ident, $n:ident| $body:expr) => {{
            let (l, r) = (left.as_primitive::<$t>(), right.as_primitive::<$t>());
            let out: PrimitiveArray<$t> = (0..l.len())
                .map(|i| {
                    let ($a, $n) = (l.value(i), r.value(i));
                    let zero = $n == <<$t as ArrowPrimitiveType>::Native as Default>::default();
                    (nulls.as_ref().is_none_or(|b| b.is_valid(i)) && !zero).then(|| $body)
                })
                .collect();
            Arc::new(out) as ArrayRef
        }};
    }
    macro_rules! narrow {
        ($t:ty, $native:ty) => {
            by_type!($t, |a, n| {
                let (a, n) = (a as i32, n as i32);
                let r = a % n;
                (if r < 0 { (r + n) % n } else { r }) as $native
            })
        };
    }
    Ok(match left.data_type() {
        DataType::Int8 => narrow!(Int8Type, i8),
        DataType::Int16 => narrow!(Int16Type, i16),
        DataType::Int32 => by_type!(Int32Type, |a, n| {
            let r = a.wrapping_rem(n);
            if r < 0 { r.wrapping_add(n).wrapping_rem(n) } else { r }
        }),
        DataType::Int64 => by_type!(Int64Type, |a, n| {
            let r = a.wrapping_rem(n);
            if r < 0 { r.wrapping_add(n).wrapping_rem(n) } else { r }
        }),
        DataType::Float32 => by_type!(Float32Type, |a, n| {
            let r = a % n;
            if r < 0.0 { (r + n) % n } else { r }
        }),
        DataType::Float64 => by_type!(Float64Type, |a, n| {
            let r = a % n;
            if r < 0.0 { (r + n) % n } else { r }
        }),
        DataType::Decimal128(_, s1) => {
            let (DataType::Decimal128(_, s2), DataType::Decimal128(precision, scale)) = (right.data_type(), result_type)
            else {
                return internal_err!("pmod of {} and {}", left.data_type(), right.data_type());
            };
            let (m1, m2) = (i256_pow10(*scale - *s1), i256_pow10(*scale - s2));
            let limit = i256_pow10(*precision as i8);
            let (l, r) = (left.as_primitive::<Decimal128Type>(), right.as_primitive::<Decimal128Type>());
            let out: PrimitiveArray<Decimal128Type> = (0..l.len())
                .map(|i| {
                    if nulls.as_ref().is_some_and(|b| b.is_null(i)) || r.value(i) == 0 {
                        return None;
                    }
                    let (a, n) = (i256::from_i128(l.value(i)).wrapping_mul(m1), i256::from_i128(r.value(i)).wrapping_mul(m2));
                    let rem = a.wrapping_rem(n);
                    let rem = if rem < i256::ZERO { rem.wrapping_add(n).wrapping_rem(n) } else { rem };
                    // Beyond the result's precision: NULL, Spark's non-ANSI overflow.
                    (rem < limit && rem > limit.wrapping_neg()).then(|| rem.as_i128())
                })
                .collect();
            Arc::new(out.with_data_type(result_type.clone()))
        }
        other => return internal_err!("pmod of {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_f64(v: f64, mode: Rounding, scale: i32) -> f64 {
        round_decimal_digits(v, mode, scale).parse().unwrap()
    }

    #[test]
    fn doubles_round_through_their_decimal_digits() {
        assert_eq!(round_f64(2.675, Rounding::HalfUp, 2), 2.68);
        assert_eq!(round_f64(0.125, Rounding::HalfUp, 2), 0.13);
        assert_eq!(round_f64(0.125, Rounding::HalfEven, 2), 0.12);
        assert_eq!(round_f64(-2.5, Rounding::HalfUp, 0), -3.0);
        assert_eq!(round_f64(-2.5, Rounding::HalfEven, 0), -2.0);
        assert_eq!(round_f64(1e300, Rounding::HalfUp, -299), 1e300);
        assert_eq!(round_f64(1e300, Rounding::HalfUp, -301), 0.0);
        assert_eq!(round_f64(9.5, Rounding::HalfUp, -1), 10.0);
        assert_eq!(round_f64(4.5, Rounding::HalfUp, -1), 0.0);
        assert_eq!(round_f64(5.0, Rounding::HalfEven, -1), 0.0);
        assert_eq!(round_f64(15.0, Rounding::HalfEven, -1), 20.0);
        let z = round_f64(-0.0, Rounding::HalfUp, 1);
        assert!(z == 0.0 && z.is_sign_positive());
        let z = round_f64(-0.001, Rounding::HalfUp, 2);
        assert!(z == 0.0 && z.is_sign_positive());
    }

    #[test]
    fn large_integral_doubles_take_the_jvm_digits() {
        // Double.toString(7071199064999999488d) is "7.0711990649999995E18": below the tie.
        let v = 7071199064999999488f64;
        assert_eq!(java_double_digits(v), (vec![7, 0, 7, 1, 1, 9, 9, 0, 6, 4, 9, 9, 9, 9, 9, 9, 5], 18));
        assert_eq!(round_f64(-v, Rounding::HalfUp, -10), -7.07119906e18);
        assert_eq!(java_double_digits(1.5), (vec![1, 5], 0));
        assert_eq!(java_double_digits(30000001024.0), (vec![3, 0, 0, 0, 0, 0, 0, 1, 0, 2, 4], 10));
    }

    #[test]
    fn integers_round_and_wrap() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![i64::MAX, -15, 25, 5]));
        let out = round(&a, Rounding::HalfUp, -1, &DataType::Int64).unwrap();
        assert_eq!(out.as_primitive::<Int64Type>().values().to_vec(), vec![-9223372036854775806, -20, 30, 10]);
        let out = round(&a, Rounding::HalfEven, -1, &DataType::Int64).unwrap();
        assert_eq!(out.as_primitive::<Int64Type>().values().to_vec()[1..], [-20, 20, 0]);
    }

    #[test]
    fn pmod_is_positive() {
        let a: ArrayRef = Arc::new(arrow::array::Int8Array::from(vec![-1, -7, 7, 1]));
        let n: ArrayRef = Arc::new(arrow::array::Int8Array::from(vec![-128, 3, -3, 0]));
        let out = pmod(&a, &n, &DataType::Int8).unwrap();
        let out = out.as_primitive::<Int8Type>();
        assert_eq!(out.values()[..3], [-1, 2, 1]);
        assert!(out.is_null(3));
    }
}
