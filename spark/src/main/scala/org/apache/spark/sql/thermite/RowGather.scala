package org.apache.spark.sql.thermite

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.Attribute
import org.apache.spark.sql.catalyst.plans.physical.SinglePartition
import org.apache.spark.sql.execution.{ShuffledRowRDD, UnsafeRowSerializer}
import org.apache.spark.sql.execution.exchange.ShuffleExchangeExec
import org.apache.spark.sql.execution.metric.SQLMetric

/** Rows of every partition brought to one, through Spark's shuffle, as Spark's own top-k does. */
object RowGather {
  def toSinglePartition(
      rows: RDD[InternalRow],
      output: Seq[Attribute],
      writeMetrics: Map[String, SQLMetric],
      readMetrics: Map[String, SQLMetric]): RDD[InternalRow] =
    if (rows.getNumPartitions == 1) {
      rows
    } else {
      val dependency = ShuffleExchangeExec.prepareShuffleDependency(
        rows, output, SinglePartition, new UnsafeRowSerializer(output.size), writeMetrics)
      new ShuffledRowRDD(dependency, readMetrics)
    }
}
