package dev.thermite

import org.apache.spark.sql.DataFrame
import org.apache.spark.sql.catalyst.plans.physical.RoundRobinPartitioning
import org.apache.spark.sql.functions.{col, count, spark_partition_id}
import org.apache.spark.sql.thermite.ThermiteShuffleExchangeExec
import org.junit.Assert.{assertEquals, assertTrue}
import org.junit.Test

/**
 * `repartition(n)`: Spark's round robin, so each partition receives as many rows as in Spark
 * (counted with `spark_partition_id()`, Thermite off vs on), the same rows overall, and the same
 * partition for every row in two runs, also where the input comes in no order of its own.
 */
class RoundRobinSuite extends ThermiteTestBase {
  private val Exchange = "ThermiteShuffleExchangeExec"

  /** 200,000 rows of two distinct values, in 3 files; and 13 small files of uneven sizes. */
  private lazy val (twoValues, ragged): (String, String) = {
    val path = tempPath("round-robin")
    spark.range(200000).selectExpr("id % 2 AS v", "'x' AS s").repartition(3).write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("rr_two_values")
    val raggedPath = tempPath("round-robin-ragged")
    spark.range(0, 1000, 1, 13).selectExpr("id", "id * id % 7 AS k", "cast(id AS string) AS s")
      .where("id % 13 < 1 + spark_partition_id()").write.parquet(raggedPath)
    spark.read.parquet(raggedPath).createOrReplaceTempView("rr_ragged")
    ("rr_two_values", "rr_ragged")
  }

  private def bothAqeModes(body: => Unit): Unit =
    Seq("true", "false").foreach(aqe => withConf("spark.sql.adaptive.enabled" -> aqe)(body))

  private def exchanges(df: DataFrame): Seq[ThermiteShuffleExchangeExec] =
    planNodes(df).collect { case e: ThermiteShuffleExchangeExec => e }

  /** Spark's rows per partition, equal with Thermite off and on; returns them. */
  private def checkCounts(repartitioned: => DataFrame): Map[Int, Long] = {
    // A count of the first column, which keeps it (a shuffle of no columns stays Spark's).
    val df = checkNative(repartitioned.groupBy(spark_partition_id().as("pid")).agg(count(repartitioned.columns.head)),
      Seq(Exchange))
    assertTrue(s"a native round robin: ${df.queryExecution.executedPlan}",
      exchanges(df).exists(_.outputPartitioning.isInstanceOf[RoundRobinPartitioning]))
    df.collect().map(r => r.getInt(0) -> r.getLong(1)).toMap
  }

  /** The same rows, each in the same partition, in two runs. */
  private def checkDeterministic(repartitioned: => DataFrame): Unit = {
    def run() = repartitioned.select(spark_partition_id().as("pid"), col("*")).collect().map(canonical).sorted.toSeq
    val first = run()
    assertEquals(first, run())
  }

  @Test def twoValuesFillEveryPartitionAsSparkDoes(): Unit = bothAqeModes {
    val counts = checkCounts(spark.table(twoValues).repartition(8))
    assertEquals(s"$counts", 8, counts.size)
    assertTrue(s"$counts", counts.values.max - counts.values.min <= 3)
    assertEquals(200000L, counts.values.sum)
    checkNative(spark.table(twoValues).repartition(8), Seq(Exchange))
  }

  @Test def manyMapTasksStartWhereSparkStarts(): Unit = bothAqeModes {
    for (n <- Seq(2, 7, 8, 64, 200)) {
      checkCounts(spark.table(ragged).repartition(n))
      checkNative(spark.table(ragged).repartition(n), Seq(Exchange))
    }
  }

  /** An aggregate after a shuffle: its rows come in the order the blocks were fetched. */
  @Test def rowsInNoOrderOfTheirOwnAreSortedFirst(): Unit = bothAqeModes {
    def aggregated = spark.table(ragged).groupBy("s", "k").count().repartition(5)
    checkCounts(aggregated)
    checkNative(aggregated, Seq(Exchange, "ThermiteHashAggregateExec"))
    checkDeterministic(aggregated)
    checkDeterministic(spark.table(ragged).repartition(7))
  }

  /** Planned only: a native aggregate of rows without columns fails on its own (issue 11). */
  @Test def rowsWithoutColumnsStayInSpark(): Unit = withConf("spark.sql.adaptive.enabled" -> "false") {
    val counted = spark.table(twoValues).repartition(8).groupBy().count()
    assertTrue(Thermite.explainFallback(counted), Thermite.explainFallback(counted).contains("round robin of rows without columns"))
  }

  @Test def withoutSortBeforeRepartition(): Unit = withConf("spark.sql.execution.sortBeforeRepartition" -> "false") {
    checkCounts(spark.table(ragged).groupBy("s", "k").count().repartition(5))
    checkCounts(spark.table(twoValues).repartition(8))
  }
}
