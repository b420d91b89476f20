package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.{Distribution, Partitioning}
import org.apache.spark.sql.execution.{SparkPlan, UnaryExecNode}

/**
 * Spark's `LocalLimitExec` (per partition) or `GlobalLimitExec` (over the single partition Spark
 * gathers below it), run natively: rows `offset` up to `limit` (-1: all), as Spark counts them.
 */
case class ThermiteLimitExec(original: SparkPlan, limit: Int, offset: Int, child: SparkPlan)
    extends UnaryExecNode with ThermiteExec with ReplacesSparkNode[SparkPlan] {
  override def nodeName: String = "ThermiteLimitExec"
  override def output: Seq[Attribute] = child.output
  override def outputOrdering: Seq[SortOrder] = child.outputOrdering
  override def outputPartitioning: Partitioning = child.outputPartitioning
  override def requiredChildDistribution: Seq[Distribution] = sparkNode.requiredChildDistribution
  override protected def stringArgs: Iterator[Any] = Iterator(original.nodeName, limit, offset)

  override def nativeOperator(inputs: NativeInputs): proto.Operator = {
    val l = proto.Limit.newBuilder().setInput(nativeChild(child, inputs)).setLimit(limit).setOffset(offset)
    proto.Operator.newBuilder().setLimit(l).build()
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteLimitExec = copy(child = newChild)
}
