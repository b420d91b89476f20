package dev.thermite

import org.apache.spark.sql.internal.SQLConf

/** Thermite's settings. All are read from the session at planning time. */
object ThermiteConf {
  /** Native execution on or off, at runtime (`spark.conf.set`). */
  val Enabled = "spark.thermite.enabled"
  /** Log each query's fallback reasons once, when it is planned. */
  val ExplainFallback = "spark.thermite.explainFallback.enabled"
  /** Rows per native batch. */
  val BatchSize = "spark.thermite.batchSize"

  def enabled(conf: SQLConf): Boolean = conf.getConfString(Enabled, "true").toBoolean
  def explainFallback(conf: SQLConf): Boolean = conf.getConfString(ExplainFallback, "false").toBoolean
  def batchSize(conf: SQLConf): Int = conf.getConfString(BatchSize, "8192").toInt
}
