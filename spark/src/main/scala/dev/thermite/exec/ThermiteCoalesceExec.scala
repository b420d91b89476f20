package dev.thermite.exec

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.expressions.Attribute
import org.apache.spark.sql.catalyst.plans.physical.{Partitioning, SinglePartition, UnknownPartitioning}
import org.apache.spark.sql.execution.{SparkPlan, UnaryExecNode}
import org.apache.spark.sql.vectorized.ColumnarBatch

/** Spark's `CoalesceExec` over a native child: its partitions merged without a shuffle. */
case class ThermiteCoalesceExec(numPartitions: Int, child: SparkPlan) extends UnaryExecNode with ThermiteBatchSource {
  override def nodeName: String = "ThermiteCoalesceExec"
  override def output: Seq[Attribute] = child.output
  override def outputPartitioning: Partitioning =
    if (numPartitions == 1) SinglePartition else UnknownPartitioning(numPartitions)
  override protected def stringArgs: Iterator[Any] = Iterator(numPartitions)

  override protected def doExecuteColumnar(): RDD[ColumnarBatch] = {
    val batches = child.executeColumnar()
    // As Spark: one partition asked of none still yields one (empty) partition.
    if (numPartitions == 1 && batches.getNumPartitions < 1) sparkContext.parallelize(Seq.empty[ColumnarBatch], 1)
    else batches.coalesce(numPartitions, shuffle = false)
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteCoalesceExec = copy(child = newChild)
}
