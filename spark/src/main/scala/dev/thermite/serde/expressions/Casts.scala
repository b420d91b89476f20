package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions._

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}
import org.apache.spark.sql.types._

/**
 * CAST in legacy mode, for the pairs of types below; every other pair stays in Spark, with the
 * reason from [[unsupported]].
 */
object Casts extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = {
    val c = e.asInstanceOf[Cast]
    val from = c.child.dataType
    val to = c.dataType
    val problem =
      if (c.evalMode != EvalMode.LEGACY) Some(s"`cast` in ${c.evalMode} mode is not supported")
      else unsupported(from, to).map(why => s"`cast` from ${from.catalogString} to ${to.catalogString}: $why")
        .orElse(if (usesZone(from, to)) DateTime.zoneProblem("cast", c.timeZoneId) else None)
    problem match {
      case Some(why) => Left(why)
      case None =>
        for {
          child <- ExprSerde.convert(c.child, ctx)
          t <- SparkTypes.toProto(to)
        } yield proto.Expr.newBuilder().setCast(proto.Cast.newBuilder().setChild(child).setType(t)).build()
    }
  }

  private def integral(t: DataType): Boolean = Set[DataType](ByteType, ShortType, IntegerType, LongType)(t)

  private def floating(t: DataType): Boolean = t == FloatType || t == DoubleType

  private def usesZone(from: DataType, to: DataType): Boolean =
    from == TimestampType && (to == DateType || to == StringType) || (from == DateType && to == TimestampType)

  /** Why a legacy cast from `from` to `to` cannot be native, or None if it can. */
  private def unsupported(from: DataType, to: DataType): Option[String] = (from, to) match {
    case (_: NumericType, _: NumericType) => None
    case (BooleanType, t) if integral(t) || floating(t) => None
    case (f, BooleanType) if integral(f) || floating(f) => None
    case (f, StringType) if integral(f) || f == BooleanType || f == DateType || f == TimestampType => None
    case (_: DecimalType, StringType) => None
    case (_: FloatType | _: DoubleType, StringType) => None
    case (StringType, t) if integral(t) || floating(t) || t == BooleanType || t == DateType => None
    case (StringType, BinaryType) => None
    case (StringType, _: DecimalType) =>
      Some("Spark's decimal parsing (Decimal.fromString) is not reproduced natively")
    case (StringType, TimestampType) =>
      Some("Spark's timestamp parsing (zone IDs, partial times) is not reproduced natively")
    case (TimestampType, t) if integral(t) || floating(t) || t == DateType => None
    case (DateType, TimestampType) => None
    case _ => Some("not supported natively")
  }
}
