package dev.thermite

import org.apache.spark.sql.DataFrame
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.functions.col
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Planning stays linear in plan size: a Thermite node must not carry Spark's subtree beside its
 * own child, or every comparison, hash and canonicalization AQE makes walks the plan once per
 * path through it (exponential in depth: TPC-DS q14a never finished planning).
 */
class PlanSizeSuite extends ThermiteTestBase {
  private lazy val path = {
    val p = tempPath("plan-size")
    spark.range(0, 200, 1, 2).selectExpr("id", "id % 7 AS v").write.parquet(p)
    p
  }

  /** `depth` joins, each above a filter and a project of the previous level. */
  private def deepQuery(depth: Int): DataFrame = {
    val base = spark.read.parquet(path)
    (1 to depth).foldLeft(base) { (df, i) =>
      df.join(base.select(col("id").as(s"id$i"), col("v").as(s"v$i")), col("id") === col(s"id$i"))
        .where(col(s"v$i") >= 0)
        .select(col("id"), (col("v") + col(s"v$i")).as("v"))
    }
  }

  /** Nodes reachable through every plan-valued field of every node, counted as a tree. */
  private def storedSize(plan: SparkPlan): Long = 1L + plan.productIterator.map {
    case p: SparkPlan => storedSize(p)
    case s: Seq[_] => s.collect { case p: SparkPlan => storedSize(p) }.sum
    case _ => 0L
  }.sum

  @Test def nodesStoreNoSubtreeBesideTheirChildren(): Unit = {
    withConf("spark.sql.adaptive.enabled" -> "false") {
      for (depth <- Seq(4, 16)) {
        val df = deepQuery(depth)
        val plan = df.queryExecution.executedPlan
        val nodes = plan.collect { case p => p }.size
        val native = plan.collect { case p if p.nodeName.startsWith("Thermite") => p }.size
        assertTrue(s"depth $depth: only $native native nodes:\n$plan", native >= 2 * depth)
        // Each node stores its children and, at most, a detached Spark node with a leaf in place of
        // each of that node's children: a small constant per node however deep the plan (about 5
        // here), where keeping Spark's subtrees would store 2^depth.
        val stored = storedSize(plan)
        assertTrue(s"depth $depth: $stored nodes stored for $nodes in the plan", stored <= 8L * nodes)
        // A canonical plan is compared and hashed by AQE and exchange reuse.
        assertTrue(storedSize(plan.canonicalized) <= 8L * nodes)
      }
    }
  }

  /**
   * A plan 32 joins deep under AQE, which re-plans and compares the remaining plan after every
   * stage: it finishes with Spark's answer (stored whole, its nodes would hold 2^32 paths). The
   * planning time is printed, not asserted.
   */
  @Test def deepPlanUnderAqeFinishes(): Unit = {
    withConf("spark.sql.adaptive.enabled" -> "true") {
      for (depth <- Seq(8, 16, 32)) {
        val start = System.nanoTime()
        deepQuery(depth).queryExecution.executedPlan
        val planningMs = (System.nanoTime() - start) / 1000000
        println(s"PlanSizeSuite: depth $depth planned in $planningMs ms")
      }
      checkNative(deepQuery(32), Seq("ThermiteScanExec", "ThermiteProjectExec", "ThermiteFilterExec"))
    }
  }
}
