package dev.thermite

import java.math.{BigDecimal => JBigDecimal}
import java.sql.{Date, Timestamp}
import java.time.LocalDateTime

import scala.collection.JavaConverters._

import org.apache.spark.sql.{DataFrame, Row, SparkSession}
import org.apache.spark.sql.types._

/** Awkward values of every supported type, where the peers' silent wrong answers hide. */
object TestData {
  val schema: StructType = StructType(Seq(
    StructField("id", IntegerType, nullable = false),
    StructField("bool", BooleanType),
    StructField("b", ByteType),
    StructField("s", ShortType),
    StructField("i", IntegerType),
    StructField("l", LongType),
    StructField("f", FloatType),
    StructField("d", DoubleType),
    StructField("dec5", DecimalType(5, 2)),
    StructField("dec15", DecimalType(15, 4)),
    StructField("dec30", DecimalType(30, 10)),
    StructField("dec38", DecimalType(38, 0)),
    StructField("str", StringType),
    StructField("bin", BinaryType),
    StructField("date", DateType),
    StructField("ts", TimestampType),
    StructField("ntz", TimestampNTZType)))

  private def dec(s: String) = new JBigDecimal(s)

  private val bools = Seq[Any](true, false, null)
  private val bytes = Seq[Any](Byte.MinValue, Byte.MaxValue, 0.toByte, -1.toByte, 7.toByte, null)
  private val shorts = Seq[Any](Short.MinValue, Short.MaxValue, 0.toShort, -1.toShort, 300.toShort, null)
  private val ints = Seq[Any](Int.MinValue, Int.MaxValue, 0, -1, 1, 42, null)
  private val longs = Seq[Any](Long.MinValue, Long.MaxValue, 0L, -1L, 1L, 1L << 40, null)
  private val floats = Seq[Any](Float.NaN, -0.0f, 0.0f, Float.PositiveInfinity, Float.NegativeInfinity,
    Float.MinPositiveValue, Float.MaxValue, -Float.MaxValue, 1.5f, -2.25f, 0.1f, null)
  private val doubles = Seq[Any](Double.NaN, -0.0, 0.0, Double.PositiveInfinity, Double.NegativeInfinity,
    Double.MinPositiveValue, Double.MaxValue, -Double.MaxValue, 1.5, -2.25, 0.1, 1e300, null)
  private val dec5s = Seq[Any](dec("999.99"), dec("-999.99"), dec("0.00"), dec("0.01"), dec("-0.01"), null)
  private val dec15s = Seq[Any](dec("99999999999.9999"), dec("-99999999999.9999"), dec("0.0000"),
    dec("1.5000"), dec("-2.5000"), null)
  private val dec30s = Seq[Any](dec("99999999999999999999.9999999999"), dec("-0.0000000001"), dec("0E-10"),
    dec("12345.6789012345"), null)
  private val dec38s = Seq[Any](dec("99999999999999999999999999999999999999"),
    dec("-99999999999999999999999999999999999999"), dec("0"), dec("1"), dec("-1"), null)
  private val strings = Seq[Any]("", "a", "A", "abc", "日本語", "😀 emoji", "tab\tand\nnewline", "nul\u0000byte",
    "x" * 1000, " padded ", null)
  private val binaries = Seq[Any](Array.emptyByteArray, Array[Byte](0), Array[Byte](-1, 0, 127), "bin".getBytes, null)
  private val dates = Seq[Any](Date.valueOf("1970-01-01"), Date.valueOf("1969-12-31"), Date.valueOf("1900-01-01"),
    Date.valueOf("2038-01-19"), Date.valueOf("9999-12-31"), Date.valueOf("2024-02-29"), null)
  private val timestamps = Seq[Any](Timestamp.valueOf("1970-01-01 00:00:00"),
    Timestamp.valueOf("1969-12-31 23:59:59.999999"), Timestamp.valueOf("1900-01-01 00:00:00"),
    Timestamp.valueOf("2024-03-10 02:30:00"), Timestamp.valueOf("2262-04-12 00:00:00.123456"),
    Timestamp.valueOf("9999-12-31 23:59:59.999999"), null)
  private val ntzs = Seq[Any](LocalDateTime.parse("1970-01-01T00:00:00"), LocalDateTime.parse("2024-03-10T02:30:00"),
    LocalDateTime.parse("1900-01-01T00:00:00.000001"), LocalDateTime.parse("9999-12-31T23:59:59.999999"), null)

  /** Each column's values, in the schema's order after `id`. */
  val values: Seq[(String, Seq[Any])] = schema.fieldNames.toSeq.tail.zip(Seq(bools, bytes, shorts, ints, longs,
    floats, doubles, dec5s, dec15s, dec30s, dec38s, strings, binaries, dates, timestamps, ntzs))

  /**
   * `rows` rows. Each column runs through successive shuffles of its values (seeded, a seed per
   * column): any n consecutive rows from a multiple of n, for a column of n values, hold each of
   * them once, and the columns' independent shuffles make values of different columns meet in
   * many combinations. A longer table starts with the rows of a shorter one.
   */
  def rows(rows: Int): Seq[Row] = {
    val cells = values.zipWithIndex.map { case ((_, vs), k) =>
      val random = new scala.util.Random(0x7e57da7aL + k)
      Iterator.continually(random.shuffle(vs)).flatten.take(rows).toIndexedSeq
    }
    (0 until rows).map(i => Row.fromSeq(i +: cells.map(_(i))))
  }

  def frame(spark: SparkSession, n: Int = 200): DataFrame =
    spark.createDataFrame(rows(n).asJava, schema)

  /** Writes the edge-value table as Parquet into `files` files and returns its path. */
  def write(spark: SparkSession, path: String, n: Int = 200, files: Int = 3,
      options: Map[String, String] = Map.empty): String = {
    frame(spark, n).repartition(files).write.options(options).parquet(path)
    path
  }
}
