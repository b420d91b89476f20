//! `+ - * / %` as Spark computes them when ANSI mode is off: integers wrap on overflow, division
//! and remainder by zero give NULL (for floating point too), decimals are computed exactly and
//! rounded HALF_UP to Spark's result type, NULL when they do not fit.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Decimal256Array, PrimitiveArray};
use arrow::buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use arrow::compute::kernels::numeric::{add_wrapping, mul_wrapping, sub_wrapping};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::*;
use datafusion::common::{internal_err, Result as DfResult};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;
use datafusion_comet_spark_expr::spark_decimal_div;

use super::type_of;
use crate::error::{Result, ThermiteError};
use crate::proto::binary::Op;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithmeticOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

impl fmt::Display for ArithmeticOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArithmeticOp::Add => "+",
            ArithmeticOp::Subtract => "-",
            ArithmeticOp::Multiply => "*",
            ArithmeticOp::Divide => "/",
            ArithmeticOp::Remainder => "%",
        })
    }
}

#[derive(Debug, Eq)]
pub struct SparkArithmetic {
    op: ArithmeticOp,
    left: Arc<dyn PhysicalExpr>,
    right: Arc<dyn PhysicalExpr>,
    result_type: DataType,
}

// `Arc<dyn PhysicalExpr>` compares and hashes by value but cannot be derived through.
impl PartialEq for SparkArithmetic {
    fn eq(&self, other: &Self) -> bool {
        self.left.eq(&other.left) && self.right.eq(&other.right) && self.op.eq(&other.op) && self.result_type.eq(&other.result_type)
    }
}

impl Hash for SparkArithmetic {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.left.hash(state);
        self.right.hash(state);
        self.op.hash(state);
        self.result_type.hash(state);
    }
}

pub(super) fn build(
    op: Op,
    left: Arc<dyn PhysicalExpr>,
    right: Arc<dyn PhysicalExpr>,
    result_type: DataType,
    input: &Schema,
) -> Result<Arc<dyn PhysicalExpr>> {
    let op = match op {
        Op::Add => ArithmeticOp::Add,
        Op::Subtract => ArithmeticOp::Subtract,
        Op::Multiply => ArithmeticOp::Multiply,
        Op::Divide => ArithmeticOp::Divide,
        Op::Remainder => ArithmeticOp::Remainder,
        other => return Err(ThermiteError::plan(format!("{other:?} is not arithmetic"))),
    };
    let (lt, rt) = (type_of(&left, input)?, type_of(&right, input)?);
    let supported = match (&lt, &rt) {
        (DataType::Decimal128(..), DataType::Decimal128(..)) => matches!(result_type, DataType::Decimal128(..)),
        (l, r) if l == r && l == &result_type => match op {
            ArithmeticOp::Divide => l.is_floating(),
            _ => l.is_integer() || l.is_floating(),
        },
        _ => false,
    };
    if !supported {
        return Err(ThermiteError::plan(format!("arithmetic {lt} {op} {rt} -> {result_type} is not supported")));
    }
    Ok(Arc::new(SparkArithmetic { op, left, right, result_type }))
}

impl fmt::Display for SparkArithmetic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({} {} {})", self.left, self.op, self.right)
    }
}

impl PhysicalExpr for SparkArithmetic {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn data_type(&self, _input: &Schema) -> DfResult<DataType> {
        Ok(self.result_type.clone())
    }

    fn nullable(&self, input: &Schema) -> DfResult<bool> {
        // Division, remainder and decimal overflow can make NULL from non-null operands.
        let may_make_null = matches!(self.op, ArithmeticOp::Divide | ArithmeticOp::Remainder)
            || matches!(self.result_type, DataType::Decimal128(..));
        Ok(may_make_null || self.left.nullable(input)? || self.right.nullable(input)?)
    }

    fn evaluate(&self, batch: &arrow::record_batch::RecordBatch) -> DfResult<ColumnarValue> {
        let rows = batch.num_rows();
        let left = self.left.evaluate(batch)?.into_array(rows)?;
        let right = self.right.evaluate(batch)?.into_array(rows)?;
        Ok(ColumnarValue::Array(evaluate_arrays(self.op, &left, &right, &self.result_type)?))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.left, &self.right]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn PhysicalExpr>>) -> DfResult<Arc<dyn PhysicalExpr>> {
        Ok(Arc::new(SparkArithmetic {
            op: self.op,
            left: Arc::clone(&children[0]),
            right: Arc::clone(&children[1]),
            result_type: self.result_type.clone(),
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

fn evaluate_arrays(op: ArithmeticOp, left: &ArrayRef, right: &ArrayRef, result_type: &DataType) -> DfResult<ArrayRef> {
    if let DataType::Decimal128(..) = left.data_type() {
        return decimal(op, left, right, result_type);
    }
    match op {
        ArithmeticOp::Add => Ok(add_wrapping(left, right)?),
        ArithmeticOp::Subtract => Ok(sub_wrapping(left, right)?),
        ArithmeticOp::Multiply => Ok(mul_wrapping(left, right)?),
        ArithmeticOp::Divide | ArithmeticOp::Remainder => {
            macro_rules! by_type {
                ($t:ty) => {
                    Ok(Arc::new(null_if_zero_divisor::<$t>(
                        left.as_primitive(),
                        right.as_primitive(),
                        |a, b| if op == ArithmeticOp::Divide { a.div_wrapping(b) } else { a.mod_wrapping(b) },
                    )?))
                };
            }
            match left.data_type() {
                DataType::Int8 => by_type!(Int8Type),
                DataType::Int16 => by_type!(Int16Type),
                DataType::Int32 => by_type!(Int32Type),
                DataType::Int64 => by_type!(Int64Type),
                DataType::Float32 => by_type!(Float32Type),
                DataType::Float64 => by_type!(Float64Type),
                other => internal_err!("{op} on {other}"),
            }
        }
    }
}

/// `f(a, b)` where `b` is not zero (`-0.0` counts as zero, as in Spark), NULL where it is.
/// `f` must not fail: the wrapping operations give Java's answers (`MIN % -1 == 0`).
fn null_if_zero_divisor<T: ArrowPrimitiveType>(
    left: &PrimitiveArray<T>,
    right: &PrimitiveArray<T>,
    f: impl Fn(T::Native, T::Native) -> T::Native,
) -> DfResult<PrimitiveArray<T>> {
    let nonzero = BooleanBuffer::from_iter(right.values().iter().map(|b| !b.is_zero()));
    let nulls = NullBuffer::union(NullBuffer::union(left.nulls(), right.nulls()).as_ref(), Some(&NullBuffer::new(nonzero)));
    let values: ScalarBuffer<T::Native> = left
        .values()
        .iter()
        .zip(right.values().iter())
        .map(|(&a, &b)| if b.is_zero() { T::Native::ZERO } else { f(a, b) })
        .collect();
    Ok(PrimitiveArray::<T>::try_new(values, nulls)?)
}

/// Decimal arithmetic on exact 256-bit intermediates, then rounded HALF_UP into Spark's result
/// type, NULL when the value does not fit its precision (Spark's non-ANSI overflow).
fn decimal(op: ArithmeticOp, left: &ArrayRef, right: &ArrayRef, result_type: &DataType) -> DfResult<ArrayRef> {
    if op == ArithmeticOp::Divide {
        return decimal_divide(left, right, result_type);
    }
    let (DataType::Decimal128(_, ls), DataType::Decimal128(_, rs)) = (left.data_type(), right.data_type()) else {
        return internal_err!("decimal arithmetic on {} and {}", left.data_type(), right.data_type());
    };
    let (ls, rs) = (*ls, *rs);
    let (l, r) = (left.as_primitive::<Decimal128Type>(), right.as_primitive::<Decimal128Type>());
    let raw_scale = if op == ArithmeticOp::Multiply { ls + rs } else { ls.max(rs) };
    if let Some(exact) = decimal_without_rounding(op, l, r, (ls, rs, raw_scale), result_type) {
        return Ok(exact);
    }
    let (lm, rm) = if op == ArithmeticOp::Multiply {
        (i256::ONE, i256::ONE)
    } else {
        (pow10(raw_scale - ls), pow10(raw_scale - rs))
    };
    let widen = |a: &PrimitiveArray<Decimal128Type>, m: i256| -> PrimitiveArray<Decimal256Type> {
        a.unary(|v| i256::from_i128(v).wrapping_mul(m))
    };
    let (l, r) = (widen(l, lm), widen(r, rm));
    let raw: PrimitiveArray<Decimal256Type> = match op {
        ArithmeticOp::Add => arrow::compute::binary(&l, &r, |a, b| a.wrapping_add(b))?,
        ArithmeticOp::Subtract => arrow::compute::binary(&l, &r, |a, b| a.wrapping_sub(b))?,
        ArithmeticOp::Multiply => arrow::compute::binary(&l, &r, |a, b| a.wrapping_mul(b))?,
        ArithmeticOp::Remainder => null_if_zero_divisor(&l, &r, |a, b| a.wrapping_rem(b))?,
        ArithmeticOp::Divide => unreachable!("handled above"),
    };
    let raw: Decimal256Array = raw.with_data_type(DataType::Decimal256(DECIMAL256_MAX_PRECISION, raw_scale));
    Ok(cast_with_options(&raw, result_type, &CastOptions { safe: true, ..Default::default() })?)
}

/// The common case in 128 bits: the result keeps the exact scale (no rounding), so each value is
/// exact or, beyond the result's precision, NULL. None when the slow path must decide: a
/// rounding result type, another operation, or an operand whose rescaling overflows i128 (the
/// sum could still fit).
fn decimal_without_rounding(
    op: ArithmeticOp,
    l: &PrimitiveArray<Decimal128Type>,
    r: &PrimitiveArray<Decimal128Type>,
    (ls, rs, raw_scale): (i8, i8, i8),
    result_type: &DataType,
) -> Option<ArrayRef> {
    let DataType::Decimal128(precision, scale) = *result_type else { return None };
    if scale != raw_scale || !matches!(op, ArithmeticOp::Add | ArithmeticOp::Subtract | ArithmeticOp::Multiply) {
        return None;
    }
    let limit = 10u128.checked_pow(u32::from(precision))?;
    // Operands already at the raw scale are read in place; only a rescaled one is copied.
    fn rescale(a: &PrimitiveArray<Decimal128Type>, from: i8, to: i8) -> Option<Cow<'_, [i128]>> {
        let m = 10i128.checked_pow(u32::try_from(to - from).ok()?)?;
        if m == 1 {
            return Some(Cow::Borrowed(a.values().as_ref()));
        }
        a.values().iter().map(|v| v.checked_mul(m)).collect::<Option<Vec<_>>>().map(Cow::Owned)
    }
    // A product's operands keep their scales (it is their sum); a sum's meet at the larger one.
    let at = |scale: i8| if op == ArithmeticOp::Multiply { raw_scale } else { scale };
    let (a, b) = (rescale(l, at(ls), raw_scale)?, rescale(r, at(rs), raw_scale)?);
    // A product beyond i128 is beyond 10^38 too: NULL, as Spark's overflow.
    let results: Vec<Option<i128>> = a
        .iter()
        .zip(b.iter())
        .map(|(&x, &y)| {
            let v = match op {
                ArithmeticOp::Add => x.checked_add(y),
                ArithmeticOp::Subtract => x.checked_sub(y),
                _ => x.checked_mul(y),
            };
            v.filter(|v| v.unsigned_abs() < limit)
        })
        .collect();
    let fits = NullBuffer::new(BooleanBuffer::from_iter(results.iter().map(Option::is_some)));
    let nulls = NullBuffer::union(NullBuffer::union(l.nulls(), r.nulls()).as_ref(), Some(&fits));
    let values: ScalarBuffer<i128> = results.into_iter().map(Option::unwrap_or_default).collect();
    Some(Arc::new(PrimitiveArray::<Decimal128Type>::new(values, nulls).with_data_type(result_type.clone())))
}

fn decimal_divide(left: &ArrayRef, right: &ArrayRef, result_type: &DataType) -> DfResult<ArrayRef> {
    let DataType::Decimal128(precision, _) = result_type else {
        return internal_err!("decimal division into {result_type}");
    };
    let args = [ColumnarValue::Array(Arc::clone(left)), ColumnarValue::Array(Arc::clone(right))];
    let quotient = spark_decimal_div(&args, result_type)?.into_array(left.len())?;
    let quotient = quotient.as_primitive::<Decimal128Type>();
    let right = right.as_primitive::<Decimal128Type>();
    let nonzero = NullBuffer::new(BooleanBuffer::from_iter(right.values().iter().map(|v| *v != 0)));
    let nulls = NullBuffer::union(quotient.nulls(), Some(&nonzero));
    // `null_if_overflow_precision` builds a new array of the default decimal type: set ours after.
    let quotient = PrimitiveArray::<Decimal128Type>::try_new(quotient.values().clone(), nulls)?
        .null_if_overflow_precision(*precision)
        .with_data_type(result_type.clone());
    Ok(Arc::new(quotient))
}

fn pow10(exp: i8) -> i256 {
    i256::from_i128(10).wrapping_pow(exp as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Decimal128Array, Float64Array, Int32Array, Int8Array};

    fn dec(values: Vec<Option<i128>>, p: u8, s: i8) -> ArrayRef {
        Arc::new(Decimal128Array::from(values).with_precision_and_scale(p, s).unwrap())
    }

    #[test]
    fn integers_wrap() {
        let l: ArrayRef = Arc::new(Int32Array::from(vec![i32::MAX, i32::MIN]));
        let r: ArrayRef = Arc::new(Int32Array::from(vec![1, 1]));
        let out = evaluate_arrays(ArithmeticOp::Add, &l, &r, &DataType::Int32).unwrap();
        assert_eq!(out.as_primitive::<Int32Type>().values(), &[i32::MIN, i32::MIN + 1]);
        let l: ArrayRef = Arc::new(Int8Array::from(vec![100i8]));
        let out = evaluate_arrays(ArithmeticOp::Multiply, &l, &l, &DataType::Int8).unwrap();
        assert_eq!(out.as_primitive::<Int8Type>().value(0), 16);
    }

    #[test]
    fn remainder_by_zero_is_null_and_min_by_minus_one_is_zero() {
        let l: ArrayRef = Arc::new(Int32Array::from(vec![Some(7), Some(i32::MIN), None, Some(-7)]));
        let r: ArrayRef = Arc::new(Int32Array::from(vec![Some(0), Some(-1), Some(2), Some(2)]));
        let out = evaluate_arrays(ArithmeticOp::Remainder, &l, &r, &DataType::Int32).unwrap();
        let out = out.as_primitive::<Int32Type>();
        assert!(out.is_null(0));
        assert_eq!(out.value(1), 0);
        assert!(out.is_null(2));
        assert_eq!(out.value(3), -1);
    }

    #[test]
    fn double_division_by_zero_or_negative_zero_is_null() {
        let l: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 1.0, 1.0]));
        let r: ArrayRef = Arc::new(Float64Array::from(vec![0.0, -0.0, 4.0]));
        let out = evaluate_arrays(ArithmeticOp::Divide, &l, &r, &DataType::Float64).unwrap();
        let out = out.as_primitive::<Float64Type>();
        assert!(out.is_null(0) && out.is_null(1));
        assert_eq!(out.value(2), 0.25);
    }

    #[test]
    fn decimal_add_rounds_and_overflows_to_null() {
        // decimal(38,0) + decimal(38,0) -> decimal(38,0): 10^38 - 1 + 1 overflows.
        let max = 10i128.pow(38) - 1;
        let l = dec(vec![Some(max), Some(5)], 38, 0);
        let r = dec(vec![Some(1), Some(6)], 38, 0);
        let out = evaluate_arrays(ArithmeticOp::Add, &l, &r, &DataType::Decimal128(38, 0)).unwrap();
        let out = out.as_primitive::<Decimal128Type>();
        assert!(out.is_null(0));
        assert_eq!(out.value(1), 11);
        // 1.25 * 1.1 = 1.375 -> scale 2 rounds HALF_UP to 1.38; negative rounds away from zero.
        let l = dec(vec![Some(125), Some(-125)], 3, 2);
        let r = dec(vec![Some(11), Some(11)], 2, 1);
        let out = evaluate_arrays(ArithmeticOp::Multiply, &l, &r, &DataType::Decimal128(6, 2)).unwrap();
        assert_eq!(out.as_primitive::<Decimal128Type>().values(), &[138, -138]);
    }

    #[test]
    fn decimal_division_by_zero_is_null() {
        let l = dec(vec![Some(100), Some(100)], 5, 2);
        let r = dec(vec![Some(0), Some(300)], 5, 2);
        let out = evaluate_arrays(ArithmeticOp::Divide, &l, &r, &DataType::Decimal128(13, 8)).unwrap();
        let out = out.as_primitive::<Decimal128Type>();
        assert!(out.is_null(0));
        assert_eq!(out.value(1), 33_333_333);
    }
}
