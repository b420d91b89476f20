//! Scalar functions by name: the one table of the functions Thermite runs natively, each Spark-
//! exact (DataFusion's or Comet's kernel where its semantics match Spark's, ours where not).

use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array};
use arrow::datatypes::{
    DataType, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, Schema,
};
use datafusion::common::{internal_err, Result as DfResult, ScalarValue};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Literal;
use datafusion_comet_spark_expr::{
    create_negate_expr, spark_ceil, spark_floor, spark_isnan, spark_make_decimal,
    spark_unscaled_value, spark_xxhash64,
};
use datafusion_comet_spark_expr::hash_funcs::murmur3::{create_murmur3_hashes, spark_compatible_murmur3_hash};

use super::kernel::{Kernel, KernelExpr};
use super::{bitwise, datetime, digests, fdlibm, math, nested, string_parts, strings, type_of, ExprContext};
use crate::error::{Result, ThermiteError};
use crate::proto::scalar_function::Name;
use crate::spark_utf8;

/// The function `name` of the JVM's plan over `args`; an error when its arguments are not what
/// the native kernel takes.
pub(super) fn build(
    name: Name,
    args: Vec<Arc<dyn PhysicalExpr>>,
    input: &Schema,
    ctx: &ExprContext,
) -> Result<Arc<dyn PhysicalExpr>> {
    let arity = |n: usize| expect_args(name, &args, n);
    match name {
        // Legacy mode: integers wrap (-MIN is MIN).
        Name::Negate => arity(1).and_then(|_| Ok(create_negate_expr(Arc::clone(&args[0]), false)?)),
        // Spark's `hash` (Murmur3 x86_32, seed 42) and `xxhash64` (seed 42), bit-identical.
        Name::Hash => Ok(KernelExpr::new(Kind::Murmur3, args)),
        Name::Xxhash64 => Ok(KernelExpr::new(Kind::XxHash64, args)),
        Name::Isnan => arity(1).map(|_| KernelExpr::new(Kind::IsNaN, args)),
        Name::Floor | Name::Ceil => {
            arity(1)?;
            match type_of(&args[0], input)? {
                // Already integral: Spark returns the value as it is, in its own type.
                DataType::Int64 | DataType::Decimal128(_, 0) => return Ok(Arc::clone(&args[0])),
                DataType::Float64 | DataType::Decimal128(..) => {}
                other => return Err(ThermiteError::plan(format!("{name:?} of {other}"))),
            }
            let kind = if name == Name::Floor { Kind::Floor } else { Kind::Ceil };
            Ok(KernelExpr::new(kind, args))
        }
        name if MathOp::of(name).is_some() => {
            let op = MathOp::of(name).expect("a math function");
            arity(op.arity())?;
            for arg in &args {
                if type_of(arg, input)? != DataType::Float64 {
                    return Err(ThermiteError::plan(format!("{name:?} takes doubles")));
                }
            }
            Ok(KernelExpr::new(Kind::Math(op), args))
        }
        Name::Abs => {
            arity(1)?;
            let t = type_of(&args[0], input)?;
            if !(t.is_integer() || t.is_floating() || matches!(t, DataType::Decimal128(..))) {
                return Err(ThermiteError::plan(format!("abs of {t}")));
            }
            Ok(KernelExpr::new(Kind::Abs, args))
        }
        // Spark's optimizer sums small decimals as their unscaled longs.
        Name::UnscaledValue => {
            arity(1)?;
            match type_of(&args[0], input)? {
                DataType::Decimal128(p, _) if p <= 18 => Ok(KernelExpr::new(Kind::UnscaledValue, args)),
                other => Err(ThermiteError::plan(format!("unscaled_value of {other}"))),
            }
        }
        Name::MakeDecimal => {
            arity(3)?;
            let (precision, scale) = (literal_int(&args[1])?, literal_int(&args[2])?);
            let (precision, scale) = match (u8::try_from(precision), i8::try_from(scale)) {
                (Ok(p), Ok(s)) if (1..=38).contains(&p) && (0..=p as i8).contains(&s) => (p, s),
                _ => return Err(ThermiteError::plan(format!("make_decimal to decimal({precision}, {scale})"))),
            };
            Ok(KernelExpr::new(Kind::MakeDecimal(precision, scale), vec![Arc::clone(&args[0])]))
        }
        name if strings::handles(name) => strings::build(name, args, input),
        name if math::handles(name) => math::build(name, args, input),
        name if bitwise::handles(name) => bitwise::build(name, args, input),
        name if digests::handles(name) => digests::build(name, args, input),
        name if string_parts::handles(name) => string_parts::build(name, args, input),
        name if nested::handles(name) => nested::build(name, args, input),
        name if datetime::handles(name) => datetime::build(name, args, input, ctx),
        other => Err(ThermiteError::plan(format!("function {other:?} {NOT_IMPLEMENTED}"))),
    }
}

/// Ok when `name` got `n` arguments, else a planning error saying so.
pub(super) fn expect_args(name: Name, args: &[Arc<dyn PhysicalExpr>], n: usize) -> Result<()> {
    if args.len() == n {
        Ok(())
    } else {
        Err(ThermiteError::plan(format!("{name:?} takes {n} arguments, not {}", args.len())))
    }
}

/// The error of a function the JVM names and native code lacks (a newer plugin, say).
const NOT_IMPLEMENTED: &str = "has no native implementation";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Murmur3,
    XxHash64,
    /// NULL is not NaN: false.
    IsNaN,
    /// Legacy mode: abs(MIN) is MIN, as the JVM's `Math.abs`.
    Abs,
    /// Functions of doubles (Spark casts their arguments to double).
    Math(MathOp),
    /// Doubles to longs (NaN to 0, saturating, as the JVM converts); decimals to
    /// decimal(p - s + 1, 0).
    Floor,
    Ceil,
    /// A decimal of at most 18 digits as its unscaled long.
    UnscaledValue,
    /// A long as the unscaled value of decimal(p, s); NULL when it has more than p digits.
    MakeDecimal(u8, i8),
}

/// Spark's functions of doubles, computed as the JVM computes them: `StrictMath` (fdlibm, see
/// [`fdlibm`]) where Spark calls it or where `Math` delegates to it (Java 8 to 21), IEEE `sqrt`.
/// Spark's `sin`, `cos` and `tan` call `Math`, which HotSpot computes with intrinsics of its own:
/// they stay in Spark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum MathOp {
    Sqrt,
    Exp,
    /// Spark's logarithms are NULL at and below zero (`log1p` at and below -1).
    Ln,
    Log10,
    /// As Spark computes it: log(x) / log(2).
    Log2,
    Log1p,
    /// `log(base, x)`: log(x) / log(base), NULL where either is at or below zero.
    Logarithm,
    Cbrt,
    /// log(x + sqrt(x * x + 1)); from sqrt(Double.MAX_VALUE) - 1 on, ±(log(2) + log(|x|)).
    Asinh,
    /// log(x + sqrt(x * x - 1)), NaN below 1; from sqrt(Double.MAX_VALUE) on, log(2) + log(x).
    Acosh,
    /// 0.5 * (log1p(x) - log1p(-x)).
    Atanh,
    Expm1,
    Sinh,
    Cosh,
    Tanh,
    Asin,
    Acos,
    Atan,
    /// `atan2(y + 0.0, x + 0.0)`: Spark adds 0.0 to turn -0.0 into 0.0.
    Atan2,
    Hypot,
    /// Zeros and NaN keep their value (Rust's `signum(0.0)` is 1.0, the JVM's is 0.0).
    Signum,
    Pow,
}

impl MathOp {
    fn of(name: Name) -> Option<MathOp> {
        Some(match name {
            Name::Sqrt => MathOp::Sqrt,
            Name::Exp => MathOp::Exp,
            Name::Ln => MathOp::Ln,
            Name::Log10 => MathOp::Log10,
            Name::Log2 => MathOp::Log2,
            Name::Log1p => MathOp::Log1p,
            Name::Logarithm => MathOp::Logarithm,
            Name::Cbrt => MathOp::Cbrt,
            Name::Asinh => MathOp::Asinh,
            Name::Acosh => MathOp::Acosh,
            Name::Atanh => MathOp::Atanh,
            Name::Expm1 => MathOp::Expm1,
            Name::Sinh => MathOp::Sinh,
            Name::Cosh => MathOp::Cosh,
            Name::Tanh => MathOp::Tanh,
            Name::Asin => MathOp::Asin,
            Name::Acos => MathOp::Acos,
            Name::Atan => MathOp::Atan,
            Name::Atan2 => MathOp::Atan2,
            Name::Hypot => MathOp::Hypot,
            Name::Signum => MathOp::Signum,
            Name::Pow => MathOp::Pow,
            _ => return None,
        })
    }

    fn arity(self) -> usize {
        if matches!(self, MathOp::Pow | MathOp::Logarithm | MathOp::Atan2 | MathOp::Hypot) {
            2
        } else {
            1
        }
    }
}

/// The value of an int literal argument (a function's fixed parameter).
fn literal_int(arg: &Arc<dyn PhysicalExpr>) -> Result<i32> {
    match arg.as_any().downcast_ref::<Literal>().map(Literal::value) {
        Some(ScalarValue::Int32(Some(v))) => Ok(*v),
        _ => Err(ThermiteError::plan(format!("expected an int literal, got {arg}"))),
    }
}

/// Spark's `hash` of the arguments, column after column. Decimals wider than 18 digits hash the
/// bytes of their unscaled `BigInteger` (`toByteArray`), which Comet's kernel does not; the other
/// types go through it.
fn murmur3(args: &[ArrayRef], rows: usize) -> DfResult<ArrayRef> {
    let mut hashes = vec![SPARK_HASH_SEED as u32; rows];
    for arg in args {
        match arg.data_type() {
            DataType::Decimal128(precision, _) if *precision > 18 => {
                let values = arg.as_primitive::<Decimal128Type>();
                for (i, hash) in hashes.iter_mut().enumerate() {
                    if values.is_valid(i) {
                        *hash = spark_compatible_murmur3_hash(big_integer_bytes(values.value(i)), *hash);
                    }
                }
            }
            // Spark hashes a string's bytes, as a binary's.
            _ => {
                create_murmur3_hashes(&[spark_utf8::as_binary(arg)], &mut hashes)?;
            }
        }
    }
    Ok(Arc::new(Int32Array::from_iter_values(hashes.into_iter().map(|h| h as i32))))
}

/// Java's `BigInteger.toByteArray`: big-endian two's complement in the fewest bytes that keep the
/// sign.
fn big_integer_bytes(v: i128) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < bytes.len() - 1 {
        let (b, next_high) = (bytes[start], bytes[start + 1] & 0x80);
        if (b == 0x00 && next_high == 0) || (b == 0xff && next_high != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

/// Seed of Spark's `hash` and `xxhash64` (and of its hash partitioning).
const SPARK_HASH_SEED: i32 = 42;

/// Functions whose Spark semantics no DataFusion function has: ours, or Comet's kernels.
impl Kernel for Kind {
    fn data_type(&self, args: &[DataType]) -> DfResult<DataType> {
        Ok(match *self {
            Kind::Murmur3 => DataType::Int32,
            Kind::XxHash64 => DataType::Int64,
            Kind::IsNaN => DataType::Boolean,
            Kind::Abs => args[0].clone(),
            Kind::Math(_) => DataType::Float64,
            Kind::UnscaledValue => DataType::Int64,
            Kind::MakeDecimal(p, s) => DataType::Decimal128(p, s),
            Kind::Floor | Kind::Ceil => match args[0] {
                DataType::Decimal128(p, s) => DataType::Decimal128((p - s as u8 + 1).min(38), 0),
                _ => DataType::Int64,
            },
        })
    }

    fn nullable(&self, any_argument_nullable: bool) -> bool {
        !matches!(self, Kind::Murmur3 | Kind::XxHash64 | Kind::IsNaN) && any_argument_nullable
    }

    fn evaluate(&self, args: &[ArrayRef], rows: usize, result_type: &DataType) -> DfResult<ArrayRef> {
        let values = || args.iter().map(|a| ColumnarValue::Array(Arc::clone(a))).collect::<Vec<_>>();
        Ok(match *self {
            Kind::Murmur3 => murmur3(args, rows)?,
            Kind::XxHash64 => {
                // Spark hashes a string's bytes, as a binary's.
                let mut values: Vec<ColumnarValue> =
                    args.iter().map(|a| ColumnarValue::Array(spark_utf8::as_binary(a))).collect();
                values.push(ColumnarValue::Scalar(ScalarValue::Int64(Some(SPARK_HASH_SEED as i64))));
                spark_xxhash64(&values)?.into_array(rows)?
            }
            Kind::IsNaN => spark_isnan(&values())?.into_array(rows)?,
            Kind::UnscaledValue => spark_unscaled_value(&values())?.into_array(rows)?,
            Kind::MakeDecimal(..) => spark_make_decimal(&values(), result_type)?.into_array(rows)?,
            Kind::Floor => spark_floor(&values(), result_type)?.into_array(rows)?,
            Kind::Ceil => spark_ceil(&values(), result_type)?.into_array(rows)?,
            Kind::Abs => abs(&args[0])?,
            Kind::Math(op) => math(op, args),
        })
    }
}

fn math(op: MathOp, args: &[ArrayRef]) -> ArrayRef {
    let x = args[0].as_primitive::<Float64Type>();
    // NULL at and below the asymptote; NaN is not below it.
    let above = |min: f64, f: fn(f64) -> f64| -> Float64Array { x.unary_opt(move |v| (!(v <= min)).then(|| f(v))) };
    let result: Float64Array = match op {
        MathOp::Sqrt => x.unary(f64::sqrt),
        MathOp::Exp => x.unary(fdlibm::exp),
        MathOp::Ln => above(0.0, fdlibm::log),
        MathOp::Log10 => above(0.0, fdlibm::log10),
        MathOp::Log2 => above(0.0, |v| fdlibm::log(v) / fdlibm::log(2.0)),
        MathOp::Log1p => above(-1.0, fdlibm::log1p),
        MathOp::Cbrt => x.unary(fdlibm::cbrt),
        MathOp::Asinh => x.unary(|v| {
            if v.abs() >= f64::MAX.sqrt() - 1.0 {
                v.signum() * (fdlibm::log(2.0) + fdlibm::log(v.abs()))
            } else {
                fdlibm::log(v + (v * v + 1.0).sqrt())
            }
        }),
        MathOp::Acosh => x.unary(|v| {
            if v >= f64::MAX.sqrt() {
                fdlibm::log(2.0) + fdlibm::log(v)
            } else if v < 1.0 {
                f64::NAN
            } else {
                fdlibm::log(v + (v * v - 1.0).sqrt())
            }
        }),
        MathOp::Atanh => x.unary(|v| 0.5 * (fdlibm::log1p(v) - fdlibm::log1p(-v))),
        MathOp::Expm1 => x.unary(fdlibm::expm1),
        MathOp::Sinh => x.unary(fdlibm::sinh),
        MathOp::Cosh => x.unary(fdlibm::cosh),
        MathOp::Tanh => x.unary(fdlibm::tanh),
        MathOp::Asin => x.unary(fdlibm::asin),
        MathOp::Acos => x.unary(fdlibm::acos),
        MathOp::Atan => x.unary(fdlibm::atan),
        MathOp::Signum => x.unary(|v| if v == 0.0 || v.is_nan() { v } else { v.signum() }),
        MathOp::Pow => binary(x, args, fdlibm::pow),
        MathOp::Atan2 => binary(x, args, |y, x| fdlibm::atan2(y + 0.0, x + 0.0)),
        MathOp::Hypot => binary(x, args, fdlibm::hypot),
        MathOp::Logarithm => {
            let y = args[1].as_primitive::<Float64Type>();
            x.iter()
                .zip(y.iter())
                .map(|(base, v)| {
                    let (base, v) = (base?, v?);
                    (!(base <= 0.0 || v <= 0.0)).then(|| fdlibm::log(v) / fdlibm::log(base))
                })
                .collect()
        }
    };
    Arc::new(result)
}

/// `f` of two doubles, NULL where either is.
fn binary(x: &Float64Array, args: &[ArrayRef], f: fn(f64, f64) -> f64) -> Float64Array {
    let y = args[1].as_primitive::<Float64Type>();
    x.iter().zip(y.iter()).map(|(a, b)| Some(f(a?, b?))).collect()
}

fn abs(values: &ArrayRef) -> DfResult<ArrayRef> {
    macro_rules! wrapping {
        ($t:ty) => {
            Arc::new(values.as_primitive::<$t>().unary::<_, $t>(|v| v.wrapping_abs())) as ArrayRef
        };
    }
    Ok(match values.data_type() {
        DataType::Int8 => wrapping!(Int8Type),
        DataType::Int16 => wrapping!(Int16Type),
        DataType::Int32 => wrapping!(Int32Type),
        DataType::Int64 => wrapping!(Int64Type),
        DataType::Float32 => Arc::new(values.as_primitive::<Float32Type>().unary::<_, Float32Type>(f32::abs)),
        DataType::Float64 => Arc::new(values.as_primitive::<Float64Type>().unary::<_, Float64Type>(f64::abs)),
        // A decimal's magnitude always fits its own precision.
        DataType::Decimal128(..) => Arc::new(
            values.as_primitive::<Decimal128Type>().unary::<_, Decimal128Type>(|v| v.wrapping_abs()).with_data_type(values.data_type().clone()),
        ),
        other => return internal_err!("abs of {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every function the JVM can name (the proto's list) has a native kernel: a missing one
    /// fails here, not in a user's query.
    #[test]
    fn every_function_the_jvm_names_is_implemented() {
        let ctx = ExprContext {
            session_time_zone: crate::proto::TimeZone { kind: Some(crate::proto::time_zone::Kind::OffsetSeconds(0)) },
            subqueries: Default::default(),
        };
        let mut named = 0;
        for value in 1.. {
            let Ok(name) = Name::try_from(value) else { break };
            named += 1;
            // No arguments: an arity or type error, never a missing implementation.
            if let Err(e) = build(name, vec![], &Schema::empty(), &ctx) {
                assert!(!e.to_string().contains(NOT_IMPLEMENTED), "{e}");
            }
        }
        assert!(named > 70, "{named} functions");
        let unnamed = build(Name::Unspecified, vec![], &Schema::empty(), &ctx).map(|_| ()).unwrap_err();
        assert!(unnamed.to_string().contains(NOT_IMPLEMENTED));
    }

    #[test]
    fn big_integer_bytes_are_javas() {
        // BigInteger.valueOf(v).toByteArray() for each v.
        let cases: [(i128, &[u8]); 8] = [
            (0, &[0x00]),
            (127, &[0x7f]),
            (128, &[0x00, 0x80]),
            (-1, &[0xff]),
            (-128, &[0x80]),
            (-129, &[0xff, 0x7f]),
            (65535, &[0x00, 0xff, 0xff]),
            (i128::MIN, &[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (v, bytes) in cases {
            assert_eq!(big_integer_bytes(v), bytes, "{v}");
        }
    }
}
