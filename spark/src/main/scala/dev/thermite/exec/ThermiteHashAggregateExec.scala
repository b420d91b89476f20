package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.{Distribution, Partitioning}
import org.apache.spark.sql.execution.{SparkPlan, UnaryExecNode}
import org.apache.spark.sql.execution.aggregate.BaseAggregateExec
import org.apache.spark.sql.execution.metric.SQLMetric

/**
 * Spark's `HashAggregateExec` (or a `SortAggregateExec`, which Spark picks for buffers it cannot
 * update in place), run natively as a hash aggregate in the same mode, with the same input and
 * output layouts (keys then aggregation buffers between partial and final), so either side of an
 * exchange may run in Spark.
 */
case class ThermiteHashAggregateExec(original: BaseAggregateExec, aggregate: proto.Aggregate, child: SparkPlan)
    extends UnaryExecNode with ThermiteExec with ReplacesSparkNode[BaseAggregateExec] {
  override def nodeName: String = "ThermiteHashAggregateExec"
  override protected def extraMetrics: Map[String, SQLMetric] = spillMetrics
  override def output: Seq[Attribute] = sparkNode.output
  override def outputPartitioning: Partitioning = sparkNode.outputPartitioning
  override def outputOrdering: Seq[SortOrder] = Nil
  override def requiredChildDistribution: Seq[Distribution] = sparkNode.requiredChildDistribution
  override protected def stringArgs: Iterator[Any] =
    Iterator(original.groupingExpressions, original.aggregateExpressions, original.resultExpressions)

  override def nativeOperator(inputs: NativeInputs): proto.Operator = {
    val agg = aggregate.toBuilder.setInput(nativeChild(child, inputs))
    proto.Operator.newBuilder().setAggregate(agg).build()
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteHashAggregateExec =
    copy(child = newChild)
}
