package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, SessionZones}

import dev.thermite.proto.ScalarFunction.{Name => Fn}
import dev.thermite.serde.expressions.NativeFunction.show

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.catalyst.util.DateTimeUtils
import org.apache.spark.sql.internal.SQLConf
import org.apache.spark.sql.types._
import org.apache.spark.unsafe.types.UTF8String

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/**
 * Fields of dates and timestamps, and date arithmetic, by name in the native function table.
 * `extract(field FROM x)` and `date_part` are rewritten by Spark into these before planning.
 */
object DateTime extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case Year(c) => ofDate(Fn.YEAR, c, ctx)
    case Quarter(c) => ofDate(Fn.QUARTER, c, ctx)
    case Month(c) => ofDate(Fn.MONTH, c, ctx)
    case DayOfMonth(c) => ofDate(Fn.DAY_OF_MONTH, c, ctx)
    case DayOfWeek(c) => ofDate(Fn.DAY_OF_WEEK, c, ctx)
    case WeekDay(c) => ofDate(Fn.WEEKDAY, c, ctx)
    case DayOfYear(c) => ofDate(Fn.DAY_OF_YEAR, c, ctx)
    case h: Hour => ofTimestamp(Fn.HOUR, h, h.child, ctx)
    case m: Minute => ofTimestamp(Fn.MINUTE, m, m.child, ctx)
    case s: Second => ofTimestamp(Fn.SECOND, s, s.child, ctx)
    case DateAdd(start, days) => NativeFunction(Fn.DATE_ADD, Seq(start, days), ctx)
    case DateSub(start, days) => NativeFunction(Fn.DATE_SUB, Seq(start, days), ctx)
    case DateDiff(end, start) => NativeFunction(Fn.DATEDIFF, Seq(end, start), ctx)
    case AddMonths(start, months) => NativeFunction(Fn.ADD_MONTHS, Seq(start, months), ctx)
    case LastDay(start) => NativeFunction(Fn.LAST_DAY, Seq(start), ctx)
    case TruncDate(date, format) =>
      if (!format.foldable) Left("`trunc` with a format that is not a literal is not supported")
      else {
        val level = DateTimeUtils.parseTruncLevel(format.eval().asInstanceOf[UTF8String])
        NativeFunction(Fn.TRUNC_DATE, Seq(date, Literal(level)), ctx)
      }
    case DateAddYMInterval(date, interval) =>
      literalInterval("date + interval", interval).flatMap(months => NativeFunction(Fn.ADD_MONTHS, Seq(date, months), ctx))
    case t: TimestampAddYMInterval =>
      if (t.timestamp.dataType != TimestampType) Left(s"`timestamp + interval` of ${t.timestamp.dataType.catalogString}")
      else zoneProblem("timestamp + interval", t.timeZoneId).map(Left(_)).getOrElse(
        literalInterval("timestamp + interval", t.interval)
          .flatMap(months => NativeFunction(Fn.TIMESTAMP_ADD_MONTHS, Seq(t.timestamp, months), ctx)))
    case t: TimeAdd =>
      if (t.start.dataType != TimestampType) Left(s"`timestamp + interval` of ${t.start.dataType.catalogString}")
      else if (!t.interval.dataType.isInstanceOf[DayTimeIntervalType]) {
        Left("`timestamp + interval` of a calendar interval is not supported")
      } else {
        zoneProblem("timestamp + interval", t.timeZoneId).map(Left(_)).getOrElse(
          literalInterval("timestamp + interval", t.interval)
            .flatMap(micros => NativeFunction(Fn.TIMESTAMP_ADD_MICROS, Seq(t.start, micros), ctx)))
      }
    case t: TruncTimestamp =>
      if (!t.format.foldable) Left("`date_trunc` with a format that is not a literal is not supported")
      else if (t.timestamp.dataType != TimestampType) {
        Left(s"`date_trunc` of ${t.timestamp.dataType.catalogString} is not supported")
      } else {
        val level = DateTimeUtils.parseTruncLevel(t.format.eval().asInstanceOf[UTF8String])
        zoneProblem("date_trunc", t.timeZoneId).map(Left(_))
          .getOrElse(NativeFunction(Fn.TRUNC_TIMESTAMP, Seq(t.timestamp, Literal(level)), ctx))
      }
  }

  /**
   * A year-month interval literal as its months (int), a day-time one as its microseconds
   * (long): the native side has no interval types.
   */
  private def literalInterval(name: String, interval: Expression): Either[String, Literal] =
    interval match {
      case Literal(null, _) => Left(s"`$name` of a null interval is not supported")
      case Literal(months: Int, _: YearMonthIntervalType) => Right(Literal(months))
      case Literal(micros: Long, _: DayTimeIntervalType) => Right(Literal(micros))
      case _ => Left(s"`$name` of an interval that is not a literal is not supported")
    }

  /** Why an expression of the time zone `zone` cannot be native, if it cannot. */
  def zoneProblem(name: String, zone: Option[String]): Option[String] = {
    val session = SQLConf.get.sessionLocalTimeZone
    if (zone.exists(_ != session)) Some(s"`$name` in a time zone other than the session's")
    else SessionZones.problem(session).map(why => s"`$name` in the session time zone $session: $why")
  }

  private def ofDate(name: Fn, child: Expression, ctx: ExprContext): Either[String, proto.Expr] =
    if (child.dataType != DateType) Left(s"`${show(name)}` of ${child.dataType.catalogString} is not supported")
    else NativeFunction(name, Seq(child), ctx)

  private def ofTimestamp(name: Fn, e: TimeZoneAwareExpression, child: Expression,
      ctx: ExprContext): Either[String, proto.Expr] =
    if (child.dataType != TimestampType) Left(s"`${show(name)}` of ${child.dataType.catalogString} is not supported")
    else zoneProblem(show(name), e.timeZoneId).map(Left(_)).getOrElse(NativeFunction(name, Seq(child), ctx))

}
