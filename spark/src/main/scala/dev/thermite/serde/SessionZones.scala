package dev.thermite.serde

import java.time.{Instant, LocalDate, ZoneId, ZoneOffset}
import java.time.zone.ZoneRules
import java.util.concurrent.ConcurrentHashMap

import scala.collection.mutable.ArrayBuffer
import scala.util.{Failure, Success, Try}

import dev.thermite.{proto, NativeLoader}
import dev.thermite.jni.NativeLib

import org.apache.spark.sql.catalyst.util.DateTimeUtils

/**
 * Spark's session time zone as native expressions see it. Spark reads the setting with
 * `DateTimeUtils.getZoneId` (offsets such as `+8`, `+08:00` or `GMT+08:00`, `Z`, short ids such as
 * `EST` or `PST` through `ZoneId.SHORT_IDS`, tz database regions); normalized, that is a fixed
 * offset, which native code always honours, or a region with changing offsets, which it honours
 * only where its tz database (chrono-tz's) gives `java.time`'s offsets. Each region is compared
 * once per JVM, in one native call, at every transition `java.time` knows from 1600 to 2100 and at
 * instants before and after those up to Spark's timestamp range.
 */
object SessionZones {
  /** The zone Spark reads `id` as, normalized (a region with fixed rules is an offset). */
  def resolve(id: String): ZoneId = DateTimeUtils.getZoneId(id).normalized()

  /** The zone for the plan; none when Spark itself cannot read `id` (no native expression uses it then). */
  def toProto(id: String): Option[proto.TimeZone] = Try(resolve(id)).toOption.map {
    case offset: ZoneOffset => proto.TimeZone.newBuilder().setOffsetSeconds(offset.getTotalSeconds).build()
    case region => proto.TimeZone.newBuilder().setRegion(region.getId).build()
  }

  /** Why native expressions cannot work in the zone `id`, if they cannot. */
  def problem(id: String): Option[String] = Try(resolve(id)) match {
    case Failure(e) => Some(s"time zone $id cannot be read: ${e.getMessage}")
    case Success(_: ZoneOffset) => None
    case Success(_) if !NativeLoader.available => Some("the native library is not loaded")
    case Success(region) => regionProblems.computeIfAbsent(region.getId, (r: String) => regionProblem(r))
  }

  private val regionProblems = new ConcurrentHashMap[String, Option[String]]()

  /**
   * Native code resolves a wall clock time between the offsets a day before and a day after it,
   * so transitions must be at least this far apart.
   */
  private val MinSecondsBetweenTransitions = 2 * 86400L

  /** Why the native tz database's rules for `region` are not `java.time`'s, if they are not. */
  private[thermite] def regionProblem(region: String): Option[String] = {
    val rules = ZoneId.of(region).getRules
    val transitions = transitionsBetween(rules, yearStart(1600), yearStart(2101))
    val tooClose = transitions.zip(transitions.drop(1)).find { case (a, b) => b - a < MinSecondsBetweenTransitions }
    if (tooClose.isDefined) {
      Some(s"time zone $region changes its offset twice within two days (${Instant.ofEpochSecond(tooClose.get._1)})")
    } else {
      val instants = probes(rules, transitions)
      Try(NativeLib.zoneOffsets(region, instants)) match {
        case Failure(_) => Some(s"time zone $region is not in the native tz database")
        case Success(native) =>
          instants.indices.find(i => native(i) != javaOffset(rules, instants(i))).map { i =>
            s"the native tz database's rules for $region differ from java.time's (at " +
              s"${Instant.ofEpochSecond(instants(i))}: ${native(i)} s native, ${javaOffset(rules, instants(i))} s in java.time)"
          }
      }
    }
  }

  private def javaOffset(rules: ZoneRules, epochSecond: Long): Int =
    rules.getOffset(Instant.ofEpochSecond(epochSecond)).getTotalSeconds

  private def yearStart(year: Int): Long = LocalDate.of(year, 1, 1).toEpochDay * 86400L

  /** The instants of `rules`' transitions in [from, until), in seconds, ascending. */
  private def transitionsBetween(rules: ZoneRules, from: Long, until: Long): Array[Long] = {
    val out = ArrayBuffer.empty[Long]
    var next = rules.nextTransition(Instant.ofEpochSecond(from - 1))
    while (next != null && next.toEpochSecond < until) {
      out += next.toEpochSecond
      next = rules.nextTransition(next.getInstant)
    }
    out.toArray
  }

  /** Spark's timestamp range: microseconds in a long. */
  private val MinYear = -290307
  private val MaxYear = 294246

  /**
   * Where to compare: each side of every transition; the 1st and 15th of every month from 2030 to
   * 2100, where chrono-tz's tables end and `java.time`'s rules go on; every year's first day from
   * 1800 to 1900; and, in years up to Spark's ends, each side of their transitions and every
   * quarter's first day.
   */
  private[thermite] def probes(rules: ZoneRules, transitions: Array[Long]): Array[Long] = {
    val out = ArrayBuffer.empty[Long]
    transitions.foreach(t => out ++= Seq(t - 1, t))
    for (year <- 2030 to 2100; month <- 1 to 12; day <- Seq(1, 15)) {
      out += LocalDate.of(year, month, day).toEpochDay * 86400L
    }
    (1800 to 1900).foreach(year => out += yearStart(year))
    for (year <- Seq(MinYear, -10000, 1, 1000, 1500, 2101, 2200, 2500, 3000, 10000, 100000, MaxYear)) {
      transitionsBetween(rules, yearStart(year), yearStart(year + 1)).foreach(t => out ++= Seq(t - 1, t))
      (1 to 12 by 3).foreach(month => out += LocalDate.of(year, month, 1).toEpochDay * 86400L)
    }
    out.toArray
  }
}
