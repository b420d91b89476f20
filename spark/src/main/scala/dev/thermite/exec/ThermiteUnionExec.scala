package dev.thermite.exec

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.expressions.Attribute
import org.apache.spark.sql.catalyst.plans.physical.Partitioning
import org.apache.spark.sql.execution.{SparkPlan, UnionExec}
import org.apache.spark.sql.vectorized.ColumnarBatch

/** Spark's `UnionExec` over native children: their partitions, one after another, as batches. */
case class ThermiteUnionExec(original: UnionExec, children: Seq[SparkPlan]) extends ThermiteBatchSource with ReplacesSparkNode[UnionExec] {
  override def nodeName: String = "ThermiteUnionExec"
  override def output: Seq[Attribute] = sparkNode.output
  override def outputPartitioning: Partitioning = sparkNode.outputPartitioning

  override protected def doExecuteColumnar(): RDD[ColumnarBatch] =
    sparkContext.union(children.map(_.executeColumnar()))

  override protected def withNewChildrenInternal(newChildren: IndexedSeq[SparkPlan]): ThermiteUnionExec =
    copy(children = newChildren)
}
