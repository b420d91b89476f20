package dev.thermite.exec

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.Attribute
import org.apache.spark.sql.execution.{LeafExecNode, SparkPlan}

/**
 * A Thermite node that keeps the Spark node it replaces (`original`), for what Spark derives from
 * it (output, partitioning, ordering, required distributions) and for explain.
 *
 * Kept whole, `original` would carry Spark's subtree beside the node's own converted child: every
 * plan comparison, hash and canonicalization AQE makes would walk both, at every level, which is
 * exponential in the depth of the plan (TPC-DS q14a never finished planning). So `original` is
 * kept detached, its children replaced by [[DetachedChild]] leaves of the same output, and is
 * reattached to the node's current children (which AQE may have replaced by stages or shuffle
 * reads since) when a property is asked for.
 */
trait ReplacesSparkNode[T <: SparkPlan] { self: SparkPlan =>
  def original: T

  /** `original` over this node's current children. */
  @transient protected lazy val sparkNode: T = original.withNewChildren(children).asInstanceOf[T]
}

/** Stands in for a child of a detached Spark node: its output only. Never executed. */
case class DetachedChild(output: Seq[Attribute]) extends LeafExecNode {
  override protected def doExecute(): RDD[InternalRow] =
    throw new IllegalStateException("a detached child stands in for a plan and is never executed")
}

object DetachedChild {
  /** `plan` with each of its children replaced by a [[DetachedChild]]. */
  def detach[T <: SparkPlan](plan: T): T =
    plan.withNewChildren(plan.children.map(c => DetachedChild(c.output))).asInstanceOf[T]
}
