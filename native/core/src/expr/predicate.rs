//! Boolean logic (SQL's three-valued AND/OR/NOT), null tests, IN, and the other unary operators.

use std::sync::Arc;

use arrow::datatypes::Schema;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{in_list as df_in_list, BinaryExpr, IsNotNullExpr, IsNullExpr, NotExpr};
use datafusion::physical_expr::PhysicalExpr;

use super::comparison::NormalizeFloat;
use super::type_of;
use crate::error::{Result, ThermiteError};
use crate::proto::binary::Op;
use crate::proto::unary;

/// AND/OR: DataFusion's kernels follow Kleene logic, as Spark does (`NULL AND false` is false).
pub(super) fn logical(op: Op, left: Arc<dyn PhysicalExpr>, right: Arc<dyn PhysicalExpr>) -> Result<Arc<dyn PhysicalExpr>> {
    let op = match op {
        Op::And => Operator::And,
        Op::Or => Operator::Or,
        other => return Err(ThermiteError::plan(format!("{other:?} is not a logical operator"))),
    };
    Ok(Arc::new(BinaryExpr::new(left, op, right)))
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

/// `value IN (list)`. Float operands are normalized so NaN matches NaN and -0.0 matches 0.0.
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
    } else {
        (value, list)
    };
    Ok(df_in_list(value, list, &false, input)?)
}
