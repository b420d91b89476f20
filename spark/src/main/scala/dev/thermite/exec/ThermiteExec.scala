package dev.thermite.exec

import scala.collection.mutable.ArrayBuffer

import dev.thermite.{proto, ThermiteConf}

import org.apache.spark.rdd.RDD
import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.metric.{SQLMetric, SQLMetrics}
import org.apache.spark.sql.vectorized.ColumnarBatch

/**
 * A Spark node that runs natively. A contiguous subtree of them runs as one native plan: only the
 * topmost node of the subtree executes; it inlines its native children's operators.
 */
trait ThermiteExec extends SparkPlan {
  /** This node's operator, its native children inlined; scans register their inputs. */
  def nativeOperator(scans: ArrayBuffer[ThermiteScanExec]): proto.Operator

  override def supportsColumnar: Boolean = true

  /** Metrics the native operator reports (by these names), besides rows and time. */
  protected def extraMetrics: Map[String, SQLMetric] = Map.empty

  override lazy val metrics: Map[String, SQLMetric] = Map(
    "numOutputRows" -> SQLMetrics.createMetric(sparkContext, "number of output rows"),
    "nativeTimeNs" -> SQLMetrics.createNanoTimingMetric(sparkContext, "native time")) ++ extraMetrics

  /** This node and its native descendants in pre-order, the order native metrics come in. */
  private def nativeNodes: Seq[ThermiteExec] =
    this +: children.collect { case n: ThermiteExec => n }.flatMap(_.nativeNodes)

  override protected def doExecute(): RDD[InternalRow] =
    throw new IllegalStateException(s"$nodeName produces columnar batches only")

  override protected def doExecuteColumnar(): RDD[ColumnarBatch] = {
    val scans = ArrayBuffer.empty[ThermiteScanExec]
    val root = nativeOperator(scans)
    val conf = session.sessionState.conf
    val plan = proto.Plan.newBuilder()
      .setRoot(root)
      .setSessionTimeZone(conf.sessionLocalTimeZone)
      .setBatchSize(ThermiteConf.batchSize(conf))
      .build()
    require(scans.size == 1, s"$nodeName: a native plan reads exactly one scan, not ${scans.size}")
    val scan = scans.head
    new ThermiteRDD(sparkContext, plan.toByteArray, scan.taskInputs(), nativeNodes.map(_.metrics))
  }

  /** The native child's operator, or an error naming what is wrong with the plan. */
  protected def nativeChild(child: SparkPlan, scans: ArrayBuffer[ThermiteScanExec]): proto.Operator =
    child match {
      case n: ThermiteExec => n.nativeOperator(scans)
      case other => throw new IllegalStateException(s"$nodeName has a non-native child ${other.nodeName}")
    }
}
