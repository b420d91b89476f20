package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter}

import dev.thermite.proto.ScalarFunction.{Name => Fn}
import dev.thermite.serde.expressions.NativeFunction.show

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.types._

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/**
 * `&`, `|`, `^`, `~`, `bit_count` and the shifts on integral types (Spark's `grouping()` and
 * `grouping_id()` are made of them).
 */
object Bitwise extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case BitwiseAnd(l, r) => integral(Fn.BITWISE_AND, Seq(l, r), ctx)
    case BitwiseOr(l, r) => integral(Fn.BITWISE_OR, Seq(l, r), ctx)
    case BitwiseXor(l, r) => integral(Fn.BITWISE_XOR, Seq(l, r), ctx)
    case BitwiseNot(c) => integral(Fn.BITWISE_NOT, Seq(c), ctx)
    case BitwiseCount(c) if c.dataType == BooleanType => NativeFunction(Fn.BIT_COUNT, Seq(c), ctx)
    case BitwiseCount(c) => integral(Fn.BIT_COUNT, Seq(c), ctx)
    case ShiftLeft(l, r) => shift(Fn.SHIFT_LEFT, l, r, ctx)
    case ShiftRight(l, r) => shift(Fn.SHIFT_RIGHT, l, r, ctx)
    case ShiftRightUnsigned(l, r) => shift(Fn.SHIFT_RIGHT_UNSIGNED, l, r, ctx)
  }

  private def integral(name: Fn, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    args.map(_.dataType).find(t => !Seq(ByteType, ShortType, IntegerType, LongType).contains(t)) match {
      case Some(t) => Left(s"`${show(name)}` of ${t.catalogString} is not supported")
      case None => NativeFunction(name, args, ctx)
    }

  private def shift(name: Fn, value: Expression, distance: Expression, ctx: ExprContext): Either[String, proto.Expr] =
    (value.dataType, distance.dataType) match {
      case (IntegerType | LongType, IntegerType) => NativeFunction(name, Seq(value, distance), ctx)
      case (v, d) => Left(s"`${show(name)}` of ${v.catalogString} by ${d.catalogString} is not supported")
    }
}
