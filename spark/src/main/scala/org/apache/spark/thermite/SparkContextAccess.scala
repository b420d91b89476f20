package org.apache.spark.thermite

import org.apache.spark.SparkContext

/** Reaches the SparkContext's live configuration, which Spark keeps package-private. */
object SparkContextAccess {
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
}
