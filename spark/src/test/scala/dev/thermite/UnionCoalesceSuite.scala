package dev.thermite

import org.junit.Assert.assertEquals
import org.junit.Test

/** Unions and coalesces of native inputs, and native operators reading their batches. */
class UnionCoalesceSuite extends ThermiteTestBase {
  private lazy val table: String = {
    val path = TestData.write(spark, tempPath("union"), n = 500, files = 3)
    spark.read.parquet(path).createOrReplaceTempView("union_edge")
    "union_edge"
  }

  @Test def unionAll(): Unit = {
    checkSql(s"SELECT id, d, str FROM $table WHERE i > 0 UNION ALL SELECT id, d, str FROM $table WHERE i <= 0",
      Seq("ThermiteUnionExec"))
    // One side empty; three sides with expressions.
    checkSql(s"SELECT id, dec15 FROM $table WHERE id < 0 UNION ALL SELECT id, dec15 FROM $table WHERE id % 3 = 0",
      Seq("ThermiteUnionExec"))
    checkSql(s"SELECT l + 1 AS x FROM $table UNION ALL SELECT l FROM $table UNION ALL SELECT -l FROM $table",
      Seq("ThermiteUnionExec", "ThermiteProjectExec"))
  }

  @Test def nativeOperatorsReadAUnion(): Unit = {
    for (aqe <- Seq("true", "false")) {
      withConf("spark.sql.adaptive.enabled" -> aqe) {
        checkSql(s"SELECT b, count(*), sum(i) FROM (SELECT b, i FROM $table WHERE d > 0 " +
          s"UNION ALL SELECT b, i FROM $table WHERE d <= 0) GROUP BY b",
          Seq("ThermiteUnionExec", "ThermiteHashAggregateExec"))
        // UNION (distinct) is an aggregate over the union.
        checkSql(s"SELECT str, ts FROM $table UNION SELECT str, ts FROM $table WHERE id % 2 = 0",
          Seq("ThermiteUnionExec", "ThermiteHashAggregateExec"))
      }
    }
    checkSql(s"SELECT * FROM (SELECT id, f FROM $table UNION ALL SELECT id, f FROM $table) WHERE f > 0",
      Seq("ThermiteUnionExec", "ThermiteFilterExec"))
  }

  @Test def coalesce(): Unit = {
    val df = checkNative(spark.table(table).where("i is not null").coalesce(1), Seq("ThermiteCoalesceExec"))
    assertEquals(1, df.rdd.getNumPartitions)
    checkNative(spark.table(table).coalesce(2).sortWithinPartitions("d", "id"),
      Seq("ThermiteCoalesceExec", "ThermiteSortExec"))
    checkNative(spark.table(table).where("id < 0").coalesce(1).selectExpr("count(*)"), Seq("ThermiteCoalesceExec"))
  }
}
