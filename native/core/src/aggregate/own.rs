//! An aggregate without grouping keys runs DataFusion's row `Accumulator`; Thermite's own
//! functions implement only the grouped accumulator and serve both through this one group.

use arrow::array::ArrayRef;
use datafusion::common::{Result as DfResult, ScalarValue};
use datafusion::logical_expr::{Accumulator, EmitTo, GroupsAccumulator};

/// A grouped accumulator that can make room for its groups without any input.
pub trait OneGroup: GroupsAccumulator + std::fmt::Debug + Sync {
    fn ensure_groups(&mut self, groups: usize);
}

#[derive(Debug)]
pub struct SingleGroup<G: OneGroup>(pub G);

impl<G: OneGroup> Accumulator for SingleGroup<G> {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.0.update_batch(values, &vec![0; values[0].len()], None, 1)
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.0.merge_batch(states, &vec![0; states[0].len()], None, 1)
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        self.0.ensure_groups(1);
        ScalarValue::try_from_array(&self.0.evaluate(EmitTo::All)?, 0)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        self.0.ensure_groups(1);
        self.0.state(EmitTo::All)?.iter().map(|a| ScalarValue::try_from_array(a, 0)).collect()
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.0.size()
    }
}
