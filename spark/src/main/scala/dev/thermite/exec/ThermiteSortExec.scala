package dev.thermite.exec

import scala.collection.JavaConverters._

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.{Distribution, Partitioning}
import org.apache.spark.sql.execution.{SortExec, SparkPlan, UnaryExecNode}
import org.apache.spark.sql.execution.metric.SQLMetric

/** Spark's `SortExec`, run natively per partition (a global sort's range exchange is below). */
case class ThermiteSortExec(original: SortExec, keys: Seq[proto.SortKey], child: SparkPlan)
    extends UnaryExecNode with ThermiteExec with ReplacesSparkNode[SortExec] {
  override def nodeName: String = "ThermiteSortExec"
  override protected def extraMetrics: Map[String, SQLMetric] = spillMetrics
  override def output: Seq[Attribute] = child.output
  override def outputOrdering: Seq[SortOrder] = sparkNode.outputOrdering
  override def outputPartitioning: Partitioning = child.outputPartitioning
  override def requiredChildDistribution: Seq[Distribution] = sparkNode.requiredChildDistribution
  override protected def stringArgs: Iterator[Any] = Iterator(original.sortOrder, original.global)

  override def nativeOperator(inputs: NativeInputs): proto.Operator = {
    val sort = proto.Sort.newBuilder().setInput(nativeChild(child, inputs)).addAllKeys(keys.asJava)
    proto.Operator.newBuilder().setSort(sort).build()
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteSortExec = copy(child = newChild)
}
