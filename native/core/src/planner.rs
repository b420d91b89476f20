//! The proto plan as a DataFusion `ExecutionPlan`: one function per operator kind.

use std::cell::RefCell;
use std::sync::Arc;

use arrow::compute::SortOptions;
use arrow::ffi_stream::ArrowArrayStreamReader;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_plan::limit::GlobalLimitExec;
use datafusion::physical_plan::sorts::sort::SortExec;

use arrow::datatypes::{DataType, Schema};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::ExecutionPlan;
use object_store::ObjectStore;

use crate::error::{Result, ThermiteError};
use crate::expr::{build_expr, build_pruning_expr, ExprContext, NormalizeFloat};
use crate::shuffle::write::PartitionerFactory;
use crate::shuffle::{round_robin, Partitioner, ShuffleReadExec, ShuffleWriteExec};
use crate::spark_utf8;
use arrow::array::{ArrayRef, RecordBatch};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_plan::coalesce_batches::CoalesceBatchesExec;
use crate::operators::legacy_calendar::{CalendarSettings, SparkCalendar};
use crate::operators::generate::{GenerateExec, Generator};
use crate::operators::{ExpandExec, FileSystem, JvmInputExec, OperatorContextExec, ParquetScanExec, ScanFile, ScanOptions};
use crate::operators::row_positions::{PositionColumns, RowMarks};
use crate::operators::schema_adapter::ColumnMatching;
use crate::proto;
use crate::proto::operator::Kind;
use crate::types::{required, to_arrow_schema, to_scalar};

/// What the planner needs besides the operator tree: the task's inputs and session settings.
pub struct PlannerContext<'a> {
    pub task_input: &'a proto::TaskInput,
    /// The task's Arrow streams from Spark operators, each taken by the one input that reads it.
    pub jvm_inputs: RefCell<Vec<Option<ArrowArrayStreamReader>>>,
    pub expr: ExprContext,
    pub batch_size: usize,
    /// Spark's calendar functions, for files in the Julian calendar; `None` outside Spark.
    pub calendar: Option<Arc<dyn SparkCalendar>>,
    /// Per scan input, the task's Hadoop file system where the scan reads through one.
    pub file_systems: Vec<Option<Arc<dyn ObjectStore>>>,
}

pub fn build_plan(op: &proto::Operator, ctx: &PlannerContext) -> Result<Arc<dyn ExecutionPlan>> {
    match required(&op.kind, "an operator")? {
        Kind::ParquetScan(scan) => parquet_scan(scan, ctx),
        Kind::Filter(filter) => {
            let input = build_plan(required(&filter.input, "a filter input")?, ctx)?;
            let condition = build_expr(required(&filter.condition, "a filter condition")?, &input.schema(), &ctx.expr)?;
            let exec = FilterExec::try_new(condition, input)?;
            Ok(OperatorContextExec::wrap("ThermiteFilterExec", Arc::new(exec)))
        }
        Kind::JvmInput(input) => {
            let schema = to_arrow_schema(input.schema.as_ref())?;
            let reader = ctx
                .jvm_inputs
                .borrow_mut()
                .get_mut(input.input_index as usize)
                .and_then(Option::take)
                .ok_or_else(|| ThermiteError::plan(format!("the task has no input stream #{}", input.input_index)))?;
            Ok(Arc::new(JvmInputExec::new(schema, reader)))
        }
        Kind::Sort(sort) => {
            let input = build_plan(required(&sort.input, "a sort input")?, ctx)?;
            let ordering = sort_ordering(&sort.keys, &input.schema(), &ctx.expr)?;
            Ok(OperatorContextExec::wrap("ThermiteSortExec", Arc::new(SortExec::new(ordering, input))))
        }
        Kind::TakeOrdered(take) => {
            let input = build_plan(required(&take.input, "a take-ordered input")?, ctx)?;
            let schema = input.schema();
            let ordering = sort_ordering(&take.keys, &schema, &ctx.expr)?;
            let (limit, offset) = (non_negative(take.limit)?, non_negative(take.offset)?);
            let mut plan: Arc<dyn ExecutionPlan> = Arc::new(SortExec::new(ordering, input).with_fetch(Some(limit)));
            if offset > 0 {
                plan = Arc::new(GlobalLimitExec::new(plan, offset, Some(limit.saturating_sub(offset))));
            }
            if !take.projection.is_empty() {
                plan = Arc::new(ProjectionExec::try_new(projection(&take.projection, &schema, &ctx.expr)?, plan)?);
            }
            Ok(OperatorContextExec::wrap("ThermiteTakeOrderedAndProjectExec", plan))
        }
        Kind::Limit(limit) => {
            let input = build_plan(required(&limit.input, "a limit input")?, ctx)?;
            let skip = non_negative(limit.offset)?;
            // Spark's limit counts the skipped rows; negative: no limit.
            let fetch = usize::try_from(limit.limit).ok().map(|l| l.saturating_sub(skip));
            Ok(OperatorContextExec::wrap("ThermiteLimitExec", Arc::new(GlobalLimitExec::new(input, skip, fetch))))
        }
        Kind::Window(window) => {
            let input = build_plan(required(&window.input, "a window input")?, ctx)?;
            let name = if window.group_limit.is_some() { "ThermiteWindowGroupLimitExec" } else { "ThermiteWindowExec" };
            Ok(OperatorContextExec::wrap(name, crate::operators::window::build(window, input, &ctx.expr)?))
        }
        Kind::Aggregate(aggregate) => {
            let input = build_plan(required(&aggregate.input, "an aggregate input")?, ctx)?;
            let exec = crate::aggregate::build(aggregate, input, &ctx.expr)?;
            Ok(OperatorContextExec::wrap("ThermiteHashAggregateExec", exec))
        }
        Kind::Expand(expand) => {
            let input = build_plan(required(&expand.input, "an expand input")?, ctx)?;
            let schema = input.schema();
            let projections = expand
                .projections
                .iter()
                .map(|p| p.exprs.iter().map(|e| build_expr(e, &schema, &ctx.expr)).collect::<Result<Vec<_>>>())
                .collect::<Result<Vec<_>>>()?;
            let exec = ExpandExec::try_new(projections, to_arrow_schema(expand.schema.as_ref())?, input)?;
            Ok(OperatorContextExec::wrap("ThermiteExpandExec", Arc::new(exec)))
        }
        Kind::Generate(generate) => {
            let input = build_plan(required(&generate.input, "a generate input")?, ctx)?;
            let collection = build_expr(required(&generate.collection, "a generated collection")?, &input.schema(), &ctx.expr)?;
            let generator = match proto::generate::Kind::try_from(generate.kind) {
                Ok(proto::generate::Kind::Explode) => Generator::Explode,
                Ok(proto::generate::Kind::PosExplode) => Generator::PosExplode,
                Ok(proto::generate::Kind::Inline) => Generator::Inline,
                Err(_) => return Err(ThermiteError::plan(format!("unknown generator {}", generate.kind))),
            };
            let kept = generate.kept.iter().map(|&k| k as usize).collect();
            let schema = to_arrow_schema(generate.schema.as_ref())?;
            let exec = GenerateExec::try_new(input, kept, collection, generator, generate.outer, schema)?;
            Ok(OperatorContextExec::wrap("ThermiteGenerateExec", Arc::new(exec)))
        }
        Kind::ShuffleWrite(write) => shuffle_write(write, ctx),
        Kind::ShuffleRead(read) => {
            let input = build_plan(required(&read.input, "a shuffle read input")?, ctx)?;
            let exec = ShuffleReadExec::new(input, to_arrow_schema(read.schema.as_ref())?);
            let coalesced = CoalesceBatchesExec::new(Arc::new(exec), ctx.batch_size);
            Ok(OperatorContextExec::wrap("ThermiteShuffleExchangeExec", Arc::new(coalesced)))
        }
        Kind::Join(join) => {
            let left = build_plan(required(&join.left, "a join's left input")?, ctx)?;
            let right = build_plan(required(&join.right, "a join's right input")?, ctx)?;
            let name = match join.strategy() {
                proto::join::Strategy::Hash => "ThermiteShuffledHashJoinExec",
                proto::join::Strategy::SortMerge => "ThermiteSortMergeJoinExec",
                proto::join::Strategy::BroadcastHash => "ThermiteBroadcastHashJoinExec",
                proto::join::Strategy::BroadcastNestedLoop => "ThermiteBroadcastNestedLoopJoinExec",
            };
            // A join with a condition, or one that drops most rows, gives many small batches,
            // each a cost to every operator above it and to the JVM where it crosses (TPC-DS
            // q72: 385,000 rows reached the JVM in 467,000 batches).
            let joined = crate::operators::join::build(join, left, right, &ctx.expr)?;
            Ok(OperatorContextExec::wrap(name, Arc::new(CoalesceBatchesExec::new(joined, ctx.batch_size))))
        }
        Kind::Project(project) => {
            let input = build_plan(required(&project.input, "a project input")?, ctx)?;
            let exec = ProjectionExec::try_new(projection(&project.expressions, &input.schema(), &ctx.expr)?, input)?;
            Ok(OperatorContextExec::wrap("ThermiteProjectExec", Arc::new(exec)))
        }
    }
}

fn projection(exprs: &[proto::Expr], schema: &Schema, ctx: &ExprContext) -> Result<Vec<(Arc<dyn PhysicalExpr>, String)>> {
    exprs.iter().enumerate().map(|(i, e)| Ok((build_expr(e, schema, ctx)?, format!("col_{i}")))).collect()
}

/// Spark's sort order: -0.0 with 0.0 and every NaN as one value, above all others.
pub(crate) fn sort_ordering(keys: &[proto::SortKey], schema: &Schema, ctx: &ExprContext) -> Result<LexOrdering> {
    LexOrdering::new(sort_keys(keys, schema, ctx)?).ok_or_else(|| ThermiteError::plan("a sort without keys"))
}

/// The keys of [`sort_ordering`] as written: a `LexOrdering` drops repeated keys, which a range
/// partitioning's bounds still hold a value for.
pub fn sort_keys(keys: &[proto::SortKey], schema: &Schema, ctx: &ExprContext) -> Result<Vec<PhysicalSortExpr>> {
    keys.iter()
        .map(|k| {
            let expr = build_expr(required(&k.expr, "a sort key")?, schema, ctx)?;
            let expr = if expr.data_type(schema)?.is_floating() { NormalizeFloat::wrap(expr) } else { expr };
            Ok(PhysicalSortExpr::new(expr, SortOptions { descending: !k.ascending, nulls_first: k.nulls_first }))
        })
        .collect()
}

fn shuffle_write(write: &proto::ShuffleWrite, ctx: &PlannerContext) -> Result<Arc<dyn ExecutionPlan>> {
    use proto::shuffle_write::Partitioning as P;
    let mut input = build_plan(required(&write.input, "a shuffle write input")?, ctx)?;
    let schema = input.schema();
    let n = write.num_partitions as usize;
    if n == 0 || n > i32::MAX as usize {
        return Err(ThermiteError::plan(format!("a shuffle into {n} partitions")));
    }
    let partitioning = required(&write.partitioning, "a shuffle partitioning")?;
    if let P::RoundRobin(proto::RoundRobin { sort_first: true }) = partitioning {
        input = sort_by_all_columns(input)?;
    }
    let factory: PartitionerFactory = match partitioning {
        P::RoundRobin(_) => {
            let start = round_robin::start_position(ctx.task_input.partition_id, n as i32);
            Arc::new(move || Ok(Partitioner::RoundRobin { position: start }))
        }
        P::Single(_) => Arc::new(|| Ok(Partitioner::Single)),
        P::HashPartitionId(id) => {
            let expr = build_expr(id, &schema, &ctx.expr)?;
            Arc::new(move || Ok(Partitioner::Hash(Arc::clone(&expr))))
        }
        P::Range(range) => {
            let keys = sort_keys(&range.keys, &schema, &ctx.expr)?;
            if keys.is_empty() {
                return Err(ThermiteError::plan("a range partitioning without keys"));
            }
            let bounds = range_bounds(range, &keys, &schema, ctx)?;
            let schema = Arc::clone(&schema);
            Arc::new(move || Ok(Partitioner::range(keys.clone(), bounds.clone(), &schema)?))
        }
    };
    let codec = proto::shuffle_write::Codec::try_from(write.codec)
        .map_err(|_| ThermiteError::plan(format!("shuffle codec #{}", write.codec)))?;
    let exec = ShuffleWriteExec::new(input, factory, n, codec, ctx.batch_size);
    Ok(OperatorContextExec::wrap("ThermiteShuffleExchangeExec", Arc::new(exec)))
}

/// `input` in an order that depends only on its rows: every column ascending, compared as Arrow's
/// row format does (floating point by its bits, so rows that compare equal are identical).
fn sort_by_all_columns(input: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = input.schema();
    let keys = (0..schema.fields().len())
        .map(|i| {
            let column = Arc::new(Column::new(schema.field(i).name(), i)) as Arc<dyn PhysicalExpr>;
            PhysicalSortExpr::new(column, SortOptions { descending: false, nulls_first: true })
        })
        .collect::<Vec<_>>();
    let Some(ordering) = LexOrdering::new(keys) else {
        return Ok(input);
    };
    Ok(Arc::new(SortExec::new(ordering, input)))
}

/// The bounds as one column per key, normalized as the keys are (-0.0 as 0.0, one NaN).
fn range_bounds(
    range: &proto::RangePartitioning,
    keys: &[PhysicalSortExpr],
    schema: &Schema,
    ctx: &PlannerContext,
) -> Result<Vec<ArrayRef>> {
    let empty = RecordBatch::new_empty(Arc::new(schema.clone()));
    (0..keys.len())
        .map(|k| {
            let data_type = keys[k].expr.data_type(schema)?;
            let values = range
                .bounds
                .iter()
                .map(|bound| {
                    let value = bound.values.get(k).ok_or_else(|| ThermiteError::plan("a range bound without a key value"))?;
                    match build_expr(value, schema, &ctx.expr)?.evaluate(&empty)? {
                        ColumnarValue::Scalar(s) => Ok(normalize_float(s)),
                        ColumnarValue::Array(_) => Err(ThermiteError::plan("a range bound that is not a literal")),
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            if values.is_empty() {
                return Ok(arrow::array::new_empty_array(&data_type));
            }
            // String bounds come as their bytes.
            Ok(spark_utf8::binary_as_strings(&ScalarValue::iter_to_array(values)?, &data_type))
        })
        .collect()
}

fn normalize_float(v: ScalarValue) -> ScalarValue {
    match v {
        ScalarValue::Float64(Some(f)) if f == 0.0 => ScalarValue::Float64(Some(0.0)),
        ScalarValue::Float64(Some(f)) if f.is_nan() => ScalarValue::Float64(Some(f64::NAN)),
        ScalarValue::Float32(Some(f)) if f == 0.0 => ScalarValue::Float32(Some(0.0)),
        ScalarValue::Float32(Some(f)) if f.is_nan() => ScalarValue::Float32(Some(f32::NAN)),
        other => other,
    }
}

fn non_negative(n: i64) -> Result<usize> {
    usize::try_from(n).map_err(|_| ThermiteError::plan(format!("a row count of {n}")))
}

fn parquet_scan(scan: &proto::ParquetScan, ctx: &PlannerContext) -> Result<Arc<dyn ExecutionPlan>> {
    let data_schema = to_arrow_schema(scan.data_schema.as_ref())?;
    let partition_schema = to_arrow_schema(scan.partition_schema.as_ref())?;
    let input = ctx.task_input.scans.get(scan.input_index as usize).ok_or_else(|| {
        ThermiteError::plan(format!("the task has no input #{} for its scan", scan.input_index))
    })?;
    let files = input
        .files
        .iter()
        .map(|f| {
            if f.partition_values.len() != partition_schema.fields().len() {
                return Err(ThermiteError::plan(format!(
                    "{} has {} partition values for {} partition columns",
                    f.path,
                    f.partition_values.len(),
                    partition_schema.fields().len()
                )));
            }
            Ok(ScanFile {
                path: f.path.clone(),
                uri: f.uri.clone(),
                start: f.start,
                length: f.length,
                file_size: f.file_size.max(0) as u64,
                partition_values: f.partition_values.iter().map(to_scalar).collect::<Result<_>>()?,
                row_marks: f
                    .row_marks
                    .as_ref()
                    .map(|m| RowMarks { rows: m.rows.clone(), keep_marked: m.keep_marked })
                    .unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let pruning_predicate = conjunction(&scan.pruning_filters, &data_schema, &ctx.expr)?;
    let partition_fields = partition_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let calendar = CalendarSettings {
        datetime_mode: scan.datetime_rebase_mode.clone(),
        int96_mode: scan.int96_rebase_mode.clone(),
        last_switch_day: scan.last_switch_julian_day,
        last_switch_micros: scan.last_switch_julian_micros,
        calendar: ctx.calendar.clone(),
    };
    let positions = PositionColumns {
        row_index: position_column(scan.row_index_column, &data_schema, DataType::Int64)?,
        row_deleted: position_column(scan.row_deleted_column, &data_schema, DataType::Int8)?,
    };
    let matching = if scan.field_ids.is_empty() {
        ColumnMatching::Name { case_sensitive: scan.case_sensitive }
    } else if scan.field_ids.len() == data_schema.fields().len() {
        let ids = data_schema.fields().iter().map(|f| f.name().clone()).zip(scan.field_ids.iter().copied());
        ColumnMatching::FieldId(Arc::new(ids.collect()))
    } else {
        return Err(ThermiteError::plan(format!(
            "the scan has {} field ids for {} read columns",
            scan.field_ids.len(),
            data_schema.fields().len()
        )));
    };
    let file_system = if scan.hadoop_file_system {
        let store = ctx.file_systems.get(scan.input_index as usize).cloned().flatten().ok_or_else(|| {
            ThermiteError::plan(format!("scan #{} reads through Hadoop, and the task has no file system for it", scan.input_index))
        })?;
        FileSystem::Hadoop(store)
    } else {
        FileSystem::Local
    };
    Ok(Arc::new(ParquetScanExec::new(
        files,
        ScanOptions {
            file_system,
            data_schema,
            partition_fields,
            pruning_predicate,
            matching,
            batch_size: ctx.batch_size,
            ignore_corrupt_files: scan.ignore_corrupt_files,
            ignore_missing_files: scan.ignore_missing_files,
            calendar,
            positions,
            drop_marked_rows: scan.drop_marked_rows,
        },
    )))
}

/// A column of `schema` computed from row positions, checked to be of `data_type`.
fn position_column(index: Option<u32>, schema: &Schema, data_type: DataType) -> Result<Option<usize>> {
    let Some(i) = index.map(|i| i as usize) else { return Ok(None) };
    match schema.fields().get(i) {
        Some(f) if f.data_type() == &data_type => Ok(Some(i)),
        _ => Err(ThermiteError::plan(format!("the scan's position column #{i} is not a {data_type} column of its read schema"))),
    }
}

/// The pruning filters ANDed together, or `None` for no filters.
fn conjunction(filters: &[proto::Expr], schema: &Schema, ctx: &ExprContext) -> Result<Option<Arc<dyn PhysicalExpr>>> {
    use datafusion::logical_expr::Operator;
    use datafusion::physical_expr::expressions::BinaryExpr;
    let mut result: Option<Arc<dyn PhysicalExpr>> = None;
    for filter in filters {
        let expr = build_pruning_expr(filter, schema, ctx)?;
        result = Some(match result {
            None => expr,
            Some(acc) => Arc::new(BinaryExpr::new(acc, Operator::And, expr)),
        });
    }
    Ok(result)
}
