//! Thermite's own aggregate functions implement only what differs between them: their types and
//! a grouped accumulator ([`OwnAggregate`]). DataFusion's plumbing is written once here: the
//! function itself, and the row accumulator an aggregate without grouping keys runs (one group).

use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

pub trait OwnAggregate: Debug + Send + Sync + 'static {
    type Groups: OneGroup;

    fn name(&self) -> &str;

    fn result_type(&self) -> DataType;

    /// The state fields (Spark's buffer): a name suffix, the type, whether it may be NULL.
    fn state(&self) -> Vec<(&'static str, DataType, bool)>;

    fn groups(&self) -> DfResult<Self::Groups>;
}

/// A grouped accumulator that can make room for its groups without any input.
pub trait OneGroup: GroupsAccumulator + Debug + Sync {
    fn ensure_groups(&mut self, groups: usize);
}

/// Rows a grouped accumulator's `opt_filter` keeps (all without one).
pub fn selected(opt_filter: Option<&BooleanArray>, row: usize) -> bool {
    opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

pub fn udaf<A: OwnAggregate>(function: A) -> Arc<AggregateUDF> {
    Arc::new(AggregateUDF::new_from_impl(OwnUdaf { function, signature: Signature::any(1, Volatility::Immutable) }))
}

#[derive(Debug)]
struct OwnUdaf<A> {
    function: A,
    signature: Signature,
}

impl<A: OwnAggregate> AggregateUDFImpl for OwnUdaf<A> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        self.function.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(self.function.result_type())
    }

    fn is_nullable(&self) -> bool {
        true
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(self
            .function
            .state()
            .into_iter()
            .map(|(suffix, t, nullable)| Arc::new(Field::new(format!("{}[{suffix}]", args.name), t, nullable)))
            .collect())
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(SingleGroup(self.function.groups()?)))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(self.function.groups()?))
    }
}

#[derive(Debug)]
struct SingleGroup<G>(G);

impl<G: OneGroup> Accumulator for SingleGroup<G> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.0.update_batch(values, &vec![0; values[0].len()], None, 1)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.0.merge_batch(states, &vec![0; states[0].len()], None, 1)
    }

    /// Leaves the state as it was: a window's running frame evaluates after each row.
    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        self.0.ensure_groups(1);
        let state = self.0.state(EmitTo::All)?;
        self.0.merge_batch(&state, &[0], None, 1)?;
        let result = ScalarValue::try_from_array(&self.0.evaluate(EmitTo::All)?, 0)?;
        self.0.merge_batch(&state, &[0], None, 1)?;
        Ok(result)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        self.0.ensure_groups(1);
        self.0.state(EmitTo::All)?.iter().map(|a| ScalarValue::try_from_array(a, 0)).collect()
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.0.size()
    }
}
