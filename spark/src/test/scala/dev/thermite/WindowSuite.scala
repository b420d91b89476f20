package dev.thermite

import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Window functions, Thermite off vs on, over columns holding the awkward values (NaN, -0.0 and
 * 0.0 as peers of one another, NULLs, extremes, decimals at their limits): ranking functions,
 * aggregates over whole partitions and over running frames (ROWS, and RANGE whose peers share
 * a result), lag/lead, percent_rank/cume_dist, several window specifications in one query.
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
    for (f <- Seq("lag(i) IGNORE NULLS", "lead(i, 1, l)")) {
      val df = checkSql(s"SELECT id, $f OVER (PARTITION BY id % 3 ORDER BY id) FROM $table")
      assertTrue(Thermite.explainFallback(df), Thermite.fallbackReasons(df).exists(_._1 == "Window"))
    }
  }

  /** Rows before and after within the partition: every type, defaults, distances past either end. */
  @Test def lagAndLead(): Unit = {
    for (c <- keyColumns :+ "bin") {
      checkSql(s"""SELECT id, $c,
        lag($c) OVER (PARTITION BY id % 5 ORDER BY id) AS before,
        lead($c, 2) OVER (PARTITION BY id % 5 ORDER BY id) AS after,
        lag($c, 0) OVER (PARTITION BY id % 5 ORDER BY id) AS same,
        lead($c, 1000) OVER (PARTITION BY id % 5 ORDER BY id) AS past_the_end,
        lag($c, -1) OVER (PARTITION BY id % 5 ORDER BY id) AS lag_forward
        FROM $table""", windowNodes)
    }
    checkSql(s"""SELECT id, lag(i, 1, -1) OVER (PARTITION BY id % 4 ORDER BY d, id) AS i_or_default,
      lead(str, 3, 'none') OVER (PARTITION BY id % 4 ORDER BY d, id) AS str_or_default,
      lead(dec15, 1, 0) OVER (ORDER BY id) AS dec_or_zero,
      lag(d, 2, cast('NaN' AS double)) OVER (PARTITION BY b ORDER BY id) AS d_or_nan,
      lag(date, 1, date'1582-10-15') OVER (PARTITION BY b ORDER BY id) AS date_or_default
      FROM $table""", windowNodes)
  }

  /** Buckets of partitions of 1 to 15 rows: fewer rows than buckets, even and uneven splits. */
  @Test def ntile(): Unit = {
    checkSql(s"""SELECT id, ntile(1) OVER (PARTITION BY id % 40 ORDER BY id) AS one,
      ntile(3) OVER (PARTITION BY id % 40 ORDER BY id) AS three,
      ntile(4) OVER (PARTITION BY id % 53 ORDER BY id) AS four,
      ntile(7) OVER (PARTITION BY id % 71 ORDER BY d, id) AS seven,
      ntile(1000) OVER (PARTITION BY id % 40 ORDER BY id) AS many,
      ntile(5) OVER (ORDER BY id) AS overall
      FROM $table WHERE id % 89 < id % 13""", windowNodes)
  }

  /** Spark's definitions over the partition's size: ties (NaN, -0.0, NULL) share their value. */
  @Test def percentRankAndCumeDist(): Unit = {
    for (c <- Seq("b", "d", "f", "dec5", "str", "date")) {
      checkSql(s"""SELECT id, $c,
        percent_rank() OVER (PARTITION BY id % 4 ORDER BY $c) AS pr,
        cume_dist() OVER (PARTITION BY id % 4 ORDER BY $c DESC NULLS LAST) AS cd,
        percent_rank() OVER (PARTITION BY id ORDER BY $c) AS single_row,
        cume_dist() OVER (ORDER BY $c) AS overall,
        rank() OVER (PARTITION BY id % 4 ORDER BY $c) AS r
        FROM $table""", windowNodes)
    }
  }
}
