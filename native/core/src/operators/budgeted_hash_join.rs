//! A shuffled hash join that stays within Spark's memory budget: its build side is first read
//! into memory reserved from Spark (with room for the hash table DataFusion will add); when Spark
//! refuses, both sides are sorted instead (sorts spill) and merged, so an oversized build side
//! costs time rather than the task.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use arrow::datatypes::SchemaRef;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, LexOrdering};
use datafusion::physical_plan::metrics::{Count, ExecutionPlanMetricsSet, MetricBuilder, MetricValue, MetricsSet};
use datafusion::physical_plan::spill::get_record_batch_memory_size;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::{StreamExt, TryStreamExt};

use crate::operators::{ordered_task_stream_properties, task_stream_properties};

/// Bytes per build row that DataFusion's hash table takes besides the rows: its map entries,
/// chain links and matched-row bitmap, rounded up.
const HASH_TABLE_BYTES_PER_ROW: usize = 40;

/// Where a join alternative's input stream waits until the alternative runs.
#[derive(Default)]
pub struct Slot(Mutex<Option<SendableRecordBatchStream>>);

impl Slot {
    fn put(&self, stream: SendableRecordBatchStream) -> Result<()> {
        *self.0.lock().map_err(|_| DataFusionError::Internal("a poisoned join input slot".into()))? = Some(stream);
        Ok(())
    }

    fn take(&self) -> Result<SendableRecordBatchStream> {
        let taken = self.0.lock().map_err(|_| DataFusionError::Internal("a poisoned join input slot".into()))?.take();
        taken.ok_or_else(|| DataFusionError::Internal("a join input read twice".into()))
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Slot")
    }
}

/// A leaf that hands out the stream put in its slot: the input of both alternatives, of which
/// only one runs.
#[derive(Debug)]
pub struct SlotExec {
    slot: Arc<Slot>,
    properties: PlanProperties,
}

impl SlotExec {
    pub fn new(schema: SchemaRef) -> (Arc<Slot>, Arc<dyn ExecutionPlan>) {
        Self::with_properties(task_stream_properties(schema))
    }

    /// A slot whose stream comes in `ordering`: a hash join keeps its probe side's order,
    /// unmatched rows of an outer join included, only when that side declares one.
    pub fn sorted(schema: SchemaRef, ordering: LexOrdering) -> (Arc<Slot>, Arc<dyn ExecutionPlan>) {
        let equivalences = EquivalenceProperties::new_with_orderings(schema, [ordering]);
        Self::with_properties(ordered_task_stream_properties(equivalences))
    }

    fn with_properties(properties: PlanProperties) -> (Arc<Slot>, Arc<dyn ExecutionPlan>) {
        let slot = Arc::new(Slot::default());
        (Arc::clone(&slot), Arc::new(Self { slot, properties }))
    }
}

impl DisplayAs for SlotExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "SlotExec")
    }
}

impl ExecutionPlan for SlotExec {
    fn name(&self) -> &str {
        "SlotExec"
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
        self.slot.take()
    }
}

/// The two ways to join, both over the same slots: `hash` builds from `build_slot`, `merge`
/// sorts both and is absent where the keys cannot be merged.
#[derive(Clone)]
pub struct Alternatives {
    pub build_slot: Arc<Slot>,
    pub probe_slot: Arc<Slot>,
    pub hash: Arc<dyn ExecutionPlan>,
    pub merge: Option<Arc<dyn ExecutionPlan>>,
}

pub struct BudgetedHashJoinExec {
    /// Spark's left and right inputs, in that order (as Spark lists its node's metrics).
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    build_left: bool,
    alternatives: Alternatives,
    properties: PlanProperties,
    metrics: ExecutionPlanMetricsSet,
}

impl fmt::Debug for BudgetedHashJoinExec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("BudgetedHashJoinExec").field("left", &self.left).field("right", &self.right).finish()
    }
}

impl BudgetedHashJoinExec {
    pub fn new(
        left: Arc<dyn ExecutionPlan>,
        right: Arc<dyn ExecutionPlan>,
        build_left: bool,
        alternatives: Alternatives,
    ) -> Self {
        let properties = task_stream_properties(alternatives.hash.schema());
        Self { left, right, build_left, alternatives, properties, metrics: ExecutionPlanMetricsSet::new() }
    }

    /// Every metric of the alternatives but their row counts (the top one's rows are this node's).
    fn inner_metrics(plan: &Arc<dyn ExecutionPlan>, out: &mut MetricsSet) {
        for metric in plan.metrics().unwrap_or_default().iter() {
            if !matches!(metric.value(), MetricValue::OutputRows(_)) {
                out.push(Arc::clone(metric));
            }
        }
        for child in plan.children() {
            Self::inner_metrics(child, out);
        }
    }
}

/// What `execute` needs once it runs.
struct Run {
    build: Arc<dyn ExecutionPlan>,
    probe: Arc<dyn ExecutionPlan>,
    alternatives: Alternatives,
    output_rows: Count,
}

impl Run {
    async fn answer(self, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let Alternatives { build_slot, probe_slot, hash, merge } = self.alternatives;
        let mut build = self.build.execute(0, Arc::clone(&context))?;
        let mut chosen = &hash;
        if let Some(merge) = &merge {
            let mut reservation = MemoryConsumer::new("ThermiteHashJoinBuild").register(context.memory_pool());
            let mut read = VecDeque::new();
            while let Some(batch) = build.next().await.transpose()? {
                // Twice the rows: DataFusion concatenates the build side into one batch.
                let need = 2 * get_record_batch_memory_size(&batch) + HASH_TABLE_BYTES_PER_ROW * batch.num_rows();
                read.push_back(batch);
                if reservation.try_grow(need).is_err() {
                    chosen = merge;
                    break;
                }
            }
            // The chosen join reserves its own memory for the same batches.
            drop(reservation);
            let schema = build.schema();
            let replay = futures::stream::iter(read.into_iter().map(Ok)).chain(build);
            build = Box::pin(RecordBatchStreamAdapter::new(schema, replay));
        }
        build_slot.put(build)?;
        probe_slot.put(self.probe.execute(0, Arc::clone(&context))?)?;
        let (schema, output_rows) = (hash.schema(), self.output_rows);
        // Both alternatives give Spark's columns; the merge's batches take the hash join's names.
        let relabel = !Arc::ptr_eq(chosen, &hash);
        let stream = chosen.execute(0, context)?.map(move |batch| {
            let batch = batch?;
            let batch = if relabel { super::batch_of(&schema, batch.columns().to_vec(), batch.num_rows())? } else { batch };
            output_rows.add(batch.num_rows());
            Ok(batch)
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(hash.schema(), stream)))
    }
}

impl DisplayAs for BudgetedHashJoinExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "BudgetedHashJoinExec: sort-merge when over budget: {}", self.alternatives.merge.is_some())
    }
}

impl ExecutionPlan for BudgetedHashJoinExec {
    fn name(&self) -> &str {
        "BudgetedHashJoinExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &PlanProperties {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.left, &self.right]
    }

    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        let (left, right) = (Arc::clone(&children[0]), Arc::clone(&children[1]));
        Ok(Arc::new(Self::new(left, right, self.build_left, self.alternatives.clone())))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        let mut set = self.metrics.clone_inner();
        Self::inner_metrics(&self.alternatives.hash, &mut set);
        if let Some(merge) = &self.alternatives.merge {
            Self::inner_metrics(merge, &mut set);
        }
        Some(set)
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let (build, probe) = if self.build_left { (&self.left, &self.right) } else { (&self.right, &self.left) };
        let run = Run {
            build: Arc::clone(build),
            probe: Arc::clone(probe),
            alternatives: self.alternatives.clone(),
            output_rows: MetricBuilder::new(&self.metrics).output_rows(partition),
        };
        let stream = futures::stream::once(run.answer(context)).try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.alternatives.hash.schema(), stream)))
    }
}
