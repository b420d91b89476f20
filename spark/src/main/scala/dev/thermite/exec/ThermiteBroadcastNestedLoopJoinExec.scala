package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.joins.BroadcastNestedLoopJoinExec

/**
 * Spark's `BroadcastNestedLoopJoinExec`, run natively: each task of the streamed side pairs its
 * rows with every row of the broadcast side (a native broadcast exchange's rows) and keeps the
 * pairs the condition accepts.
 */
case class ThermiteBroadcastNestedLoopJoinExec(
    original: BroadcastNestedLoopJoinExec,
    join: proto.Join,
    left: SparkPlan,
    right: SparkPlan)
    extends ThermiteJoinExec with ReplacesSparkNode[BroadcastNestedLoopJoinExec] {
  override def nodeName: String = "ThermiteBroadcastNestedLoopJoinExec"
  override protected def stringArgs: Iterator[Any] = Iterator(original.joinType, original.buildSide, original.condition)

  // The native nested loop join takes its build side first.
  override protected def nativeInputOrder: Seq[SparkPlan] = if (join.getBuildLeft) children else Seq(right, left)

  override protected def withNewChildrenInternal(newLeft: SparkPlan, newRight: SparkPlan): ThermiteBroadcastNestedLoopJoinExec =
    copy(left = newLeft, right = newRight)
}
