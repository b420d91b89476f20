//! Spark's PartialMerge mode for one aggregate call: aggregation buffers in, merged buffers out.
//! DataFusion's aggregate modes apply to all calls of an operator, and Spark mixes modes (a
//! distinct aggregate merges the other calls' buffers while it starts its own), so merging is a
//! property of the function instead: this wrapper's "update" is the inner function's merge.

use std::any::Any;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray};
use arrow::datatypes::{DataType, Field, FieldRef, Schema};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::PhysicalExpr;

/// `inner` over an argument of `arg_type`, fed its own state fields instead of arguments.
#[derive(Debug)]
pub struct MergeBuffers {
    name: String,
    inner: Arc<AggregateUDF>,
    arg_type: DataType,
    signature: Signature,
}

impl MergeBuffers {
    pub fn new(inner: Arc<AggregateUDF>, arg_type: DataType) -> Self {
        MergeBuffers {
            name: format!("merge_{}", inner.name()),
            inner,
            arg_type,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }

    /// Calls `f` with the arguments the inner function would get over its original argument.
    fn with_inner_args<T>(&self, args: &AccumulatorArgs, f: impl FnOnce(AccumulatorArgs) -> T) -> DfResult<T> {
        let schema = Schema::new(vec![Field::new("arg", self.arg_type.clone(), true)]);
        let exprs: Vec<Arc<dyn PhysicalExpr>> = vec![Arc::new(Column::new("arg", 0))];
        let return_type = self.inner.return_type(&[self.arg_type.clone()])?;
        Ok(f(AccumulatorArgs {
            return_field: Arc::new(Field::new(args.name, return_type, true)),
            schema: &schema,
            ignore_nulls: args.ignore_nulls,
            order_bys: args.order_bys,
            is_reversed: args.is_reversed,
            name: args.name,
            is_distinct: false,
            exprs: &exprs,
        }))
    }
}

impl AggregateUDFImpl for MergeBuffers {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        self.inner.return_type(&[self.arg_type.clone()])
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let input = [Arc::new(Field::new("arg", self.arg_type.clone(), true)) as FieldRef];
        self.inner.state_fields(StateFieldsArgs {
            name: args.name,
            input_fields: &input,
            return_field: Arc::new(Field::new(args.name, self.return_type(&[])?, true)),
            ordering_fields: &[],
            is_distinct: false,
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let inner = self.with_inner_args(&args, |a| self.inner.accumulator(a))??;
        Ok(Box::new(Merging(inner)))
    }

    fn groups_accumulator_supported(&self, args: AccumulatorArgs) -> bool {
        self.with_inner_args(&args, |a| self.inner.groups_accumulator_supported(a)).unwrap_or(false)
    }

    fn create_groups_accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn GroupsAccumulator>> {
        let inner = self.with_inner_args(&args, |a| self.inner.create_groups_accumulator(a))??;
        Ok(Box::new(MergingGroups(inner)))
    }
}

#[derive(Debug)]
struct Merging(Box<dyn Accumulator>);

impl Accumulator for Merging {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.0.merge_batch(values)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.0.merge_batch(states)
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        self.0.evaluate()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        self.0.state()
    }

    fn size(&self) -> usize {
        self.0.size()
    }
}

struct MergingGroups(Box<dyn GroupsAccumulator>);

impl GroupsAccumulator for MergingGroups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.0.merge_batch(values, group_indices, opt_filter, total_num_groups)
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> DfResult<()> {
        self.0.merge_batch(values, group_indices, opt_filter, total_num_groups)
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> DfResult<ArrayRef> {
        self.0.evaluate(emit_to)
    }

    fn state(&mut self, emit_to: EmitTo) -> DfResult<Vec<ArrayRef>> {
        self.0.state(emit_to)
    }

    fn size(&self) -> usize {
        self.0.size()
    }
}
