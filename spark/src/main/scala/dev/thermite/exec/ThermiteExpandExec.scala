package dev.thermite.exec

import scala.collection.JavaConverters._

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.Attribute
import org.apache.spark.sql.catalyst.plans.physical.{Partitioning, UnknownPartitioning}
import org.apache.spark.sql.execution.{ExpandExec, SparkPlan, UnaryExecNode}

/** Spark's `ExpandExec` (ROLLUP, CUBE, GROUPING SETS), run natively. */
case class ThermiteExpandExec(original: ExpandExec, expand: proto.Expand, child: SparkPlan)
    extends UnaryExecNode with ThermiteExec with ReplacesSparkNode[ExpandExec] {
  override def nodeName: String = "ThermiteExpandExec"
  override def output: Seq[Attribute] = sparkNode.output
  // As Spark's: expanded rows no longer follow the child's partitioning.
  override def outputPartitioning: Partitioning = UnknownPartitioning(child.outputPartitioning.numPartitions)
  override protected def stringArgs: Iterator[Any] = Iterator(original.projections, original.output)

  override def nativeOperator(inputs: NativeInputs): proto.Operator =
    proto.Operator.newBuilder().setExpand(expand.toBuilder.setInput(nativeChild(child, inputs))).build()

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteExpandExec = copy(child = newChild)
}

object ThermiteExpandExec {
  def projection(exprs: Seq[proto.Expr]): proto.ExpandProjection =
    proto.ExpandProjection.newBuilder().addAllExprs(exprs.asJava).build()
}
