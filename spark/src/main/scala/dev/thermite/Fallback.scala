package dev.thermite

import org.apache.spark.sql.DataFrame
import org.apache.spark.sql.catalyst.trees.TreeNodeTag
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.adaptive.{AdaptiveSparkPlanExec, QueryStageExec}

/**
 * Why operators stayed in Spark. Each such node carries its reason as a tree-node tag; users read
 * them with `Thermite.explainFallback(df)` (PySpark:
 * `spark._jvm.dev.thermite.Thermite.explainFallback(df._jdf)`).
 */
object Fallback {
  val ReasonTag: TreeNodeTag[String] = TreeNodeTag[String]("thermite.fallbackReason")

  def tag(plan: SparkPlan, reason: String): Unit = plan.setTagValue(ReasonTag, reason)

  def reason(plan: SparkPlan): Option[String] = plan.getTagValue(ReasonTag)

  /** Every node of a physical plan, through adaptive plans, query stages and subqueries. */
  def allNodes(plan: SparkPlan): Seq[SparkPlan] = plan match {
    case a: AdaptiveSparkPlanExec => a +: allNodes(a.executedPlan)
    case q: QueryStageExec => q +: allNodes(q.plan)
    case p => p +: (p.children ++ p.subqueries).flatMap(allNodes)
  }

  /** (node name, reason) for each node of `plan` that stayed in Spark with a reason. */
  def reasons(plan: SparkPlan): Seq[(String, String)] =
    allNodes(plan).flatMap(p => reason(p).map(p.nodeName -> _))
}

/** The user-facing API. */
object Thermite {
  /** (operator, reason) for each operator of the DataFrame's executed plan left in Spark. */
  def fallbackReasons(df: DataFrame): Seq[(String, String)] = Fallback.reasons(df.queryExecution.executedPlan)

  /** The same, one line per operator, or a line saying everything ran natively. */
  def explainFallback(df: DataFrame): String = {
    val reasons = fallbackReasons(df)
    if (reasons.isEmpty) "Thermite: every operator runs natively"
    else reasons.map { case (node, why) => s"$node: $why" }.mkString("\n")
  }
}
