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
    // Strings and binary make Spark plan a SortAggregate; floats' min/max stay in Spark.
    val minMax = TestData.schema.fieldNames.filterNot(Set("str", "bin", "f", "d"))
    val exprs = numeric.flatMap(c => Seq(s"sum($c)", s"avg($c)")) ++
      minMax.flatMap(c => Seq(s"min($c)", s"max($c)")) ++ TestData.schema.fieldNames.map(c => s"count($c)")
    checkSql(s"SELECT i % 5 AS k, ${exprs.mkString(", ")} FROM $table GROUP BY i % 5", native)
  }

  @Test def bitwiseBooleanAndStatistics(): Unit = both {
    checkSql(s"SELECT i % 7, bit_and(l), bit_or(b), bit_xor(s), bit_xor(i), bool_and(bool), bool_or(i > 0) " +
      s"FROM $table GROUP BY i % 7", native)
    // Moderate values: the engines add in different orders, within the suite's tolerance.
    checkSql(s"SELECT b, var_samp(s), var_pop(i % 1000), stddev_samp(id), stddev_pop(s * 2), stddev(cast(b as double)) " +
      s"FROM $table GROUP BY b", native)
    checkSql(s"SELECT variance(id), stddev_pop(id) FROM $table WHERE id < 2", native)
  }

  @Test def globalAggregates(): Unit = both {
    checkSql(s"SELECT count(*), sum(i), avg(d), min(ts), max(dec38) FROM $table", native)
    checkSql(s"SELECT count(*), sum(i), max(dec5) FROM $table WHERE id < 0", native)
  }

  @Test def overflowWrapsAndSpecialFloats(): Unit = both {
    // Sums of longs wrap in legacy mode; sums of doubles carry NaN and infinities.
    checkSql(s"SELECT b, sum(l), sum(l * 3), sum(d), avg(d), sum(f) FROM $table GROUP BY b", native)
  }

  @Test def floatingMinMaxStaysInSparkWithReason(): Unit = {
    val df = checkSql(s"SELECT b, max(d), min(f) FROM $table GROUP BY b", nativeNodes = Seq("ThermiteScanExec"))
    assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains("`max` of double"))
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

  @Test def unsupportedFunctionFallsBackWithReason(): Unit = {
    val df = checkSql(s"SELECT i % 3, sum(DISTINCT l), stddev(d) FROM $table GROUP BY i % 3", nativeNodes = Nil)
    assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains("HashAggregate"))
  }
}
