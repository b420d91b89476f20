//! Proto expressions to DataFusion physical expressions with Spark's semantics.
//!
//! One entry per expression kind in [`build_expr`]; each family lives in its own module.

mod arithmetic;
mod bitwise;
mod cast;
mod comparison;
mod conditional;
mod datetime;
mod digests;
mod fdlibm;
mod functions;
mod kernel;
mod math;
mod nested;
mod predicate;
mod string_parts;
mod strings;
mod zone;

use std::collections::HashMap;
use std::sync::Arc;

use arrow::datatypes::Schema;
use datafusion::common::ScalarValue;
use datafusion::physical_expr::expressions::{Column, Literal};
use datafusion::physical_expr::PhysicalExpr;

use crate::error::{Result, ThermiteError};
use crate::proto;
use crate::proto::expr::Kind;
use crate::types::{required, to_scalar};

pub use comparison::NormalizeFloat;
pub use nested::struct_field;
pub use zone::SessionZone;

/// What expressions need from the session and the query.
#[derive(Debug, Clone)]
pub struct ExprContext {
    /// Spark's session time zone, resolved and normalized by the JVM.
    pub session_time_zone: proto::TimeZone,
    /// Scalar subquery values by id and, for a struct-typed subquery, field.
    pub subqueries: HashMap<(i64, Option<i32>), ScalarValue>,
}

pub fn build_expr(expr: &proto::Expr, input: &Schema, ctx: &ExprContext) -> Result<Arc<dyn PhysicalExpr>> {
    let kind = required(&expr.kind, "an expression")?;
    match kind {
        Kind::Column(c) => column(c, input),
        Kind::Literal(l) => Ok(Arc::new(Literal::new(to_scalar(l)?))),
        Kind::ScalarSubquery(s) => {
            let value = ctx.subqueries.get(&(s.id, s.field)).ok_or_else(|| {
                let field = s.field.map(|f| format!(" field {f}")).unwrap_or_default();
                ThermiteError::plan(format!("no value for scalar subquery #{}{field}", s.id))
            })?;
            Ok(Arc::new(Literal::new(value.clone())))
        }
        Kind::Binary(b) => {
            let left = build_expr(required(&b.left, "a left operand")?, input, ctx)?;
            let right = build_expr(required(&b.right, "a right operand")?, input, ctx)?;
            build_binary(b, left, right, input)
        }
        Kind::Unary(u) => {
            let child = build_expr(required(&u.child, "an operand")?, input, ctx)?;
            predicate::unary(u.op, child)
        }
        Kind::In(i) => {
            let value = build_expr(required(&i.value, "an IN value")?, input, ctx)?;
            let list = build_all(&i.list, input, ctx)?;
            predicate::in_list(value, list, input)
        }
        Kind::CaseWhen(c) => {
            let whens = build_all(&c.when, input, ctx)?;
            let thens = build_all(&c.then, input, ctx)?;
            let otherwise = c.otherwise.as_ref().map(|e| build_expr(e, input, ctx)).transpose()?;
            conditional::case_when(whens, thens, otherwise, input)
        }
        Kind::Coalesce(c) => conditional::coalesce(build_all(&c.children, input, ctx)?, input),
        Kind::Function(f) => functions::build(f.name(), build_all(&f.args, input, ctx)?, input, ctx),
        Kind::Cast(c) => {
            let child = build_expr(required(&c.child, "a cast operand")?, input, ctx)?;
            cast::spark_cast(child, required(&c.r#type, "a cast type")?, input, ctx)
        }
    }
}

fn build_all(exprs: &[proto::Expr], input: &Schema, ctx: &ExprContext) -> Result<Vec<Arc<dyn PhysicalExpr>>> {
    exprs.iter().map(|e| build_expr(e, input, ctx)).collect()
}

fn column(c: &proto::ColumnRef, input: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    let index = c.index as usize;
    let field = input.fields().get(index).ok_or_else(|| {
        ThermiteError::plan(format!("column {} (#{index}) is outside the input's {} columns", c.name, input.fields().len()))
    })?;
    Ok(Arc::new(Column::new(field.name(), index)))
}

fn build_binary(
    b: &proto::Binary,
    left: Arc<dyn PhysicalExpr>,
    right: Arc<dyn PhysicalExpr>,
    input: &Schema,
) -> Result<Arc<dyn PhysicalExpr>> {
    use proto::binary::Op;
    let op = Op::try_from(b.op).map_err(|_| ThermiteError::plan(format!("unknown binary operator {}", b.op)))?;
    match op {
        Op::Add | Op::Subtract | Op::Multiply | Op::Divide | Op::Remainder => {
            let result_type = crate::types::to_arrow_type(required(&b.result_type, "an arithmetic result type")?)?;
            arithmetic::build(op, left, right, result_type, input)
        }
        Op::Eq | Op::EqNullSafe | Op::Lt | Op::LtEq | Op::Gt | Op::GtEq => comparison::build(op, left, right, input),
        Op::And | Op::Or => predicate::logical(op, left, right),
    }
}

/// An expression for row-group pruning only. Comparisons become DataFusion's own `BinaryExpr`,
/// which its pruning understands; callers leave floating point out, where its ordering differs
/// from Spark's. Anything else prunes nothing, which is always safe.
pub fn build_pruning_expr(expr: &proto::Expr, input: &Schema, ctx: &ExprContext) -> Result<Arc<dyn PhysicalExpr>> {
    use datafusion::logical_expr::Operator;
    use datafusion::physical_expr::expressions::BinaryExpr;
    use proto::binary::Op;
    if let Some(Kind::Binary(b)) = &expr.kind {
        let op = match Op::try_from(b.op) {
            Ok(Op::Eq) => Some(Operator::Eq),
            Ok(Op::Lt) => Some(Operator::Lt),
            Ok(Op::LtEq) => Some(Operator::LtEq),
            Ok(Op::Gt) => Some(Operator::Gt),
            Ok(Op::GtEq) => Some(Operator::GtEq),
            Ok(Op::And) => Some(Operator::And),
            Ok(Op::Or) => Some(Operator::Or),
            _ => None,
        };
        if let Some(op) = op {
            let left = build_pruning_expr(required(&b.left, "a left operand")?, input, ctx)?;
            let right = build_pruning_expr(required(&b.right, "a right operand")?, input, ctx)?;
            return Ok(Arc::new(BinaryExpr::new(left, op, right)));
        }
    }
    build_expr(expr, input, ctx)
}

/// The data type of `expr` over `input`, as a plan error when it cannot be known.
fn type_of(expr: &Arc<dyn PhysicalExpr>, input: &Schema) -> Result<arrow::datatypes::DataType> {
    Ok(expr.data_type(input)?)
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;
    use arrow::array::{ArrayRef, RecordBatch};
    use datafusion::logical_expr::ColumnarValue;

    /// Evaluates `expr` over one batch made of `columns` and returns the result as an array.
    pub fn eval(expr: &Arc<dyn PhysicalExpr>, batch: &RecordBatch) -> ArrayRef {
        match expr.evaluate(batch).unwrap() {
            ColumnarValue::Array(a) => a,
            ColumnarValue::Scalar(s) => s.to_array_of_size(batch.num_rows()).unwrap(),
        }
    }

    pub fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    pub fn col(name: &str, batch: &RecordBatch) -> Arc<dyn PhysicalExpr> {
        Arc::new(Column::new_with_schema(name, &batch.schema()).unwrap())
    }
}
