package dev.thermite

import dev.thermite.exec.{NativeMemoryReports, ThermiteHashAggregateExec, ThermiteSortExec}
import org.apache.spark.sql.SparkSession
import org.apache.spark.sql.thermite.ThermiteShuffleExchangeExec
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * With a small off-heap budget, native sorts, aggregations and shuffle writes reserve their memory
 * from Spark, spill when refused, and still answer as Spark does. Runs in a JVM of its own (see
 * the pom): the memory budget is fixed when the SparkContext starts.
 */
class SpillIsolatedSuite extends ThermiteTestBase {
  override lazy val spark: SparkSession = TestSpark.build(Map(
    "spark.memory.offHeap.enabled" -> "true",
    "spark.memory.offHeap.size" -> "48m",
    NativeMemoryReports.Enabled -> "true"))

  private val Budget = 48L << 20

  /**
   * The tasks since the last call: what native code held never exceeded what Spark granted (an
   * overdraft would), Spark's grant stayed within the budget, and native code returned it all.
   */
  private def assertWithinGrant(): Unit = {
    Thread.sleep(1000) // executors send the reports asynchronously
    val reports = "\\{[^}]*\\}".r.findAllIn(NativeMemoryReports.drain()).toList
    def field(report: String, name: String): Long = raw""""$name":(\d+)""".r.findFirstMatchIn(report).get.group(1).toLong
    assertTrue("no native memory reports", reports.nonEmpty)
    reports.foreach { r =>
      assertTrue(s"beyond Spark's grant: $r", field(r, "peakOverdraft") == 0 && field(r, "peakNative") <= field(r, "peakGranted"))
      assertTrue(s"over the budget: $r", field(r, "peakGranted") <= Budget)
      assertTrue(s"not returned: $r", field(r, "notReturned") == 0)
    }
    assertTrue(s"no task used much of its budget: $reports", reports.exists(field(_, "peakGranted") > Budget / 4))
  }

  @Test def aggregationSpillsWithinSparksBudget(): Unit = {
    val path = tempPath("agg-spill")
    spark.range(0, 3000000, 1, 2)
      .selectExpr("id", "concat('key-', cast(id * 7919 % 2000000 as string), repeat('k', 30)) as k")
      .write.parquet(path)
    // Two million groups: the partial and final aggregates' hash tables exceed the budget.
    val df = checkNative(
      spark.read.parquet(path).groupBy("k").agg(org.apache.spark.sql.functions.sum("id"),
        org.apache.spark.sql.functions.count("id")),
      Seq("ThermiteHashAggregateExec"))
    val spilled = planNodes(df).collect { case a: ThermiteHashAggregateExec => a.metrics("spilledBytes").value }
    assertTrue(s"aggregate spills: $spilled", spilled.sum > 0)
    assertWithinGrant()
  }

  @Test def shuffleWriteFlushesWithinSparksBudget(): Unit = {
    val path = tempPath("shuffle-spill")
    spark.range(0, 2000000, 1, 2)
      .selectExpr("id", "concat('v-', cast(id * 31 % 1000003 as string), repeat('s', 40)) as s")
      .write.parquet(path)
    // Each map task's input is larger than its share of the budget: the writer hands blocks to
    // Spark's shuffle early instead of holding them.
    val df = checkNative(
      spark.read.parquet(path).repartition(16, org.apache.spark.sql.functions.col("s"))
        .groupBy("s").agg(org.apache.spark.sql.functions.max("id")),
      Seq("ThermiteShuffleExchangeExec"))
    val flushes = planNodes(df).collect { case e: ThermiteShuffleExchangeExec => e.metrics("spillCount").value }
    assertTrue(s"early flushes: $flushes", flushes.sum > 0)
    assertWithinGrant()
  }

  @Test def sortSpillsWithinSparksBudget(): Unit = {
    val path = tempPath("spill")
    spark.range(0, 1500000, 1, 2)
      .selectExpr("id", "concat('row-', cast(id * 7919 % 1500000 as string), repeat('x', 40)) as s")
      .write.parquet(path)
    val df = checkOrdered(spark.read.parquet(path).repartition(1).sortWithinPartitions("s", "id"),
      Seq("ThermiteSortExec"))
    val sort = planNodes(df).collectFirst { case s: ThermiteSortExec => s }.get
    val metrics = sort.metrics.mapValues(_.value)
    assertTrue(s"sort metrics: $metrics", metrics("spilledBytes") > 0 && metrics("spillCount") > 0)
    assertWithinGrant()
  }
}
