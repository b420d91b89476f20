package dev.thermite.exec

import scala.collection.JavaConverters._

import dev.thermite.proto

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Attribute, SortOrder, UnsafeProjection}
import org.apache.spark.sql.catalyst.plans.physical.{Partitioning, SinglePartition}
import org.apache.spark.sql.execution.{SparkPlan, TakeOrderedAndProjectExec, UnaryExecNode}
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLShuffleReadMetricsReporter, SQLShuffleWriteMetricsReporter}
import org.apache.spark.sql.thermite.RowGather
import org.apache.spark.sql.vectorized.ColumnarBatch

/**
 * Spark's `TakeOrderedAndProjectExec` (ORDER BY ... LIMIT): each partition keeps its first
 * `limit` rows (which count the `offset` skipped ones) natively, those few rows go through Spark's shuffle to one partition, and
 * a second native top-k there skips `offset`, keeps `limit` and projects.
 */
case class ThermiteTakeOrderedAndProjectExec(
    original: TakeOrderedAndProjectExec,
    keys: Seq[proto.SortKey],
    projection: Seq[proto.Expr],
    child: SparkPlan)
    extends UnaryExecNode with ThermiteBatchSource with ReplacesSparkNode[TakeOrderedAndProjectExec] {
  override def nodeName: String = "ThermiteTakeOrderedAndProjectExec"
  override def output: Seq[Attribute] = sparkNode.output
  override def outputPartitioning: Partitioning = SinglePartition
  override def outputOrdering: Seq[SortOrder] = sparkNode.outputOrdering
  override protected def stringArgs: Iterator[Any] =
    Iterator(original.limit, original.offset, original.sortOrder, original.projectList)

  private lazy val writeMetrics = SQLShuffleWriteMetricsReporter.createShuffleWriteMetrics(sparkContext)
  private lazy val readMetrics = SQLShuffleReadMetricsReporter.createShuffleReadMetrics(sparkContext)
  override protected def extraMetrics: Map[String, SQLMetric] = writeMetrics ++ readMetrics

  private def takeOrdered(input: proto.Operator, limit: Int, offset: Int, projection: Seq[proto.Expr]) = {
    val take = proto.TakeOrdered.newBuilder().setInput(input).addAllKeys(keys.asJava)
      .setLimit(limit).setOffset(offset).addAllProjection(projection.asJava)
    proto.Operator.newBuilder().setTakeOrdered(take).build()
  }

  override protected def doExecuteColumnar(): RDD[ColumnarBatch] = {
    val (limit, offset) = (original.limit, original.offset)
    val inputs = new NativeInputs
    // Spark's limit counts the rows the offset skips.
    val local = takeOrdered(nativeChild(child, inputs), limit, 0, Nil)
    // The per-partition phase's rows are not this node's output: it adds only its time (and
    // leaves out its spill metrics, which the top-k it runs keeps at zero).
    val localMetrics = metrics.filter { case (name, _) => name == "nativeTimeNs" }
    val childNodes = child match {
      case n: ThermiteExec => n.nativeNodes
      case _ => Nil
    }
    val schema = child.schema
    val rows = executeNative(local, inputs,
      NodeMetrics(nodeName, localMetrics, ignored = Set("numOutputRows", "spilledBytes", "spillCount")) +: childNodes.map(_.nodeMetrics)).mapPartitions { batches =>
      val toUnsafe = UnsafeProjection.create(schema)
      batches.flatMap(_.rowIterator().asScala.map(row => toUnsafe(row).copy(): InternalRow))
    }
    val gathered = RowGather.toSinglePartition(rows, child.output, writeMetrics, readMetrics)
    val last = new NativeInputs
    val root = takeOrdered(jvmInput(child, last), limit, offset, projection)
    executeNativeOverRows(root, gathered, schema, Seq(nodeMetrics))
  }

  override protected def withNewChildInternal(newChild: SparkPlan): ThermiteTakeOrderedAndProjectExec =
    copy(child = newChild)
}
