//! DataFusion's memory pool backed by Spark's task memory manager: every reservation a native
//! operator makes is acquired from Spark (through the task's `ThermiteMemoryConsumer`), so the
//! query stays within the budget Spark gives the task, and operators spill when Spark refuses.

use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::common::{DataFusionError, Result};
use datafusion::execution::memory_pool::{MemoryPool, MemoryReservation};
use jni::objects::{GlobalRef, JValue};
use jni::JavaVM;

#[derive(Debug)]
pub struct SparkMemoryPool {
    jvm: JavaVM,
    /// The task's `dev.thermite.exec.ThermiteMemoryConsumer`.
    consumer: GlobalRef,
    reserved: AtomicUsize,
}

impl SparkMemoryPool {
    pub fn new(jvm: JavaVM, consumer: GlobalRef) -> Self {
        Self { jvm, consumer, reserved: AtomicUsize::new(0) }
    }

    /// Asks Spark for `bytes`; returns what it granted (possibly less, after spilling others).
    fn acquire(&self, bytes: usize) -> Result<usize> {
        self.call("acquire", bytes).map(|granted| granted.max(0) as usize)
    }

    fn release(&self, bytes: usize) -> Result<()> {
        self.call("release", bytes).map(|_| ())
    }

    fn call(&self, method: &str, bytes: usize) -> Result<i64> {
        if bytes == 0 {
            return Ok(0);
        }
        // Operators may reserve from runtime threads too: attach them (a no-op when attached).
        let mut env = self
            .jvm
            .attach_current_thread_permanently()
            .map_err(|e| DataFusionError::Execution(format!("cannot attach to the JVM: {e}")))?;
        let result = env.call_method(self.consumer.as_obj(), method, "(J)J", &[JValue::Long(bytes as i64)]);
        match result.and_then(|v| v.j()) {
            Ok(v) => Ok(v),
            Err(e) => {
                let _ = env.exception_describe();
                let _ = env.exception_clear();
                Err(DataFusionError::Execution(format!("Spark memory manager {method}({bytes}) failed: {e}")))
            }
        }
    }
}

impl MemoryPool for SparkMemoryPool {
    fn grow(&self, _reservation: &MemoryReservation, additional: usize) {
        // Infallible by contract: what Spark cannot grant is still used, and counted.
        let _ = self.acquire(additional);
        self.reserved.fetch_add(additional, Ordering::Relaxed);
    }

    fn shrink(&self, _reservation: &MemoryReservation, shrink: usize) {
        let _ = self.release(shrink);
        self.reserved.fetch_sub(shrink, Ordering::Relaxed);
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        let granted = self.acquire(additional)?;
        if granted < additional {
            if granted > 0 {
                self.release(granted)?;
            }
            return Err(DataFusionError::ResourcesExhausted(format!(
                "{} asked Spark for {additional} bytes, {granted} granted ({} reserved by this task)",
                reservation.consumer().name(),
                self.reserved.load(Ordering::Relaxed)
            )));
        }
        self.reserved.fetch_add(additional, Ordering::Relaxed);
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.reserved.load(Ordering::Relaxed)
    }
}
