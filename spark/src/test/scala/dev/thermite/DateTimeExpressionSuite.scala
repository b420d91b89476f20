package dev.thermite

import java.sql.{Date, Timestamp}
import java.time.Instant

import scala.collection.JavaConverters._

import org.apache.spark.sql.Row
import org.apache.spark.sql.types._
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Date and time functions, Thermite off vs on, in the suite's default zone (America/Los_Angeles)
 * and in UTC and Asia/Kolkata: the edge-value table plus dates and instants around leap days,
 * daylight saving transitions (also after 2037, where tz tables end) and the calendar's ends.
 */
class DateTimeExpressionSuite extends ThermiteTestBase {
  private lazy val edge: String = {
    spark.read.parquet(TestData.write(spark, tempPath("datetime-edge"), n = 200)).createOrReplaceTempView("dt_edge")
    "dt_edge"
  }

  private lazy val times: String = {
    val dates = Seq("0001-01-01", "1582-10-04", "1582-10-15", "1600-02-29", "1899-12-31", "1900-03-01", "1969-12-28",
      "1970-01-04", "2000-02-29", "2000-12-31", "2024-01-01", "2024-03-10", "2024-03-31", "2024-11-03",
      "2024-12-30", "2025-12-29", "2037-12-31", "2040-07-04", "2100-02-28", "2100-03-01", "9999-12-31")
    val instants = Seq("1883-11-18T19:59:59Z", "1900-01-01T08:00:00Z", "1969-12-31T23:59:59.999999Z",
      "1970-01-01T00:00:00Z", "2024-03-10T09:59:59Z", "2024-03-10T10:00:00Z", "2024-03-10T10:30:00.5Z",
      "2024-11-03T08:30:00Z", "2024-11-03T09:30:00Z", "2024-11-03T10:00:00.000001Z", "2037-11-01T09:00:00Z",
      "2038-01-19T03:14:08Z", "2040-03-11T09:59:59Z", "2040-03-11T10:00:00Z", "2040-07-04T12:34:56.789Z",
      "2262-04-12T07:00:00Z", "2100-06-30T23:59:59Z", "2400-02-29T12:00:00Z", "9999-12-31T23:59:59.999999Z",
      "0001-01-01T00:00:00Z", "1582-10-15T00:00:00Z")
    val n = math.max(dates.size, instants.size)
    val rows = (0 until n).map { i =>
      Row(i, if (i < dates.size) Date.valueOf(java.time.LocalDate.parse(dates(i))) else null,
        if (i < instants.size) Timestamp.from(Instant.parse(instants(i))) else null, i * 37 - 300)
    } :+ Row(n, null, null, null)
    val schema = StructType(Seq(StructField("id", IntegerType, nullable = false), StructField("date", DateType),
      StructField("ts", TimestampType), StructField("n", IntegerType)))
    val path = tempPath("datetime-times")
    // Dates before 1582 are written as they are (proleptic Gregorian), which both engines read.
    withConf("spark.sql.session.timeZone" -> "UTC", "spark.sql.parquet.datetimeRebaseModeInWrite" -> "CORRECTED",
      "spark.sql.parquet.int96RebaseModeInWrite" -> "CORRECTED") {
      spark.createDataFrame(rows.asJava, schema).repartition(2).write.parquet(path)
    }
    spark.read.parquet(path).createOrReplaceTempView("dt_times")
    "dt_times"
  }

  private val projected = Seq("ThermiteScanExec", "ThermiteProjectExec")

  private def project(exprs: String*): Unit =
    for (t <- Seq(edge, times)) checkSql(s"SELECT id, ${exprs.mkString(", ")} FROM $t", projected)

  private def inZones(body: => Unit): Unit =
    for (zone <- Seq("America/Los_Angeles", "UTC", "Asia/Kolkata", "-03:30")) {
      withConf("spark.sql.session.timeZone" -> zone)(body)
    }

  @Test def fieldsOfDates(): Unit = {
    project("year(date)", "quarter(date)", "month(date)", "dayofmonth(date)", "dayofweek(date)", "weekday(date)",
      "dayofyear(date)", "extract(year FROM date)", "extract(month FROM date)", "extract(day FROM date)",
      "date_part('quarter', date)", "extract(dow FROM date)", "extract(doy FROM date)")
  }

  @Test def fieldsOfTimestampsInTheSessionZone(): Unit = inZones {
    project("hour(ts)", "minute(ts)", "second(ts)", "year(ts)", "month(ts)", "dayofmonth(ts)", "dayofweek(ts)",
      "extract(hour FROM ts)", "quarter(ts)", "dayofyear(ts)")
  }

  @Test def dateArithmetic(): Unit = {
    project("date_add(date, 1)", "date_sub(date, 1)", "date_add(date, -365)", "date_add(date, id)",
      "date_sub(date, cast(id as smallint))", "date_add(date, cast(-1 as tinyint))", "datediff(date, date'2000-01-01')",
      "datediff(date'1970-01-01', date)", "datediff(date, date)", "date + 30", "date - 1")
    checkSql(s"SELECT id, date_add(date, n), datediff(date_add(date, n), date) FROM $times", projected)
    checkSql(s"SELECT id, date_sub(date, s), date_add(date, b) FROM $edge", projected)
    // Past about 5.8 million years a date has no java.sql.Date: Spark's collect fails on it.
    checkSql(s"SELECT id, date_add(date, i), date_sub(date, i) FROM $edge WHERE i BETWEEN -100000 AND 100000", projected)
  }

  @Test def monthsAndTruncation(): Unit = {
    project("add_months(date, 1)", "add_months(date, -1)", "add_months(date, 12)", "add_months(date, id)",
      "last_day(date)")
    checkSql(s"SELECT id, add_months(date, n), add_months(date, -n) FROM $times", projected)
    checkSql(s"SELECT id, add_months(date, i) FROM $edge WHERE i BETWEEN -100000 AND 100000", projected)
    for (fmt <- Seq("year", "YYYY", "yy", "quarter", "month", "mon", "MM", "week", "day", "hour", "bogus")) {
      project(s"trunc(date, '$fmt')")
    }
  }

  @Test def timestampTruncationInTheSessionZone(): Unit = inZones {
    for (fmt <- Seq("year", "quarter", "month", "week", "day", "DD", "hour", "minute", "second", "millisecond",
      "microsecond", "bogus")) {
      project(s"date_trunc('$fmt', ts)")
    }
  }

  @Test def filtersOnDates(): Unit = {
    for (t <- Seq(edge, times)) {
      checkSql(s"SELECT id FROM $t WHERE year(date) = 2024", Seq("ThermiteScanExec", "ThermiteFilterExec"))
      checkSql(s"SELECT id FROM $t WHERE date >= date'2000-01-01' AND date < date'2000-01-01' + interval 1 year",
        Seq("ThermiteScanExec", "ThermiteFilterExec"))
      checkSql(s"SELECT id FROM $t WHERE extract(year FROM date) BETWEEN 1990 AND 2030 AND month(date) > 2",
        Seq("ThermiteScanExec", "ThermiteFilterExec"))
    }
  }

  @Test def intervalArithmetic(): Unit = inZones {
    project("date + interval 3 day", "date - interval '90' day", "date + interval 1 month", "date - interval 13 month",
      "date + interval '1-2' year to month", "ts + interval 2 hour", "ts - interval '1 02:03:04.5' day to second",
      "ts + interval 1 month", "ts - interval 11 month", "ts + interval '100' year", "ts + interval 30 day")
  }

  @Test def calendarIntervalsStayInSpark(): Unit = {
    val df = checkSql(s"SELECT id, ts + make_interval(0, 1) FROM $times", Seq("ThermiteScanExec"))
    assertTrue(Thermite.explainFallback(df), Thermite.explainFallback(df).contains("interval"))
  }
}
