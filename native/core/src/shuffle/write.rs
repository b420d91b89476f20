//! The map side of a native shuffle. Input batches are kept whole, in memory reserved from the
//! task's pool (Spark's), with each row's place listed under its partition; when the input ends,
//! or the pool refuses more, every partition's rows are gathered into blocks and emitted. The JVM
//! hands the blocks to Spark's shuffle writer, which spills under its own accounting, so a
//! refused reservation costs extra blocks, never the task.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryBuilder, Int32Builder, Int64Builder, RecordBatch};
use arrow::compute::interleave_record_batch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::{EquivalenceProperties, Partitioning};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::metrics::{Count, ExecutionPlanMetricsSet, MetricBuilder, MetricsSet, Time};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::StreamExt;

use super::block;
use super::partitioner::Partitioner;
use crate::operators::batch_of;
use crate::proto::shuffle_write::Codec;

/// Builds a partitioner per task.
pub type PartitionerFactory = Arc<dyn Fn() -> Result<Partitioner> + Send + Sync>;

pub struct ShuffleWriteExec {
    input: Arc<dyn ExecutionPlan>,
    partitioner: PartitionerFactory,
    num_partitions: usize,
    codec: Codec,
    batch_size: usize,
    properties: PlanProperties,
    metrics: ExecutionPlanMetricsSet,
}

impl fmt::Debug for ShuffleWriteExec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ShuffleWriteExec({} partitions, {:?})", self.num_partitions, self.codec)
    }
}

/// One row per block: partition, rows, bytes in memory before compression, the block.
pub fn block_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("partition", DataType::Int32, false),
        Field::new("rows", DataType::Int64, false),
        Field::new("bytes", DataType::Int64, false),
        Field::new("block", DataType::Binary, false),
    ]))
}

impl ShuffleWriteExec {
    pub fn new(
        input: Arc<dyn ExecutionPlan>,
        partitioner: PartitionerFactory,
        num_partitions: usize,
        codec: Codec,
        batch_size: usize,
    ) -> Self {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(block_schema()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        let metrics = ExecutionPlanMetricsSet::new();
        Self { input, partitioner, num_partitions, codec, batch_size, properties, metrics }
    }
}

impl DisplayAs for ShuffleWriteExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl ExecutionPlan for ShuffleWriteExec {
    fn name(&self) -> &str {
        "ShuffleWriteExec"
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
        let p = Arc::clone(&self.partitioner);
        Ok(Arc::new(Self::new(Arc::clone(&children[0]), p, self.num_partitions, self.codec, self.batch_size)))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, Arc::clone(&context))?;
        let buffer = PartitionBuffer {
            schema: self.input.schema(),
            partitioner: (self.partitioner)()?,
            num_partitions: self.num_partitions,
            codec: self.codec,
            batch_size: self.batch_size,
            batches: Vec::new(),
            rows: vec![Vec::new(); self.num_partitions],
            reservation: MemoryConsumer::new("ThermiteShuffleWrite").with_can_spill(true).register(context.memory_pool()),
            elapsed: MetricBuilder::new(&self.metrics).elapsed_compute(partition),
            spills: MetricBuilder::new(&self.metrics).spill_count(partition),
            spilled_bytes: MetricBuilder::new(&self.metrics).spilled_bytes(partition),
            output_rows: MetricBuilder::new(&self.metrics).output_rows(partition),
        };
        let blocks = futures::stream::try_unfold((input, buffer, false), |(mut input, mut buffer, done)| async move {
            if done {
                return Ok(None);
            }
            while let Some(batch) = input.next().await {
                if let Some(blocks) = buffer.insert(batch?)? {
                    return Ok(Some((blocks, (input, buffer, false))));
                }
            }
            Ok(buffer.flush()?.map(|blocks| (blocks, (input, buffer, true))))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(block_schema(), blocks)))
    }
}

struct PartitionBuffer {
    schema: SchemaRef,
    partitioner: Partitioner,
    num_partitions: usize,
    codec: Codec,
    batch_size: usize,
    batches: Vec<RecordBatch>,
    /// Per partition, its rows as (batch, row) places in `batches`.
    rows: Vec<Vec<(usize, usize)>>,
    reservation: MemoryReservation,
    elapsed: Time,
    spills: Count,
    spilled_bytes: Count,
    output_rows: Count,
}

impl PartitionBuffer {
    /// Buffers `batch`; when the pool refuses its memory, first emits what was buffered.
    fn insert(&mut self, batch: RecordBatch) -> Result<Option<RecordBatch>> {
        if batch.num_rows() == 0 {
            return Ok(None);
        }
        // The batch, and its rows' places in the partition lists.
        let size = batch.get_array_memory_size() + batch.num_rows() * std::mem::size_of::<(usize, usize)>();
        let emitted = match self.reservation.try_grow(size) {
            Ok(()) => None,
            Err(DataFusionError::ResourcesExhausted(_)) => {
                let blocks = if self.batches.is_empty() {
                    None
                } else {
                    self.spills.add(1);
                    self.spilled_bytes.add(self.reservation.size());
                    self.flush()?
                };
                // Over budget even alone: the batch is held as the pool's overdraft, which Spark
                // sees and which makes the next reservation fail, flushing it.
                if self.reservation.try_grow(size).is_err() {
                    self.reservation.grow(size);
                }
                blocks
            }
            Err(e) => return Err(e),
        };
        let elapsed = self.elapsed.clone();
        let timer = elapsed.timer();
        let ids = self.partitioner.partition_ids(&batch, self.num_partitions)?;
        let index = self.batches.len();
        for (row, id) in ids.into_iter().enumerate() {
            self.rows[id as usize].push((index, row));
        }
        self.batches.push(batch);
        timer.done();
        Ok(emitted)
    }

    /// Every partition's buffered rows as blocks of at most `batch_size` rows; None when empty.
    fn flush(&mut self) -> Result<Option<RecordBatch>> {
        if self.batches.is_empty() {
            return Ok(None);
        }
        let elapsed = self.elapsed.clone();
        let timer = elapsed.timer();
        let sources: Vec<&RecordBatch> = self.batches.iter().collect();
        let (mut partitions, mut rows, mut bytes, mut blocks) =
            (Int32Builder::new(), Int64Builder::new(), Int64Builder::new(), BinaryBuilder::new());
        for (partition, places) in self.rows.iter_mut().enumerate() {
            for chunk in places.chunks(self.batch_size) {
                let batch = if self.schema.fields().is_empty() {
                    batch_of(&self.schema, vec![], chunk.len())?
                } else {
                    interleave_record_batch(&sources, chunk)?
                };
                partitions.append_value(partition as i32);
                rows.append_value(batch.num_rows() as i64);
                bytes.append_value(batch.get_array_memory_size() as i64);
                blocks.append_value(block::encode(&self.schema, &[batch], self.codec)?);
            }
            places.clear();
        }
        self.batches.clear();
        self.reservation.free();
        let columns: Vec<ArrayRef> =
            vec![Arc::new(partitions.finish()), Arc::new(rows.finish()), Arc::new(bytes.finish()), Arc::new(blocks.finish())];
        let out = RecordBatch::try_new(block_schema(), columns)?;
        self.output_rows.add(out.num_rows());
        timer.done();
        Ok(Some(out))
    }
}
