package dev.thermite.exec

import java.util.concurrent.ConcurrentHashMap

import scala.collection.mutable.ArrayBuffer

import org.apache.spark.{TaskContext, TaskFailedReason}
import org.apache.spark.api.plugin.PluginContext

/**
 * Per-task reports of native memory, for tests and diagnosis, under
 * `spark.thermite.memoryReports.enabled`: each executor sends the driver, for every task that
 * ran native code, the peaks of what Spark granted and what native code held, the peak held
 * beyond Spark's grant, and what native code did not return, with how the task ended (killed
 * tasks included, whose accumulators Spark drops).
 */
object NativeMemoryReports {
  val Enabled = "spark.thermite.memoryReports.enabled"

  // Executor side: set by the executor plugin when reports are on.
  @volatile private var plugin: Option[PluginContext] = None
  private val running = new ConcurrentHashMap[Long, NativeMemoryStats]()
  private val current = new ThreadLocal[TaskContext]

  def startExecutor(ctx: PluginContext): Unit =
    if (ctx.conf().getBoolean(Enabled, false)) plugin = Some(ctx)

  /** On the task's thread, as it starts. */
  def taskStarted(): Unit = if (plugin.isDefined) current.set(TaskContext.get())

  /** Adds one closed native execution to its task's report. */
  def add(context: TaskContext, stats: NativeMemoryStats): Unit =
    if (plugin.isDefined) running.computeIfAbsent(context.taskAttemptId(), _ => new NativeMemoryStats).add(stats)

  /** On the task's thread, once it ended: sends the report of a task that ran native code. */
  def taskEnded(failure: Option[TaskFailedReason]): Unit = plugin.foreach { ctx =>
    val context = current.get()
    current.remove()
    Option(context).flatMap(c => Option(running.remove(c.taskAttemptId()))).foreach { stats =>
      // A string, which the driver reads whatever its class loaders.
      val outcome = failure.map(_.getClass.getSimpleName).getOrElse("Success")
      ctx.send(s"""{"stage":${context.stageId()},"task":${context.taskAttemptId()},"outcome":"$outcome",""" +
        s""""peakGranted":${stats.peakGranted},"peakNative":${stats.peakNative},""" +
        s""""peakOverdraft":${stats.peakOverdraft},"notReturned":${stats.notReturned}}""")
    }
  }

  // Driver side.
  private val received = ArrayBuffer.empty[String]

  def receive(message: Any): Unit = message match {
    case report: String => received.synchronized(received += report)
    case _ =>
  }

  /** The reports received since the last call, as a JSON array (for PySpark tests). */
  def drain(): String = received.synchronized {
    val json = received.mkString("[", ",", "]")
    received.clear()
    json
  }
}
