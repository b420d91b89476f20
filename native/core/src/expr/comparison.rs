//! Comparisons with Spark's ordering of floating point: NaN equals NaN and is larger than every
//! other value, and -0.0 equals 0.0. Arrow's kernels order floats by IEEE total order (where
//! -0.0 < 0.0 and a NaN's sign matters), so float operands are normalized first. Strings compare
//! as their bytes (they may not be valid UTF-8), as Spark's `UTF8String.compareTo` does.

use std::any::Any;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Datum, Float32Array, Float64Array};
use arrow::compute::kernels::cmp;
use arrow::datatypes::{DataType, Float32Type, Float64Type, Schema};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;

use super::kernel::Kernel;
use super::type_of;
use crate::error::{Result, ThermiteError};
use crate::proto::binary::Op;
use crate::spark_utf8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    EqNullSafe,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareOp::Eq => "=",
            CompareOp::EqNullSafe => "<=>",
            CompareOp::Lt => "<",
            CompareOp::LtEq => "<=",
            CompareOp::Gt => ">",
            CompareOp::GtEq => ">=",
        })
    }
}

#[derive(Debug, Eq)]
pub struct SparkComparison {
    op: CompareOp,
    left: Arc<dyn PhysicalExpr>,
    right: Arc<dyn PhysicalExpr>,
}

// `Arc<dyn PhysicalExpr>` compares and hashes by value but cannot be derived through.
impl PartialEq for SparkComparison {
    fn eq(&self, other: &Self) -> bool {
        self.left.eq(&other.left) && self.right.eq(&other.right) && self.op.eq(&other.op)
    }
}

impl Hash for SparkComparison {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.left.hash(state);
        self.right.hash(state);
        self.op.hash(state);
    }
}

pub(super) fn build(
    op: Op,
    left: Arc<dyn PhysicalExpr>,
    right: Arc<dyn PhysicalExpr>,
    input: &Schema,
) -> Result<Arc<dyn PhysicalExpr>> {
    let op = match op {
        Op::Eq => CompareOp::Eq,
        Op::EqNullSafe => CompareOp::EqNullSafe,
        Op::Lt => CompareOp::Lt,
        Op::LtEq => CompareOp::LtEq,
        Op::Gt => CompareOp::Gt,
        Op::GtEq => CompareOp::GtEq,
        other => return Err(ThermiteError::plan(format!("{other:?} is not a comparison"))),
    };
    let (lt, rt) = (type_of(&left, input)?, type_of(&right, input)?);
    if lt != rt {
        return Err(ThermiteError::plan(format!("cannot compare {lt} {op} {rt}: Spark compares equal types")));
    }
    Ok(Arc::new(SparkComparison { op, left, right }))
}

impl fmt::Display for SparkComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.left, self.op, self.right)
    }
}

impl PhysicalExpr for SparkComparison {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn data_type(&self, _input: &Schema) -> DfResult<DataType> {
        Ok(DataType::Boolean)
    }

    fn nullable(&self, input: &Schema) -> DfResult<bool> {
        Ok(self.op != CompareOp::EqNullSafe && (self.left.nullable(input)? || self.right.nullable(input)?))
    }

    fn evaluate(&self, batch: &arrow::record_batch::RecordBatch) -> DfResult<ColumnarValue> {
        let left = strings_as_bytes(normalize_float(self.left.evaluate(batch)?)?);
        let right = strings_as_bytes(normalize_float(self.right.evaluate(batch)?)?);
        let both_scalar = matches!((&left, &right), (ColumnarValue::Scalar(_), ColumnarValue::Scalar(_)));
        let l = datum(&left)?;
        let r = datum(&right)?;
        let (l, r) = (l.as_ref(), r.as_ref());
        let result = match self.op {
            CompareOp::Eq => cmp::eq(l, r)?,
            CompareOp::EqNullSafe => cmp::not_distinct(l, r)?,
            CompareOp::Lt => cmp::lt(l, r)?,
            CompareOp::LtEq => cmp::lt_eq(l, r)?,
            CompareOp::Gt => cmp::gt(l, r)?,
            CompareOp::GtEq => cmp::gt_eq(l, r)?,
        };
        if both_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?));
        }
        Ok(ColumnarValue::Array(Arc::new(result)))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.left, &self.right]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn PhysicalExpr>>) -> DfResult<Arc<dyn PhysicalExpr>> {
        Ok(Arc::new(SparkComparison { op: self.op, left: Arc::clone(&children[0]), right: Arc::clone(&children[1]) }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// [`normalize_float`] as an expression, for consumers (IN lists) that take expressions.
#[derive(Debug, Eq)]
pub struct NormalizeFloat {
    child: Arc<dyn PhysicalExpr>,
}

// `Arc<dyn PhysicalExpr>` compares and hashes by value but cannot be derived through.
impl PartialEq for NormalizeFloat {
    fn eq(&self, other: &Self) -> bool {
        self.child.eq(&other.child)
    }
}

impl Hash for NormalizeFloat {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.child.hash(state);
    }
}

impl NormalizeFloat {
    pub fn wrap(child: Arc<dyn PhysicalExpr>) -> Arc<dyn PhysicalExpr> {
        Arc::new(NormalizeFloat { child })
    }
}

impl fmt::Display for NormalizeFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "normalize_float({})", self.child)
    }
}

impl PhysicalExpr for NormalizeFloat {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn data_type(&self, input: &Schema) -> DfResult<DataType> {
        self.child.data_type(input)
    }

    fn nullable(&self, input: &Schema) -> DfResult<bool> {
        self.child.nullable(input)
    }

    fn evaluate(&self, batch: &arrow::record_batch::RecordBatch) -> DfResult<ColumnarValue> {
        normalize_float(self.child.evaluate(batch)?)
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.child]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn PhysicalExpr>>) -> DfResult<Arc<dyn PhysicalExpr>> {
        Ok(NormalizeFloat::wrap(Arc::clone(&children[0])))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

fn datum(value: &ColumnarValue) -> DfResult<Box<dyn Datum>> {
    Ok(match value {
        ColumnarValue::Array(a) => Box::new(Arc::clone(a)),
        ColumnarValue::Scalar(s) => Box::new(s.to_scalar()?),
    })
}

/// Strings as binary values over the same bytes; other values unchanged.
pub(super) fn strings_as_bytes(value: ColumnarValue) -> ColumnarValue {
    match value {
        ColumnarValue::Array(a) => ColumnarValue::Array(spark_utf8::as_binary(&a)),
        ColumnarValue::Scalar(ScalarValue::Utf8(v)) => ColumnarValue::Scalar(ScalarValue::Binary(v.map(String::into_bytes))),
        other => other,
    }
}

/// [`strings_as_bytes`] as an expression, for consumers (IN lists) that take expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct StringBytes;

impl Kernel for StringBytes {
    fn data_type(&self, _args: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Binary)
    }

    fn evaluate(&self, args: &[ArrayRef], _rows: usize, _result_type: &DataType) -> DfResult<ArrayRef> {
        Ok(spark_utf8::as_binary(&args[0]))
    }
}

/// Maps every NaN to the canonical NaN and -0.0 to 0.0, so total-order kernels agree with Spark.
/// Other types pass through untouched.
pub fn normalize_float(value: ColumnarValue) -> DfResult<ColumnarValue> {
    // x + 0.0 turns -0.0 into 0.0 and leaves every other number as it is.
    let f64n = |v: f64| if v.is_nan() { f64::NAN } else { v + 0.0 };
    let f32n = |v: f32| if v.is_nan() { f32::NAN } else { v + 0.0 };
    Ok(match value {
        ColumnarValue::Scalar(ScalarValue::Float64(v)) => ColumnarValue::Scalar(ScalarValue::Float64(v.map(f64n))),
        ColumnarValue::Scalar(ScalarValue::Float32(v)) => ColumnarValue::Scalar(ScalarValue::Float32(v.map(f32n))),
        ColumnarValue::Array(a) if a.data_type() == &DataType::Float64 => {
            let a: Float64Array = a.as_primitive::<Float64Type>().unary(f64n);
            ColumnarValue::Array(Arc::new(a) as ArrayRef)
        }
        ColumnarValue::Array(a) if a.data_type() == &DataType::Float32 => {
            let a: Float32Array = a.as_primitive::<Float32Type>().unary(f32n);
            ColumnarValue::Array(Arc::new(a) as ArrayRef)
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::test_util::{batch, col, eval};
    use arrow::array::BooleanArray;

    #[test]
    fn nan_and_negative_zero_compare_as_in_spark() {
        let neg_nan = f64::from_bits(0xfff8_0000_0000_0000);
        let b = batch(vec![
            ("a", Arc::new(Float64Array::from(vec![f64::NAN, neg_nan, -0.0, f64::INFINITY])) as ArrayRef),
            ("b", Arc::new(Float64Array::from(vec![f64::NAN, f64::NAN, 0.0, f64::NAN])) as ArrayRef),
        ]);
        let schema = b.schema();
        let compare = |op| build(op, col("a", &b), col("b", &b), &schema).unwrap();
        let eq = eval(&compare(Op::Eq), &b);
        assert_eq!(eq.as_boolean(), &BooleanArray::from(vec![true, true, true, false]));
        let lt = eval(&compare(Op::Lt), &b);
        assert_eq!(lt.as_boolean(), &BooleanArray::from(vec![false, false, false, true]));
    }
}
