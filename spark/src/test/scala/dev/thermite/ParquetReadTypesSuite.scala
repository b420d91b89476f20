package dev.thermite

import org.apache.spark.SparkThrowable
import org.apache.spark.sql.Row
import org.apache.spark.sql.execution.datasources.SchemaColumnConvertNotSupportedException
import org.apache.spark.sql.types.{DataType, StructField, StructType}
import org.junit.Assert.{assertEquals, assertTrue, fail}
import org.junit.Test

/**
 * Every file column type read as every read type, as a table's schema may say after its files
 * were written: Spark's reader converts some pairs (narrowing an INT32's bits, a decimal's
 * unscaled value, wider decimals of one storage class) and refuses the rest. Thermite must give
 * Spark's answer for each pair it converts and Spark's error for each it refuses.
 */
class ParquetReadTypesSuite extends ThermiteTestBase {
  private val types = Seq(
    "boolean", "tinyint", "smallint", "int", "bigint", "float", "double",
    "decimal(5,2)", "decimal(8,2)", "decimal(12,2)", "decimal(16,2)", "decimal(25,2)", "decimal(5,0)",
    "decimal(12,4)", "decimal(30,0)", "decimal(20,0)", "string", "binary", "date", "timestamp", "timestamp_ntz")

  /** How files hold the types: Spark's default writer, and the settings that change encodings. */
  private val writers = Seq(
    "default" -> Map.empty[String, String],
    "micros" -> Map("spark.sql.parquet.outputTimestampType" -> "TIMESTAMP_MICROS"),
    "millis" -> Map("spark.sql.parquet.outputTimestampType" -> "TIMESTAMP_MILLIS"),
    "legacy" -> Map("spark.sql.parquet.writeLegacyFormat" -> "true"))

  private def source(t: String): String = t match {
    case "date" => "date_add(DATE'2020-01-01', v)"
    case "timestamp" | "timestamp_ntz" => s"cast(timestamp_micros(1600000000123456 + v * 86399000001) AS $t)"
    case "binary" => "cast(cast(v AS string) AS binary)"
    case _ => s"cast(v AS $t)"
  }

  /** The rows, or the failure's chain under Spark's "job aborted". */
  private def outcome(f: => Array[Row]): Either[Seq[Throwable], Seq[String]] =
    try Right(f.map(canonical).toSeq.sorted)
    catch { case e: Throwable => Left(Iterator.iterate(e)(_.getCause).takeWhile(_ != null).toSeq.drop(1)) }

  private def describe(o: Either[Seq[Throwable], Seq[String]]): String =
    o.fold(_.map(t => s"${t.getClass.getSimpleName}: ${t.getMessage}").mkString(" / "), _.mkString(" "))

  @Test def everyFileTypeAsEveryReadType(): Unit = {
    val problems = Seq.newBuilder[String]
    var converted, refused = 0
    for ((writer, settings) <- writers; from <- types) {
      val relevant = writer match {
        case "micros" | "millis" => from.startsWith("timestamp")
        case "legacy" => from.startsWith("decimal")
        case _ => true
      }
      if (relevant) {
        val path = tempPath(s"read-types-$writer-" + from.replaceAll("[^a-z0-9]", "_"))
        withConf(settings.toSeq: _*) {
          spark.sql(s"SELECT ${source(from)} AS c FROM VALUES (0), (1), (-1), (100), (127), (NULL) AS t(v)")
            .coalesce(1).write.parquet(path)
        }
        for (to <- types) {
          val pair = s"$from ($writer) read as $to"
          val schema = StructType(Seq(StructField("c", DataType.fromDDL(to))))
          val expected = withConf(ThermiteConf.Enabled -> "false") { outcome(spark.read.schema(schema).parquet(path).collect()) }
          val df = spark.read.schema(schema).parquet(path)
          if (!nativeNodeNames(df).contains("ThermiteScanExec")) problems += s"$pair: not native"
          val actual = outcome(df.collect())
          (expected, actual) match {
            case (Right(e), Right(a)) =>
              converted += 1
              if (e != a) problems += s"$pair: Spark ${e.mkString(" ")}, Thermite ${a.mkString(" ")}"
            case (Left(e), Left(a)) =>
              refused += 1
              // Where Spark's reader refuses the pair, its error and Thermite's must be the same.
              if (e.last.isInstanceOf[SchemaColumnConvertNotSupportedException]) {
                val same = e.length == a.length && e.zip(a).forall { case (x, y) =>
                  x.getClass == y.getClass && x.getMessage == y.getMessage &&
                    (!x.isInstanceOf[SparkThrowable] ||
                      x.asInstanceOf[SparkThrowable].getErrorClass == y.asInstanceOf[SparkThrowable].getErrorClass)
                }
                if (!same) problems += s"$pair: Spark failed with ${describe(expected)}; Thermite with ${describe(actual)}"
              }
            case _ => problems += s"$pair: Spark ${describe(expected)}; Thermite ${describe(actual)}"
          }
        }
      }
    }
    val found = problems.result()
    if (found.nonEmpty) fail(s"${found.length} pairs differ:\n" + found.mkString("\n"))
    // The matrix holds both kinds, so neither half of the check is vacuous.
    assertTrue(s"converted $converted", converted > 40)
    assertTrue(s"refused $refused", refused > 300)
  }

  /** With corrupt files ignored, Spark skips a file whose column it refuses to convert. */
  @Test def refusedColumnsWithIgnoredCorruptFiles(): Unit = {
    val path = tempPath("read-types-ignore")
    spark.range(0, 10).selectExpr("cast(id AS decimal(8,2)) AS c").coalesce(1).write.parquet(path + "/a")
    spark.range(0, 10).selectExpr("cast(id AS decimal(12,2)) AS c").coalesce(1).write.parquet(path + "/b")
    // The first directory's files read as decimal(8,2); the second's are refused.
    val schema = StructType(Seq(StructField("c", DataType.fromDDL("decimal(8,2)"))))
    for (option <- Seq("ignoreCorruptFiles", "ignoreMissingFiles")) {
      val read = () => spark.read.option(option, "true").option("recursiveFileLookup", "true").schema(schema).parquet(path)
      val expected = withConf(ThermiteConf.Enabled -> "false") { outcome(read().collect()) }
      val actual = outcome(read().collect())
      assertEquals(s"$option:\n  Spark: ${describe(expected)}\n  Thermite: ${describe(actual)}",
        describe(expected), describe(actual))
    }
  }
}
