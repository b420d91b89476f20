package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter}

import dev.thermite.proto.ScalarFunction.{Name => Fn}
import dev.thermite.serde.expressions.NativeFunction.show

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.types.{DecimalType, IntegerType, StringType}

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** Expressions that map to a function of the native side's function table. */
object Functions extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case Upper(c) => strings(Fn.UPPER, Seq(c), ctx)
    case Lower(c) => strings(Fn.LOWER, Seq(c), ctx)
    case Length(c) => strings(Fn.LENGTH, Seq(c), ctx)
    case StartsWith(l, r) => strings(Fn.STARTS_WITH, Seq(l, r), ctx)
    case EndsWith(l, r) => strings(Fn.ENDS_WITH, Seq(l, r), ctx)
    case Contains(l, r) => strings(Fn.CONTAINS, Seq(l, r), ctx)
    case Concat(children) => strings(Fn.CONCAT, children, ctx)
    case Substring(str, pos, len) =>
      if (str.dataType != StringType) Left("`substring` of binary is not supported")
      else if (pos.dataType != IntegerType || len.dataType != IntegerType) Left("`substring` with non-int positions")
      else function(Fn.SUBSTRING, Seq(str, pos, len), ctx)
    case h: Murmur3Hash =>
      if (h.seed != 42) Left("`hash` with a seed other than 42") else hash(Fn.HASH, h.children, ctx)
    case h: XxHash64 =>
      if (h.seed != 42L) Left("`xxhash64` with a seed other than 42") else hash(Fn.XXHASH64, h.children, ctx)
    case IsNaN(c) => function(Fn.ISNAN, Seq(c), ctx)
    case Floor(c) => function(Fn.FLOOR, Seq(c), ctx)
    case Ceil(c) => function(Fn.CEIL, Seq(c), ctx)
    case Sqrt(c) => function(Fn.SQRT, Seq(c), ctx)
    case Exp(c) => function(Fn.EXP, Seq(c), ctx)
    case Log(c) => function(Fn.LN, Seq(c), ctx)
    case Log10(c) => function(Fn.LOG10, Seq(c), ctx)
    case Log2(c) => function(Fn.LOG2, Seq(c), ctx)
    case Signum(c) => function(Fn.SIGNUM, Seq(c), ctx)
    case Pow(l, r) => function(Fn.POW, Seq(l, r), ctx)
    case Log1p(c) => function(Fn.LOG1P, Seq(c), ctx)
    // `log(x)` is `Logarithm(e, x)`, which Spark computes as `ln(x)`.
    case Logarithm(_: EulerNumber, x) => function(Fn.LN, Seq(x), ctx)
    case Logarithm(base, x) => function(Fn.LOGARITHM, Seq(base, x), ctx)
    case Cbrt(c) => function(Fn.CBRT, Seq(c), ctx)
    case Asinh(c) => function(Fn.ASINH, Seq(c), ctx)
    case Acosh(c) => function(Fn.ACOSH, Seq(c), ctx)
    case Atanh(c) => function(Fn.ATANH, Seq(c), ctx)
    case Expm1(c) => function(Fn.EXPM1, Seq(c), ctx)
    case Sinh(c) => function(Fn.SINH, Seq(c), ctx)
    case Cosh(c) => function(Fn.COSH, Seq(c), ctx)
    case Tanh(c) => function(Fn.TANH, Seq(c), ctx)
    case Asin(c) => function(Fn.ASIN, Seq(c), ctx)
    case Acos(c) => function(Fn.ACOS, Seq(c), ctx)
    case Atan(c) => function(Fn.ATAN, Seq(c), ctx)
    case Atan2(y, x) => function(Fn.ATAN2, Seq(y, x), ctx)
    case Hypot(x, y) => function(Fn.HYPOT, Seq(x, y), ctx)
    // HotSpot computes java.lang.Math's sin, cos and tan with intrinsics whose last bits differ
    // from StrictMath's (fdlibm): native code cannot reproduce them.
    case _: Sin | _: Cos | _: Tan | _: Cot =>
      Left(s"`${e.prettyName}` is computed by the JVM's own intrinsic, which native code cannot match bit for bit")
    case UnscaledValue(c) => function(Fn.UNSCALED_VALUE, Seq(c), ctx)
    case m: MakeDecimal =>
      if (!m.nullOnOverflow) Left("`make_decimal` in ANSI mode is not supported")
      else function(Fn.MAKE_DECIMAL, Seq(m.child, Literal(m.precision), Literal(m.scale)), ctx)
    case a: Abs =>
      if (a.failOnError) Left("`abs` in ANSI mode is not supported") else function(Fn.ABS, Seq(a.child), ctx)
    case u: UnaryMinus =>
      if (u.failOnError) Left("`negative` in ANSI mode is not supported") else function(Fn.NEGATE, Seq(u.child), ctx)
  }

  /**
   * Spark hashes a decimal wider than 18 digits through its unscaled BigInteger's bytes; the
   * native `hash` does too, `xxhash64` does not yet: there, those stay in Spark.
   */
  private def hash(name: Fn, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    args.find(a => name == Fn.XXHASH64 && a.dataType.isInstanceOf[DecimalType] &&
      a.dataType.asInstanceOf[DecimalType].precision > 18) match {
      case Some(a) => Left(s"`${show(name)}` of ${a.dataType.catalogString} is not supported")
      case None => function(name, args, ctx)
    }

  /** Functions of strings only: binary arguments (Spark's byte semantics) stay in Spark. */
  private def strings(name: Fn, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    args.find(_.dataType != StringType) match {
      case Some(a) => Left(s"`${show(name)}` of ${a.dataType.catalogString} is not supported")
      case None => function(name, args, ctx)
    }

  private def function(name: Fn, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    NativeFunction(name, args, ctx)
}
