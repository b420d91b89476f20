package dev.thermite.rules

import dev.thermite.{Fallback, NativeLoader, ThermiteConf}
import dev.thermite.exec.ThermiteExec

import org.apache.spark.internal.Logging
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.catalyst.rules.Rule
import org.apache.spark.sql.execution._
import org.apache.spark.sql.execution.adaptive.{AdaptiveSparkPlanExec, QueryStageExec}

/**
 * Replaces, bottom-up, each Spark operator that can run natively by its `Thermite*Exec`; every
 * other operator keeps running in Spark and is tagged with the reason.
 */
case class ConvertToThermite(session: SparkSession) extends Rule[SparkPlan] with Logging {
  override def apply(plan: SparkPlan): SparkPlan = {
    val conf = session.sessionState.conf
    if (!ThermiteConf.enabled(conf)) return plan
    if (!NativeLoader.available) return plan
    val converted = plan.transformUp { case node => convert(node) }
    if (ThermiteConf.explainFallback(conf)) {
      val reasons = Fallback.reasons(converted)
      if (reasons.nonEmpty) {
        logWarning("Thermite: operators left in Spark:\n" +
          reasons.map { case (node, why) => s"  $node: $why" }.mkString("\n"))
      }
    }
    converted
  }

  private def convert(node: SparkPlan): SparkPlan = node match {
    case n: ThermiteExec => n
    case _: AdaptiveSparkPlanExec | _: QueryStageExec | _: ColumnarToRowTransition |
        _: RowToColumnarTransition | _: WholeStageCodegenExec | _: InputAdapter => node
    case _ =>
      OperatorSerde.convert(node) match {
        case Right(native) => native
        case Left(why) =>
          Fallback.tag(node, why)
          node
      }
  }
}
