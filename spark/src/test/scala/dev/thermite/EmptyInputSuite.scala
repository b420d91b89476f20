package dev.thermite

import org.apache.spark.sql.functions.{count, max, min}
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Inputs with nothing in them, Thermite off vs on: aggregates over no rows and over only NULLs,
 * global and grouped, with each side of the exchange native or in Spark; and operators whose
 * input has rows but no columns (a `count(*)`, a projection of literals), which Arrow can only
 * carry with an explicit row count.
 */
class EmptyInputSuite extends ThermiteTestBase {
  private lazy val table: String = {
    spark.read.parquet(TestData.write(spark, tempPath("empty-input"), n = 400, files = 3))
      .createOrReplaceTempView("empty_input")
    "empty_input"
  }

  private val native = Seq("ThermiteHashAggregateExec")

  private def both(f: => Unit): Unit =
    for (aqe <- Seq("true", "false")) withConf("spark.sql.adaptive.enabled" -> aqe)(f)

  /**
   * Every function Thermite aggregates, over the columns each takes. Strings' min/max make Spark
   * plan a sort aggregate, where first/last stay in Spark: they get a query of their own.
   */
  private val calls = Seq("count(i)", "count(*)", "sum(i)", "sum(l)", "sum(d)", "sum(dec15)", "sum(dec38)", "avg(i)",
    "avg(d)", "avg(f)", "avg(dec5)", "avg(dec30)", "min(d)", "max(f)", "max(dec38)", "max(date)", "first(l)",
    "last(d, true)", "var_samp(d)", "var_pop(i)", "stddev_samp(l)", "stddev_pop(d)", "bit_and(i)", "bit_or(l)",
    "bit_xor(s)", "bool_and(bool)", "bool_or(bool)")
  private val stringCalls = Seq("min(str)", "max(str)", "count(str)", "sum(i)", "avg(d)")

  /** No rows: a filter in Spark (RLIKE) and a native one; only NULLs: the functions' columns. */
  private val wheres = Seq("str RLIKE '^never$'", "id < 0",
    "i IS NULL AND l IS NULL AND d IS NULL AND f IS NULL AND s IS NULL AND dec38 IS NULL AND bool IS NULL")

  @Test def globalAggregatesOverNothing(): Unit = both {
    for (where <- wheres) {
      checkSql(s"SELECT ${calls.mkString(", ")} FROM $table WHERE $where", native)
      checkSql(s"SELECT ${stringCalls.mkString(", ")} FROM $table WHERE $where OR str IS NULL", native)
    }
  }

  @Test def groupedAggregatesOverNothing(): Unit = both {
    for (where <- wheres.tail) {
      checkSql(s"SELECT b, ${calls.mkString(", ")} FROM $table WHERE $where OR id % 7 = 0 GROUP BY b", native)
      checkSql(s"SELECT b, ${stringCalls.mkString(", ")} FROM $table WHERE $where OR str IS NULL GROUP BY b", native)
    }
  }

  /** Spark's final aggregate over native buffers of nothing, and the other way round. */
  @Test def modeSplitsOverNothing(): Unit = both {
    val exact = Seq("count(i)", "sum(i)", "sum(d)", "avg(i)", "avg(d)", "avg(dec5)", "min(d)", "max(str)",
      "var_samp(d)", "stddev_pop(d)", "bit_or(l)", "bool_and(bool)")
    for (where <- wheres) {
      // The result uses initcap: the final stays in Spark, the partial is native.
      checkSql(s"SELECT initcap(cast(avg(d) AS string)), ${exact.mkString(", ")} FROM $table WHERE $where", native)
      // The key uses initcap: the partial stays in Spark, the final is native.
      checkSql(s"SELECT initcap(str), ${exact.mkString(", ")} FROM $table WHERE $where OR id % 5 = 0 " +
        "GROUP BY initcap(str)", native)
      // The arguments use initcap: the partial stays in Spark over a global aggregate.
      checkSql(s"SELECT avg(if(initcap(str) = 'A', d, NULL)), sum(if(initcap(str) = 'A', i, NULL)), " +
        s"count(if(initcap(str) = 'A', 1, NULL)) FROM $table WHERE $where", native)
    }
  }

  @Test def operatorsWithoutColumns(): Unit = both {
    checkSql(s"SELECT max(make_date(2020, 1, 1)), count(*), count(1) FROM $table WHERE str RLIKE 'a'", native)
    checkSql(s"SELECT max(make_date(2020, 1, 1)), count(*) FROM $table WHERE id % 3 = 0", native)
    checkSql(s"SELECT count(*) FROM $table", native)
    checkSql(s"SELECT 1 AS one, 'x' AS x, CAST(NULL AS double) AS d FROM $table WHERE id < 50",
      Seq("ThermiteProjectExec"))
    checkSql(s"SELECT count(*), sum(1) FROM (SELECT 1 FROM $table UNION ALL SELECT 2 FROM $table WHERE str RLIKE 'b')",
      native)
    checkSql(s"SELECT count(*) FROM $table a JOIN $table b ON a.i = b.i WHERE a.str RLIKE 'a'", native)
    checkSql(s"SELECT count(*) FROM $table a LEFT SEMI JOIN $table b ON a.l = b.l", native)
    checkNative(spark.table(table).where("str RLIKE 'a'").select().repartition(3).groupBy().count(), native)
    checkNative(spark.table(table).select().repartition(3).groupBy().count(), native)
  }

  /**
   * Rows the plan carries (a local DataFrame of awkward values) read natively; collected by
   * Spark, they stay Spark's (its node returns them without a job). TPC-DS has the empty relation
   * adaptive execution puts where an exchange turned out empty (q88, q90 at SF0.1).
   */
  @Test def localRows(): Unit = {
    checkNative(TestData.frame(spark, 300).where("id > 10").groupBy("str").agg(count("*"), min("d"), max("dec38")),
      Seq("ThermiteLocalTableScanExec", "ThermiteHashAggregateExec"))
    val literal = checkSql("SELECT 1 AS x, 'a' AS y, CAST(-0.0 AS double) AS z", Nil)
    assertTrue(literal.queryExecution.executedPlan.toString, nativeNodeNames(literal).isEmpty)
  }
}
