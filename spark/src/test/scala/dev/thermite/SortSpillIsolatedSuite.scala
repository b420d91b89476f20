package dev.thermite

import dev.thermite.exec.ThermiteSortExec
import org.apache.spark.sql.SparkSession
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * With a small off-heap budget, the native sort reserves its memory from Spark, spills when
 * refused, and still answers as Spark does. Runs in a JVM of its own (see the pom): the memory
 * budget is fixed when the SparkContext starts.
 */
class SortSpillIsolatedSuite extends ThermiteTestBase {
  override lazy val spark: SparkSession = TestSpark.build(Map(
    "spark.memory.offHeap.enabled" -> "true",
    "spark.memory.offHeap.size" -> "48m"))

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
  }
}
