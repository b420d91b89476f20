package dev.thermite

import org.apache.spark.sql.types._
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Structs, arrays and maps, Thermite off vs on: read from Parquet (NULLs at every level, empty
 * arrays, NaN and -0.0 inside), carried through project, filter, shuffle, sort, joins, unions
 * and aggregates, and taken apart and built by the nested expressions.
 */
class NestedTypesSuite extends ThermiteTestBase {
  private lazy val table: String = {
    val path = tempPath("nested")
    withConf(ThermiteConf.Enabled -> "false") {
      TestData.frame(spark, 300).createOrReplaceTempView("nested_source")
      spark.sql(
        """SELECT id, i, l, str, d,
          |  CASE WHEN id % 11 = 0 THEN NULL ELSE named_struct('i', i, 'str', str, 'inner',
          |    named_struct('d', d, 'dec', dec30, 'arr', CASE WHEN id % 7 = 0 THEN NULL ELSE array(l, NULL, id) END))
          |  END AS s,
          |  CASE WHEN id % 13 = 0 THEN NULL WHEN id % 5 = 0 THEN CAST(array() AS array<string>)
          |    ELSE array(str, concat(str, 'x'), NULL) END AS arr,
          |  CASE WHEN id % 17 = 0 THEN NULL ELSE
          |    array(named_struct('x', l, 'y', dec5, 'ts', ts), NULL, named_struct('x', id, 'y', NULL, 'ts', NULL)) END AS arrs,
          |  CASE WHEN id % 9 = 0 THEN NULL ELSE map(concat('k', id % 3), i, 'z', NULL) END AS m,
          |  map(id % 4, array(date, NULL), -1, NULL) AS mi,
          |  array(d, f, -0.0D, CAST('NaN' AS double)) AS fl,
          |  CASE WHEN id % 3 = 0 THEN NULL ELSE array(array(b, s), array(), NULL) END AS aa
          |FROM nested_source""".stripMargin).repartition(3).write.parquet(path)
    }
    spark.read.parquet(path).createOrReplaceTempView("nested")
    "nested"
  }

  private val scan = Seq("ThermiteScanExec")
  private val project = Seq("ThermiteScanExec", "ThermiteProjectExec")

  private def both(f: => Unit): Unit =
    for (aqe <- Seq("true", "false")) withConf("spark.sql.adaptive.enabled" -> aqe)(f)

  @Test def readWholeColumns(): Unit = {
    checkSql(s"SELECT * FROM $table", scan)
    checkSql(s"SELECT aa, fl, mi, m, arrs, arr, s, id FROM $table", scan)
  }

  /** Spark prunes the struct to the fields read; the file has them all. */
  @Test def nestedColumnPruning(): Unit = {
    checkSql(s"SELECT id, s.i, s.inner.arr FROM $table", project)
    checkSql(s"SELECT id, s.inner FROM $table", project)
    checkSql(s"SELECT id, arrs.x, arrs.ts FROM $table", project)
  }

  @Test def fieldsElementsAndValues(): Unit = {
    checkSql(s"SELECT id, s.str, s.inner.d, s.inner.dec, s.inner.arr[0], s.inner.arr[1], s.inner.arr[2], " +
      s"s.inner.arr[3], s.inner.arr[-1], s.inner.arr[i % 4] FROM $table", project)
    checkSql(s"SELECT id, element_at(arr, 1), element_at(arr, -1), element_at(arr, 3), element_at(arr, -4), " +
      s"element_at(arr, 100), arr[0], arr[2] FROM $table", project)
    checkSql(s"SELECT id, m['k0'], m['k1'], m['z'], m[str], element_at(m, 'k2'), mi[id % 4], mi[-1], mi[7] " +
      s"FROM $table", project)
    checkSql(s"SELECT id, arrs[0].x, arrs[0].y, arrs[1].x, arrs[2], fl[3], fl[2], aa[0][1], aa[2] FROM $table", project)
    checkSql(s"SELECT id, arrs.y, arrs.x[1], size(arrs.ts), element_at(arrs.y, -1) FROM $table", project)
  }

  @Test def sizesAndSearches(): Unit = {
    for (legacy <- Seq("true", "false")) withConf("spark.sql.legacy.sizeOfNull" -> legacy) {
      checkSql(s"SELECT id, size(arr), size(m), cardinality(mi), size(s.inner.arr), size(aa[0]) FROM $table", project)
    }
    checkSql(s"SELECT id, array_contains(arr, str), array_contains(arr, 'x'), array_contains(arr, concat(str, 'x')), " +
      s"array_contains(s.inner.arr, l), array_contains(s.inner.arr, 5L) FROM $table", project)
  }

  @Test def buildingArraysAndStructs(): Unit = {
    checkSql(s"SELECT id, array(i, id, NULL), array(str), named_struct('a', i, 'b', str, 'c', arr), " +
      s"struct(id, s.inner.d AS d), array(s, s) FROM $table", project)
    checkSql(s"SELECT id, if(id % 2 = 0, arr, NULL), CASE WHEN i > 0 THEN s WHEN i < 0 THEN NULL ELSE s END, " +
      s"coalesce(m, CAST(NULL AS map<string,int>)), coalesce(s.inner.arr, array(l)) FROM $table", project)
    checkSql(s"SELECT named_struct('n', count(*), 'total', sum(i), 'top', max(str)) AS agg FROM $table",
      Seq("ThermiteHashAggregateExec"))
    checkSql(s"SELECT id % 5 AS k, named_struct('n', count(*), 'mx', max(d)) FROM $table GROUP BY id % 5",
      Seq("ThermiteHashAggregateExec"))
  }

  @Test def filters(): Unit = {
    checkSql(s"SELECT * FROM $table WHERE s.i > 0 AND size(arr) > 1", Seq("ThermiteScanExec", "ThermiteFilterExec"))
    checkSql(s"SELECT id, m FROM $table WHERE m['k1'] IS NOT NULL OR element_at(arr, -1) IS NULL",
      Seq("ThermiteScanExec", "ThermiteFilterExec"))
    checkSql(s"SELECT id, s FROM $table WHERE s IS NULL OR s.inner.arr IS NULL", Seq("ThermiteScanExec", "ThermiteFilterExec"))
  }

  @Test def throughShufflesSortsJoinsAndUnions(): Unit = both {
    checkSql(s"SELECT /*+ REPARTITION(4, id) */ * FROM $table", Seq("ThermiteShuffleExchangeExec"))
    checkOrdered(spark.sql(s"SELECT * FROM $table ORDER BY l, id"), Seq("ThermiteSortExec"))
    checkOrdered(spark.sql(s"SELECT id, s, m FROM $table ORDER BY id DESC LIMIT 17"), Seq("ThermiteTakeOrderedAndProjectExec"))
    withConf("spark.sql.autoBroadcastJoinThreshold" -> "-1") {
      checkSql(s"SELECT a.id, a.s, b.arrs, b.m FROM $table a JOIN $table b ON a.i = b.i", Seq("ThermiteSortMergeJoinExec"))
    }
    checkSql(s"SELECT a.id, a.arr, b.mi FROM $table a JOIN (SELECT * FROM $table WHERE id < 40) b ON a.l = b.l",
      Seq("ThermiteBroadcastHashJoinExec"))
    checkSql(s"SELECT id, s, arr FROM $table WHERE id < 100 UNION ALL SELECT id, s, arr FROM $table WHERE id > 250",
      Seq("ThermiteUnionExec"))
    checkSql(s"SELECT s.i, count(*) FROM (SELECT s FROM $table DISTRIBUTE BY id) GROUP BY s.i",
      Seq("ThermiteHashAggregateExec"))
  }

  /** Rows of a Spark operator (RLIKE stays in Spark), converted to Arrow for a native sort. */
  @Test def sparkRowsIntoNativeOperators(): Unit = {
    checkOrdered(spark.sql(s"SELECT * FROM $table WHERE str RLIKE '^[a-z]' ORDER BY id"), Seq("ThermiteSortExec"))
  }

  /** Read schemas that differ from the files': missing, reordered and differently cased fields. */
  @Test def evolvedSchemas(): Unit = {
    val path = tempPath("nested-evolved")
    withConf(ThermiteConf.Enabled -> "false") {
      spark.sql(s"SELECT id, s, m, arrs FROM $table").write.parquet(path)
    }
    val read = StructType.fromDDL(
      "id INT, S STRUCT<inner: STRUCT<ARR: ARRAY<BIGINT>, missing: DOUBLE>, I: INT, gone: STRING>, " +
        "m MAP<STRING, INT>, arrs ARRAY<STRUCT<y: DECIMAL(5,2), nope: INT, X: BIGINT>>")
    checkNative(spark.read.schema(read).parquet(path), scan)
  }

  /** Generators: one row per element, NULL and empty collections dropped or (outer) kept. */
  @Test def explodeAndFriends(): Unit = both {
    val generate = Seq("ThermiteGenerateExec")
    for (outer <- Seq("", "_outer")) {
      checkSql(s"SELECT id, explode$outer(arr) FROM $table", generate)
      checkSql(s"SELECT id, posexplode$outer(arr) FROM $table", generate)
      checkSql(s"SELECT id, str, explode$outer(m) FROM $table", generate)
      checkSql(s"SELECT id, posexplode$outer(mi) FROM $table", generate)
      checkSql(s"SELECT id, inline$outer(arrs) FROM $table", generate)
      checkSql(s"SELECT id, explode$outer(fl) AS x FROM $table", generate)
    }
    checkSql(s"SELECT id, e FROM $table LATERAL VIEW explode(s.inner.arr) t AS e WHERE e IS NOT NULL", generate)
    checkSql(s"SELECT id, a, b FROM $table LATERAL VIEW OUTER explode(aa) t AS a LATERAL VIEW explode(a) u AS b",
      generate)
    checkSql(s"SELECT id, stack(3, i, str, id, NULL, NULL, concat(str, '!')) FROM $table", generate)
    checkSql(s"SELECT k, count(*), sum(v) FROM (SELECT explode(m) AS (k, v) FROM $table) GROUP BY k",
      generate :+ "ThermiteHashAggregateExec")
  }

  /** What stays in Spark, with its reason. */
  @Test def fallbacksSayWhy(): Unit = {
    for ((sql, reason) <- Seq(
        s"SELECT id FROM $table WHERE arrs[0] = arrs[2]" -> "over struct<",
        s"SELECT s, count(*) FROM $table GROUP BY s" -> "key of type struct<",
        s"SELECT array_contains(fl, d) FROM $table" -> "array_contains")) {
      val why = Thermite.explainFallback(spark.sql(sql))
      assertTrue(s"$sql: $why", why.contains(reason))
      checkSql(sql, scan)
    }
  }

}
