package dev.thermite

import java.time.{LocalDate, LocalDateTime, ZoneOffset}

import org.apache.hadoop.conf.Configuration
import org.apache.hadoop.fs.Path
import org.apache.parquet.example.data.simple.SimpleGroupFactory
import org.apache.parquet.hadoop.example.ExampleParquetWriter
import org.apache.parquet.io.api.Binary
import org.apache.parquet.schema.MessageTypeParser
import org.apache.spark.sql.DataFrame
import org.junit.Test

/**
 * Dates and timestamps from before the Gregorian switch, in files of either calendar: Spark's
 * answers (rebased from the Julian calendar where the file or the mode says so) or Spark's
 * error, in more than one session zone.
 */
class ParquetRebaseSuite extends ThermiteTestBase with FailureChecks {
  private val readZones = Seq("America/Los_Angeles", "Asia/Shanghai")
  private val modes = Seq("EXCEPTION", "CORRECTED", "LEGACY")

  /** Ancient and modern dates and timestamps, and nulls. */
  private def values: DataFrame = spark.sql(
    """SELECT * FROM VALUES
      |  (1, DATE'1000-01-01', TIMESTAMP'1000-01-01 01:02:03.123'),
      |  (2, DATE'1582-10-04', TIMESTAMP'1582-10-04 23:59:59.999'),
      |  (3, DATE'0001-01-01', TIMESTAMP'1880-06-01 12:00:00'),
      |  (4, DATE'1582-10-15', TIMESTAMP'1900-01-01 00:00:00'),
      |  (5, DATE'2020-02-29', TIMESTAMP'2020-02-29 10:11:12.345'),
      |  (6, NULL, NULL)
      |AS t(id, d, ts)""".stripMargin)

  private def readModes(mode: String): Seq[(String, String)] = Seq(
    "spark.sql.parquet.datetimeRebaseModeInRead" -> mode,
    "spark.sql.parquet.int96RebaseModeInRead" -> mode)

  @Test def filesWrittenBySparkInEitherCalendar(): Unit = {
    for (writeMode <- Seq("LEGACY", "CORRECTED"); output <- Seq("INT96", "TIMESTAMP_MICROS", "TIMESTAMP_MILLIS")) {
      val path = tempPath(s"spark-$writeMode-$output")
      withConf(
        "spark.sql.parquet.datetimeRebaseModeInWrite" -> writeMode,
        "spark.sql.parquet.int96RebaseModeInWrite" -> writeMode,
        "spark.sql.parquet.outputTimestampType" -> output) {
        values.write.parquet(path)
      }
      // The file says which calendar wrote it: every mode in read gives the same answers.
      for (zone <- readZones; mode <- modes) {
        withConf(readModes(mode) :+ ("spark.sql.session.timeZone" -> zone): _*) {
          checkNative(spark.read.parquet(path))
          checkNative(spark.read.parquet(path).where("d < DATE'1582-10-15'").select("id", "ts"),
            Seq("ThermiteScanExec", "ThermiteFilterExec"))
        }
      }
    }
  }

  /**
   * A file that does not say which calendar wrote it (parquet-mr's example writer, no Spark
   * metadata): the mode in read decides, from the session or the read's own options.
   */
  @Test def filesWithoutSparkMetadata(): Unit = {
    val ancient = writeForeignFile(tempPath("foreign-ancient"), LocalDateTime.of(1000, 1, 1, 1, 2, 3))
    val modern = writeForeignFile(tempPath("foreign-modern"), LocalDateTime.of(2001, 2, 3, 4, 5, 6))
    for (zone <- readZones) {
      withConf("spark.sql.session.timeZone" -> zone) {
        for (mode <- modes) {
          withConf(readModes(mode): _*) {
            checkNative(spark.read.parquet(modern))
            if (mode == "EXCEPTION") {
              checkSameFailure(spark.read.parquet(ancient))
              checkSameFailure(spark.read.parquet(ancient).select("d"))
              checkSameFailure(spark.read.parquet(ancient).select("t96"))
            } else {
              checkNative(spark.read.parquet(ancient))
            }
          }
          // The read's own options win over the session's modes.
          withConf(readModes("EXCEPTION"): _*) {
            val read = spark.read.option("datetimeRebaseMode", mode).option("int96RebaseMode", mode)
            if (mode == "EXCEPTION") checkSameFailure(read.parquet(ancient)) else checkNative(read.parquet(ancient))
          }
        }
      }
    }
  }

  /** One row of raw values, as a writer that knows nothing of Spark's calendars stores them. */
  private def writeForeignFile(dir: String, value: LocalDateTime): String = {
    val schema = MessageTypeParser.parseMessageType(
      """message foreign {
        |  required int32 id;
        |  optional int32 d (DATE);
        |  optional int64 micros (TIMESTAMP(MICROS,true));
        |  optional int64 millis (TIMESTAMP(MILLIS,true));
        |  optional int96 t96;
        |}""".stripMargin)
    val conf = new Configuration()
    val writer = ExampleParquetWriter.builder(new Path(dir, "part-0.parquet")).withType(schema).withConf(conf).build()
    val factory = new SimpleGroupFactory(schema)
    val days = value.toLocalDate.toEpochDay
    val micros = value.toEpochSecond(ZoneOffset.UTC) * 1000000L
    val julianDay = days + 2440588L
    val int96 = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN)
      .putLong(value.toLocalTime.toNanoOfDay).putInt(julianDay.toInt).array()
    writer.write(factory.newGroup().append("id", 1).append("d", days.toInt).append("micros", micros)
      .append("millis", micros / 1000).append("t96", Binary.fromConstantByteArray(int96)))
    writer.write(factory.newGroup().append("id", 2))
    writer.write(factory.newGroup().append("id", 3).append("d", LocalDate.of(2020, 1, 1).toEpochDay.toInt))
    writer.close()
    dir
  }
}
