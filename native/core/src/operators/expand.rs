//! Spark's Expand: every input batch once per projection (the grouping sets of ROLLUP, CUBE and
//! GROUPING SETS). Rows come out projection by projection within a batch rather than row by row;
//! Expand's consumers (aggregates) do not depend on row order.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::common::{internal_err, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::{stream, TryStreamExt};

#[derive(Debug)]
pub struct ExpandExec {
    projections: Arc<Vec<Vec<Arc<dyn PhysicalExpr>>>>,
    schema: SchemaRef,
    input: Arc<dyn ExecutionPlan>,
    properties: PlanProperties,
}

impl ExpandExec {
    pub fn try_new(
        projections: Vec<Vec<Arc<dyn PhysicalExpr>>>,
        schema: SchemaRef,
        input: Arc<dyn ExecutionPlan>,
    ) -> Result<Self> {
        let input_schema = input.schema();
        for projection in &projections {
            if projection.len() != schema.fields().len() {
                return internal_err!("an Expand projection has {} columns for {}", projection.len(), schema.fields().len());
            }
            for (expr, field) in projection.iter().zip(schema.fields()) {
                let t = expr.data_type(&input_schema)?;
                if &t != field.data_type() {
                    return internal_err!("Expand column {} is {t} in a projection, {} in the output", field.name(), field.data_type());
                }
            }
        }
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            input.properties().output_partitioning().clone(),
            input.properties().emission_type,
            input.properties().boundedness,
        );
        Ok(Self { projections: Arc::new(projections), schema, input, properties })
    }
}

fn project(batch: &RecordBatch, projection: &[Arc<dyn PhysicalExpr>], schema: &SchemaRef) -> Result<RecordBatch> {
    let columns = projection.iter().map(|e| e.evaluate(batch)?.into_array(batch.num_rows())).collect::<Result<Vec<_>>>()?;
    Ok(super::batch_of(schema, columns, batch.num_rows())?)
}

impl DisplayAs for ExpandExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ExpandExec: projections={}", self.projections.len())
    }
}

impl ExecutionPlan for ExpandExec {
    fn name(&self) -> &str {
        "ExpandExec"
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
        Ok(Arc::new(ExpandExec::try_new(self.projections.to_vec(), Arc::clone(&self.schema), Arc::clone(&children[0]))?))
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let (projections, schema) = (Arc::clone(&self.projections), Arc::clone(&self.schema));
        let batches = input
            .map_ok(move |batch| {
                let (projections, schema) = (Arc::clone(&projections), Arc::clone(&schema));
                stream::iter((0..projections.len()).map(move |i| project(&batch, &projections[i], &schema)))
            })
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(Arc::clone(&self.schema), batches)))
    }
}
