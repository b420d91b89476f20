//! Spark's `WindowExec` as DataFusion's `BoundedWindowAggExec`: one window partition at a time
//! over input sorted by the partition keys then the order keys (Spark sorts a window's child so),
//! ranking functions, lag/lead and Spark's aggregates over frames from the partition's start, each result
//! cast to Spark's type, then Spark's window columns computed from the results. Spark's
//! `WindowGroupLimitExec` (a rank's filter pushed below its window) is the same with a filter.
//! The rows a window partition holds are reserved from Spark's memory; they do not spill.

use std::sync::Arc;

use arrow::compute::SortOptions;
use datafusion::common::ScalarValue;
use datafusion::functions_window::lead_lag::lag_udwf;
use datafusion::functions_window::rank::{dense_rank_udwf, rank_udwf};
use datafusion::functions_window::row_number::row_number_udwf;
use datafusion::logical_expr::{WindowFrame, WindowFrameBound, WindowFrameUnits, WindowFunctionDefinition};
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{binary, lit, CastExpr, Column, Literal};
use datafusion::physical_expr::{LexOrdering, PhysicalExpr, PhysicalSortExpr};
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::windows::{create_window_expr, BoundedWindowAggExec};
use datafusion::physical_plan::{ExecutionPlan, InputOrderMode, WindowExpr};

use crate::error::{Result, ThermiteError};
use crate::expr::{build_expr, ExprContext};
use crate::operators::declared_order::DeclaredOrderExec;
use crate::operators::held_rows::account_held_rows;
use crate::planner::sort_keys;
use crate::proto;
use crate::proto::window_call::Function;
use crate::types::{required, to_arrow_type, to_scalar};

pub fn build(window: &proto::Window, input: Arc<dyn ExecutionPlan>, ctx: &ExprContext) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = input.schema();
    let partition_by = window.partition_by.iter().map(|e| build_expr(e, &schema, ctx)).collect::<Result<Vec<_>>>()?;
    let order_by = sort_keys(&window.order_by, &schema, ctx)?;
    // Spark promises its window's input sorted by the partition keys (ascending, NULLs first) then
    // the order keys; DataFusion's window finds its partitions through that declared order.
    let promised: Vec<PhysicalSortExpr> = partition_by
        .iter()
        .map(|e| PhysicalSortExpr::new(Arc::clone(e), SortOptions { descending: false, nulls_first: true }))
        .chain(order_by.iter().cloned())
        .collect();
    let input = match LexOrdering::new(promised) {
        Some(ordering) => Arc::new(DeclaredOrderExec::new(input, ordering)) as Arc<dyn ExecutionPlan>,
        None => input,
    };
    let exprs = window
        .calls
        .iter()
        .enumerate()
        .map(|(i, call)| window_expr(call, format!("window_{i}"), &partition_by, &order_by, ctx, &input))
        .collect::<Result<Vec<_>>>()?;
    if exprs.is_empty() {
        return Err(ThermiteError::plan("a window without functions"));
    }
    // DataFusion's window accounts none of the partition it holds: reserve it from Spark's memory.
    let exec = account_held_rows("ThermiteWindow", input, |input| {
        Ok(Arc::new(BoundedWindowAggExec::try_new(exprs, input, InputOrderMode::Sorted, false)?))
    })?;
    // The input's columns, then each call's result as Spark types it.
    let output = exec.schema();
    let inputs = output.fields().len() - window.calls.len();
    let typed = output
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new(field.name(), i));
            if i < inputs {
                return Ok((column, field.name().clone()));
            }
            let call = &window.calls[i - inputs];
            let spark_type = to_arrow_type(required(&call.result_type, "a window result type")?)?;
            let typed = if *field.data_type() == spark_type {
                column
            } else {
                Arc::new(CastExpr::new(column, spark_type, None))
            };
            Ok((typed, field.name().clone()))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut typed: Arc<dyn ExecutionPlan> = Arc::new(ProjectionExec::try_new(typed, exec)?);
    let schema = typed.schema();
    if let Some(limit) = window.group_limit {
        let rank = Arc::new(Column::new(schema.field(inputs).name(), inputs));
        let kept = binary(rank, Operator::LtEq, lit(limit), &schema)?;
        typed = Arc::new(FilterExec::try_new(kept, typed)?);
    }
    // Spark's output: the input's columns, then its window columns over the results.
    let results = window.results.iter().enumerate().map(|(i, e)| Ok((build_expr(e, &schema, ctx)?, format!("window_{i}"))));
    let columns = (0..inputs)
        .map(|i| Ok((Arc::new(Column::new(schema.field(i).name(), i)) as Arc<dyn PhysicalExpr>, schema.field(i).name().clone())))
        .chain(results)
        .collect::<Result<Vec<_>>>()?;
    Ok(Arc::new(ProjectionExec::try_new(columns, typed)?))
}

fn window_expr(
    call: &proto::WindowCall,
    name: String,
    partition_by: &[Arc<dyn PhysicalExpr>],
    order_by: &[PhysicalSortExpr],
    ctx: &ExprContext,
    input: &Arc<dyn ExecutionPlan>,
) -> Result<Arc<dyn WindowExpr>> {
    let schema = input.schema();
    let function = Function::try_from(call.function)
        .map_err(|_| ThermiteError::plan(format!("unknown window function {}", call.function)))?;
    let (definition, args) = match function {
        Function::Aggregate => {
            let (udaf, arg) =
                crate::aggregate::window_function(required(&call.aggregate, "a window's aggregate")?, &schema, ctx)?;
            (WindowFunctionDefinition::AggregateUDF(udaf), vec![arg])
        }
        Function::RowNumber => (WindowFunctionDefinition::WindowUDF(row_number_udwf()), vec![]),
        Function::Rank => (WindowFunctionDefinition::WindowUDF(rank_udwf()), vec![]),
        Function::DenseRank => (WindowFunctionDefinition::WindowUDF(dense_rank_udwf()), vec![]),
        // DataFusion's lag looks back by a signed distance; Spark's offset counts forward.
        Function::Offset => {
            let arg = build_expr(required(&call.arg, "an offset function's argument")?, &schema, ctx)?;
            let default = to_scalar(required(&call.default_value, "an offset function's default")?)?;
            let back: Arc<dyn PhysicalExpr> = Arc::new(Literal::new(ScalarValue::Int64(Some(-(call.offset as i64)))));
            (WindowFunctionDefinition::WindowUDF(lag_udwf()), vec![arg, back, Arc::new(Literal::new(default))])
        }
    };
    let units = if call.range_frame { WindowFrameUnits::Range } else { WindowFrameUnits::Rows };
    let unbounded = ScalarValue::UInt64(None);
    let end = if call.to_partition_end { WindowFrameBound::Following(unbounded.clone()) } else { WindowFrameBound::CurrentRow };
    let frame = WindowFrame::new_bounds(units, WindowFrameBound::Preceding(unbounded), end);
    Ok(create_window_expr(&definition, name, &args, partition_by, order_by, Arc::new(frame), &schema, false)?)
}
