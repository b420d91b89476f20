package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.{Distribution, Partitioning}
import org.apache.spark.sql.execution.{BinaryExecNode, SparkPlan}

/**
 * A join run natively: one native plan over both sides, co-partitioned (each task reads the
 * same partition of the two), each side inlined when native, else read as a JVM input.
 */
trait ThermiteJoinExec extends BinaryExecNode with ThermiteExec {
  /** The join, its inputs left unset. */
  def join: proto.Join

  /** Spark's join this node replaces, over this node's children (see [[ReplacesSparkNode]]). */
  protected def sparkNode: SparkPlan

  override def output: Seq[Attribute] = sparkNode.output
  override def outputPartitioning: Partitioning = sparkNode.outputPartitioning
  override def outputOrdering: Seq[SortOrder] = sparkNode.outputOrdering
  override def requiredChildDistribution: Seq[Distribution] = sparkNode.requiredChildDistribution

  override def nativeOperator(inputs: NativeInputs): proto.Operator = {
    val native = join.toBuilder.setLeft(nativeChild(left, inputs)).setRight(nativeChild(right, inputs))
    proto.Operator.newBuilder().setJoin(native).build()
  }
}
