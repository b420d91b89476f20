package dev.thermite

import java.math.{BigDecimal => JBigDecimal, BigInteger}

import scala.collection.JavaConverters._
import scala.util.Random

import org.apache.spark.sql.Row
import org.apache.spark.sql.types._
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Functions whose last bit is easy to get wrong, Thermite off vs on, every double compared bit
 * for bit: Spark's `StrictMath` functions (fdlibm) over hundreds of thousands of awkward doubles,
 * ceil/floor/round of decimals of every shape, and casts of decimals to floating point and
 * integers.
 */
class NumericExactnessSuite extends ThermiteTestBase with BitExact {
  private val seed = sys.props.getOrElse("thermite.seed", "11").toLong
  private val projected = Seq("ThermiteScanExec", "ThermiteProjectExec")

  /**
   * Doubles of every kind: random bit patterns (any exponent, subnormals, NaN payloads), the
   * ranges around exp's overflow and underflow thresholds, near 1 (logarithms), small integers,
   * halves and eighths (pow's integer and odd/even cases), and the special values.
   */
  private lazy val doubles: String = {
    val rnd = new Random(seed)
    val specials = Seq(0.0, -0.0, Double.NaN, Double.PositiveInfinity, Double.NegativeInfinity, Double.MinPositiveValue,
      -Double.MinPositiveValue, Double.MaxValue, -Double.MaxValue, java.lang.Double.MIN_NORMAL, 1.0, -1.0, 2.0, 0.5,
      10.0, 1e22, 1e23, 709.782712893384, -745.1332191019412, 2.718281828459045, 1e300, -1e-300)
    def value(kind: Int): Double = kind match {
      case 0 | 1 | 2 => java.lang.Double.longBitsToDouble(rnd.nextLong())
      case 3 => (rnd.nextDouble() - 0.5) * 1500
      case 4 => (rnd.nextDouble() - 0.5) * 4
      case 5 => java.lang.Double.longBitsToDouble(rnd.nextLong() & 0x000fffffffffffffL)
      case 6 => 1.0 + (rnd.nextDouble() - 0.5) * 1e-6
      case 7 => 709.78 + (rnd.nextDouble() - 0.5) * 0.01
      case 8 => -745.13 + (rnd.nextDouble() - 0.5) * 0.1
      case 9 => (rnd.nextInt(4001) - 2000) / 8.0
      case 10 => rnd.nextInt(41) - 20.0
      case _ => specials(rnd.nextInt(specials.size))
    }
    val rows = (0 until 240000).map(i => Row(i, value(rnd.nextInt(12)), value(rnd.nextInt(12))))
    val schema = StructType(Seq(StructField("id", IntegerType, nullable = false), StructField("x", DoubleType),
      StructField("y", DoubleType)))
    val path = tempPath("strict-math")
    spark.createDataFrame(rows.asJava, schema).repartition(4).write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("strict_math")
    "strict_math"
  }

  /** Decimals of awkward shapes: all nines, ties at every place, tiny and negative values. */
  private lazy val decimals: String = {
    val rnd = new Random(seed + 1)
    val fixed = Seq("0", "-0.5", "0.5", "1.5", "-2.5", "99999999999999.99", "-99999999999999.99", "0.1", "0.3",
      "9007199254740993", "123456789.123456789", "1e-18", "99999999999999999999999999999999999999",
      "-9999999999999999999.9999999999999999999", "16777217", "3.4028236e38", "1.17549435e-38", "4.9e-324")
    val random = (0 until 3000).map { _ =>
      val digits = new BigInteger(1 + rnd.nextInt(126), rnd.self)
      val signed = if (rnd.nextBoolean()) digits.negate() else digits
      new JBigDecimal(signed, rnd.nextInt(40)).toString
    }
    val rows = (fixed ++ random).zipWithIndex.map { case (s, i) => Row(i, s) }
    val schema = StructType(Seq(StructField("id", IntegerType, nullable = false), StructField("s", StringType)))
    // Spark casts the strings when writing: a string to decimal cast is not native.
    val columns = "id" +: shapes.map { case (p, s) => s"cast(s AS decimal($p,$s)) AS ${shape(p, s)}" }
    val path = tempPath("decimal-shapes")
    spark.createDataFrame(rows.asJava, schema).selectExpr(columns: _*).repartition(2).write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView("decimal_shapes")
    "decimal_shapes"
  }

  private val shapes = Seq((1, 0), (2, 1), (5, 0), (9, 0), (9, 4), (10, 2), (18, 0), (18, 9), (18, 18), (19, 0),
    (19, 3), (20, 10), (28, 14), (37, 0), (38, 0), (38, 1), (38, 10), (38, 37), (38, 38))

  private def shape(p: Int, s: Int): String = s"d_${p}_$s"

  @Test def strictMathFunctionsAreBitExact(): Unit = {
    checkBits(s"SELECT id, exp(x), ln(x), log(x), log10(x), log2(x), log1p(x), cbrt(x), sqrt(x), signum(x) FROM $doubles", projected)
    checkBits(s"SELECT id, pow(x, y), pow(y, x), pow(x, 2), pow(x, 0.5), pow(x, -1), pow(2, x), log(y, x) FROM $doubles", projected)
    checkBits(s"SELECT id, asinh(x), acosh(x), atanh(x), acosh(1 + abs(y)), atanh(y / 1e308) FROM $doubles", projected)
    checkBits(s"SELECT id, expm1(x), sinh(x), cosh(x), tanh(x), atan(x), asin(x), acos(x), asin(y / 1e308), " +
      s"acos(y - 2 * round(y / 2)), asin(x - 2 * round(x / 2)), atan2(x, y), atan2(y, -x), hypot(x, y), hypot(x * 1e-300, y) FROM $doubles", projected)
    // A last-bit difference becomes a large one in a long.
    checkBits(s"SELECT id, cast(exp(x) AS bigint), cast(pow(x, y) AS bigint), cast(ln(x) * 1e17 AS bigint) FROM $doubles", projected)
  }

  @Test def hotSpotIntrinsicsStayInSpark(): Unit = {
    val df = spark.sql(s"SELECT id, sin(x), cos(x), tan(x) FROM $doubles")
    df.collect()
    assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains("intrinsic"))
  }

  @Test def ceilFloorAndRoundOfEveryDecimalShape(): Unit = {
    for ((p, s) <- shapes) {
      val d = shape(p, s)
      val rounds = Seq(-3, -1, 0, 1, 2, s).filter(n => n < 0 && math.max(p - s + 1, 1 - n) <= 38 || n >= 0)
      checkBits(s"SELECT id, ceil($d), floor($d), ceil(ceil($d + $d)), floor(-$d), " +
        rounds.map(n => s"round($d, $n), bround($d, $n)").mkString(", ") + s" FROM $decimals", projected)
    }
  }

  @Test def decimalsToFloatingPointAndIntegers(): Unit = {
    for ((p, s) <- shapes) {
      val d = shape(p, s)
      checkBits(s"SELECT id, cast($d AS double), cast($d AS float), cast($d AS bigint), cast($d AS int), " +
        s"cast($d AS smallint), cast($d AS tinyint), cast(-$d AS double) FROM $decimals", projected)
    }
  }
}
