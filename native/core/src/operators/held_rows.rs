//! The memory of rows an operator holds between taking them in and giving them out, one output
//! row per input row (DataFusion's window holds a window partition's rows until their results
//! are known, and accounts none of it). Reserved from the task's pool, which is Spark's memory:
//! rows past the task's budget fail it with Spark's out-of-memory error rather than grow
//! unaccounted.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex};

use arrow::record_batch::RecordBatch;
use datafusion::common::{internal_err, Result};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan, PlanProperties};
use futures::{future, TryStreamExt};

#[derive(Debug, Default)]
struct Held {
    reservation: Option<MemoryReservation>,
    rows: usize,
    bytes: usize,
}

type Shared = Arc<Mutex<Held>>;

/// `build`'s operator over `input`, its held rows accounted as `name` in the task's pool.
pub fn account_held_rows(
    name: &'static str,
    input: Arc<dyn ExecutionPlan>,
    build: impl FnOnce(Arc<dyn ExecutionPlan>) -> crate::error::Result<Arc<dyn ExecutionPlan>>,
) -> crate::error::Result<Arc<dyn ExecutionPlan>> {
    let held = Shared::default();
    let inner = build(Arc::new(HeldRowsInExec { input, held: Arc::clone(&held) }))?;
    Ok(Arc::new(HeldRowsOutExec { name, inner, held }))
}

/// Passes the holding operator's input through, reserving each batch's memory.
#[derive(Debug)]
struct HeldRowsInExec {
    input: Arc<dyn ExecutionPlan>,
    held: Shared,
}

/// Passes the holding operator's output through, releasing the memory of the rows it gives out.
#[derive(Debug)]
struct HeldRowsOutExec {
    name: &'static str,
    inner: Arc<dyn ExecutionPlan>,
    held: Shared,
}

impl Held {
    fn take_in(&mut self, batch: &RecordBatch) -> Result<()> {
        let bytes = batch.get_array_memory_size();
        match self.reservation.as_mut() {
            Some(reservation) => reservation.try_grow(bytes)?,
            None => return internal_err!("held rows taken in before the holding operator ran"),
        }
        self.rows += batch.num_rows();
        self.bytes += bytes;
        Ok(())
    }

    /// Releases `rows` of the rows held, at the average size of those held.
    fn give_out(&mut self, rows: usize) {
        let rows = rows.min(self.rows);
        let bytes = if rows == self.rows { self.bytes } else { (self.bytes as u128 * rows as u128 / self.rows as u128) as usize };
        self.rows -= rows;
        self.bytes -= bytes;
        if let Some(reservation) = self.reservation.as_mut() {
            reservation.shrink(bytes.min(reservation.size()));
        }
    }
}

impl DisplayAs for HeldRowsInExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "HeldRowsInExec")
    }
}

impl DisplayAs for HeldRowsOutExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "HeldRowsOutExec: {}", self.name)
    }
}

impl ExecutionPlan for HeldRowsInExec {
    fn name(&self) -> &str {
        "HeldRowsInExec"
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

    fn with_new_children(self: Arc<Self>, mut children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(Self { input: children.swap_remove(0), held: Arc::clone(&self.held) }))
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let input = self.input.execute(partition, context)?;
        let held = Arc::clone(&self.held);
        let schema = input.schema();
        let batches = input.and_then(move |batch| {
            future::ready(held.lock().expect("held rows lock").take_in(&batch).map(|_| batch))
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}

impl ExecutionPlan for HeldRowsOutExec {
    fn name(&self) -> &str {
        "HeldRowsOutExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &PlanProperties {
        self.inner.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.inner]
    }

    fn with_new_children(self: Arc<Self>, mut children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(Arc::new(Self { name: self.name, inner: children.swap_remove(0), held: Arc::clone(&self.held) }))
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let reservation = MemoryConsumer::new(self.name).register(context.memory_pool());
        self.held.lock().expect("held rows lock").reservation = Some(reservation);
        let output = self.inner.execute(partition, context)?;
        let held = Arc::clone(&self.held);
        let schema = output.schema();
        let batches = output.inspect_ok(move |batch| held.lock().expect("held rows lock").give_out(batch.num_rows()));
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, batches)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::execution::memory_pool::{GreedyMemoryPool, MemoryPool};

    #[test]
    fn rows_held_are_reserved_until_given_out() {
        let pool: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(1 << 20));
        let mut held = Held { reservation: Some(MemoryConsumer::new("t").register(&pool)), ..Default::default() };
        let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from((0..1000).collect::<Vec<_>>()))]).unwrap();
        held.take_in(&batch).unwrap();
        held.take_in(&batch).unwrap();
        let both = pool.reserved();
        assert!(both >= 16000);
        held.give_out(1000);
        assert_eq!(pool.reserved(), both / 2);
        held.give_out(1000);
        assert_eq!(pool.reserved(), 0);
        let small: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(100));
        let mut refused = Held { reservation: Some(MemoryConsumer::new("t").register(&small)), ..Default::default() };
        assert!(refused.take_in(&batch).is_err());
    }
}
