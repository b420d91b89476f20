package dev.thermite

import org.apache.spark.sql.functions.broadcast
import org.junit.Assert.assertEquals
import org.junit.Test

/** Sorting (Spark's order of NaN, -0.0 and nulls) and limits, Thermite off vs on. */
class SortLimitSuite extends ThermiteTestBase {
  private lazy val table: String = {
    val path = TestData.write(spark, tempPath("sort"), n = 600, files = 3)
    spark.read.parquet(path).createOrReplaceTempView("sorted_edge")
    "sorted_edge"
  }

  private val sortNodes = Seq("ThermiteSortExec")

  @Test def everyTypeEveryDirection(): Unit = {
    val columns = TestData.schema.fieldNames.filterNot(_ == "id")
    for (c <- columns; dir <- Seq("asc", "desc"); nulls <- Seq("nulls first", "nulls last")) {
      checkOrdered(spark.sql(s"SELECT * FROM $table ORDER BY $c $dir $nulls, id"), sortNodes)
    }
  }

  @Test def multipleKeysAndExpressions(): Unit = {
    checkOrdered(spark.sql(s"SELECT id, d, str, dec15 FROM $table ORDER BY str desc, d, dec15 desc nulls first, id"),
      sortNodes)
    checkOrdered(spark.sql(s"SELECT id, i, l FROM $table ORDER BY i + l, cast(d as float) desc, id"), sortNodes)
    checkOrdered(spark.sql(s"SELECT id, b FROM $table ORDER BY coalesce(b, 0) % 3, id desc"), sortNodes)
  }

  @Test def withAndWithoutAdaptiveExecution(): Unit = {
    for (aqe <- Seq("true", "false")) {
      withConf("spark.sql.adaptive.enabled" -> aqe) {
        checkOrdered(spark.sql(s"SELECT id, f, ts FROM $table WHERE i IS NOT NULL ORDER BY f desc, ts, id"), sortNodes)
      }
    }
  }

  @Test def sortWithinPartitionsIsFullyNative(): Unit = {
    val df = checkNative(spark.table(table).where("d > 0").sortWithinPartitions("d", "id"),
      Seq("ThermiteScanExec", "ThermiteFilterExec", "ThermiteSortExec"))
    // Each partition's rows in Spark's order.
    val expected = withConf(ThermiteConf.Enabled -> "false") {
      spark.table(table).where("d > 0").sortWithinPartitions("d", "id").rdd.glom().collect()
    }
    val actual = df.rdd.glom().collect()
    assertEquals(expected.map(_.map(canonical).toSeq).toSeq, actual.map(_.map(canonical).toSeq).toSeq)
  }

  /** A native sort pulling rows from a Spark operator that pulls from a native scan, one thread. */
  @Test def nativePlansNestWithinOneTask(): Unit = {
    val df = checkNative(spark.table(table).selectExpr("id", "initcap(str) AS u", "d").sortWithinPartitions("u", "id"),
      Seq("ThermiteScanExec", "ThermiteSortExec"))
    val expected = withConf(ThermiteConf.Enabled -> "false") {
      spark.table(table).selectExpr("id", "initcap(str) AS u", "d").sortWithinPartitions("u", "id").rdd.glom().collect()
    }
    assertEquals(expected.map(_.map(canonical).toSeq).toSeq, df.rdd.glom().collect().map(_.map(canonical).toSeq).toSeq)
  }

  @Test def localLimitOverNativeInput(): Unit = {
    val path = TestData.write(spark, tempPath("limit"), n = 300, files = 1)
    // One file, one task: which rows a limit keeps is then determined.
    for (n <- Seq(1, 7, 299, 1000)) {
      // The filter above keeps Spark from planning a CollectLimit for the whole query.
      checkNative(spark.read.parquet(path).where("i is not null").limit(n).selectExpr("id", "str").where("id % 2 = 0"),
        Seq("ThermiteScanExec", "ThermiteLimitExec"))
    }
    // A global limit with an offset (Spark's limit counts the skipped rows) over one partition.
    for ((n, skip) <- Seq((10, 3), (1, 0), (5, 400))) {
      checkNative(spark.read.parquet(path).coalesce(1).offset(skip).limit(n).where("id % 2 = 0"),
        Seq("ThermiteScanExec", "ThermiteCoalesceExec", "ThermiteLimitExec"))
    }
  }

  /**
   * A native limit slices its batches: booleans at a bit offset, strings whose offsets do not start
   * at 0. What the JVM reads of them (a Spark operator's rows, a broadcast's IPC encoding) must be
   * the sliced rows.
   */
  @Test def slicedBatchesReachTheJvmIntact(): Unit = {
    val path = TestData.write(spark, tempPath("sliced"), n = 300, files = 1)
    def sliced = spark.read.parquet(path).coalesce(1).offset(3).limit(150)
    checkNative(sliced.selectExpr("id", "bool", "str", "bin", "date", "regexp_replace(str, 'a', 'b') AS r"),
      Seq("ThermiteLimitExec"))
    checkNative(spark.read.parquet(path).select("id", "l").join(broadcast(sliced.select("id", "bool", "str")), "id"),
      Seq("ThermiteBroadcastExchangeExec", "ThermiteLimitExec"))
  }

  private val topK = Seq("ThermiteTakeOrderedAndProjectExec")

  @Test def takeOrderedEveryTypeEveryDirection(): Unit = {
    val columns = TestData.schema.fieldNames.filterNot(_ == "id")
    for (c <- columns; dir <- Seq("asc", "desc")) {
      checkOrdered(spark.sql(s"SELECT id, $c FROM $table ORDER BY $c $dir nulls last, id LIMIT 25"), topK)
    }
  }

  @Test def takeOrderedWithOffsetProjectionAndNativeInputs(): Unit = {
    checkOrdered(spark.sql(s"SELECT id, d FROM $table ORDER BY d desc, id LIMIT 10 OFFSET 5"), topK)
    checkOrdered(spark.sql(s"SELECT id + 1 AS n, upper(str) AS u FROM $table ORDER BY str, id LIMIT 30"), topK)
    checkOrdered(spark.sql(s"SELECT id FROM $table WHERE id < 0 ORDER BY id LIMIT 3"), topK)
    checkOrdered(spark.sql(s"SELECT id FROM $table ORDER BY f, id LIMIT 1000"), topK)
    // Above a native aggregate that reads an exchange.
    for (aqe <- Seq("true", "false")) {
      withConf("spark.sql.adaptive.enabled" -> aqe) {
        checkOrdered(spark.sql(s"SELECT b, count(*) AS c, sum(l) FROM $table GROUP BY b ORDER BY c desc, b LIMIT 3"),
          topK :+ "ThermiteHashAggregateExec")
      }
    }
  }
}

