//! One task's execution: the plan decoded and built once, then pulled batch by batch.

use std::cell::RefCell;
use std::future::Future;
use std::task::{Context, Poll, Wake, Waker};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arrow::ffi_stream::ArrowArrayStreamReader;

use arrow::record_batch::RecordBatch;
use datafusion::execution::memory_pool::MemoryPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionConfig;
use futures::StreamExt;
use object_store::ObjectStore;
use prost::Message;
use tokio::runtime::Runtime;

use crate::error::{ErrorKind, Result, ThermiteError};
use crate::expr::ExprContext;
use crate::metrics::plan_metrics;
use crate::operators::legacy_calendar::SparkCalendar;
use crate::planner::{build_plan, PlannerContext};
use crate::proto;
use crate::types::{required, to_scalar};

const DEFAULT_BATCH_SIZE: usize = 8192;

/// What Spark lends a task's native plan; the default (nothing) is for tests outside Spark.
#[derive(Default)]
pub struct SparkServices {
    /// Where operators reserve memory (Spark's, through the JVM); `None`: unbounded.
    pub memory_pool: Option<Arc<dyn MemoryPool>>,
    /// Spark's calendar functions, for files in the Julian calendar.
    pub calendar: Option<Arc<dyn SparkCalendar>>,
    /// Per scan input, the task's Hadoop file system where that scan reads through one.
    pub file_systems: Vec<Option<Arc<dyn ObjectStore>>>,
}

/// Memory a sort keeps back for merging its in-memory runs when it has to spill. DataFusion's
/// 10 MiB default is too little once those runs fill a Spark-sized budget (tens of MiB per task):
/// the merge itself then runs out of memory instead of spilling.
const SORT_SPILL_RESERVATION_BYTES: usize = 32 << 20;

/// One runtime for the process: Spark's task threads drive plans themselves (see [`block_on`]),
/// so native work runs on the task's own thread and the runtime's workers serve blocking file
/// I/O and any tasks operators spawn.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("thermite-io")
            .enable_all()
            .build()
            .expect("cannot start the Thermite runtime")
    })
}

/// How often a task waiting on native work asks whether Spark killed it.
const INTERRUPT_CHECK_INTERVAL: Duration = Duration::from_millis(100);

/// Drives `future` to completion on this thread. Unlike the runtime's `block_on` this may nest:
/// a native plan pulling a JVM input can reach, through Spark's operators, another native plan
/// of the same task on the same thread. While it waits, `interrupted` is asked every
/// [`INTERRUPT_CHECK_INTERVAL`]; `None` when it says so.
fn block_on<F: Future>(future: F, interrupted: &mut dyn FnMut() -> bool) -> Option<F::Output> {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let mut checked = Instant::now();
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return Some(output),
            Poll::Pending => std::thread::park_timeout(INTERRUPT_CHECK_INTERVAL),
        }
        if checked.elapsed() >= INTERRUPT_CHECK_INTERVAL {
            if interrupted() {
                return None;
            }
            checked = Instant::now();
        }
    }
}

pub struct TaskExecution {
    root: Arc<dyn ExecutionPlan>,
    stream: SendableRecordBatchStream,
    /// Whether Spark killed the task; native work stops when it says so.
    interrupted: Box<dyn FnMut() -> bool>,
}

impl TaskExecution {
    /// Builds the plan from its serialized form and this task's inputs (file splits, and Arrow
    /// streams from Spark operators), ready to pull, with what Spark lends the task.
    pub fn new(
        plan_bytes: &[u8],
        task_input_bytes: &[u8],
        jvm_inputs: Vec<ArrowArrayStreamReader>,
        spark: SparkServices,
    ) -> Result<Self> {
        let SparkServices { memory_pool, calendar, file_systems } = spark;
        let plan = proto::Plan::decode(plan_bytes)?;
        let task_input = proto::TaskInput::decode(task_input_bytes)?;
        let batch_size = match plan.batch_size {
            0 => DEFAULT_BATCH_SIZE,
            n => n as usize,
        };
        let ctx = PlannerContext {
            task_input: &task_input,
            jvm_inputs: RefCell::new(jvm_inputs.into_iter().map(Some).collect()),
            expr: ExprContext {
                session_time_zone: plan.session_time_zone.clone().unwrap_or_default(),
                subqueries: plan
                    .subqueries
                    .iter()
                    .map(|s| Ok(((s.id, s.field), to_scalar(required(&s.value, "a subquery value")?)?)))
                    .collect::<Result<_>>()?,
            },
            batch_size,
            calendar,
            file_systems,
        };
        let root = build_plan(required(&plan.root, "a root operator")?, &ctx)?;
        let config = SessionConfig::new()
            .with_batch_size(batch_size)
            .with_sort_spill_reservation_bytes(SORT_SPILL_RESERVATION_BYTES);
        let mut environment = RuntimeEnvBuilder::new();
        if let Some(pool) = memory_pool {
            environment = environment.with_memory_pool(pool);
        }
        let task_context =
            Arc::new(TaskContext::default().with_session_config(config).with_runtime(environment.build_arc()?));
        let _context = runtime().enter();
        let stream = root.execute(0, task_context).map_err(ThermiteError::from)?;
        Ok(Self { root, stream, interrupted: Box::new(|| false) })
    }

    /// The metrics of every Spark node in the plan, so far.
    pub fn metrics(&self) -> proto::PlanMetrics {
        plan_metrics(&self.root)
    }

    /// Asks `interrupted` while waiting for a batch, and stops with an error when it says so.
    pub fn with_interrupt_check(mut self, interrupted: impl FnMut() -> bool + 'static) -> Self {
        self.interrupted = Box::new(interrupted);
        self
    }

    /// The next batch, or `None` when the task's input is exhausted.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let _context = runtime().enter();
        match block_on(self.stream.next(), &mut self.interrupted) {
            None => Err(ThermiteError::new(ErrorKind::Execution, "the task was killed while native operators ran")),
            Some(None) => Ok(None),
            Some(Some(batch)) => Ok(Some(batch?)),
        }
    }
}
