package org.apache.spark.thermite

import org.apache.hadoop.conf.Configuration

import org.apache.spark.SparkContext
import org.apache.spark.util.SerializableConfiguration

/**
 * A Hadoop configuration broadcast once for every task of a job, as Spark's file scans ship
 * theirs (Spark's serializable wrapper is package-private).
 */
class BroadcastHadoopConf(sc: SparkContext, conf: Configuration) extends Serializable {
  private val broadcast = sc.broadcast(new SerializableConfiguration(conf))

  def value: Configuration = broadcast.value.value
}
