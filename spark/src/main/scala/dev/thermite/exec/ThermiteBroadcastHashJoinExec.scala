package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.joins.BroadcastHashJoinExec

/**
 * Spark's `BroadcastHashJoinExec`, run natively: each task of the streamed side builds its hash
 * table from the whole broadcast build side (a native broadcast exchange's Arrow batches).
 */
case class ThermiteBroadcastHashJoinExec(
    original: BroadcastHashJoinExec,
    join: proto.Join,
    left: SparkPlan,
    right: SparkPlan)
    extends ThermiteJoinExec with ReplacesSparkNode[BroadcastHashJoinExec] {
  override def nodeName: String = "ThermiteBroadcastHashJoinExec"
  override protected def stringArgs: Iterator[Any] =
    Iterator(original.leftKeys, original.rightKeys, original.joinType, original.buildSide, original.condition)

  // The native hash join takes its build side first.
  override protected def nativeInputOrder: Seq[SparkPlan] = if (join.getBuildLeft) children else Seq(right, left)

  override protected def withNewChildrenInternal(newLeft: SparkPlan, newRight: SparkPlan): ThermiteBroadcastHashJoinExec =
    copy(left = newLeft, right = newRight)
}
