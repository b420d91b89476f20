package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.SortOrder
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.joins.SortMergeJoinExec
import org.apache.spark.sql.execution.metric.SQLMetric

/**
 * Spark's `SortMergeJoinExec`, run natively over its two sorted inputs, keeping the order Spark
 * promises (the streamed side's key order).
 */
case class ThermiteSortMergeJoinExec(original: SortMergeJoinExec, join: proto.Join, left: SparkPlan, right: SparkPlan)
    extends ThermiteJoinExec with ReplacesSparkNode[SortMergeJoinExec] {
  override def nodeName: String = "ThermiteSortMergeJoinExec"
  override protected def extraMetrics: Map[String, SQLMetric] = spillMetrics
  override def requiredChildOrdering: Seq[Seq[SortOrder]] = sparkNode.requiredChildOrdering
  override protected def stringArgs: Iterator[Any] =
    Iterator(original.leftKeys, original.rightKeys, original.joinType, original.condition)

  override protected def withNewChildrenInternal(newLeft: SparkPlan, newRight: SparkPlan): ThermiteSortMergeJoinExec =
    copy(left = newLeft, right = newRight)
}
