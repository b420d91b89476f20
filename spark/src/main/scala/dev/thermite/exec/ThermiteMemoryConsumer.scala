package dev.thermite.exec

import org.apache.spark.{SparkEnv, TaskContext}
import org.apache.spark.internal.Logging
import org.apache.spark.memory.{MemoryConsumer, MemoryMode}
import org.apache.spark.thermite.SparkInternals

/**
 * Native operators' memory, accounted with Spark: the native memory pool calls `acquire` and
 * `release` (over JNI) for every reservation. Off-heap when Spark has off-heap memory, else
 * against the on-heap execution budget, which is the budget Spark gives a task either way.
 * Native operators spill on their own when refused, so Spark's requests to spill get nothing.
 *
 * Native code also reports its overdraft (bytes an infallible reservation took beyond Spark's
 * grant, see `native/jni/src/memory.rs`), so this consumer knows the peak held natively, and
 * asks whether the task was killed while it waits. A reservation of a killed task throws
 * Spark's `TaskKilledException`, which native code rethrows to the task.
 */
class ThermiteMemoryConsumer(context: TaskContext)
    extends MemoryConsumer(
      SparkInternals.taskMemoryManager(context),
      SparkInternals.taskMemoryManager(context).pageSizeBytes(),
      if (SparkInternals.taskMemoryManager(context).getTungstenMemoryMode == MemoryMode.OFF_HEAP) MemoryMode.OFF_HEAP
      else MemoryMode.ON_HEAP)
    with Logging {

  @volatile private var overdraft = 0L
  private val stats = new NativeMemoryStats
  /** A call from native code threw: native code then stops releasing, this consumer frees. */
  @volatile private var callFailed = false

  /** Called from native code; returns the bytes granted, possibly fewer than asked. */
  def acquire(bytes: Long): Long = failing {
    SparkInternals.killTaskIfInterrupted(context)
    val granted = acquireMemory(bytes)
    record()
    granted
  }

  /** Called from native code. */
  def release(bytes: Long): Long = failing {
    val freed = math.min(bytes, getUsed)
    if (freed > 0) freeMemory(freed)
    freed
  }

  /** Called from native code when the bytes it holds beyond Spark's grant change. */
  def overdrawn(bytes: Long): Unit = {
    overdraft = bytes
    record()
  }

  /** Called from native code while it waits. */
  def interrupted(): Boolean = context.isInterrupted()

  private def record(): Unit = stats.observe(getUsed, overdraft)

  private def failing[T](call: => T): T =
    try call
    catch {
      case e: Throwable =>
        callFailed = true
        throw e
    }

  /**
   * After native code closed: it released all it reserved unless a call to Spark failed. What
   * is left otherwise is a leak, freed here and reported as Spark reports its own leaks (an
   * error under `spark.unsafe.exceptionOnMemoryLeak`). Adds this execution to the task's report.
   */
  def close(): Unit = {
    val left = getUsed
    if (left > 0) freeMemory(left)
    val leaked = if (callFailed) 0L else left + overdraft
    stats.leaked(leaked)
    NativeMemoryReports.add(context, stats)
    if (leaked > 0) {
      val message = s"Thermite: native code did not return $leaked bytes of memory, task ${context.taskAttemptId()}"
      if (SparkEnv.get != null && SparkEnv.get.conf.getBoolean("spark.unsafe.exceptionOnMemoryLeak", false)) {
        throw new IllegalStateException(message)
      }
      logWarning(message)
    }
  }

  override def spill(size: Long, trigger: MemoryConsumer): Long = 0L
}

/** One native execution's memory, as seen by Spark: its peaks and what it did not return. */
class NativeMemoryStats {
  @volatile var peakGranted = 0L
  @volatile var peakNative = 0L
  @volatile var peakOverdraft = 0L
  @volatile var notReturned = 0L

  def observe(granted: Long, overdraft: Long): Unit = synchronized {
    peakGranted = math.max(peakGranted, granted)
    peakNative = math.max(peakNative, granted + overdraft)
    peakOverdraft = math.max(peakOverdraft, overdraft)
  }

  def leaked(bytes: Long): Unit = synchronized { notReturned += bytes }

  /** Adds another execution of the same task: peaks are taken per execution. */
  def add(other: NativeMemoryStats): Unit = synchronized {
    peakGranted = math.max(peakGranted, other.peakGranted)
    peakNative = math.max(peakNative, other.peakNative)
    peakOverdraft = math.max(peakOverdraft, other.peakOverdraft)
    notReturned += other.notReturned
  }
}
