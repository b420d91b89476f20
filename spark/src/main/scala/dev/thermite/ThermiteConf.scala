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

  /** Shuffles written and read natively (`ShuffleExchangeExec` over a native input). */
  val ShuffleEnabled = "spark.thermite.shuffle.enabled"
  /** Compression of native shuffle blocks: lz4, zstd or none. */
  val ShuffleCodec = "spark.thermite.shuffle.codec"

  def enabled(conf: SQLConf): Boolean = conf.getConfString(Enabled, "true").toBoolean
  def explainFallback(conf: SQLConf): Boolean = conf.getConfString(ExplainFallback, "false").toBoolean
  def shuffleEnabled(conf: SQLConf): Boolean = conf.getConfString(ShuffleEnabled, "true").toBoolean
  def shuffleCodec(conf: SQLConf): String = conf.getConfString(ShuffleCodec, "lz4").toLowerCase(java.util.Locale.ROOT)
  def batchSize(conf: SQLConf): Int = conf.getConfString(BatchSize, "8192").toInt
}
