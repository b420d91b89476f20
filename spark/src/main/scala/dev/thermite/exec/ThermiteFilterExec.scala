package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.Partitioning
import org.apache.spark.sql.execution.{FilterExec, ScalarSubquery, SparkPlan, UnaryExecNode}

/**
 * Spark's `FilterExec`, run natively. `scalarSubqueries` are the condition's scalar subqueries, held
 * where Spark looks for the subqueries to run before the plan.
 */
case class ThermiteFilterExec(original: FilterExec, condition: proto.Expr, scalarSubqueries: Seq[ScalarSubquery], child: SparkPlan)
    extends UnaryExecNode with ThermiteExec with ReplacesSparkNode[FilterExec] {
  override def nodeName: String = "ThermiteFilterExec"
  override def output: Seq[Attribute] = sparkNode.output
  override def outputPartitioning: Partitioning = child.outputPartitioning
  override def outputOrdering: Seq[SortOrder] = child.outputOrdering
  override protected def stringArgs: Iterator[Any] = Iterator(original.condition)

  override def nativeOperator(inputs: NativeInputs): proto.Operator = {
    val filter = proto.Filter.newBuilder().setInput(nativeChild(child, inputs)).setCondition(condition)
    proto.Operator.newBuilder().setFilter(filter).build()
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteFilterExec = copy(child = newChild)
}

