//! Boolean logic (SQL's three-valued AND/OR/NOT), null tests, IN, and the other unary operators.

use std::any::Any;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch};
use arrow::compute::kernels::boolean::{and_kleene, or_kleene};
use arrow::datatypes::{DataType, Schema};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::expressions::{in_list as df_in_list, IsNotNullExpr, IsNullExpr, Literal, NotExpr};
use datafusion::physical_expr::PhysicalExpr;

use super::comparison::{NormalizeFloat, StringBytes};
use super::kernel::KernelExpr;
use super::type_of;
use crate::error::{Result, ThermiteError};
use crate::proto::binary::Op;
use crate::proto::unary;

/// AND/OR with Kleene logic, as Spark (`NULL AND false` is false). Not DataFusion's
/// `BinaryExpr`: in 49.0 its AND "pre-selection" returns a scalar right-hand side as the whole
/// result, so `false AND NULL` came out NULL when few left-hand rows were true.
pub(super) fn logical(op: Op, left: Arc<dyn PhysicalExpr>, right: Arc<dyn PhysicalExpr>) -> Result<Arc<dyn PhysicalExpr>> {
    let and = match op {
        Op::And => true,
        Op::Or => false,
        other => return Err(ThermiteError::plan(format!("{other:?} is not a logical operator"))),
    };
    Ok(Arc::new(KleeneLogic { and, left, right }))
}

#[derive(Debug, Eq)]
struct KleeneLogic {
    /// AND, else OR.
    and: bool,
    left: Arc<dyn PhysicalExpr>,
    right: Arc<dyn PhysicalExpr>,
}

// `Arc<dyn PhysicalExpr>` compares and hashes by value but cannot be derived through.
impl PartialEq for KleeneLogic {
    fn eq(&self, other: &Self) -> bool {
        self.and == other.and && self.left.eq(&other.left) && self.right.eq(&other.right)
    }
}

impl Hash for KleeneLogic {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.and.hash(state);
        self.left.hash(state);
        self.right.hash(state);
    }
}

impl fmt::Display for KleeneLogic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({} {} {})", self.left, if self.and { "AND" } else { "OR" }, self.right)
    }
}

impl PhysicalExpr for KleeneLogic {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn data_type(&self, _input: &Schema) -> DfResult<DataType> {
        Ok(DataType::Boolean)
    }

    fn nullable(&self, input: &Schema) -> DfResult<bool> {
        Ok(self.left.nullable(input)? || self.right.nullable(input)?)
    }

    fn evaluate(&self, batch: &RecordBatch) -> DfResult<ColumnarValue> {
        let rows = batch.num_rows();
        let left = self.left.evaluate(batch)?.into_array(rows)?;
        let right = self.right.evaluate(batch)?.into_array(rows)?;
        let (l, r) = (left.as_boolean(), right.as_boolean());
        let result = if self.and { and_kleene(l, r)? } else { or_kleene(l, r)? };
        Ok(ColumnarValue::Array(Arc::new(result)))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.left, &self.right]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn PhysicalExpr>>) -> DfResult<Arc<dyn PhysicalExpr>> {
        Ok(Arc::new(KleeneLogic { and: self.and, left: Arc::clone(&children[0]), right: Arc::clone(&children[1]) }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

pub(super) fn unary(op: i32, child: Arc<dyn PhysicalExpr>) -> Result<Arc<dyn PhysicalExpr>> {
    let op = unary::Op::try_from(op).map_err(|_| ThermiteError::plan(format!("unknown unary operator {op}")))?;
    Ok(match op {
        unary::Op::Not => Arc::new(NotExpr::new(child)),
        unary::Op::IsNull => Arc::new(IsNullExpr::new(child)),
        unary::Op::IsNotNull => Arc::new(IsNotNullExpr::new(child)),
        unary::Op::NormalizeFloat => NormalizeFloat::wrap(child),
    })
}

/// `value IN (list)`. Float operands are normalized so NaN matches NaN and -0.0 matches 0.0;
/// strings are matched as bytes (string literals are valid UTF-8, the values need not be).
pub(super) fn in_list(
    value: Arc<dyn PhysicalExpr>,
    list: Vec<Arc<dyn PhysicalExpr>>,
    input: &Schema,
) -> Result<Arc<dyn PhysicalExpr>> {
    let value_type = type_of(&value, input)?;
    for item in &list {
        let item_type = type_of(item, input)?;
        if item_type != value_type {
            return Err(ThermiteError::plan(format!("IN list item of type {item_type} for a {value_type} value")));
        }
    }
    let (value, list) = if value_type.is_floating() {
        (NormalizeFloat::wrap(value), list.into_iter().map(NormalizeFloat::wrap).collect())
    } else if value_type == DataType::Utf8 {
        let list = list.into_iter().map(|item| {
            let literal = match item.as_any().downcast_ref::<Literal>().map(Literal::value) {
                Some(ScalarValue::Utf8(v)) => Some(v.clone()),
                _ => None,
            };
            match literal {
                Some(v) => Arc::new(Literal::new(ScalarValue::Binary(v.map(String::into_bytes)))) as Arc<dyn PhysicalExpr>,
                None => KernelExpr::new(StringBytes, vec![item]),
            }
        });
        (KernelExpr::new(StringBytes, vec![value]), list.collect())
    } else {
        (value, list)
    };
    Ok(df_in_list(value, list, &false, input)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::test_util::{batch, col, eval};
    use arrow::array::{Array, ArrayRef, BooleanArray};

    #[test]
    fn false_and_null_is_false_even_when_few_rows_are_true() {
        // One true in ten: DataFusion 49's BinaryExpr pre-selects here and got this wrong.
        let values: Vec<bool> = (0..10).map(|i| i == 0).collect();
        let b = batch(vec![("a", Arc::new(BooleanArray::from(values)) as ArrayRef)]);
        let null: Arc<dyn PhysicalExpr> = Arc::new(Literal::new(ScalarValue::Boolean(None)));
        let and = logical(Op::And, col("a", &b), Arc::clone(&null)).unwrap();
        let out = eval(&and, &b);
        let out = out.as_boolean();
        assert!(out.is_null(0));
        assert!((1..10).all(|i| out.is_valid(i) && !out.value(i)));
        let or = logical(Op::Or, col("a", &b), null).unwrap();
        let out = eval(&or, &b);
        assert!(out.as_boolean().value(0) && (1..10).all(|i| out.is_null(i)));
    }
}
