package org.apache.spark.thermite

import org.apache.spark.{RangePartitioner, SparkContext, TaskContext}
import org.apache.spark.memory.TaskMemoryManager

/** The few package-private parts of Spark that Thermite needs, in one place. */
object SparkInternals {
  /** The task's memory manager, where native operators reserve memory. */
  def taskMemoryManager(context: TaskContext): TaskMemoryManager = context.taskMemoryManager()

  /** Throws Spark's `TaskKilledException` if the task was killed (a cancelled job, say). */
  def killTaskIfInterrupted(context: TaskContext): Unit = context.killTaskIfInterrupted()

  private val ExtensionsKey = "spark.sql.extensions"

  /**
   * Adds a session extension class to `spark.sql.extensions` of a SparkContext being created, so
   * every SparkSession built on it applies the extension. Driver plugins run before any session
   * reads that setting.
   */
  def addSessionExtension(sc: SparkContext, className: String): Unit = {
    val existing = sc.conf.get(ExtensionsKey, "").split(",").map(_.trim).filter(_.nonEmpty)
    if (!existing.contains(className)) {
      sc.conf.set(ExtensionsKey, (existing :+ className).mkString(","))
    }
  }

  /**
   * The bounds Spark's RangePartitioner sampled, in its ordering. They are private to it; reading
   * them keeps Spark's own sampling (sample sizes, reweighting of skewed partitions) exact.
   */
  def rangeBounds(partitioner: RangePartitioner[_, _]): Array[_] = {
    val field = classOf[RangePartitioner[_, _]].getDeclaredFields
      .find(f => f.getName == "rangeBounds" || f.getName.endsWith("$$rangeBounds"))
      .getOrElse(throw new IllegalStateException("RangePartitioner has no rangeBounds field"))
    field.setAccessible(true)
    field.get(partitioner).asInstanceOf[Array[_]]
  }
}
