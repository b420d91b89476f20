package dev.thermite

import scala.collection.JavaConverters._

import org.apache.spark.sql.Row
import org.apache.spark.sql.types._
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Legacy-mode casts to and from strings, booleans, dates and timestamps, Thermite off vs on,
 * over the edge-value table and awkward strings; the pairs left in Spark say why.
 */
class CastSuite extends ThermiteTestBase {
  private lazy val edge: String = {
    spark.read.parquet(TestData.write(spark, tempPath("cast-edge"), n = 200)).createOrReplaceTempView("cast_edge")
    "cast_edge"
  }

  private val awkward = Seq(" 12 ", "1e3", "+5", "-", "+", "2024-02-30", "2024-1-1", "  2024-01-01T10:00:00Z", "12:00",
    "true", "TRUE", "yes", "Y", "t", "N", " no ", "f", "0", "1", "2", "0x1F", "1.5", "-1.5", ".", "1.", ".5", "1.x",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "2147483647",
    "2147483648", "-2147483648", "32767", "32768", "-32769", "127", "128", "-128", "-129", "\u00007\u0000",
    "\u00a07", "\t42\n", "\u007f1\u007f", "٣", "", " ", "2024", "2024-03", "2024-03 ", "2024-03-10 12:00",
    "2024-03-10T", "2024-03-10X", "2024-3", "-0001-01-01", "+2024-01-01", "0000-01-01", "10000-01-01",
    "1234567-01-01", "12345678-01-01", "2024-13-01", "2024-12-32", "2024-00-10", "99-01-01", "2024-01-01 garbage",
    "2024--01", "T", "2024-02-29", "2023-02-29", "1582-10-10", "NaN", "Infinity", "1_000", "00012", "-0", "+-1",
    "\u3000 true", "on", "0x1.8p1", "-0X1P-1074", "0x1p-1075", "0x.8p1d", "0x1p", "1.5d", "1e3f", "1.e3", "+.5E1",
    "-Infinity", "+NaN", "-nan", "INF", "-inf", "+Infinity", "Infinityd", "1e400", "4.9e-324", "2e-324", "3.4028236e38",
    "1e-46", "0.1", "-0", "1e", "e1", "1d ", "0.30000000000000004", "123456789012345678901234567890", null)

  private lazy val strings: String = view("cast_strings", "s", StringType, awkward)

  /** A table of `values` in column `column`, beside a unique `id`, as a view called `name`. */
  private def view(name: String, column: String, t: DataType, values: Seq[Any]): String = {
    val rows = values.zipWithIndex.map { case (v, i) => Row(i, v) }
    val schema = StructType(Seq(StructField("id", IntegerType, nullable = false), StructField(column, t)))
    val path = tempPath(name)
    spark.createDataFrame(rows.asJava, schema).repartition(2).write.parquet(path)
    spark.read.parquet(path).createOrReplaceTempView(name)
    name
  }

  private val projected = Seq("ThermiteScanExec", "ThermiteProjectExec")

  private def project(table: String, exprs: String*): Unit =
    checkSql(s"SELECT id, ${exprs.mkString(", ")} FROM $table", projected)

  private def inZones(body: => Unit): Unit =
    for (zone <- Seq("America/Los_Angeles", "UTC", "Asia/Kolkata")) {
      withConf("spark.sql.session.timeZone" -> zone)(body)
    }

  @Test def stringsToNumbersBooleansAndDates(): Unit = {
    for (t <- Seq("tinyint", "smallint", "int", "bigint", "float", "double", "boolean", "date")) {
      project(strings, s"cast(s as $t)")
      project(edge, s"cast(str as $t)")
    }
  }

  /** Spark rounds through the digits of `Double.toString` (floats widened first), HALF_UP. */
  @Test def floatingPointToDecimal(): Unit = {
    for (t <- Seq("decimal(5,2)", "decimal(10,0)", "decimal(38,18)", "decimal(38,0)", "decimal(18,17)", "decimal(3,3)")) {
      project(edge, s"cast(d as $t)", s"cast(f as $t)", s"cast(d / 3 as $t)", s"cast(f * 7 as $t)", s"cast(-d as $t)")
      project(strings, s"cast(cast(s as double) as $t)", s"cast(cast(s as float) as $t)")
    }
    // Ties at the target scale, and doubles whose shortest digits are the JVM's exact integers.
    project(edge, "cast(0.125d as decimal(3,2))", "cast(-2.675d as decimal(4,2))", "cast(1.0E18d + 3 as decimal(38,0))",
      "cast(cast(i as double) * 1e9 as decimal(38,2))", "cast(0.1f as decimal(20,19))")
  }

  /**
   * Doubles where Java 17's `Double.toString` is not the shortest (2e23 prints as
   * 1.9999999999999998E23), and families around them: k × 10^e across the whole range, powers of
   * two (subnormals too), integers near 2^53 and 2^63, each with its neighbours, and random bit
   * patterns. Printed (as doubles and as floats) and read as decimals and rounded, which go
   * through the same digits.
   */
  private lazy val doubles: String = {
    val rnd = new scala.util.Random(20261207)
    val families = (for (k <- Seq(1, 2, 3, 5, 7, 9, 11, 17, 41, 99, 123, 841, 4999, 48726570057L); e <- -325 to 308)
        yield s"${k}e$e".toDouble) ++ (-1074 to 1023).map(n => math.pow(2, n)) ++
      (0 to 200).flatMap(i => Seq((1L << 53) + i * 977L, Long.MaxValue - i * 1234567L, (1L << 62) + i * 31L).map(_.toDouble))
    val values = families.flatMap(v => Seq(v, java.lang.Math.nextUp(v), java.lang.Math.nextDown(v), -v)) ++
      Seq.fill(60000)(java.lang.Double.longBitsToDouble(rnd.nextLong())) ++
      Seq.fill(20000)(java.lang.Float.intBitsToFloat(rnd.nextInt()).toDouble) ++
      Seq.fill(20000)(rnd.nextDouble() * math.pow(10, rnd.nextInt(40) - 20))
    view("cast_doubles", "d", DoubleType, values)
  }

  @Test def floatingPointToStringAsJava17(): Unit = {
    project(doubles, "cast(d as string)", "cast(cast(d as float) as string)", "cast(d as decimal(38, 6))",
      "cast(d * 1e-20 as decimal(38, 30))", "round(d, 3)", "round(d * 1e-300, 300)", "bround(d, -5)")
    project(edge, "cast(d as string)", "cast(f as string)", "concat(d, '|', f)")
  }

  @Test def numbersAndBooleansToStrings(): Unit = {
    for (c <- Seq("bool", "b", "s", "i", "l", "dec5", "dec15", "dec30", "dec38")) project(edge, s"cast($c as string)")
    project(edge, "cast(dec30 * dec5 as string)", "cast(cast(i as decimal(20, 12)) / 1000000000 as string)",
      "cast(cast(0.0000001 as decimal(10, 8)) as string)", "cast(cast(-0.000001 as decimal(10, 8)) as string)")
  }

  @Test def booleansAndNumbers(): Unit = {
    for (c <- Seq("b", "s", "i", "l", "f", "d")) project(edge, s"cast($c as boolean)")
    for (t <- Seq("tinyint", "smallint", "int", "bigint", "float", "double")) project(edge, s"cast(bool as $t)")
  }

  @Test def datesAndTimestamps(): Unit = inZones {
    project(edge, "cast(date as string)", "cast(ts as string)", "cast(date as timestamp)", "cast(ts as date)",
      "cast(ts as bigint)", "cast(ts as int)", "cast(ts as smallint)", "cast(ts as tinyint)", "cast(ts as double)",
      "cast(ts as float)",
      "cast(cast(date as timestamp) as string)", "cast(cast(ts as date) as timestamp)")
    project(strings, "cast(cast(s as date) as string)")
    // Spark fails on a date beyond the timestamp range (year 1234567): so does Thermite.
    checkSql(s"SELECT id, cast(cast(s as date) as timestamp) FROM $strings WHERE length(s) < 12", projected)
  }

  @Test def dateBeyondTheTimestampRangeFails(): Unit = {
    val query = s"SELECT cast(cast(s as date) as timestamp) FROM $strings WHERE s = '1234567-01-01'"
    for (enabled <- Seq("false", "true")) {
      withConf(ThermiteConf.Enabled -> enabled) {
        val error = intercept(spark.sql(query).collect())
        assertTrue(s"Thermite $enabled: $error", error.contains("overflow"))
      }
    }
  }

  private def intercept(body: => Unit): String =
    try { body; "no error" } catch { case e: Exception => e.toString + Option(e.getCause).map(_.toString).getOrElse("") }

  @Test def pairsLeftInSparkSayWhy(): Unit = {
    for ((expr, why) <- Seq("cast(str as timestamp)" -> "timestamp parsing", "cast(str as decimal(10,2))" -> "decimal parsing")) {
      val df = checkSql(s"SELECT id, $expr FROM $edge", Seq("ThermiteScanExec"))
      assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains(why))
    }
  }
}
