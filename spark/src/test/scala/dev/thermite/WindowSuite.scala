package dev.thermite

import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Window functions, Thermite off vs on, over columns holding the awkward values (NaN, -0.0 and
 * 0.0 as peers of one another, NULLs, extremes, decimals at their limits): ranking functions,
 * aggregates over whole partitions and over running frames (ROWS, and RANGE whose peers share
 * a result), several window specifications in one query.
 */
class WindowSuite extends ThermiteTestBase {
  private lazy val table: String = {
    val path = TestData.write(spark, tempPath("window"), n = 600, files = 3)
    spark.read.parquet(path).createOrReplaceTempView("windowed")
    "windowed"
  }

  private val windowNodes = Seq("ThermiteScanExec", "ThermiteWindowExec")
  private val keyColumns = TestData.schema.fieldNames.filterNot(Set("id", "bin"))

  @Test def rankingOverEveryKeyType(): Unit = {
    for (c <- keyColumns; dir <- Seq("", " DESC NULLS LAST")) {
      val order = s"ORDER BY $c$dir"
      checkSql(s"""SELECT id, $c,
        row_number() OVER (PARTITION BY id % 5 $order, id) AS rn,
        rank() OVER (PARTITION BY id % 5 $order) AS r,
        dense_rank() OVER (PARTITION BY id % 5 $order) AS dr
        FROM $table""", windowNodes)
    }
  }

  @Test def aggregatesOverWholePartitions(): Unit = {
    // Sums of integers and decimals do not depend on the order rows come in.
    for (c <- Seq("b", "s", "i", "l", "dec5", "dec15")) {
      checkSql(s"""SELECT id, $c,
        sum($c) OVER (PARTITION BY id % 7) AS total,
        avg($c) OVER (PARTITION BY id % 7) AS mean,
        min($c) OVER (PARTITION BY id % 7) AS low,
        max($c) OVER (PARTITION BY id % 7) AS high,
        count($c) OVER (PARTITION BY id % 7) AS n,
        count(*) OVER (PARTITION BY id % 7) AS rows
        FROM $table""", windowNodes)
    }
    for (c <- Seq("f", "d", "str", "date", "ts", "ntz", "bool")) {
      checkSql(s"""SELECT id, min($c) OVER (PARTITION BY id % 7) AS low, max($c) OVER (PARTITION BY id % 7) AS high,
        count($c) OVER (PARTITION BY id % 7) AS n FROM $table""", windowNodes)
    }
  }

  @Test def aggregatesOverRunningFrames(): Unit = {
    // Ordered by a unique key, every engine adds doubles in the same order: exact.
    for (c <- Seq("i", "l", "f", "d", "dec5", "dec15")) {
      checkSql(s"""SELECT id, $c,
        sum($c) OVER (PARTITION BY id % 3 ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
        avg($c) OVER (PARTITION BY id % 3 ORDER BY id) AS running_mean,
        min($c) OVER (PARTITION BY id % 3 ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS low,
        max($c) OVER (PARTITION BY id % 3 ORDER BY id) AS high,
        sum($c) OVER (PARTITION BY id % 3 ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS total
        FROM $table""", windowNodes)
    }
    // RANGE frames: rows tied on the ORDER BY key (NULLs, NaN, -0.0 with 0.0) share their result.
    for (c <- Seq("b", "f", "d", "dec5", "str", "date")) {
      checkSql(s"""SELECT id, $c,
        count(*) OVER (PARTITION BY id % 2 ORDER BY $c) AS peers_so_far,
        sum(i) OVER (PARTITION BY id % 2 ORDER BY $c) AS running,
        max(l) OVER (PARTITION BY id % 2 ORDER BY $c DESC NULLS LAST) AS high
        FROM $table""", windowNodes)
    }
    checkSql(s"""SELECT id, first(i, true) OVER (PARTITION BY id % 4 ORDER BY id) AS f,
      last(i, true) OVER (PARTITION BY id % 4 ORDER BY id) AS l,
      first(str) OVER (PARTITION BY id % 4 ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS fs
      FROM $table""", windowNodes)
  }

  @Test def severalSpecsAndNoPartitionKeys(): Unit = {
    for (aqe <- Seq("true", "false")) {
      withConf("spark.sql.adaptive.enabled" -> aqe) {
        checkSql(s"""SELECT id, rank() OVER (ORDER BY d) AS global_rank,
          sum(l) OVER (PARTITION BY b) AS by_b,
          dense_rank() OVER (PARTITION BY id % 4 ORDER BY str DESC) AS by_str
          FROM $table WHERE id % 3 <> 1""", windowNodes)
      }
    }
    // The TPC-DS shape: a window over an aggregate, filtered by its rank.
    checkSql(s"""SELECT * FROM (SELECT k, total, rank() OVER (ORDER BY total DESC, k) AS r
      FROM (SELECT id % 20 AS k, sum(l) AS total FROM $table GROUP BY id % 20)) WHERE r <= 5""", windowNodes)
  }

  /** Spark 3.5 pushes a filter on a rank below its window as a group limit (in both modes). */
  @Test def rankFiltersAsGroupLimits(): Unit = {
    // Ordered so that row numbers are determined (ranks are, ties and all).
    for ((f, tie) <- Seq("row_number()" -> ", id", "rank()" -> "", "dense_rank()" -> ""); c <- Seq("d", "str", "dec5")) {
      checkSql(s"""SELECT * FROM (SELECT id, $c, l, $f OVER (PARTITION BY id % 6 ORDER BY $c DESC$tie) AS r FROM $table)
        WHERE r <= 3""", windowNodes :+ "ThermiteWindowGroupLimitExec")
    }
    checkSql(s"""SELECT * FROM (SELECT id, d, rank() OVER (ORDER BY d) AS r FROM $table) WHERE r < 4""",
      windowNodes :+ "ThermiteWindowGroupLimitExec")
  }

  /**
   * Spark's window sums a decimal(38, 0) past 38 digits and back (only the result must fit), where
   * its hash aggregate gives NULL: such sums stay in Spark, and say why.
   */
  @Test def decimalSumsThatMayOverflowInBetweenStayInSpark(): Unit = {
    for (c <- Seq("dec30", "dec38")) {
      val df = checkSql(s"SELECT id, sum($c) OVER (PARTITION BY id % 7) AS s, avg($c) OVER (PARTITION BY id % 7) AS a FROM $table")
      assertTrue(Thermite.explainFallback(df), Thermite.fallbackReasons(df).exists(_._2.contains("past its type's precision")))
    }
    checkSql(s"SELECT id, min(dec38) OVER (PARTITION BY id % 7) AS low, count(dec30) OVER (PARTITION BY id % 7) AS n FROM $table",
      windowNodes)
  }

  @Test def framesWithOffsetsStayInSparkWithAReason(): Unit = {
    val df = checkSql(s"""SELECT id, sum(i) OVER (PARTITION BY id % 3 ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)
      FROM $table""")
    val reasons = Thermite.fallbackReasons(df).map(_._2)
    assertTrue(reasons.toString, reasons.exists(_.contains("window frame")))
    for (f <- Seq("lag(i)", "percent_rank()", "cume_dist()")) {
      val df = checkSql(s"SELECT id, $f OVER (PARTITION BY id % 3 ORDER BY id) FROM $table")
      assertTrue(Thermite.explainFallback(df), Thermite.fallbackReasons(df).exists(_._1 == "Window"))
    }
  }
}
