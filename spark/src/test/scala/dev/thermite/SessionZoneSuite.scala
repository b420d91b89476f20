package dev.thermite

import java.time.{Instant, LocalDate, ZoneId, ZoneOffset}

import scala.collection.JavaConverters._

import dev.thermite.jni.NativeLib
import dev.thermite.serde.SessionZones
import org.junit.Assert.{assertEquals, assertTrue, fail}
import org.junit.Test

/**
 * Every session time zone format Spark accepts (`DateTimeUtils.getZoneId`: regions, offsets with
 * and without a `GMT`/`UTC`/`UT` prefix, Spark's own `+h:mm` and `+hh:m`, `Z`, short ids through
 * `ZoneId.SHORT_IDS`), Thermite off vs on: native wherever the zone is honoured, a fallback
 * naming the zone wherever it is not, and never a failed task. And the native tz database against
 * `java.time`'s for every region both know.
 */
class SessionZoneSuite extends ThermiteTestBase {
  private lazy val times: String = {
    val instants = Seq("1850-06-01T12:00:00Z", "1883-11-18T19:59:59Z", "1900-01-01T08:00:00Z", "1969-12-31T23:59:59.999999Z",
      "1970-01-01T00:00:00Z", "2024-03-10T09:59:59Z", "2024-03-10T10:00:00Z", "2024-03-31T01:30:00Z",
      "2024-10-27T00:59:59Z", "2024-11-03T08:30:00Z", "2024-11-03T09:30:00Z", "2037-11-01T09:00:00Z",
      "2040-03-11T10:00:00Z", "2040-10-28T01:00:00.5Z", "2100-06-30T23:59:59Z", "2262-04-12T07:00:00Z",
      "9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z")
    val dates = Seq("1850-06-01", "1900-01-01", "1970-01-01", "2024-03-10", "2024-03-31", "2024-10-27", "2024-11-03",
      "2040-03-11", "2100-02-28", "9999-12-31")
    val micros = instants.map { s => val i = Instant.parse(s); i.getEpochSecond * 1000000L + i.getNano / 1000 }
    val rows = micros.indices.map { i =>
      (i, micros(i), if (i < dates.size) Some(LocalDate.parse(dates(i)).toEpochDay.toInt) else None)
    }
    val path = tempPath("zones")
    import spark.implicits._
    // Instants before 1582 are written as they are (proleptic Gregorian), which both engines read.
    withConf("spark.sql.parquet.datetimeRebaseModeInWrite" -> "CORRECTED",
        "spark.sql.parquet.int96RebaseModeInWrite" -> "CORRECTED") {
      rows.toDF("id", "m", "d").selectExpr("id", "timestamp_micros(m) AS ts", "date_from_unix_date(d) AS date")
        .repartition(2).write.parquet(path)
    }
    spark.read.parquet(path).createOrReplaceTempView("zone_times")
    "zone_times"
  }

  /** Expressions that read the session time zone. */
  private val zoned = Seq("hour(ts)", "minute(ts)", "second(ts)", "year(ts)", "cast(ts AS date)", "cast(ts AS string)",
    "cast(date AS timestamp)", "date_trunc('hour', ts)", "date_trunc('day', ts)", "date_trunc('month', ts)",
    "ts + interval 1 day", "ts - interval '1 02:03:04' day to second", "ts + interval 1 month")

  /** Expressions that do not: native in every zone. */
  private val unzoned = Seq("cast(cast(id AS string) AS int)", "cast(date AS string)", "date_add(date, 1)",
    "cast(ts AS bigint)", "cast(cast(id AS double) AS decimal(10, 2))")

  /** The formats of `spark.sql.session.timeZone`, and the zones they must be honoured natively as. */
  private val honoured = Seq(
    "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe", "Asia/Kathmandu", "EST5EDT",
    "CET", "US/Pacific", "PST", "IST", "CTT",
    "+08:00", "-03:30", "+8", "-8", "+08", "+0830", "+8:30", "+08:3", "+01:02:03", "-00:00",
    "GMT+08:00", "GMT-8", "UTC+8", "UT-03:30", "GMT+0", "GMT", "UTC", "UT", "Z", "Etc/GMT+8", "Etc/UTC",
    "EST", "MST", "HST")

  private def check(zone: String): Unit = withConf("spark.sql.session.timeZone" -> zone) {
    val native = Seq("ThermiteScanExec", "ThermiteProjectExec")
    checkSql(s"SELECT id, ${unzoned.mkString(", ")} FROM $times", native)
    SessionZones.problem(zone) match {
      case None => checkSql(s"SELECT id, ${zoned.mkString(", ")} FROM $times", native)
      case Some(_) =>
        zoned.foreach { e =>
          val df = checkSql(s"SELECT id, $e FROM $times", Seq("ThermiteScanExec"))
          val why = Thermite.explainFallback(df)
          assertTrue(s"$zone, $e: $why", why.contains(s"session time zone $zone"))
        }
    }
  }

  @Test def everyFormatSparkAcceptsIsNativeOrFallsBack(): Unit = {
    honoured.foreach { zone =>
      assertEquals(s"$zone is honoured natively", None, SessionZones.problem(zone))
      check(zone)
    }
  }

  @Test def regionsNotHonouredFallBackWithAReason(): Unit = {
    val refused = regions.filter(r => SessionZones.problem(r).isDefined)
    assertTrue("some region is refused", refused.nonEmpty)
    refused.take(4).foreach(check)
  }

  private lazy val regions: Seq[String] = ZoneId.getAvailableZoneIds.asScala.toSeq.sorted
    .filterNot(id => ZoneId.of(id).normalized().isInstanceOf[ZoneOffset])

  /**
   * For every region `java.time` knows that the native side accepts: either Thermite falls back
   * in it, or its native offsets are `java.time`'s, at each side of every transition from 1600 to
   * 2100 (what the plugin compares) and at instants drawn across Spark's whole timestamp range
   * and across 1900–2100 (what it does not).
   */
  @Test def nativeOffsetsAreJavasWhereverThermiteRunsNatively(): Unit = {
    assertTrue(NativeLoader.available)
    val random = new scala.util.Random(20261201L)
    val maxSeconds = Long.MaxValue / 1000000L
    val (from1900, until2100) = (LocalDate.of(1900, 1, 1).toEpochDay * 86400L, LocalDate.of(2100, 1, 1).toEpochDay * 86400L)
    val drawn = Array.fill(2000)((random.nextDouble() * 2 - 1) * maxSeconds).map(_.toLong) ++
      Array.fill(3000)(from1900 + (random.nextDouble() * (until2100 - from1900)).toLong)
    val outcomes = regions.map { region =>
      val known = scala.util.Try(NativeLib.zoneOffsets(region, Array(0L))).isSuccess
      (region, known, SessionZones.problem(region))
    }
    val honouredRegions = outcomes.collect { case (r, _, None) => r }
    honouredRegions.foreach { region =>
      val rules = ZoneId.of(region).getRules
      val native = NativeLib.zoneOffsets(region, drawn)
      drawn.indices.foreach { i =>
        val java = rules.getOffset(Instant.ofEpochSecond(drawn(i))).getTotalSeconds
        if (native(i) != java) fail(s"$region at ${Instant.ofEpochSecond(drawn(i))}: native ${native(i)} s, java.time $java s")
      }
    }
    val unknown = outcomes.collect { case (r, false, _) => r }
    val refused = outcomes.collect { case (r, true, Some(why)) => s"$r: $why" }
    println(s"${regions.size} regions: ${honouredRegions.size} native, ${unknown.size} unknown natively " +
      s"(${unknown.mkString(", ")}), ${refused.size} refused:\n  ${refused.mkString("\n  ")}")
    assertTrue(unknown.forall(r => SessionZones.problem(r).exists(_.contains("not in the native tz database"))))
    assertTrue(s"${honouredRegions.size} of ${regions.size}", honouredRegions.size > regions.size * 9 / 10)
  }
}
