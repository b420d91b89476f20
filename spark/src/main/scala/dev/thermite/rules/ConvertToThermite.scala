package dev.thermite.rules

import dev.thermite.{Fallback, NativeLoader, ThermiteConf}
import dev.thermite.exec.{ThermiteBroadcastExchangeExec, ThermiteExec, ThermiteLocalTableScanExec}
import org.apache.spark.sql.thermite.ThermiteShuffleExchangeExec

import org.apache.spark.internal.Logging
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.expressions.{InputFileBlockLength, InputFileBlockStart, InputFileName}
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.execution._
import org.apache.spark.sql.execution.adaptive.{AdaptiveSparkPlanExec, AQEShuffleReadExec, QueryStageExec}
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec
import org.apache.spark.sql.execution.exchange.ReusedExchangeExec

/**
 * Replaces, bottom-up, each Spark operator that can run natively by its `Thermite*Exec`; every
 * other operator keeps running in Spark and is tagged with the reason.
 */
case class ConvertToThermite(session: SparkSession) extends Rule[SparkPlan] with Logging {
  override def apply(plan: SparkPlan): SparkPlan = {
    val conf = session.sessionState.conf
    if (!ThermiteConf.enabled(conf)) return plan
    if (!NativeLoader.available) return plan
    val fileNamesRead = plan.exists(_.expressions.exists(_.exists {
      case _: InputFileName | _: InputFileBlockStart | _: InputFileBlockLength => true
      case _ => false
    }))
    val converted = SimplifyStackedProjections(plan).transformUp {
      // Only Spark's own file scans tell the task which file it reads (Delta's UPDATE and
      // DELETE ask, to find the files to rewrite).
      case scan @ (_: FileSourceScanExec | _: BatchScanExec) if fileNamesRead =>
        Fallback.tag(scan, FileNameReason)
        scan
      case node => localRowsOfSparkNodes(convert(node))
    } match {
      // Collected by Spark, local rows are best left Spark's: its node returns them without a job.
      case local: ThermiteLocalTableScanExec => local.original
      case other => other
    }
    if (ThermiteConf.explainFallback(conf)) {
      val reasons = Fallback.reasons(converted)
      if (reasons.nonEmpty) {
        logWarning("Thermite: operators left in Spark:\n" +
          reasons.map { case (node, why) => s"  $node: $why" }.mkString("\n"))
      }
    }
    converted
  }

  private val FileNameReason =
    "the query reads input_file_name() (or its block's start or length), which only Spark's file scan sets"

  /** A Spark node reads local rows below it from Spark's own node, not converted to Arrow and back. */
  private def localRowsOfSparkNodes(node: SparkPlan): SparkPlan = node match {
    case spark if !spark.isInstanceOf[ThermiteExec] && spark.children.exists(_.isInstanceOf[ThermiteLocalTableScanExec]) =>
      spark.withNewChildren(spark.children.map {
        case local: ThermiteLocalTableScanExec => local.original
        case child => child
      })
    case _ => node
  }

  private def convert(node: SparkPlan): SparkPlan = node match {
    case n: ThermiteExec => n
    // Plumbing around operators (AQE's stages and shuffle reads, reuse, transitions, codegen).
    case _: AdaptiveSparkPlanExec | _: QueryStageExec | _: AQEShuffleReadExec | _: ReusedExchangeExec |
        _: ColumnarToRowTransition | _: RowToColumnarTransition | _: WholeStageCodegenExec | _: InputAdapter => node
    case _ =>
      OperatorSerde.convert(node) match {
        case Right(native) => native
        case Left(why) =>
          Fallback.tag(node, why)
          node
      }
  }
}

/**
 * Transitions Spark puts around native exchanges that native code never takes: a row transition
 * below a native exchange (a shuffle read by a Spark parent or planned by AQE as a stage of its
 * own; a broadcast, which Spark plans as row-based), and a columnar transition above a native
 * broadcast a native join reads. Without them the plan shows what really runs.
 */
object RemoveTransitionsAroundNativeExchanges extends Rule[SparkPlan] {
  override def apply(plan: SparkPlan): SparkPlan = plan.transformUp {
    case e @ (_: ThermiteShuffleExchangeExec | _: ThermiteBroadcastExchangeExec) =>
      e.children.head match {
        case ColumnarToRowExec(native) => e.withNewChildren(Seq(native))
        case _ => e
      }
    case n: ThermiteExec =>
      n.withNewChildren(n.children.map {
        case RowToColumnarExec(broadcast @ ThermiteBroadcastExchangeExec(_)) => broadcast
        case child => child
      })
  }
}
