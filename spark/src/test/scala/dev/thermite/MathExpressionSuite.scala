package dev.thermite

import java.math.{BigDecimal => JBigDecimal}

import scala.collection.JavaConverters._

import org.apache.spark.sql.Row
import org.apache.spark.sql.types._
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * round/bround, div, pmod, greatest/least, nanvl, the rewritten nvl2/nullif and the bitwise
 * functions, Thermite off vs on.
 */
class MathExpressionSuite extends ThermiteTestBase {
  private lazy val edge: String = {
    val path = TestData.write(spark, tempPath("math-edge"), n = 300)
    spark.read.parquet(path).createOrReplaceTempView("math_edge")
    "math_edge"
  }

  /** Ties and near-ties in decimal and binary, with a second value to pair each with. */
  private lazy val ties: String = {
    val doubles = Seq[Any](2.5, -2.5, 0.125, -0.125, 2.675, 1.005, 0.5, 1.5, -0.5, 1e300, -0.0, 0.0, Double.NaN,
      Double.PositiveInfinity, Double.NegativeInfinity, 1e-5, 123456.785, 9.995, 5e-324, Double.MaxValue, 0.1,
      1234567.0, 8.5e15, 4.35, 2.2250738585072014e-308, null)
    val longs = Seq[Any](Long.MaxValue, Long.MinValue, 15L, 25L, -15L, -25L, 5L, 0L, -1L, 1L, 9223372036854775L,
      Int.MaxValue.toLong, null)
    val decs = Seq[Any](new JBigDecimal("2.50"), new JBigDecimal("-2.50"), new JBigDecimal("0.12"),
      new JBigDecimal("-0.05"), new JBigDecimal("99999.99"), new JBigDecimal("-99999.99"), new JBigDecimal("0.00"),
      new JBigDecimal("15.00"), null)
    val rows = (0 until 120).map { i =>
      val d = doubles(i % doubles.size)
      val other = doubles((i * 7 + 3) % doubles.size)
      Row(i, d, other, if (d == null) null else d.asInstanceOf[Double].toFloat, longs(i % longs.size),
        longs((i * 5 + 1) % longs.size), decs(i % decs.size), decs((i * 3 + 2) % decs.size))
    }
    val schema = StructType(Seq(StructField("id", IntegerType, nullable = false), StructField("d", DoubleType),
      StructField("d2", DoubleType), StructField("f", FloatType), StructField("l", LongType),
      StructField("l2", LongType), StructField("m", DecimalType(7, 2)), StructField("m2", DecimalType(7, 2))))
    val path = tempPath("ties")
    spark.createDataFrame(rows.asJava, schema).repartition(2).write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("ties")
    "ties"
  }

  private val projected = Seq("ThermiteScanExec", "ThermiteProjectExec")

  private def project(table: String, exprs: String*): Unit =
    checkSql(s"SELECT id, ${exprs.mkString(", ")} FROM $table", projected)

  private val scales = Seq(-20, -19, -5, -2, -1, 0, 1, 2, 3, 5, 16, 300)

  @Test def roundAndBroundOfEdgeValues(): Unit = {
    for (c <- Seq("b", "s", "i", "l", "f", "d", "dec5", "dec15", "dec30", "dec38")) {
      val allowed = if (c == "dec38") scales.filter(_ >= 0) else scales
      project(edge, allowed.flatMap(n => Seq(s"round($c, $n)", s"bround($c, $n)")): _*)
      project(edge, s"round($c)", s"bround($c)")
    }
  }

  @Test def roundAndBroundOfTies(): Unit = {
    for (c <- Seq("d", "f", "l", "m")) {
      project(ties, scales.flatMap(n => Seq(s"round($c, $n)", s"bround($c, $n)")): _*)
    }
    project(ties, "round(d, 4)", "round(d, 6)", "bround(d, 15)", "round(d, 17)", "round(d, 300)", "round(d, -300)",
      "round(d, -309)", "round(l, -18)", "bround(l, -18)", "round(cast(l as int), -9)", "round(cast(l as short), -4)")
  }

  /** Seeded doubles near decimal ties at every magnitude, where binary and decimal rounding part. */
  @Test def roundOfRandomNearTies(): Unit = {
    val random = new scala.util.Random(sys.props.getOrElse("thermite.seed", "7").toLong)
    val values = (0 until 3000).map { i =>
      val digits = (random.nextLong() >>> (1 + random.nextInt(50))).toString
      val exponent = random.nextInt(60) - 30
      val tie = if (random.nextBoolean()) "5" else ""
      val sign = if (random.nextBoolean()) "-" else ""
      Row(i, s"$sign$digits${tie}e$exponent".toDouble)
    }
    val schema = StructType(Seq(StructField("id", IntegerType, nullable = false), StructField("d", DoubleType)))
    val path = tempPath("near-ties")
    spark.createDataFrame(values.asJava, schema).write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("near_ties")
    for (n <- Seq(-30, -10, -3, -1, 0, 1, 2, 3, 5, 8, 12, 20, 30)) project("near_ties", s"round(d, $n)", s"bround(d, $n)")
  }

  @Test def roundCornersStayInSpark(): Unit = {
    val df = checkSql(s"SELECT id, round(d, 301), bround(f, 400) FROM $edge", Seq("ThermiteScanExec"))
    assertTrue(Thermite.explainFallback(df).contains("`round` of double to scale 301"))
    // Spark fails where the rounded value needs a 39th digit: planned only.
    val overflow = spark.sql(s"SELECT id, round(dec38, -1) FROM $edge")
    assertTrue(Thermite.explainFallback(overflow).contains("`round` of decimal(38,0)"))
  }

  @Test def integralDivide(): Unit = {
    for (c <- Seq("b", "s", "i", "l")) project(edge, s"$c div $c", s"$c div 0", s"$c div -1", s"$c div 7", s"l div $c")
    project(edge, "dec5 div dec5", "dec15 div dec5", "dec30 div dec15", "dec38 div dec5", "dec15 div 0",
      "dec38 div 3", "dec5 div 0.3")
    project(ties, "l div l2", "m div m2", "l div -1", "m div 0.01")
  }

  @Test def positiveModulus(): Unit = {
    for (c <- Seq("b", "s", "i", "l", "f", "d", "dec5", "dec15", "dec30", "dec38")) {
      project(edge, s"pmod($c, $c)", s"pmod($c, 0)", s"pmod($c, -1)", s"pmod($c, 3)", s"pmod($c, -3)",
        s"pmod(-7, $c)")
    }
    project(edge, "pmod(b, s)", "pmod(i, l)", "pmod(f, d)", "pmod(dec5, dec15)", "pmod(dec30, dec5)",
      "pmod(d, -0.0d)", "pmod(d, cast('NaN' as double))", "pmod(dec5, 0.7)")
    project(ties, "pmod(d, d2)", "pmod(l, l2)", "pmod(m, m2)", "pmod(f, cast(d2 as float))")
  }

  @Test def greatestAndLeast(): Unit = {
    project(ties, "greatest(d, d2)", "least(d, d2)", "greatest(d2, d)", "least(d2, d)", "greatest(d, null, d2)",
      "greatest(f, cast(d2 as float))", "least(l, l2, 0L)", "greatest(m, m2)", "least(m, m2, 1.5)",
      "greatest(d, cast('NaN' as double))", "least(d, cast('NaN' as double), d2)")
    project(edge, "greatest(b, s, i)", "least(i, l)", "greatest(f, d)", "least(dec5, dec15, dec30)",
      "greatest(str, 'b')", "least(str, '日')", "greatest(date, date'2000-01-01')", "least(ts, timestamp'2000-01-01 00:00:00')",
      "greatest(bool, false)", "least(bool, null)", "greatest(cast(null as int), cast(null as int))")
  }

  @Test def nanvl(): Unit = {
    project(ties, "nanvl(d, d2)", "nanvl(f, cast(d2 as float))", "nanvl(d, null)", "nanvl(d, 1.0d)")
    project(edge, "nanvl(d, f)", "nanvl(f, f)")
  }

  /** Spark rewrites these into CASE/IF/COALESCE, which run natively. */
  @Test def rewrittenConditionals(): Unit = {
    project(edge, "nvl2(str, i, l)", "nvl2(d, 'set', null)", "nullif(i, 0)", "nullif(str, '')", "nullif(d, -0.0d)",
      "nvl2(null, 1, 2)")
    project(ties, "nullif(d, d2)", "nvl2(m, m2, m)")
  }

  @Test def bitwiseOfEdgeValues(): Unit = {
    for (c <- Seq("b", "s", "i", "l")) {
      project(edge, s"$c & $c", s"$c | -1", s"$c ^ id", s"~$c", s"bit_count($c)", s"$c & null")
    }
    project(edge, "b & s", "i | l", "s ^ b", "bit_count(bool)", "bit_count(cast(null as int))")
    // Java's shifts take the distance modulo the width: negative and wide distances included.
    for (c <- Seq("i", "l"); n <- Seq("0", "1", "31", "32", "63", "64", "-1", "-33", "id", "i", "null")) {
      project(edge, s"shiftleft($c, $n)", s"shiftright($c, $n)", s"shiftrightunsigned($c, $n)")
    }
    project(ties, "l & l2", "l | l2", "l ^ l2", "shiftleft(l, cast(l2 as int))", "shiftrightunsigned(l2, 7)")
  }

  /** `grouping()` and `grouping_id()` are shifts and masks of Spark's grouping id. */
  @Test def groupingFunctions(): Unit = {
    checkSql(s"SELECT b, s, grouping(b), grouping(s), grouping_id(b, s), grouping_id(), count(*), sum(i) " +
      s"FROM $edge GROUP BY ROLLUP(b, s)", Seq("ThermiteHashAggregateExec", "ThermiteExpandExec"))
    checkSql(s"SELECT s, bool, grouping_id(), sum(l) FROM $edge GROUP BY CUBE(s, bool) HAVING grouping(bool) = 1",
      Seq("ThermiteHashAggregateExec", "ThermiteExpandExec"))
  }
}
