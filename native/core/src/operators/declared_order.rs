//! Passes its input through, declaring the order Spark promises its rows come in. DataFusion's
//! hash join keeps its probe side's order (outer joins' unmatched rows included) only when that
//! side declares one, and Spark lets a parent read a hash join's output as sorted by its
//! streamed side's order. Declared only from Spark's promise: DataFusion's operators trust it.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use datafusion::common::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, LexOrdering};
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};

use super::ordered_task_stream_properties;

#[derive(Debug)]
pub struct DeclaredOrderExec {
    input: Arc<dyn ExecutionPlan>,
    ordering: LexOrdering,
    properties: PlanProperties,
}

impl DeclaredOrderExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, ordering: LexOrdering) -> Self {
        let equivalences = EquivalenceProperties::new_with_orderings(input.schema(), [ordering.clone()]);
        Self { input, ordering, properties: ordered_task_stream_properties(equivalences) }
    }
}

impl DisplayAs for DeclaredOrderExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "DeclaredOrderExec: {}", self.ordering)
    }
}

impl ExecutionPlan for DeclaredOrderExec {
    fn name(&self) -> &str {
        "DeclaredOrderExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &PlanProperties {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(self: Arc<Self>, mut children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(Self::new(children.swap_remove(0), self.ordering.clone())))
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        self.input.execute(partition, context)
    }
}
