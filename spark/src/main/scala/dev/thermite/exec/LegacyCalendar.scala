package dev.thermite.exec

import org.apache.spark.sql.catalyst.util.RebaseDateTime
import org.apache.spark.sql.execution.datasources.DataSourceUtils

/**
 * Spark's own calendar decisions for the native Parquet scan, called from native code on the
 * task's thread: which calendar a file's dates and timestamps are in, and the rebasing of its
 * values from before the last calendar switch (rare, and zone dependent: Spark's to compute).
 */
object LegacyCalendar {
  /**
   * Spark's rebase specs for a file with this key-value metadata (`values(i)` of `keys(i)`,
   * null when absent) under these modes in read: the mode and zone for dates and INT64
   * timestamps, then for INT96 timestamps.
   */
  def rebaseSpecs(keys: Array[String], values: Array[String], datetimeMode: String, int96Mode: String): Array[String] = {
    val metadata = keys.zip(values).toMap
    val lookup = (key: String) => metadata.getOrElse(key, null)
    val datetime = DataSourceUtils.datetimeRebaseSpec(lookup, datetimeMode)
    val int96 = DataSourceUtils.int96RebaseSpec(lookup, int96Mode)
    Array(datetime.mode.toString, datetime.timeZone, int96.mode.toString, int96.timeZone)
  }

  def rebaseDays(days: Array[Int]): Unit = {
    var i = 0
    while (i < days.length) {
      days(i) = RebaseDateTime.rebaseJulianToGregorianDays(days(i))
      i += 1
    }
  }

  def rebaseMicros(zone: String, micros: Array[Long]): Unit = {
    var i = 0
    while (i < micros.length) {
      micros(i) = RebaseDateTime.rebaseJulianToGregorianMicros(zone, micros(i))
      i += 1
    }
  }
}
