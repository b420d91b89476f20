//! Spark's equi-joins as DataFusion's `HashJoinExec` (one partition per task; a shuffled one
//! within Spark's budget or else sorted and merged, see `budgeted_hash_join`) and
//! `SortMergeJoinExec`, with Spark's output columns: left then right, whichever side builds.
//! Spark's null-aware anti join has an operator of its own; its broadcast nested loop join is
//! DataFusion's `NestedLoopJoinExec`.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::compute::SortOptions;
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{JoinSide, JoinType, NullEquality};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::ScalarValue;
use datafusion::physical_expr::expressions::{CastExpr, Column, Literal};
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_expr::{LexOrdering, PhysicalExpr, PhysicalSortExpr};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::joins::utils::{ColumnIndex, JoinFilter};
use datafusion::physical_plan::joins::{HashJoinExec, NestedLoopJoinExec, PartitionMode, SortMergeJoinExec};
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::ExecutionPlan;

use crate::error::{Result, ThermiteError};
use crate::expr::{build_expr, ExprContext};
use crate::operators::budgeted_hash_join::{Alternatives, BudgetedHashJoinExec, SlotExec};
use crate::operators::declared_order::DeclaredOrderExec;
use crate::operators::null_aware_anti_join::NullAwareAntiJoinExec;
use crate::planner::sort_ordering;
use crate::proto;
use crate::proto::join::{Strategy, Type};

/// The join of `left` and `right` (Spark's sides) as `join` describes it.
pub fn build(
    join: &proto::Join,
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    ctx: &ExprContext,
) -> Result<Arc<dyn ExecutionPlan>> {
    let (left_schema, right_schema) = (left.schema(), right.schema());
    let nested_loop_join = join.strategy() == Strategy::BroadcastNestedLoop;
    if join.left_keys.len() != join.right_keys.len() || (join.left_keys.is_empty() && !nested_loop_join) {
        return Err(ThermiteError::plan(format!(
            "a join needs pairs of keys, got {} left and {} right",
            join.left_keys.len(),
            join.right_keys.len()
        )));
    }
    let left_keys = join.left_keys.iter().map(|k| build_expr(k, &left_schema, ctx)).collect::<Result<Vec<_>>>()?;
    let right_keys = join.right_keys.iter().map(|k| build_expr(k, &right_schema, ctx)).collect::<Result<Vec<_>>>()?;
    let join_type = spark_join_type(join.r#type())?;
    if join.null_aware {
        return null_aware_anti_join(join, left, right, left_keys, right_keys);
    }
    let keys = Keys { left: left_keys, right: right_keys };
    match join.strategy() {
        // DataFusion 49's merge join builds every pair of rows with equal keys, all their
        // columns, before it filters them: many times slower than its hash join, which filters
        // pairs of row indices (TPC-H q21's anti join: 59 s against Spark's 10 s at SF1; TPC-DS
        // q72's inner join: 320 s against 76 s). The hash join keeps its probe side's order,
        // so it probes with the side Spark's merge join streams, whose order Spark promises; the
        // sorted inputs are merged only when the other side does not fit the budget.
        Strategy::SortMerge if join.condition.is_some() => {
            let build_left = join_type == JoinType::Right;
            let probe_order = match build_left {
                true => merge_ordering(&keys.right, &right_schema)?,
                false => merge_ordering(&keys.left, &left_schema)?,
            };
            budgeted(join, build_left, Some(probe_order), join_type, left, right, keys, ctx, |left, right, keys| {
                sort_merge(join, join_type, left, right, keys, ctx).map(Some)
            })
        }
        Strategy::SortMerge => sort_merge(join, join_type, left, right, keys, ctx),
        Strategy::BroadcastNestedLoop => nested_loop(join, join_type, left, right, ctx),
        Strategy::BroadcastHash => {
            let (left, right) = match streamed_order(join, &left_schema, &right_schema, ctx)? {
                None => (left, right),
                Some(order) if join.build_left => (left, Arc::new(DeclaredOrderExec::new(right, order)) as _),
                Some(order) => (Arc::new(DeclaredOrderExec::new(left, order)) as _, right),
            };
            hash(join, join.build_left, join_type, left, right, keys, ctx)
        }
        Strategy::Hash => {
            let probe_order = streamed_order(join, &left_schema, &right_schema, ctx)?;
            // Sorting instead of hashing loses the streamed side's order, which a parent may use.
            let mergeable = probe_order.is_none() && keys.mergeable(&left_schema, &right_schema);
            budgeted(join, join.build_left, probe_order, join_type, left, right, keys, ctx, |left, right, keys| {
                if !mergeable {
                    return Ok(None);
                }
                let (left, right) = (sorted(left, &keys.left)?, sorted(right, &keys.right)?);
                sort_merge(join, join_type, left, right, keys, ctx).map(Some)
            })
        }
    }
}

/// The order Spark promises for a hash join's streamed side, over that side's columns.
fn streamed_order(join: &proto::Join, left: &Schema, right: &Schema, ctx: &ExprContext) -> Result<Option<LexOrdering>> {
    if join.streamed_order.is_empty() {
        return Ok(None);
    }
    let streamed = if join.build_left { right } else { left };
    sort_ordering(&join.streamed_order, streamed, ctx).map(Some)
}

/// A hash join building from the left side or the right one, within Spark's budget: over it,
/// the alternative `merge` makes from the same inputs runs instead, if there is one. The probe
/// side's order, where it has one to keep, is `probe_order`.
#[allow(clippy::too_many_arguments)]
fn budgeted(
    join: &proto::Join,
    build_left: bool,
    probe_order: Option<LexOrdering>,
    join_type: JoinType,
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    keys: Keys,
    ctx: &ExprContext,
    merge: impl FnOnce(Arc<dyn ExecutionPlan>, Arc<dyn ExecutionPlan>, Keys) -> Result<Option<Arc<dyn ExecutionPlan>>>,
) -> Result<Arc<dyn ExecutionPlan>> {
    // Both alternatives read the inputs through slots the chosen one takes at run time.
    let slot = |input: &Arc<dyn ExecutionPlan>, probe: bool| match (&probe_order, probe) {
        (Some(order), true) => SlotExec::sorted(input.schema(), order.clone()),
        _ => SlotExec::new(input.schema()),
    };
    let (left_slot, left_leaf) = slot(&left, !build_left);
    let (right_slot, right_leaf) = slot(&right, build_left);
    let merge = merge(Arc::clone(&left_leaf), Arc::clone(&right_leaf), keys.clone())?;
    let hash = hash(join, build_left, join_type, left_leaf, right_leaf, keys, ctx)?;
    let (build_slot, probe_slot) = if build_left { (left_slot, right_slot) } else { (right_slot, left_slot) };
    let alternatives = Alternatives { build_slot, probe_slot, hash, merge };
    Ok(Arc::new(BudgetedHashJoinExec::new(left, right, build_left, alternatives)))
}

/// A join's key expressions over its left and its right input.
#[derive(Clone)]
struct Keys {
    left: Vec<Arc<dyn PhysicalExpr>>,
    right: Vec<Arc<dyn PhysicalExpr>>,
}

impl Keys {
    /// Whether DataFusion's merge join compares every key as Spark orders it.
    fn mergeable(&self, left: &Schema, right: &Schema) -> bool {
        let comparable = |keys: &[Arc<dyn PhysicalExpr>], schema: &Schema| {
            keys.iter().all(|k| comparable_key(Arc::clone(k), schema).is_ok())
        };
        comparable(&self.left, left) && comparable(&self.right, right)
    }
}

/// `input` sorted as Spark sorts a merge join's sides.
fn sorted(input: Arc<dyn ExecutionPlan>, keys: &[Arc<dyn PhysicalExpr>]) -> Result<Arc<dyn ExecutionPlan>> {
    let ordering = merge_ordering(keys, &input.schema())?;
    Ok(Arc::new(SortExec::new(ordering, input)))
}

/// The order of a merge join's side: by the keys, ascending, nulls first.
fn merge_ordering(keys: &[Arc<dyn PhysicalExpr>], schema: &Schema) -> Result<LexOrdering> {
    let ordering = keys
        .iter()
        .map(|k| Ok(PhysicalSortExpr::new(comparable_key(Arc::clone(k), schema)?, MERGE_ORDER)))
        .collect::<Result<Vec<_>>>()?;
    LexOrdering::new(ordering).ok_or_else(|| ThermiteError::plan("a merge join without keys"))
}

/// Spark sorts both sides ascending, nulls first, for its merge join.
const MERGE_ORDER: SortOptions = SortOptions { descending: false, nulls_first: true };

fn sort_merge(
    join: &proto::Join,
    join_type: JoinType,
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    keys: Keys,
    ctx: &ExprContext,
) -> Result<Arc<dyn ExecutionPlan>> {
    let (left_schema, right_schema) = (left.schema(), right.schema());
    let on = keys
        .left
        .into_iter()
        .zip(keys.right)
        .map(|(l, r)| Ok((comparable_key(l, &left_schema)?, comparable_key(r, &right_schema)?)))
        .collect::<Result<Vec<_>>>()?;
    let filter = join_filter(join, &left_schema, &right_schema, JoinSide::Left, ctx)?;
    let sort_options = vec![MERGE_ORDER; on.len()];
    let (left_width, right_width) = (left_schema.fields().len(), right_schema.fields().len());
    let padding = if filter.is_some() { left_width.max(right_width) } else { 0 };
    let (left, right) = (padded(left, padding)?, padded(right, padding)?);
    let exec: Arc<dyn ExecutionPlan> = Arc::new(SortMergeJoinExec::try_new(
        left,
        right,
        on,
        filter,
        join_type,
        sort_options,
        NullEquality::NullEqualsNothing,
    )?);
    if padding == 0 {
        return Ok(exec);
    }
    let keep: Vec<usize> = match join_type {
        JoinType::LeftSemi | JoinType::LeftAnti => (0..left_width).collect(),
        JoinType::LeftMark => (0..left_width).chain([padding]).collect(),
        _ => (0..left_width).chain(padding..padding + right_width).collect(),
    };
    let schema = exec.schema();
    let columns = keep
        .into_iter()
        .map(|i| (Arc::new(Column::new(schema.field(i).name(), i)) as Arc<dyn PhysicalExpr>, format!("col_{i}")))
        .collect();
    Ok(Arc::new(ProjectionExec::try_new(columns, exec)?))
}

/// A hash join building from the left side or the right one.
fn hash(
    join: &proto::Join,
    build_left: bool,
    join_type: JoinType,
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    keys: Keys,
    ctx: &ExprContext,
) -> Result<Arc<dyn ExecutionPlan>> {
    let (left_schema, right_schema) = (left.schema(), right.schema());
    if build_left {
        let filter = join_filter(join, &left_schema, &right_schema, JoinSide::Left, ctx)?;
        let on = keys.left.into_iter().zip(keys.right).collect();
        return hash_join(left, right, on, filter, join_type, None);
    }
    // DataFusion builds from its left input: Spark's right side goes there, and the output
    // columns are put back in Spark's order.
    let filter = join_filter(join, &left_schema, &right_schema, JoinSide::Right, ctx)?;
    let on = keys.right.into_iter().zip(keys.left).collect();
    let projection = swapped_columns(join_type, left_schema.fields().len(), right_schema.fields().len());
    hash_join(right, left, on, filter, join_type.swap(), projection)
}

/// Spark's column order (left then right) of a join that DataFusion runs with the two sides
/// swapped; None where only Spark's left side's columns (and a mark) come out, already in order.
fn swapped_columns(join_type: JoinType, left_width: usize, right_width: usize) -> Option<Vec<usize>> {
    match join_type {
        JoinType::Inner | JoinType::Left | JoinType::Right | JoinType::Full => {
            Some((right_width..right_width + left_width).chain(0..right_width).collect())
        }
        _ => None,
    }
}

/// Spark's broadcast nested loop join of the join types whose build side keeps no unmatched
/// rows: DataFusion's nested loop join holds its left input, the broadcast, and streams the other.
fn nested_loop(
    join: &proto::Join,
    join_type: JoinType,
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    ctx: &ExprContext,
) -> Result<Arc<dyn ExecutionPlan>> {
    let streamed_kept = match join.build_left {
        true => matches!(join_type, JoinType::Inner | JoinType::Right),
        false => matches!(
            join_type,
            JoinType::Inner | JoinType::Left | JoinType::LeftSemi | JoinType::LeftAnti | JoinType::LeftMark
        ),
    };
    if !streamed_kept || !join.left_keys.is_empty() {
        return Err(ThermiteError::plan(format!(
            "a nested loop join {join_type} building {} with {} keys",
            if join.build_left { "left" } else { "right" },
            join.left_keys.len()
        )));
    }
    let (left_schema, right_schema) = (left.schema(), right.schema());
    if join.build_left {
        let filter = join_filter(join, &left_schema, &right_schema, JoinSide::Left, ctx)?;
        return Ok(Arc::new(NestedLoopJoinExec::try_new(left, right, filter, &join_type, None)?));
    }
    let filter = join_filter(join, &left_schema, &right_schema, JoinSide::Right, ctx)?;
    let projection = swapped_columns(join_type, left_schema.fields().len(), right_schema.fields().len());
    Ok(Arc::new(NestedLoopJoinExec::try_new(right, left, filter, &join_type.swap(), projection)?))
}

/// Spark's `NOT IN` plan: a left anti join on one key over a broadcast right side, no condition.
fn null_aware_anti_join(
    join: &proto::Join,
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    mut left_keys: Vec<Arc<dyn PhysicalExpr>>,
    mut right_keys: Vec<Arc<dyn PhysicalExpr>>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let shaped = join.r#type() == Type::LeftAnti
        && join.strategy() == Strategy::BroadcastHash
        && !join.build_left
        && join.condition.is_none()
        && left_keys.len() == 1;
    if !shaped {
        return Err(ThermiteError::plan("a null-aware anti join needs one key, a broadcast right side and no condition"));
    }
    let (probe_key, build_key) = (left_keys.remove(0), right_keys.remove(0));
    Ok(Arc::new(NullAwareAntiJoinExec::new(right, left, build_key, probe_key)))
}

fn hash_join(
    build: Arc<dyn ExecutionPlan>,
    probe: Arc<dyn ExecutionPlan>,
    on: Vec<(Arc<dyn PhysicalExpr>, Arc<dyn PhysicalExpr>)>,
    filter: Option<JoinFilter>,
    join_type: JoinType,
    projection: Option<Vec<usize>>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let exec = HashJoinExec::try_new(
        build,
        probe,
        on,
        filter,
        &join_type,
        projection,
        // One partition per task: the build side, shuffled or broadcast, is the task's own input.
        PartitionMode::Partitioned,
        NullEquality::NullEqualsNothing,
    )?;
    Ok(Arc::new(exec))
}

fn spark_join_type(t: Type) -> Result<JoinType> {
    Ok(match t {
        Type::Inner => JoinType::Inner,
        Type::LeftOuter => JoinType::Left,
        Type::RightOuter => JoinType::Right,
        Type::FullOuter => JoinType::Full,
        Type::LeftSemi => JoinType::LeftSemi,
        Type::LeftAnti => JoinType::LeftAnti,
        // Never NULL, as Spark's `exists` column of an existence join.
        Type::Existence => JoinType::LeftMark,
    })
}

/// The extra condition over Spark's left columns then right ones; `spark_left_side` is where
/// DataFusion has Spark's left input.
fn join_filter(
    join: &proto::Join,
    left: &Schema,
    right: &Schema,
    spark_left_side: JoinSide,
    ctx: &ExprContext,
) -> Result<Option<JoinFilter>> {
    let Some(condition) = &join.condition else {
        return Ok(None);
    };
    let spark_right_side = match spark_left_side {
        JoinSide::Left => JoinSide::Right,
        _ => JoinSide::Left,
    };
    let all: Vec<&Field> = left.fields().iter().chain(right.fields()).map(|f| f.as_ref()).collect();
    let all_schema = Schema::new(all.iter().enumerate().map(|(i, f)| column_field(i, f)).collect::<Vec<_>>());
    let expr = build_expr(condition, &all_schema, ctx)?;
    // Only the columns the condition reads: the join gathers them for every pair of rows with
    // equal keys, of which there may be many more than of rows it outputs.
    let mut used: Vec<usize> = collect_columns(&expr).iter().map(Column::index).collect();
    used.sort_unstable();
    used.dedup();
    let position: HashMap<usize, usize> = used.iter().enumerate().map(|(new, &old)| (old, new)).collect();
    let expr = expr
        .transform(|e| match e.as_any().downcast_ref::<Column>() {
            Some(c) => {
                let i = position[&c.index()];
                Ok(Transformed::yes(Arc::new(Column::new(&format!("col_{i}"), i)) as Arc<dyn PhysicalExpr>))
            }
            None => Ok(Transformed::no(e)),
        })
        .data()?;
    let fields = used.iter().enumerate().map(|(new, &old)| column_field(new, all[old])).collect::<Vec<_>>();
    let schema = Arc::new(Schema::new(fields));
    let left_width = left.fields().len();
    let indices = used
        .iter()
        .map(|&i| match i.checked_sub(left_width) {
            None => ColumnIndex { index: i, side: spark_left_side },
            Some(index) => ColumnIndex { index, side: spark_right_side },
        })
        .collect();
    Ok(Some(JoinFilter::new(expr, indices, schema)))
}

/// The filter's `i`th column, of `field`'s type.
fn column_field(i: usize, field: &Field) -> Field {
    Field::new(format!("col_{i}"), field.data_type().clone(), true)
}

/// `input` widened to `width` columns with NULL ones. DataFusion 49's sort-merge join, when a
/// filter leaves outer rows unmatched, takes the streamed side's columns by the other side's
/// width: with both sides equally wide it takes the right ones.
fn padded(input: Arc<dyn ExecutionPlan>, width: usize) -> Result<Arc<dyn ExecutionPlan>> {
    let schema = input.schema();
    if schema.fields().len() >= width {
        return Ok(input);
    }
    let mut columns: Vec<(Arc<dyn PhysicalExpr>, String)> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| (Arc::new(Column::new(f.name(), i)) as Arc<dyn PhysicalExpr>, f.name().clone()))
        .collect();
    // The join finds its key columns by name: the input's names stay.
    for i in schema.fields().len()..width {
        columns.push((Arc::new(Literal::new(ScalarValue::Boolean(None))), format!("thermite_padding_{i}")));
    }
    Ok(Arc::new(ProjectionExec::try_new(columns, input)?))
}

/// A sort-merge key in a type DataFusion's merge compares: time-zoned timestamps by their
/// microseconds (the same order). Floating point and binary keys stay in Spark.
fn comparable_key(key: Arc<dyn PhysicalExpr>, schema: &Schema) -> Result<Arc<dyn PhysicalExpr>> {
    match key.data_type(schema)? {
        DataType::Timestamp(_, Some(_)) => Ok(Arc::new(CastExpr::new(key, DataType::Int64, None))),
        DataType::Float32 | DataType::Float64 | DataType::Binary => {
            Err(ThermiteError::plan("a sort-merge join on floating point or binary keys"))
        }
        _ => Ok(key),
    }
}
