package dev.thermite

import java.util.{Collections, Map => JMap}

import dev.thermite.exec.NativeMemoryReports

import org.apache.spark.{SparkContext, TaskFailedReason}
import org.apache.spark.api.plugin.{DriverPlugin, ExecutorPlugin, PluginContext, SparkPlugin}
import org.apache.spark.thermite.SparkInternals

/**
 * The one thing users configure: `spark.plugins=dev.thermite.ThermitePlugin`. The driver side
 * registers Thermite's session extension; both sides load the native library early so a problem
 * shows at start-up, not in the first query.
 */
class ThermitePlugin extends SparkPlugin {
  override def driverPlugin(): DriverPlugin = new DriverPlugin {
    override def init(sc: SparkContext, ctx: PluginContext): JMap[String, String] = {
      SparkInternals.addSessionExtension(sc, classOf[ThermiteExtensions].getName)
      NativeLoader.status
      Collections.emptyMap()
    }

    override def receive(message: Any): AnyRef = {
      NativeMemoryReports.receive(message)
      null
    }
  }

  override def executorPlugin(): ExecutorPlugin = new ExecutorPlugin {
    override def init(ctx: PluginContext, extraConf: JMap[String, String]): Unit = {
      NativeLoader.status
      NativeMemoryReports.startExecutor(ctx)
    }

    override def onTaskStart(): Unit = NativeMemoryReports.taskStarted()
    override def onTaskSucceeded(): Unit = NativeMemoryReports.taskEnded(None)
    override def onTaskFailed(reason: TaskFailedReason): Unit = NativeMemoryReports.taskEnded(Some(reason))
  }
}
