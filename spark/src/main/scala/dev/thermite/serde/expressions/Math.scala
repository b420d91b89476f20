package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter}

import dev.thermite.proto.ScalarFunction.{Name => Fn}
import dev.thermite.serde.expressions.NativeFunction.show

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.types._

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** `round`, `bround`, `nanvl`, `greatest`, `least`, `div` and `pmod` in legacy (non-ANSI) mode. */
object Maths extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case r: Round => round(Fn.ROUND, r.child, r.scale, r.ansiEnabled, e.dataType, ctx)
    case r: BRound => round(Fn.BROUND, r.child, r.scale, r.ansiEnabled, e.dataType, ctx)
    case NaNvl(l, r) => NativeFunction(Fn.NANVL, Seq(l, r), ctx)
    case Greatest(children) => extreme(Fn.GREATEST, children, ctx)
    case Least(children) => extreme(Fn.LEAST, children, ctx)
    case d: IntegralDivide =>
      if (d.evalMode != EvalMode.LEGACY) Left(s"`div` in ${d.evalMode} mode is not supported")
      else NativeFunction(Fn.DIV, Seq(d.left, d.right), ctx)
    case p: Pmod =>
      if (p.evalMode != EvalMode.LEGACY) Left(s"`pmod` in ${p.evalMode} mode is not supported")
      else pmod(p, ctx)
  }

  private def round(
      name: Fn,
      child: Expression,
      scale: Expression,
      ansi: Boolean,
      resultType: DataType,
      ctx: ExprContext): Either[String, proto.Expr] = {
    val s = if (scale.foldable) Option(scale.eval()) else None
    (child.dataType, s) match {
      case _ if ansi => Left(s"`${show(name)}` in ANSI mode is not supported")
      case (_, None) => Left(s"`${show(name)}` with a scale that is not a constant int")
      case (d: DecimalType, Some(n: Int)) if n < 0 && math.max(d.precision - d.scale + 1, 1 - n) > DecimalType.MAX_PRECISION =>
        // Spark fails where the rounded value needs a 39th digit.
        Left(s"`${show(name)}` of ${child.dataType.catalogString} to scale $n is not supported")
      // Subnormal doubles: the JVM prints digits the native side does not reproduce, and they
      // matter only at more than 300 decimal places.
      case (FloatType | DoubleType, Some(n: Int)) if n > 300 =>
        Left(s"`${show(name)}` of ${child.dataType.catalogString} to scale $n is not supported")
      case (ByteType | ShortType | IntegerType | LongType | FloatType | DoubleType | _: DecimalType, Some(n: Int)) =>
        NativeFunction(name, Seq(child, Literal(n, IntegerType)), ctx)
      case (t, _) => Left(s"`${show(name)}` of ${t.catalogString} is not supported")
    }
  }

  private def extreme(name: Fn, children: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    children.head.dataType match {
      case _: NumericType | StringType | BooleanType | DateType | TimestampType | TimestampNTZType =>
        NativeFunction(name, children, ctx)
      case t => Left(s"`${show(name)}` of ${t.catalogString} is not supported")
    }

  /** Decimals: the native side derives Spark's remainder type; anything else stays in Spark. */
  private def pmod(p: Pmod, ctx: ExprContext): Either[String, proto.Expr] = (p.left.dataType, p.right.dataType) match {
    case (l: DecimalType, r: DecimalType) =>
      val scale = math.max(l.scale, r.scale)
      val integral = math.min(l.precision - l.scale, r.precision - r.scale)
      val expected = DecimalType(math.min(integral + scale, DecimalType.MAX_PRECISION), scale)
      if (p.dataType != expected) Left(s"`pmod` into ${p.dataType.catalogString} is not supported")
      else NativeFunction(Fn.PMOD, Seq(p.left, p.right), ctx)
    case _ => NativeFunction(Fn.PMOD, Seq(p.left, p.right), ctx)
  }
}
