//! CAST with Spark's legacy (non-ANSI) rules, from `datafusion-comet-spark-expr`: integral
//! narrowing wraps, floating point to integral saturates (NaN becomes 0), decimal overflow is NULL.

use std::sync::Arc;

use arrow::datatypes::Schema;
use datafusion::physical_expr::PhysicalExpr;
use datafusion_comet_spark_expr::{Cast, EvalMode, SparkCastOptions};

use super::{type_of, ExprContext};
use crate::error::{Result, ThermiteError};
use crate::proto;
use crate::types::to_arrow_type;

pub(super) fn spark_cast(
    child: Arc<dyn PhysicalExpr>,
    to: &proto::DataType,
    input: &Schema,
    ctx: &ExprContext,
) -> Result<Arc<dyn PhysicalExpr>> {
    let from = type_of(&child, input)?;
    let to = to_arrow_type(to)?;
    let numeric = |t: &arrow::datatypes::DataType| t.is_numeric();
    if !(numeric(&from) && numeric(&to)) {
        return Err(ThermiteError::plan(format!("cast from {from} to {to} is not supported natively")));
    }
    if from == to {
        return Ok(child);
    }
    let options = SparkCastOptions::new(EvalMode::Legacy, &ctx.session_time_zone, false);
    Ok(Arc::new(Cast::new(child, to, options)))
}
