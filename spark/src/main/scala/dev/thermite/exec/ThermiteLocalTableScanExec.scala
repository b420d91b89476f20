package dev.thermite.exec

import dev.thermite.proto

import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder}
import org.apache.spark.sql.catalyst.plans.physical.Partitioning
import org.apache.spark.sql.execution.{LeafExecNode, LocalTableScanExec}

/**
 * Spark's `LocalTableScanExec`: rows the plan itself carries (a small local DataFrame, or the
 * empty relation adaptive execution puts where it proves an input empty), fed to the native plan
 * above as Arrow batches, in Spark's partitions. There is nothing to compute: the rows only change
 * format, once, where they are read.
 */
case class ThermiteLocalTableScanExec(original: LocalTableScanExec) extends LeafExecNode with ThermiteExec {
  override def nodeName: String = "ThermiteLocalTableScanExec"
  override def output: Seq[Attribute] = original.output
  override def outputPartitioning: Partitioning = original.outputPartitioning
  override def outputOrdering: Seq[SortOrder] = original.outputOrdering
  override protected def stringArgs: Iterator[Any] = original.output.iterator ++ Iterator(s"${original.rows.size} rows")

  override def nativeOperator(inputs: NativeInputs): proto.Operator = jvmInput(original, inputs)

  // A JVM input of the native plan, not an operator of its own: Spark's node counts the rows.
  override def nativeNodes: Seq[ThermiteExec] = Nil
}
