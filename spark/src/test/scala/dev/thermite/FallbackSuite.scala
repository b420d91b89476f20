package dev.thermite

import org.junit.Assert.{assertEquals, assertTrue}
import org.junit.Test

/** What stays in Spark stays correct, and says why. */
class FallbackSuite extends ThermiteTestBase {
  private lazy val path = TestData.write(spark, tempPath("fallback"))

  private def reasons(df: org.apache.spark.sql.DataFrame): Map[String, String] = Thermite.fallbackReasons(df).toMap

  @Test def unsupportedExpressionKeepsItsOperatorInSpark(): Unit = {
    val df = checkNative(
      spark.read.parquet(path).where("i > 0").selectExpr("id", "regexp_extract(str, '([a-z]+)', 1) as word", "l + 1"),
      Seq("ThermiteScanExec", "ThermiteFilterExec"))
    assertTrue(nativeNodeNames(df).forall(_ != "ThermiteProjectExec"))
    val why = reasons(df).getOrElse("Project", "")
    assertTrue(s"reason was: $why", why.contains("regexp_extract"))
    assertTrue(Thermite.explainFallback(df).contains("regexp_extract"))
  }

  @Test def operatorsAboveAFallbackStayInSpark(): Unit = {
    // The optimizer pushes the filter on initcap(str) below the project: both stay in Spark.
    val df = checkNative(
      spark.read.parquet(path).selectExpr("id", "initcap(str) as u").where("u = 'A'"))
    val why = reasons(df)
    assertTrue(why.toString, why.get("Filter").exists(_.contains("initcap")))
    assertTrue(why.toString, why.get("Project").exists(_.contains("is not native")))
  }

  /** Spark runs a node's scalar subqueries before it; a native aggregate would not see their values. */
  @Test def scalarSubqueryInAnAggregateStaysInSpark(): Unit = {
    spark.read.parquet(path).createOrReplaceTempView("fallback_subquery")
    val df = checkSql("SELECT b, (SELECT count(*) FROM fallback_subquery) AS n, count(id) AS c " +
      "FROM fallback_subquery GROUP BY ALL")
    assertTrue(reasons(df).toString, reasons(df).values.exists(_.contains("a scalar subquery in")))
  }

  @Test def disabledByConfig(): Unit = {
    withConf(ThermiteConf.Enabled -> "false") {
      val df = spark.read.parquet(path).where("i > 0").select("id")
      assertEquals(Seq.empty[String], nativeNodeNames(df))
      df.collect()
    }
    assertTrue(nativeNodeNames(spark.read.parquet(path).where("i > 0").select("id")).nonEmpty)
  }

  @Test def ansiArithmeticFallsBackWithReason(): Unit = {
    withConf("spark.sql.ansi.enabled" -> "true") {
      val df = spark.read.parquet(path).selectExpr("id", "i + 1 as next")
      assertTrue(reasons(df).getOrElse("Project", "").contains("ANSI"))
      assertTrue(nativeNodeNames(df).contains("ThermiteScanExec"))
    }
  }

  @Test def otherFormatsStayInSpark(): Unit = {
    val json = tempPath("json")
    spark.range(10).write.json(json)
    val df = checkNative(spark.read.json(json).where("id > 3"), nativeNodes = Nil)
    assertTrue(reasons(df).values.exists(_.contains("file format")))
  }

  /** Planning with the fallback log on still converts and answers; the log text is not checked. */
  @Test def explainFallbackLogging(): Unit = {
    withConf(ThermiteConf.ExplainFallback -> "true") {
      checkNative(spark.read.parquet(path).selectExpr("id", "md5(str)"), Seq("ThermiteScanExec"))
    }
  }
}
