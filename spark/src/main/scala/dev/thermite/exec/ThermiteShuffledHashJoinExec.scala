package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.joins.ShuffledHashJoinExec
import org.apache.spark.sql.execution.metric.SQLMetric

/**
 * Spark's `ShuffledHashJoinExec`, run natively: a hash table of the build side's partition per
 * task, or, when Spark refuses the memory for it, a merge of both sides sorted (spilling).
 */
case class ThermiteShuffledHashJoinExec(
    original: ShuffledHashJoinExec,
    join: proto.Join,
    left: SparkPlan,
    right: SparkPlan)
    extends ThermiteJoinExec with ReplacesSparkNode[ShuffledHashJoinExec] {
  override def nodeName: String = "ThermiteShuffledHashJoinExec"
  // Over budget it sorts both sides instead, and the sorts spill.
  override protected def extraMetrics: Map[String, SQLMetric] = spillMetrics
  override protected def stringArgs: Iterator[Any] =
    Iterator(original.leftKeys, original.rightKeys, original.joinType, original.buildSide, original.condition)

  override protected def withNewChildrenInternal(newLeft: SparkPlan, newRight: SparkPlan): ThermiteShuffledHashJoinExec =
    copy(left = newLeft, right = newRight)
}
