package dev.thermite

import dev.thermite.exec.ThermiteShuffledHashJoinExec
import org.apache.spark.sql.SparkSession
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * A shuffled hash join whose build side is larger than a task's share of the off-heap budget
 * sorts both sides (spilling) and merges them instead; Spark's own hash join, which cannot
 * spill, fails the task when its build side does not fit. Its own JVM (see the pom): the budget is fixed when the SparkContext starts, and large
 * enough for the two sorts' merge reservations.
 */
class HashJoinSpillIsolatedSuite extends ThermiteTestBase {
  override lazy val spark: SparkSession = TestSpark.build(Map(
    "spark.memory.offHeap.enabled" -> "true",
    "spark.memory.offHeap.size" -> "160m"))

  @Test def hashJoinOverBudgetSortsAndMerges(): Unit = {
    val path = tempPath("join-spill")
    spark.range(0, 1500000, 1, 2)
      .selectExpr("id", "concat('j-', cast(id * 7919 % 1500000 as string), repeat('j', 40)) as s")
      .write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("join_spill")
    val join = (hint: String) =>
      s"SELECT /*+ $hint */ count(*), sum(a.id), sum(b.id), max(b.s) FROM join_spill a JOIN join_spill b ON a.s = b.s"
    withConf("spark.sql.autoBroadcastJoinThreshold" -> "-1") {
      // Spark's own hash join holds its build side in memory and cannot spill: the expected
      // answer comes from Spark's merge join.
      val expected = withConf(ThermiteConf.Enabled -> "false")(spark.sql(join("SHUFFLE_MERGE(a)")).collect())
      val df = spark.sql(join("SHUFFLE_HASH(b)"))
      assertSameRows(expected, df.collect())
      // Each task's build side is larger than its budget: the join sorted and merged, and the sorts spilled.
      val spilled = planNodes(df).collect { case j: ThermiteShuffledHashJoinExec => j.metrics("spilledBytes").value }
      assertTrue(s"join spills: $spilled", spilled.nonEmpty && spilled.sum > 0)
    }
  }
}
