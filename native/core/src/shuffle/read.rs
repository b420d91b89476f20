//! The reduce side of a native shuffle: each input row is a block Spark fetched; its batches come
//! out with the exchange's schema.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::SchemaRef;
use datafusion::common::{internal_err, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::{stream, StreamExt, TryStreamExt};

use super::block;

#[derive(Debug)]
pub struct ShuffleReadExec {
    input: Arc<dyn ExecutionPlan>,
    schema: SchemaRef,
    properties: PlanProperties,
    metrics: ExecutionPlanMetricsSet,
}

impl ShuffleReadExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, schema: SchemaRef) -> Self {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            input.properties().output_partitioning().clone(),
            input.properties().emission_type,
            input.properties().boundedness,
        );
        Self { input, schema, properties, metrics: ExecutionPlanMetricsSet::new() }
    }
}

/// The blocks of one input batch, decoded, with `schema` (the exchange's names and nullability).
fn decode_blocks(blocks: &RecordBatch, schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    if blocks.num_columns() != 1 {
        return internal_err!("shuffle blocks come in one column, not {}", blocks.num_columns());
    }
    let column = blocks.column(0).as_binary_opt::<i32>().ok_or_else(|| {
        datafusion::error::DataFusionError::Internal(format!("shuffle blocks of type {}", blocks.column(0).data_type()))
    })?;
    let mut out = Vec::new();
    for i in 0..column.len() {
        out.extend(block::decode(column.value(i), schema)?);
    }
    Ok(out)
}

impl DisplayAs for ShuffleReadExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ShuffleReadExec")
    }
}

impl ExecutionPlan for ShuffleReadExec {
    fn name(&self) -> &str {
        "ShuffleReadExec"
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

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(Self::new(Arc::clone(&children[0]), Arc::clone(&self.schema))))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let baseline = BaselineMetrics::new(&self.metrics, partition);
        let schema = Arc::clone(&self.schema);
        let batches = input
            .map(move |blocks| {
                let timer = baseline.elapsed_compute().timer();
                let decoded = blocks.and_then(|b| decode_blocks(&b, &schema));
                timer.done();
                if let Ok(batches) = &decoded {
                    batches.iter().for_each(|b| baseline.record_output(b.num_rows()));
                }
                decoded.map(|batches| stream::iter(batches.into_iter().map(Ok)))
            })
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(Arc::clone(&self.schema), batches)))
    }
}
