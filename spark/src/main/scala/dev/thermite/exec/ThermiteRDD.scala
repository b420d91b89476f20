package dev.thermite.exec

import org.apache.spark.{Partition, SparkContext, TaskContext}
import org.apache.spark.rdd.RDD
import org.apache.spark.sql.execution.metric.SQLMetric
import org.apache.spark.sql.vectorized.ColumnarBatch

/** A partition carries only its own serialized task input, so tasks stay small. */
private case class ThermitePartition(index: Int, taskInput: Array[Byte], hosts: Seq[String]) extends Partition

/**
 * Runs one native plan per partition. The plan is serialized once, on the driver, and travels
 * with the RDD (in the stage's task binary); each task gets its own inputs through its partition.
 */
class ThermiteRDD(
    sc: SparkContext,
    plan: Array[Byte],
    @transient private val inputs: Seq[(Array[Byte], Seq[String])],
    nodeMetrics: Seq[Map[String, SQLMetric]])
    extends RDD[ColumnarBatch](sc, Nil) {

  override protected def getPartitions: Array[Partition] =
    inputs.zipWithIndex.map { case ((input, hosts), i) => ThermitePartition(i, input, hosts): Partition }.toArray

  override protected def getPreferredLocations(split: Partition): Seq[String] =
    split.asInstanceOf[ThermitePartition].hosts

  override def compute(split: Partition, context: TaskContext): Iterator[ColumnarBatch] = {
    val input = split.asInstanceOf[ThermitePartition].taskInput
    new NativeBatchIterator(plan, input, context, nodeMetrics)
  }
}
