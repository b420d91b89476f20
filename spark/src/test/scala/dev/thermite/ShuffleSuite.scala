package dev.thermite

import org.apache.spark.sql.thermite.ThermiteShuffleExchangeExec
import org.apache.spark.sql.DataFrame
import org.apache.spark.sql.execution.adaptive.AQEShuffleReadExec
import org.apache.spark.sql.functions.{col, spark_partition_id}
import org.junit.Assert.{assertEquals, assertTrue}
import org.junit.Test

/** Native shuffles: Spark's partitioning exactly, with AQE on and off, beside Spark operators. */
class ShuffleSuite extends ThermiteTestBase {
  private val Exchange = "ThermiteShuffleExchangeExec"

  private lazy val table: String = {
    val path = TestData.write(spark, tempPath("shuffle"), n = 600, files = 3)
    spark.read.parquet(path).createOrReplaceTempView("shuffle_edge")
    "shuffle_edge"
  }

  private def bothAqeModes(body: => Unit): Unit =
    Seq("true", "false").foreach(aqe => withConf("spark.sql.adaptive.enabled" -> aqe)(body))

  private def exchanges(df: DataFrame): Seq[ThermiteShuffleExchangeExec] =
    planNodes(df).collect { case e: ThermiteShuffleExchangeExec => e }

  /** Each row's partition: equal with Thermite off and on means the same partition ids as Spark. */
  private def checkPartitionIds(partitioned: => DataFrame): Unit = {
    val df = checkNative(partitioned.select(spark_partition_id().as("pid"), col("id")), Seq(Exchange))
    assertTrue("a Spark operator reads the native exchange", planNodes(df).exists(_.nodeName == "Project"))
  }

  @Test def hashPartitionIdsAreSparks(): Unit = bothAqeModes {
    val t = spark.table(table)
    Seq(Seq("i"), Seq("str"), Seq("dec15", "date"), Seq("l", "ts", "bin"), Seq("dec5", "b", "s", "bool"), Seq("d", "f"))
      .foreach(keys => checkPartitionIds(t.repartition(7, keys.map(col): _*)))
  }

  @Test def rangePartitionIdsAreSparks(): Unit = bothAqeModes {
    val t = spark.table(table)
    Seq(Seq(col("i")), Seq(col("str").desc, col("id")), Seq(col("dec30").asc_nulls_last, col("date").desc_nulls_first),
      // A key repeated: its bounds keep one value per key as written.
      Seq(col("i"), col("i"), col("l"), col("i").desc))
      .foreach(keys => checkPartitionIds(t.repartitionByRange(5, keys: _*)))
  }

  @Test def aggregatesOverNativeShuffles(): Unit = bothAqeModes {
    checkSql(s"SELECT str, count(*), sum(l), min(d), max(f) FROM $table GROUP BY str", Seq(Exchange, "ThermiteHashAggregateExec"))
    // Float keys: Spark normalizes NaN and -0.0 before hashing.
    checkSql(s"SELECT d, f, count(*) FROM $table GROUP BY d, f", Seq(Exchange))
    checkSql(s"SELECT dec5, date, ts, count(*), avg(dec15) FROM $table GROUP BY dec5, date, ts", Seq(Exchange))
    // No grouping: one partition.
    checkSql(s"SELECT count(*), sum(i), max(str) FROM $table", Seq(Exchange))
    checkSql(s"SELECT count(DISTINCT str), sum(DISTINCT b) FROM $table", Seq(Exchange))
  }

  @Test def globalSortThroughRangeShuffle(): Unit = bothAqeModes {
    withConf("spark.sql.shuffle.partitions" -> "4") {
      checkOrdered(spark.sql(s"SELECT id, d, str FROM $table ORDER BY d, id"), Seq(Exchange, "ThermiteSortExec"))
      checkOrdered(spark.sql(s"SELECT id, str, dec30 FROM $table ORDER BY str DESC NULLS LAST, dec30, id"), Seq(Exchange))
    }
  }

  @Test def roundRobinRepartition(): Unit = {
    val df = checkNative(spark.table(table).repartition(5), Seq(Exchange))
    assertEquals(5, df.rdd.getNumPartitions)
    checkNative(spark.table(table).repartition(3).groupBy("b").count(), Seq(Exchange))
  }

  @Test def codecs(): Unit = Seq("zstd", "none", "lz4").foreach { codec =>
    withConf(ThermiteConf.ShuffleCodec -> codec) {
      checkSql(s"SELECT str, bin, count(*) FROM $table GROUP BY str, bin", Seq(Exchange))
    }
  }

  @Test def aqeCoalescesNativeShufflePartitions(): Unit = {
    withConf("spark.sql.adaptive.enabled" -> "true", "spark.sql.shuffle.partitions" -> "50",
        "spark.sql.adaptive.coalescePartitions.enabled" -> "true") {
      val df = checkSql(s"SELECT i, count(*) FROM $table GROUP BY i", Seq(Exchange, "ThermiteHashAggregateExec"))
      val reads = planNodes(df).collect { case r: AQEShuffleReadExec => r }
      assertTrue(s"AQE coalesced the native shuffle: ${df.queryExecution.executedPlan}", reads.exists(_.hasCoalescedPartition))
      val stats = exchanges(df).map(_.runtimeStatistics)
      assertTrue(s"runtime statistics: $stats", stats.nonEmpty && stats.forall(s => s.rowCount.exists(_ > 0) && s.sizeInBytes > 0))
    }
  }

  @Test def sparkOperatorBetweenNativeStages(): Unit = bothAqeModes {
    // regexp_extract stays in Spark: it reads the first native shuffle's output as rows, and
    // the next native aggregate reads its rows.
    val df = checkSql(
      s"""SELECT regexp_extract(str, '([a-z]+)', 1) AS word, count(*), sum(c)
         |FROM (SELECT str, count(*) AS c FROM $table GROUP BY str) GROUP BY 1""".stripMargin,
      Seq(Exchange, "ThermiteHashAggregateExec"))
    assertEquals(2, exchanges(df).size)
  }

  @Test def sparkInputStaysOnSparksShuffle(): Unit = {
    // A filter Spark keeps (Java's regex dialect) gives Spark rows.
    val rows = spark.table(table).where("str RLIKE '^.*$' OR str IS NULL")
    val df = checkNative(rows.repartition(3, col("str")).where("id > 10").groupBy("str").count(),
      Seq("ThermiteHashAggregateExec"))
    assertTrue("a shuffle of Spark rows is Spark's", exchanges(df).isEmpty)
    val reasons = Thermite.fallbackReasons(df).collect { case (n, why) if n.startsWith("Exchange") => why }
    assertTrue(s"fallback reasons: $reasons", reasons.exists(_.contains("not native")))
  }

  @Test def wideDecimalKeysHashAsSparks(): Unit = {
    val t = spark.table(table).selectExpr("id", "dec38", "dec30", "cast(id * 982451653 - 200000000000 AS decimal(30, 4)) AS w")
    Seq(Seq("dec38"), Seq("dec30", "w"), Seq("w")).foreach(keys => checkPartitionIds(t.repartition(5, keys.map(col): _*)))
  }

  @Test def disabledShuffleIsSparks(): Unit = withConf(ThermiteConf.ShuffleEnabled -> "false") {
    val df = checkSql(s"SELECT str, count(*) FROM $table GROUP BY str", Seq("ThermiteHashAggregateExec"))
    assertTrue(exchanges(df).isEmpty)
  }
}
