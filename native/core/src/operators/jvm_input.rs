//! Batches from a Spark operator: the task's Arrow C stream, pulled on the task's own thread
//! (the stream calls back into the JVM, which produces each batch on demand).

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::compute::cast;
use arrow::datatypes::SchemaRef;
use arrow::ffi_stream::ArrowArrayStreamReader;
use datafusion::common::{internal_err, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};

use crate::operators::{batch_of, task_stream_properties};
use crate::error::{ErrorKind, ThermiteError};

#[derive(Debug)]
pub struct JvmInputExec {
    schema: SchemaRef,
    reader: Mutex<Option<ArrowArrayStreamReader>>,
    properties: PlanProperties,
}

impl JvmInputExec {
    pub fn new(schema: SchemaRef, reader: ArrowArrayStreamReader) -> Self {
        let properties = task_stream_properties(Arc::clone(&schema));
        Self { schema, reader: Mutex::new(Some(reader)), properties }
    }
}

/// The JVM's batch with the plan's schema: same columns, field names and time zone names ours.
fn conform(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    if batch.num_columns() != schema.fields().len() {
        return internal_err!("JVM input has {} columns, the plan expects {}", batch.num_columns(), schema.fields().len());
    }
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| if c.data_type() == f.data_type() { Ok(Arc::clone(c)) } else { cast(c, f.data_type()) })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(batch_of(schema, columns, batch.num_rows())?)
}

impl DisplayAs for JvmInputExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "JvmInputExec")
    }
}

impl ExecutionPlan for JvmInputExec {
    fn name(&self) -> &str {
        "JvmInputExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &PlanProperties {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn with_new_children(self: Arc<Self>, _children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(&self, _partition: usize, _context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let Some(reader) = self.reader.lock().expect("JVM input lock").take() else {
            return internal_err!("a JVM input stream can be read once");
        };
        let schema = Arc::clone(&self.schema);
        let batches = reader.map(move |batch| {
            let batch = batch.map_err(|e| {
                ThermiteError::new(ErrorKind::Execution, format!("reading input from Spark: {e}")).into_datafusion()
            })?;
            conform(batch, &schema)
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(Arc::clone(&self.schema), futures::stream::iter(batches))))
    }
}
