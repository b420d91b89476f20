package dev.thermite.exec

import org.apache.spark.memory.{MemoryConsumer, MemoryMode, TaskMemoryManager}

/**
 * Native operators' memory, accounted with Spark: the native memory pool calls `acquire` and
 * `release` (over JNI) for every reservation. Off-heap when Spark has off-heap memory, else
 * against the on-heap execution budget, which is the budget Spark gives a task either way.
 * Native operators spill on their own when refused, so Spark's requests to spill get nothing.
 */
class ThermiteMemoryConsumer(taskMemoryManager: TaskMemoryManager)
    extends MemoryConsumer(
      taskMemoryManager,
      taskMemoryManager.pageSizeBytes(),
      if (taskMemoryManager.getTungstenMemoryMode == MemoryMode.OFF_HEAP) MemoryMode.OFF_HEAP else MemoryMode.ON_HEAP) {

  /** Called from native code; returns the bytes granted, possibly fewer than asked. */
  def acquire(bytes: Long): Long = acquireMemory(bytes)

  /** Called from native code. */
  def release(bytes: Long): Long = {
    val freed = math.min(bytes, getUsed)
    if (freed > 0) freeMemory(freed)
    freed
  }

  /** Frees whatever native code did not release (it releases everything when it closes). */
  def releaseAll(): Unit = if (getUsed > 0) freeMemory(getUsed)

  override def spill(size: Long, trigger: MemoryConsumer): Long = 0L
}
