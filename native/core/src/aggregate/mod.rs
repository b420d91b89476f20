//! Spark's hash aggregate as DataFusion's `AggregateExec`, reading and writing Spark's
//! aggregation buffer layouts, so a partial aggregate in one engine and the final in the other
//! agree. Each Spark function is one entry of [`SparkAggregate`]: its DataFusion function, how
//! its argument is prepared, and how Spark's buffer fields map to DataFusion's state fields.

mod decimal;
mod first_last;
mod float_min_max;
mod merge;
mod own;

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::functions_aggregate::{
    average::avg_udaf, bit_and_or_xor, count::count_udaf, min_max, stddev, sum::sum_udaf, variance,
};
use datafusion::logical_expr::AggregateUDF;
use datafusion::physical_expr::aggregate::{AggregateExprBuilder, AggregateFunctionExpr};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{binary, lit, CaseExpr, CastExpr, Column, IsNullExpr};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode, PhysicalGroupBy};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::ExecutionPlan;

use crate::error::{Result, ThermiteError};
use crate::expr::{build_expr, ExprContext};
use crate::proto;
use crate::proto::aggregate::Mode;
use crate::proto::aggregate_call::Function;
use crate::types::{required, to_arrow_type};
use decimal::{DecimalAggregateKind, SparkDecimalAggregate};
use first_last::{Pick, SparkFirstLast};
use float_min_max::{Extreme, SparkFloatMinMax};
use merge::MergeBuffers;
use own::OwnAggregate;

/// A Spark aggregate function and its DataFusion counterpart.
struct SparkAggregate {
    function: Function,
    arg_type: DataType,
    ignore_nulls: bool,
}

impl SparkAggregate {
    /// Sum and avg of decimals: Spark's buffers and overflow rules, which DataFusion's lack.
    fn decimal_kind(&self) -> Option<(DecimalAggregateKind, u8, i8)> {
        let DataType::Decimal128(p, s) = self.arg_type else { return None };
        match self.function {
            Function::Sum => Some((DecimalAggregateKind::Sum, p, s)),
            Function::Avg => Some((DecimalAggregateKind::Avg, p, s)),
            _ => None,
        }
    }

    fn udaf(&self) -> Arc<AggregateUDF> {
        if let Some((kind, p, s)) = self.decimal_kind() {
            return own::udaf(SparkDecimalAggregate::new(kind, p, s));
        }
        if matches!(self.function, Function::Min | Function::Max) && self.arg_type.is_floating() {
            let extreme = if self.function == Function::Min { Extreme::Min } else { Extreme::Max };
            return own::udaf(SparkFloatMinMax::new(extreme, self.arg_type.clone()));
        }
        match self.function {
            Function::Count => count_udaf(),
            Function::Sum => sum_udaf(),
            Function::Min => min_max::min_udaf(),
            Function::Max => min_max::max_udaf(),
            Function::Avg => avg_udaf(),
            Function::BitAnd => bit_and_or_xor::bit_and_udaf(),
            Function::BitOr => bit_and_or_xor::bit_or_udaf(),
            Function::BitXor => bit_and_or_xor::bit_xor_udaf(),
            Function::VarSamp => variance::var_samp_udaf(),
            Function::VarPop => variance::var_pop_udaf(),
            Function::StddevSamp => stddev::stddev_udaf(),
            Function::StddevPop => stddev::stddev_pop_udaf(),
            Function::First | Function::Last => {
                let pick = if self.function == Function::First { Pick::First } else { Pick::Last };
                own::udaf(SparkFirstLast::new(pick, self.ignore_nulls, self.arg_type.clone()))
            }
        }
    }

    /// The type DataFusion aggregates: Spark sums integers as long and averages in double.
    fn df_arg_type(&self) -> DataType {
        if self.decimal_kind().is_some() {
            return self.arg_type.clone();
        }
        match self.function {
            Function::Sum if self.arg_type.is_integer() => DataType::Int64,
            Function::Sum | Function::Avg => DataType::Float64,
            _ => self.arg_type.clone(),
        }
    }

    fn prepare_arg(&self, arg: Arc<dyn PhysicalExpr>) -> Arc<dyn PhysicalExpr> {
        let target = self.df_arg_type();
        if target != self.arg_type { Arc::new(CastExpr::new(arg, target, None)) } else { arg }
    }

    /// An average DataFusion's own function computes (in double): not of decimals.
    fn is_double_avg(&self) -> bool {
        self.function == Function::Avg && self.decimal_kind().is_none()
    }

    fn is_central_moment(&self) -> bool {
        matches!(self.function, Function::VarSamp | Function::VarPop | Function::StddevSamp | Function::StddevPop)
    }

    /// Spark's buffer fields, as positions in DataFusion's state fields.
    fn spark_buffer_in_state(&self) -> Vec<usize> {
        if self.decimal_kind().is_some() {
            return vec![0, 1];
        }
        match self.function {
            // Spark's average buffer is (sum, count); DataFusion's state is (count, sum).
            Function::Avg => vec![1, 0],
            // Both (n, mean, m2); Spark counts n in a double.
            _ if self.is_central_moment() => vec![0, 1, 2],
            // (value, valueSet).
            Function::First | Function::Last => vec![0, 1],
            _ => vec![0],
        }
    }

    /// Spark's buffer field types.
    fn spark_buffer_types(&self) -> Vec<DataType> {
        if let Some((kind, p, s)) = self.decimal_kind() {
            return SparkDecimalAggregate::new(kind, p, s).state().into_iter().map(|(_, t, _)| t).collect();
        }
        match self.function {
            Function::Count => vec![DataType::Int64],
            Function::Avg => vec![DataType::Float64, DataType::Int64],
            _ if self.is_central_moment() => vec![DataType::Float64; 3],
            Function::First | Function::Last => vec![self.arg_type.clone(), DataType::Boolean],
            _ => vec![self.df_arg_type()],
        }
    }

    fn check(&self) -> Result<()> {
        let t = &self.arg_type;
        let ok = match self.function {
            Function::Count | Function::First | Function::Last => true,
            Function::Min | Function::Max => true,
            Function::Sum | Function::Avg => t.is_integer() || t.is_floating() || matches!(t, DataType::Decimal128(..)),
            Function::BitAnd | Function::BitOr | Function::BitXor => t.is_integer(),
            _ => *t == DataType::Float64,
        };
        if ok {
            Ok(())
        } else {
            Err(ThermiteError::plan(format!("{:?} of {t} is not supported", self.function)))
        }
    }
}

fn calls(aggregate: &proto::Aggregate) -> Result<Vec<SparkAggregate>> {
    aggregate.calls.iter().map(SparkAggregate::from_proto).collect()
}

impl SparkAggregate {
    fn from_proto(c: &proto::AggregateCall) -> Result<Self> {
        let function = Function::try_from(c.function)
            .map_err(|_| ThermiteError::plan(format!("unknown aggregate function {}", c.function)))?;
        let arg_type = to_arrow_type(required(&c.arg_type, "an argument type")?)?;
        let call = SparkAggregate { function, arg_type, ignore_nulls: c.ignore_nulls };
        call.check()?;
        Ok(call)
    }
}

/// A Spark aggregate call evaluated over window frames: DataFusion's function (its result is
/// Spark's result of the call) and its argument over `schema`, prepared.
pub fn window_function(
    call: &proto::AggregateCall,
    schema: &Schema,
    ctx: &ExprContext,
) -> Result<(Arc<AggregateUDF>, Arc<dyn PhysicalExpr>)> {
    let aggregate = SparkAggregate::from_proto(call)?;
    let arg = build_expr(required(&call.arg, "an aggregate argument")?, schema, ctx)?;
    Ok((aggregate.udaf(), aggregate.prepare_arg(arg)))
}

/// What one call reads from its input rows.
enum CallInput {
    /// Its argument (Spark's Partial and Complete modes).
    Arg(Arc<dyn PhysicalExpr>),
    /// Its state fields, in DataFusion's order and types (Spark's PartialMerge and Final modes).
    State(Vec<Arc<dyn PhysicalExpr>>),
}

/// DataFusion's aggregate expressions for `calls` over `schema`.
fn aggregate_exprs(calls: &[SparkAggregate], inputs: Vec<CallInput>, schema: &SchemaRef) -> Result<Vec<Arc<AggregateFunctionExpr>>> {
    calls
        .iter()
        .zip(inputs)
        .enumerate()
        .map(|(i, (call, input))| {
            let (udaf, args) = match input {
                CallInput::Arg(arg) => (call.udaf(), vec![call.prepare_arg(arg)]),
                CallInput::State(state) => {
                    (Arc::new(AggregateUDF::new_from_impl(MergeBuffers::new(call.udaf(), call.df_arg_type()))), state)
                }
            };
            let expr = AggregateExprBuilder::new(udaf, args).schema(Arc::clone(schema)).alias(format!("agg_{i}")).build()?;
            Ok(Arc::new(expr))
        })
        .collect()
}

/// The state fields DataFusion's function for `call` keeps.
fn state_fields(call: &SparkAggregate) -> Result<Vec<FieldRef>> {
    let schema = Arc::new(Schema::new(vec![Field::new("arg", call.arg_type.clone(), true)]));
    let arg = call.prepare_arg(Arc::new(Column::new("arg", 0)));
    let expr = AggregateExprBuilder::new(call.udaf(), vec![arg]).schema(schema).alias("state").build()?;
    Ok(expr.state_fields()?)
}

/// Spark's buffer fields of `call` (in Spark's order) as DataFusion's state fields.
fn buffer_as_state(
    call: &SparkAggregate,
    buffer: Vec<Arc<dyn PhysicalExpr>>,
    schema: &Schema,
) -> Result<Vec<Arc<dyn PhysicalExpr>>> {
    let positions = call.spark_buffer_in_state();
    let buffer = if call.is_double_avg() && buffer.len() == 2 { empty_avg_sum_as_null(buffer, schema)? } else { buffer };
    if buffer.len() != positions.len() {
        return Err(ThermiteError::plan(format!(
            "{:?} has {} buffer fields in Spark, not {}",
            call.function,
            positions.len(),
            buffer.len()
        )));
    }
    state_fields(call)?
        .iter()
        .enumerate()
        .map(|(state_index, field)| {
            let spark_index = positions.iter().position(|&p| p == state_index).ok_or_else(|| {
                ThermiteError::plan(format!("no Spark buffer field for state field {}", field.name()))
            })?;
            let expr = Arc::clone(&buffer[spark_index]);
            let from = expr.data_type(schema)?;
            Ok(cast_to(expr, &from, field.data_type()))
        })
        .collect()
}

/// Spark's average buffer over no values is (0.0, 0), which DataFusion would merge into a
/// group it then divides into NaN: such a buffer becomes (NULL, NULL), which DataFusion skips,
/// leaving a group without values NULL, as Spark's is.
fn empty_avg_sum_as_null(buffer: Vec<Arc<dyn PhysicalExpr>>, schema: &Schema) -> Result<Vec<Arc<dyn PhysicalExpr>>> {
    let count = &buffer[1];
    let empty = binary(Arc::clone(count), Operator::Eq, lit(ScalarValue::Int64(Some(0))), schema)?;
    buffer
        .iter()
        .map(|field| {
            let none = lit(ScalarValue::try_from(field.data_type(schema)?)?);
            Ok(Arc::new(CaseExpr::try_new(None, vec![(Arc::clone(&empty), none)], Some(Arc::clone(field)))?) as _)
        })
        .collect()
}

/// DataFusion's average state over no values is (NULL, NULL) when grouped, (NULL, 0) when not;
/// Spark's buffer is (0.0, 0), and Spark merges a NULL into a NULL average.
fn empty_avg_field_as_zero(field: Arc<dyn PhysicalExpr>, zero: ScalarValue) -> Result<Arc<dyn PhysicalExpr>> {
    let missing = Arc::new(IsNullExpr::new(Arc::clone(&field)));
    Ok(Arc::new(CaseExpr::try_new(None, vec![(missing, lit(zero))], Some(field))?))
}

fn cast_to(expr: Arc<dyn PhysicalExpr>, from: &DataType, to: &DataType) -> Arc<dyn PhysicalExpr> {
    if from == to { expr } else { Arc::new(CastExpr::new(expr, to.clone(), None)) }
}

pub fn build(aggregate: &proto::Aggregate, input: Arc<dyn ExecutionPlan>, ctx: &ExprContext) -> Result<Arc<dyn ExecutionPlan>> {
    let mode = Mode::try_from(aggregate.mode).map_err(|_| ThermiteError::plan("unknown aggregate mode"))?;
    let calls = calls(aggregate)?;
    if aggregate.grouping.is_empty() && calls.is_empty() {
        return one_row(mode, aggregate, input, ctx);
    }
    match mode {
        Mode::Partial => partial(aggregate, &calls, input, ctx),
        Mode::Final => final_(aggregate, &calls, input, ctx),
        Mode::Complete => complete(aggregate, &calls, input, ctx),
    }
}

/// An aggregate with neither keys nor functions (what is left of `count()` or of an aggregate
/// the optimizer folded to a literal): one row without columns in every mode, as in Spark.
/// DataFusion's aggregate cannot output no columns, so it counts rows and the projection drops
/// the count.
fn one_row(
    mode: Mode,
    aggregate: &proto::Aggregate,
    input: Arc<dyn ExecutionPlan>,
    ctx: &ExprContext,
) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = input.schema();
    let count = AggregateExprBuilder::new(count_udaf(), vec![lit(1i32)])
        .schema(Arc::clone(&schema))
        .alias("rows")
        .build()?;
    let exec = Arc::new(AggregateExec::try_new(
        AggregateMode::Single,
        PhysicalGroupBy::new_single(vec![]),
        vec![Arc::new(count)],
        vec![None],
        input,
        schema,
    )?);
    match mode {
        Mode::Partial => Ok(Arc::new(ProjectionExec::try_new(Vec::<(Arc<dyn PhysicalExpr>, String)>::new(), exec)?)),
        Mode::Final | Mode::Complete => result_projection(aggregate, exec, ctx),
    }
}

fn group_by(aggregate: &proto::Aggregate, schema: &Schema, ctx: &ExprContext) -> Result<PhysicalGroupBy> {
    let keys = aggregate
        .grouping
        .iter()
        .enumerate()
        .map(|(i, e)| Ok((build_expr(e, schema, ctx)?, format!("key_{i}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(PhysicalGroupBy::new_single(keys))
}

/// Each call's input over the raw input rows: its argument, or the buffer it merges.
fn inputs_over_rows(
    aggregate: &proto::Aggregate,
    calls: &[SparkAggregate],
    schema: &Schema,
    ctx: &ExprContext,
) -> Result<Vec<CallInput>> {
    aggregate
        .calls
        .iter()
        .zip(calls)
        .map(|(c, call)| {
            if c.buffer.is_empty() {
                Ok(CallInput::Arg(build_expr(required(&c.arg, "an aggregate argument")?, schema, ctx)?))
            } else {
                let buffer = c.buffer.iter().map(|e| build_expr(e, schema, ctx)).collect::<Result<Vec<_>>>()?;
                Ok(CallInput::State(buffer_as_state(call, buffer, schema)?))
            }
        })
        .collect()
}

/// DataFusion's aggregate over the raw input: arguments and keys evaluated from its rows.
fn over_input(
    mode: AggregateMode,
    aggregate: &proto::Aggregate,
    calls: &[SparkAggregate],
    input: Arc<dyn ExecutionPlan>,
    ctx: &ExprContext,
) -> Result<(Arc<AggregateExec>, Vec<Arc<AggregateFunctionExpr>>)> {
    let schema = input.schema();
    let exprs = aggregate_exprs(calls, inputs_over_rows(aggregate, calls, &schema, ctx)?, &schema)?;
    let filters = aggregate
        .calls
        .iter()
        .map(|c| c.filter.as_ref().map(|f| build_expr(f, &schema, ctx).and_then(true_only)).transpose())
        .collect::<Result<Vec<_>>>()?;
    let exec = AggregateExec::try_new(
        mode,
        group_by(aggregate, &schema, ctx)?,
        exprs.clone(),
        filters,
        input,
        Arc::clone(&schema),
    )?;
    Ok((Arc::new(exec), exprs))
}

/// A FILTER predicate that is false where it is NULL: some of DataFusion's accumulators (its
/// `count`) read a filter's value bits without its validity.
fn true_only(predicate: Arc<dyn PhysicalExpr>) -> Result<Arc<dyn PhysicalExpr>> {
    Ok(Arc::new(CaseExpr::try_new(None, vec![(predicate, lit(true))], Some(lit(false)))?))
}

/// The first `keys` columns of `schema`, named as grouping keys.
fn key_columns(schema: &Schema, keys: usize) -> Vec<(Arc<dyn PhysicalExpr>, String)> {
    (0..keys).map(|i| (Arc::new(Column::new(schema.field(i).name(), i)) as _, format!("key_{i}"))).collect()
}

/// Keys, then each call's Spark buffer.
fn partial(
    aggregate: &proto::Aggregate,
    calls: &[SparkAggregate],
    input: Arc<dyn ExecutionPlan>,
    ctx: &ExprContext,
) -> Result<Arc<dyn ExecutionPlan>> {
    let keys = aggregate.grouping.len();
    let (exec, exprs) = over_input(AggregateMode::Partial, aggregate, calls, input, ctx)?;
    let out = exec.schema();
    let mut projection: Vec<(Arc<dyn PhysicalExpr>, String)> = key_columns(&out, keys);
    let mut state_offset = keys;
    for (i, (call, expr)) in calls.iter().zip(&exprs).enumerate() {
        for (j, (position, spark_type)) in call.spark_buffer_in_state().into_iter().zip(call.spark_buffer_types()).enumerate() {
            let index = state_offset + position;
            let column = Arc::new(Column::new(out.field(index).name(), index));
            let field = cast_to(column, out.field(index).data_type(), &spark_type);
            let field = match (call.is_double_avg(), j) {
                (true, 0) => empty_avg_field_as_zero(field, ScalarValue::Float64(Some(0.0)))?,
                (true, _) => empty_avg_field_as_zero(field, ScalarValue::Int64(Some(0)))?,
                _ => field,
            };
            projection.push((field, format!("buf_{i}_{j}")));
        }
        state_offset += expr.state_fields()?.len();
    }
    Ok(Arc::new(ProjectionExec::try_new(projection, exec)?))
}

/// Reads keys and Spark buffers; outputs `result` over (keys ++ each call's result).
fn final_(
    aggregate: &proto::Aggregate,
    calls: &[SparkAggregate],
    input: Arc<dyn ExecutionPlan>,
    ctx: &ExprContext,
) -> Result<Arc<dyn ExecutionPlan>> {
    let keys = aggregate.grouping.len();
    // Spark's buffers to DataFusion's state layout: keys, then each call's state fields.
    let in_schema = input.schema();
    let mut projection = key_columns(&in_schema, keys);
    let mut spark_offset = keys;
    for (i, call) in calls.iter().enumerate() {
        let width = call.spark_buffer_in_state().len();
        if spark_offset + width > in_schema.fields().len() {
            return Err(ThermiteError::plan(format!(
                "final aggregate input has {} columns, fewer than Spark's buffers need",
                in_schema.fields().len()
            )));
        }
        let buffer = (spark_offset..spark_offset + width)
            .map(|c| Arc::new(Column::new(in_schema.field(c).name(), c)) as Arc<dyn PhysicalExpr>)
            .collect();
        for (j, expr) in buffer_as_state(call, buffer, &in_schema)?.into_iter().enumerate() {
            projection.push((expr, format!("state_{i}_{j}")));
        }
        spark_offset += width;
    }
    if spark_offset != in_schema.fields().len() {
        return Err(ThermiteError::plan(format!(
            "final aggregate input has {} columns, Spark's buffers need {spark_offset}",
            in_schema.fields().len()
        )));
    }
    let state_input = Arc::new(ProjectionExec::try_new(projection, input)?);
    // The arguments are gone by now; DataFusion still builds its functions over their types.
    let raw_schema: SchemaRef = Arc::new(Schema::new(
        calls.iter().enumerate().map(|(i, c)| Field::new(format!("arg_{i}"), c.arg_type.clone(), true)).collect::<Vec<_>>(),
    ));
    let args = (0..calls.len()).map(|i| CallInput::Arg(Arc::new(Column::new(&format!("arg_{i}"), i)))).collect();
    let exprs = aggregate_exprs(calls, args, &raw_schema)?;
    let state_schema = state_input.schema();
    let group_by = PhysicalGroupBy::new_single(key_columns(&state_schema, keys));
    let exec = Arc::new(AggregateExec::try_new(
        AggregateMode::Final,
        group_by,
        exprs.clone(),
        vec![None; exprs.len()],
        state_input,
        raw_schema,
    )?);
    result_projection(aggregate, exec, ctx)
}

fn complete(
    aggregate: &proto::Aggregate,
    calls: &[SparkAggregate],
    input: Arc<dyn ExecutionPlan>,
    ctx: &ExprContext,
) -> Result<Arc<dyn ExecutionPlan>> {
    let (exec, _) = over_input(AggregateMode::Single, aggregate, calls, input, ctx)?;
    result_projection(aggregate, exec, ctx)
}

fn result_projection(aggregate: &proto::Aggregate, exec: Arc<AggregateExec>, ctx: &ExprContext) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = exec.schema();
    let results = aggregate
        .result
        .iter()
        .enumerate()
        .map(|(i, e)| Ok((build_expr(e, &schema, ctx)?, format!("col_{i}"))))
        .collect::<Result<Vec<_>>>()?;
    Ok(Arc::new(ProjectionExec::try_new(results, exec)?))
}
