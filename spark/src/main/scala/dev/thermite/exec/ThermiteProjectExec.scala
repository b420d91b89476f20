package dev.thermite.exec

import scala.collection.JavaConverters._
import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.Partitioning
import org.apache.spark.sql.execution.{ProjectExec, ScalarSubquery, SparkPlan, UnaryExecNode}

/**
 * Spark's `ProjectExec`, run natively. Partitioning and ordering are what Spark derives;
 * `scalarSubqueries` are the projections' scalar subqueries, where Spark looks for subqueries to run.
 */
case class ThermiteProjectExec(
    original: ProjectExec,
    nativeExpressions: Seq[proto.Expr],
    scalarSubqueries: Seq[ScalarSubquery],
    child: SparkPlan)
    extends UnaryExecNode with ThermiteExec with ReplacesSparkNode[ProjectExec] {
  override def nodeName: String = "ThermiteProjectExec"
  override def output: Seq[Attribute] = sparkNode.output
  override def outputPartitioning: Partitioning = sparkNode.outputPartitioning
  override def outputOrdering: Seq[SortOrder] = sparkNode.outputOrdering
  override protected def stringArgs: Iterator[Any] = Iterator(original.projectList)

  override def nativeOperator(inputs: NativeInputs): proto.Operator = {
    val project = proto.Project.newBuilder().setInput(nativeChild(child, inputs)).addAllExpressions(nativeExpressions.asJava)
    proto.Operator.newBuilder().setProject(project).build()
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteProjectExec = copy(child = newChild)
}
