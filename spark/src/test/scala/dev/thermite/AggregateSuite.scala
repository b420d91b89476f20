package dev.thermite

import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Hash aggregation in every mode Spark plans for these functions, Thermite off vs on. Sums and
 * averages of floating point depend on the order rows are added in: they get the suite-wide
 * relative tolerance.
 */
class AggregateSuite extends ThermiteTestBase {
  private lazy val table: String = {
    val path = TestData.write(spark, tempPath("aggregate"), n = 2000, files = 4)
    spark.read.parquet(path).createOrReplaceTempView("agg_edge")
    "agg_edge"
  }

  private val native = Seq("ThermiteHashAggregateExec")

  private def both(f: => Unit): Unit =
    for (aqe <- Seq("true", "false")) withConf("spark.sql.adaptive.enabled" -> aqe)(f)

  @Test def groupedByEveryKeyType(): Unit = both {
    for (key <- TestData.schema.fieldNames.filterNot(_ == "id")) {
      checkSql(s"SELECT $key, count(*), count(i), sum(l), min(dec15), max(ts), avg(s), sum(d) FROM $table GROUP BY $key",
        native)
    }
  }

  @Test def everyFunctionOverEveryType(): Unit = both {
    val numeric = Seq("b", "s", "i", "l", "f", "d")
    // Strings and binary make Spark plan a sort aggregate (tested on their own).
    val minMax = TestData.schema.fieldNames.filterNot(Set("str", "bin"))
    val exprs = numeric.flatMap(c => Seq(s"sum($c)", s"avg($c)")) ++
      minMax.flatMap(c => Seq(s"min($c)", s"max($c)")) ++ TestData.schema.fieldNames.map(c => s"count($c)")
    checkSql(s"SELECT i % 5 AS k, ${exprs.mkString(", ")} FROM $table GROUP BY i % 5", native)
  }

  @Test def bitwiseBooleanAndStatistics(): Unit = both {
    checkSql(s"SELECT i % 7, bit_and(l), bit_or(b), bit_xor(s), bit_xor(i), bool_and(bool), bool_or(i > 0) " +
      s"FROM $table GROUP BY i % 7", native)
    // Spark merges its moment buffers in another order than native code does: the last bits
    // may differ, and a group of equal values may leave a rounding residue (7e-15) beside 0.0.
    val moments = Tolerance(Seq("vs", "vp", "ss", "sp", "sd"), relative = 1e-12, absolute = 1e-12)
    checkSql(s"SELECT b, var_samp(s) AS vs, var_pop(i % 1000) AS vp, stddev_samp(id) AS ss, stddev_pop(s * 2) AS sp, " +
      s"stddev(cast(b as double)) AS sd FROM $table GROUP BY b", native, moments)
    checkSql(s"SELECT variance(id) AS vs, stddev_pop(id) AS sp FROM $table WHERE id < 2", native,
      moments.copy(columns = Seq("vs", "sp")))
  }

  /** Spark's decimal buffers: sums overflow to NULL at precision p + 10, averages round thrice. */
  @Test def decimalSumAndAverage(): Unit = both {
    checkSql(s"SELECT i % 7, sum(dec5), avg(dec5), sum(dec15), avg(dec15), sum(dec30), avg(dec30), sum(dec38), " +
      s"avg(dec38) FROM $table GROUP BY i % 7", native)
    checkSql(s"SELECT sum(dec5), avg(dec15), sum(dec38), avg(dec30), avg(dec38) FROM $table", native)
    checkSql(s"SELECT b, sum(dec38 / 3), avg(dec5 * dec5), avg(cast(id as decimal(10, 3)) / 7), " +
      s"avg(cast(id % 3 as decimal(3, 0))) FROM $table GROUP BY b", native)
    // Either side of the exchange in Spark: buffers (with overflowed sums) cross between engines.
    val partialOnly = checkSql(
      s"SELECT b, initcap(cast(sum(dec38) as string)), avg(dec38), sum(dec15), avg(dec5) FROM $table GROUP BY b", native)
    assertTrue(Thermite.explainFallback(partialOnly).contains("initcap"))
    val finalOnly = checkSql(
      s"SELECT initcap(str), sum(dec38), avg(dec38), sum(dec30), avg(dec30) FROM $table GROUP BY initcap(str)", native)
    assertTrue(Thermite.explainFallback(finalOnly).contains("initcap"))
  }

  /**
   * An aggregate left with neither keys nor functions (the optimizer folded the count to a
   * literal) still outputs one row, over empty input too; the partial's rows have no columns.
   */
  @Test def neitherKeysNorFunctions(): Unit = both {
    checkSql(s"SELECT count(DISTINCT id) FILTER (WHERE false), 7 FROM $table", native)
    checkSql(s"SELECT count(DISTINCT id) FILTER (WHERE false) FROM $table WHERE id < 0", native)
    withConf("spark.sql.legacy.allowParameterlessCount" -> "true") {
      checkSql(s"SELECT count() FROM $table", native)
    }
  }

  /** Spark plans a sort aggregate for string and binary min/max: native, its key order kept. */
  @Test def sortAggregates(): Unit = both {
    checkSql(s"SELECT b, min(str), max(str), min(bin), max(bin), count(*) FROM $table GROUP BY b", native)
    checkSql(s"SELECT max(str), min(bin) FROM $table", native)
    checkOrdered(spark.sql(s"SELECT s, max(str) FROM $table GROUP BY s ORDER BY s, 2"), native)
    // With the final aggregate in Spark, the native partial must still deliver sorted keys.
    val partialOnly = checkSql(s"SELECT initcap(min(str)), max(bin) FROM $table GROUP BY i", native)
    assertTrue(Thermite.explainFallback(partialOnly).contains("initcap"))
  }

  /**
   * Which row is first or last depends on the order rows arrive in: one file, read in order, and
   * one partition per stage keep it the same for both engines.
   */
  @Test def firstAndLast(): Unit = both {
    val path = TestData.write(spark, tempPath("first_last"), n = 300, files = 1)
    withConf("spark.sql.shuffle.partitions" -> "1") {
      spark.read.parquet(path).createOrReplaceTempView("first_last")
      checkSql("SELECT b, first(i), last(l), first(d, true), last(dec38, true), first(ts), last(date, true) " +
        "FROM first_last GROUP BY b", native)
      checkSql("SELECT first(i), last(i), first(dec5, true), last(ntz, true) FROM first_last", native)
      // Strings make Spark sort before aggregating: which row is first is then up to the sort
      // (stable in Spark, not natively), so no answer is compared here.
      val sorted = spark.sql("SELECT b, first(str) FROM first_last GROUP BY b")
      sorted.collect()
      assertTrue(Thermite.explainFallback(sorted), Thermite.explainFallback(sorted).contains("`first`/`last`"))
    }
  }

  @Test def globalAggregates(): Unit = both {
    checkSql(s"SELECT count(*), sum(i), avg(d), min(ts), max(dec38) FROM $table", native)
    checkSql(s"SELECT count(*), sum(i), max(dec5) FROM $table WHERE id < 0", native)
  }

  @Test def overflowWrapsAndSpecialFloats(): Unit = both {
    // Sums of longs wrap in legacy mode; sums of doubles carry NaN and infinities.
    checkSql(s"SELECT b, sum(l), sum(l * 3), sum(d), avg(d), sum(f) FROM $table GROUP BY b", native)
  }

  /** NaN is the largest value; of -0.0 and 0.0 the first seen stays: one file keeps the order. */
  @Test def floatingMinMax(): Unit = both {
    checkSql(s"SELECT b, max(d), min(d), max(f), min(f) FROM $table GROUP BY b", native)
    checkSql(s"SELECT max(d), min(f), max(cast(d as float)) FROM $table WHERE d IS NULL OR d = 'NaN'", native)
    val path = TestData.write(spark, tempPath("zeros"), n = 50, files = 1)
    withConf("spark.sql.shuffle.partitions" -> "1") {
      checkSql(s"SELECT i % 2, max(d), min(d), max(-d), min(f) FROM parquet.`$path` " +
        "WHERE d = 0 OR d IS NULL GROUP BY i % 2", native)
    }
  }

  @Test def resultExpressionsAndHaving(): Unit = both {
    checkSql(s"SELECT str, count(*) * 2 + 1, sum(i) / count(i) FROM $table GROUP BY str HAVING count(*) > 50",
      native)
  }

  @Test def rollupCubeAndGroupingSets(): Unit = both {
    val expanded = native :+ "ThermiteExpandExec"
    checkSql(s"SELECT b, bool, count(*), sum(i), grouping_id() FROM $table GROUP BY ROLLUP(b, bool)", expanded)
    checkSql(s"SELECT s % 3, str, avg(l), max(date) FROM $table GROUP BY CUBE(s % 3, str)", expanded)
    checkSql(s"SELECT dec5, ts, count(i) FROM $table GROUP BY GROUPING SETS ((dec5), (ts), ())", expanded)
  }

  @Test def distinctKeysOnly(): Unit = both {
    checkSql(s"SELECT DISTINCT bool, b FROM $table", native)
  }

  @Test def partialAndFinalBothNative(): Unit = {
    val df = checkSql(s"SELECT s, sum(i) FROM $table GROUP BY s", native)
    val aggregates = planNodes(df).collect { case a: dev.thermite.exec.ThermiteHashAggregateExec => a }
    assertTrue(s"expected a native partial and final aggregate, got ${aggregates.size}", aggregates.size == 2)
  }

  /** Spark's buffer layout on both sides of the exchange: either side may stay in Spark. */
  @Test def nativeAndSparkStagesMix(): Unit = both {
    // The final aggregate's result uses an expression Thermite lacks: only the partial is native.
    val partialOnly = checkSql(
      s"SELECT b, initcap(cast(sum(i) as string)), count(*), avg(l) FROM $table GROUP BY b", native)
    assertTrue(Thermite.explainFallback(partialOnly).contains("initcap"))
    // The partial aggregate groups by an expression Thermite lacks: only the final is native.
    val finalOnly = checkSql(
      s"SELECT initcap(str) AS u, count(*), sum(s), avg(d), max(dec30) FROM $table GROUP BY initcap(str)", native)
    assertTrue(Thermite.explainFallback(finalOnly).contains("initcap"))
  }

  /** Spark plans one distinct aggregate in four stages, mixing Partial and PartialMerge calls. */
  @Test def distinctAggregates(): Unit = both {
    val df = checkSql(s"SELECT b, count(DISTINCT i), sum(l), avg(dec15) FROM $table GROUP BY b", native)
    val aggregates = planNodes(df).collect { case a: dev.thermite.exec.ThermiteHashAggregateExec => a }
    assertTrue(s"expected four native aggregate stages, got ${aggregates.size}: ${Thermite.explainFallback(df)}",
      aggregates.size == 4)
    checkSql(s"SELECT count(DISTINCT str), count(*), max(date) FROM $table", native)
    // The distinct longs (near 2^40) are summed as doubles in the order of each engine's set.
    checkSql(s"SELECT s % 4, sum(DISTINCT l), min(ts), count(DISTINCT l), avg(DISTINCT l) AS a FROM $table GROUP BY s % 4",
      native, Tolerance(Seq("a"), relative = 1e-12))
    checkSql(s"SELECT bool, count(DISTINCT dec15), sum(dec38), var_samp(id) AS v FROM $table GROUP BY bool", native,
      Tolerance(Seq("v"), relative = 1e-12))
  }

  @Test def unsupportedFunctionFallsBackWithReason(): Unit = {
    val df = checkSql(s"SELECT i % 3, collect_list(l) FROM $table GROUP BY i % 3", nativeNodes = Nil)
    assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains("ObjectHashAggregate"))
  }

  /**
   * FILTER clauses: only the rows whose predicate is true (not false, not NULL) reach the call,
   * in Partial and Complete modes; with each side of the exchange native or in Spark.
   */
  @Test def filterClauses(): Unit = both {
    val calls = Seq("count(*) FILTER (WHERE d > 0)", "count(i) FILTER (WHERE bool)", "sum(l) FILTER (WHERE s > 0)",
      "sum(dec15) FILTER (WHERE i % 2 = 0)", "avg(dec5) FILTER (WHERE f IS NOT NULL)", "min(d) FILTER (WHERE NOT bool)",
      "max(ts) FILTER (WHERE b < 0)", "first(l, true) FILTER (WHERE id > 5)", "var_samp(i) FILTER (WHERE l > 0)",
      "count(*) FILTER (WHERE false)", "sum(i) FILTER (WHERE CAST(NULL AS boolean))")
    checkSql(s"SELECT ${calls.mkString(", ")} FROM $table", native)
    checkSql(s"SELECT i % 7 AS k, ${calls.mkString(", ")} FROM $table GROUP BY i % 7", native)
    checkSql(s"SELECT bool, sum(i) FILTER (WHERE d > 0), count(*) FILTER (WHERE d > 0), sum(i) FROM $table GROUP BY bool",
      native)
    // The key uses initcap: the partial stays in Spark, the final is native (and the other way round).
    checkSql(s"SELECT initcap(str), count(*) FILTER (WHERE d > 0), sum(l) FILTER (WHERE i > 0) FROM $table " +
      "GROUP BY initcap(str)", native)
    checkSql(s"SELECT initcap(cast(sum(l) FILTER (WHERE i > 0) AS string)), count(*) FILTER (WHERE d > 0) FROM $table",
      native)
  }
}
