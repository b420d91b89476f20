package org.apache.spark.sql.thermite.golden

import org.apache.spark.sql.execution.{CommandResultExec, SparkPlan, WholeStageCodegenExec}
import org.apache.spark.sql.execution.adaptive.{AdaptiveSparkPlanExec, QueryStageExec}

/** How much of a query Thermite ran. */
final case class Nativeness(thermiteNodes: Int, sparkOperators: Seq[String]) {
  def native: Boolean = thermiteNodes > 0
  def fullyNative: Boolean = native && sparkOperators.isEmpty
}

/**
 * The operators of an executed plan, through adaptive plans' final plans, query stages, reused
 * exchanges, subqueries and the plans commands ran, counted as in the TPC-H suite
 * (`tests/tpch/tpch.py`): nodes named `Thermite...` are native; adaptive and reuse wrappers are
 * neither; the one transition to rows that hands a result (of the query or of a subquery) to Spark
 * is expected and not counted.
 */
object NativePlan {
  private val Wrappers = Set("AQEShuffleRead", "InputAdapter")

  def of(plan: SparkPlan): Nativeness = {
    var thermite = 0
    val spark = Seq.newBuilder[String]
    def walk(node: SparkPlan, resultRoot: Boolean): Unit = node match {
      case a: AdaptiveSparkPlanExec => walk(a.executedPlan, resultRoot)
      case q: QueryStageExec => walk(q.plan, resultRoot = false)
      case c: CommandResultExec => walk(c.commandPhysicalPlan, resultRoot = true)
      case _ if node.nodeName == "Subquery" => node.children.foreach(walk(_, resultRoot = true))
      case _ if node.nodeName == "ReusedExchange" || node.nodeName == "ReusedSubquery" =>
        node.children.foreach(walk(_, resultRoot))
      case _ =>
        val name = node.nodeName
        val stageOverTransition = node match {
          case w: WholeStageCodegenExec => w.child.nodeName.endsWith("ColumnarToRow")
          case _ => false
        }
        val atResultRoot = resultRoot && (name.endsWith("ColumnarToRow") || stageOverTransition)
        if (name.startsWith("Thermite")) thermite += 1
        else if (!Wrappers.contains(name) && !atResultRoot) spark += name.split(" \\(")(0)
        node.children.foreach(walk(_, atResultRoot && stageOverTransition))
        node.subqueries.foreach(walk(_, resultRoot = true))
    }
    walk(plan, resultRoot = true)
    Nativeness(thermite, spark.result())
  }
}
