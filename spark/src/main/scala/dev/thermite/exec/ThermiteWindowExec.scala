package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.{Distribution, Partitioning}
import org.apache.spark.sql.execution.{SparkPlan, UnaryExecNode}

/**
 * Spark's `WindowExec`, run natively one window partition at a time over its sorted child; also
 * its `WindowGroupLimitExec` (the rows a rank filter above keeps, the filter pushed below the
 * window), the same native window with its rank filtered.
 */
case class ThermiteWindowExec(original: UnaryExecNode, window: proto.Window, child: SparkPlan)
    extends UnaryExecNode with ThermiteExec with ReplacesSparkNode[UnaryExecNode] {
  override def nodeName: String = if (window.hasGroupLimit) "ThermiteWindowGroupLimitExec" else "ThermiteWindowExec"
  override def output: Seq[Attribute] = sparkNode.output
  override def outputPartitioning: Partitioning = child.outputPartitioning
  override def outputOrdering: Seq[SortOrder] = child.outputOrdering
  override def requiredChildDistribution: Seq[Distribution] = sparkNode.requiredChildDistribution
  override def requiredChildOrdering: Seq[Seq[SortOrder]] = sparkNode.requiredChildOrdering
  override protected def stringArgs: Iterator[Any] = original.productIterator.filterNot(_.isInstanceOf[SparkPlan])

  override def nativeOperator(inputs: NativeInputs): proto.Operator =
    proto.Operator.newBuilder().setWindow(window.toBuilder.setInput(nativeChild(child, inputs))).build()

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteWindowExec = copy(child = newChild)
}
