package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde, SessionZones}

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
    case Year(c) => ofDate("year", c, ctx)
    case Quarter(c) => ofDate("quarter", c, ctx)
    case Month(c) => ofDate("month", c, ctx)
    case DayOfMonth(c) => ofDate("day_of_month", c, ctx)
    case DayOfWeek(c) => ofDate("day_of_week", c, ctx)
    case WeekDay(c) => ofDate("weekday", c, ctx)
    case DayOfYear(c) => ofDate("day_of_year", c, ctx)
    case h: Hour => ofTimestamp("hour", h, h.child, ctx)
    case m: Minute => ofTimestamp("minute", m, m.child, ctx)
    case s: Second => ofTimestamp("second", s, s.child, ctx)
    case DateAdd(start, days) => function("date_add", Seq(start, days), ctx)
    case DateSub(start, days) => function("date_sub", Seq(start, days), ctx)
    case DateDiff(end, start) => function("datediff", Seq(end, start), ctx)
    case AddMonths(start, months) => function("add_months", Seq(start, months), ctx)
    case LastDay(start) => function("last_day", Seq(start), ctx)
    case TruncDate(date, format) =>
      if (!format.foldable) Left("`trunc` with a format that is not a literal is not supported")
      else {
        val level = DateTimeUtils.parseTruncLevel(format.eval().asInstanceOf[UTF8String])
        function("trunc_date", Seq(date, Literal(level)), ctx)
      }
    case DateAddYMInterval(date, interval) =>
      literalInterval("date + interval", interval).flatMap(months => function("add_months", Seq(date, months), ctx))
    case t: TimestampAddYMInterval =>
      if (t.timestamp.dataType != TimestampType) Left(s"`timestamp + interval` of ${t.timestamp.dataType.catalogString}")
      else zoneProblem("timestamp + interval", t.timeZoneId).map(Left(_)).getOrElse(
        literalInterval("timestamp + interval", t.interval)
          .flatMap(months => function("timestamp_add_months", Seq(t.timestamp, months), ctx)))
    case t: TimeAdd =>
      if (t.start.dataType != TimestampType) Left(s"`timestamp + interval` of ${t.start.dataType.catalogString}")
      else if (!t.interval.dataType.isInstanceOf[DayTimeIntervalType]) {
        Left("`timestamp + interval` of a calendar interval is not supported")
      } else {
        zoneProblem("timestamp + interval", t.timeZoneId).map(Left(_)).getOrElse(
          literalInterval("timestamp + interval", t.interval)
            .flatMap(micros => function("timestamp_add_micros", Seq(t.start, micros), ctx)))
      }
    case t: TruncTimestamp =>
      if (!t.format.foldable) Left("`date_trunc` with a format that is not a literal is not supported")
      else if (t.timestamp.dataType != TimestampType) {
        Left(s"`date_trunc` of ${t.timestamp.dataType.catalogString} is not supported")
      } else {
        val level = DateTimeUtils.parseTruncLevel(t.format.eval().asInstanceOf[UTF8String])
        zoneProblem("date_trunc", t.timeZoneId).map(Left(_))
          .getOrElse(function("trunc_timestamp", Seq(t.timestamp, Literal(level)), ctx))
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

  private def ofDate(name: String, child: Expression, ctx: ExprContext): Either[String, proto.Expr] =
    if (child.dataType != DateType) Left(s"`$name` of ${child.dataType.catalogString} is not supported")
    else function(name, Seq(child), ctx)

  private def ofTimestamp(name: String, e: TimeZoneAwareExpression, child: Expression,
      ctx: ExprContext): Either[String, proto.Expr] =
    if (child.dataType != TimestampType) Left(s"`$name` of ${child.dataType.catalogString} is not supported")
    else zoneProblem(name, e.timeZoneId).map(Left(_)).getOrElse(function(name, Seq(child), ctx))

  private def function(name: String, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    ExprSerde.convertAll(args, ctx).map { converted =>
      val f = proto.ScalarFunction.newBuilder().setName(name)
      converted.foreach(f.addArgs)
      proto.Expr.newBuilder().setFunction(f).build()
    }
}
