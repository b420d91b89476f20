//! Names the Spark operator in errors raised below it, so a failure says which `Thermite*Exec`
//! failed. An error that already names an operator (raised deeper) passes through unchanged.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use datafusion::common::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::TryStreamExt;

use crate::error::{find_thermite_error, is_out_of_memory, ErrorKind, ThermiteError};

#[derive(Debug)]
pub struct OperatorContextExec {
    operator: String,
    input: Arc<dyn ExecutionPlan>,
}

impl OperatorContextExec {
    /// The DataFusion operator that does the work.
    pub fn input(&self) -> &Arc<dyn ExecutionPlan> {
        &self.input
    }

    /// The Spark node this operator runs, as the JVM names it (`nodeName`).
    pub fn operator(&self) -> &str {
        &self.operator
    }

    pub fn wrap(operator: impl Into<String>, input: Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
        Arc::new(Self { operator: operator.into(), input })
    }
}

fn with_operator(operator: &str, err: datafusion::error::DataFusionError) -> datafusion::error::DataFusionError {
    match find_thermite_error(&err) {
        Some(e) if e.operator.is_some() => err,
        Some(e) => ThermiteError { operator: Some(operator.to_string()), ..e.clone() }.into_datafusion(),
        None => ThermiteError {
            kind: if is_out_of_memory(&err) { ErrorKind::OutOfMemory } else { ErrorKind::Execution },
            operator: Some(operator.to_string()),
            file: None,
            message: err.to_string(),
            read_failure: false,
        }
        .into_datafusion(),
    }
}

impl DisplayAs for OperatorContextExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.operator)
    }
}

impl ExecutionPlan for OperatorContextExec {
    fn name(&self) -> &str {
        "OperatorContextExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &PlanProperties {
        self.input.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Self::wrap(self.operator.clone(), Arc::clone(&children[0])))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let operator = self.operator.clone();
        let stream = self.input.execute(partition, context).map_err(|e| with_operator(&operator, e))?;
        let schema = stream.schema();
        let stream = stream.map_err(move |e| with_operator(&operator, e));
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
    }
}
