//! Spark's null-aware anti join, the plan of `NOT IN (subquery)` over a broadcast: three-valued
//! `NOT IN` decides on the whole build side before any probe row, so the build side is read
//! first and then picks one of three answers.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::common::{JoinType, NullEquality, Result};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::expressions::IsNotNullExpr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::common::collect;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::metrics::{BaselineMetrics, ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, EmptyRecordBatchStream, ExecutionPlan, PlanProperties};
use futures::{StreamExt, TryStreamExt};

use crate::operators::task_stream_properties;

/// The probe rows that `NOT IN` the build side's keys keeps:
/// - all of them when the build side is empty (`x NOT IN ()` is true, even for a NULL `x`);
/// - none when a build key is NULL (`x NOT IN (.., NULL)` is never true);
/// - otherwise those whose key is not NULL and equals no build key.
#[derive(Debug)]
pub struct NullAwareAntiJoinExec {
    build: Arc<dyn ExecutionPlan>,
    probe: Arc<dyn ExecutionPlan>,
    build_key: Arc<dyn PhysicalExpr>,
    probe_key: Arc<dyn PhysicalExpr>,
    properties: PlanProperties,
    metrics: ExecutionPlanMetricsSet,
}

impl NullAwareAntiJoinExec {
    pub fn new(
        build: Arc<dyn ExecutionPlan>,
        probe: Arc<dyn ExecutionPlan>,
        build_key: Arc<dyn PhysicalExpr>,
        probe_key: Arc<dyn PhysicalExpr>,
    ) -> Self {
        let properties = task_stream_properties(probe.schema());
        Self { build, probe, build_key, probe_key, properties, metrics: ExecutionPlanMetricsSet::new() }
    }
}

/// The probe side's answer, once the whole build side is known.
async fn answer(
    build: Arc<dyn ExecutionPlan>,
    probe: Arc<dyn ExecutionPlan>,
    build_key: Arc<dyn PhysicalExpr>,
    probe_key: Arc<dyn PhysicalExpr>,
    context: Arc<TaskContext>,
) -> Result<SendableRecordBatchStream> {
    let batches: Vec<RecordBatch> = collect(build.execute(0, Arc::clone(&context))?).await?;
    if batches.iter().all(|b| b.num_rows() == 0) {
        return probe.execute(0, context);
    }
    for batch in &batches {
        if build_key.evaluate(batch)?.into_array(batch.num_rows())?.null_count() > 0 {
            return Ok(Box::pin(EmptyRecordBatchStream::new(probe.schema())));
        }
    }
    let build = MemorySourceConfig::try_new_exec(&[batches], build.schema(), None)?;
    let non_null_keys = Arc::new(IsNotNullExpr::new(Arc::clone(&probe_key)));
    let probe = Arc::new(FilterExec::try_new(non_null_keys, probe)?);
    let join = HashJoinExec::try_new(
        build,
        probe,
        vec![(build_key, probe_key)],
        None,
        &JoinType::RightAnti,
        None,
        PartitionMode::Partitioned,
        NullEquality::NullEqualsNothing,
    )?;
    join.execute(0, context)
}

impl DisplayAs for NullAwareAntiJoinExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "NullAwareAntiJoinExec: probe {} NOT IN build {}", self.probe_key, self.build_key)
    }
}

impl ExecutionPlan for NullAwareAntiJoinExec {
    fn name(&self) -> &str {
        "NullAwareAntiJoinExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &PlanProperties {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.build, &self.probe]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        let (build, probe) = (Arc::clone(&children[0]), Arc::clone(&children[1]));
        Ok(Arc::new(Self::new(build, probe, Arc::clone(&self.build_key), Arc::clone(&self.probe_key))))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let baseline = BaselineMetrics::new(&self.metrics, partition);
        let answer = answer(
            Arc::clone(&self.build),
            Arc::clone(&self.probe),
            Arc::clone(&self.build_key),
            Arc::clone(&self.probe_key),
            context,
        );
        let stream = futures::stream::once(answer)
            .try_flatten()
            .inspect_ok(move |batch| baseline.record_output(batch.num_rows()))
            .boxed();
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.probe.schema(), stream)))
    }
}
