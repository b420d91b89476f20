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
      else NativeFunction(Fn.SUBSTRING, Seq(str, pos, len), ctx)
    case h: Murmur3Hash =>
      if (h.seed != 42) Left("`hash` with a seed other than 42") else hash(Fn.HASH, h.children, ctx)
    case h: XxHash64 =>
      if (h.seed != 42L) Left("`xxhash64` with a seed other than 42") else hash(Fn.XXHASH64, h.children, ctx)
    case IsNaN(c) => NativeFunction(Fn.ISNAN, Seq(c), ctx)
    case Floor(c) => NativeFunction(Fn.FLOOR, Seq(c), ctx)
    case Ceil(c) => NativeFunction(Fn.CEIL, Seq(c), ctx)
    case Sqrt(c) => NativeFunction(Fn.SQRT, Seq(c), ctx)
    case Exp(c) => NativeFunction(Fn.EXP, Seq(c), ctx)
    case Log(c) => NativeFunction(Fn.LN, Seq(c), ctx)
    case Log10(c) => NativeFunction(Fn.LOG10, Seq(c), ctx)
    case Log2(c) => NativeFunction(Fn.LOG2, Seq(c), ctx)
    case Signum(c) => NativeFunction(Fn.SIGNUM, Seq(c), ctx)
    case Pow(l, r) => NativeFunction(Fn.POW, Seq(l, r), ctx)
    case Log1p(c) => NativeFunction(Fn.LOG1P, Seq(c), ctx)
    // `log(x)` is `Logarithm(e, x)`, which Spark computes as `ln(x)`.
    case Logarithm(_: EulerNumber, x) => NativeFunction(Fn.LN, Seq(x), ctx)
    case Logarithm(base, x) => NativeFunction(Fn.LOGARITHM, Seq(base, x), ctx)
    case Cbrt(c) => NativeFunction(Fn.CBRT, Seq(c), ctx)
    case Asinh(c) => NativeFunction(Fn.ASINH, Seq(c), ctx)
    case Acosh(c) => NativeFunction(Fn.ACOSH, Seq(c), ctx)
    case Atanh(c) => NativeFunction(Fn.ATANH, Seq(c), ctx)
    case Expm1(c) => NativeFunction(Fn.EXPM1, Seq(c), ctx)
    case Sinh(c) => NativeFunction(Fn.SINH, Seq(c), ctx)
    case Cosh(c) => NativeFunction(Fn.COSH, Seq(c), ctx)
    case Tanh(c) => NativeFunction(Fn.TANH, Seq(c), ctx)
    case Asin(c) => NativeFunction(Fn.ASIN, Seq(c), ctx)
    case Acos(c) => NativeFunction(Fn.ACOS, Seq(c), ctx)
    case Atan(c) => NativeFunction(Fn.ATAN, Seq(c), ctx)
    case Atan2(y, x) => NativeFunction(Fn.ATAN2, Seq(y, x), ctx)
    case Hypot(x, y) => NativeFunction(Fn.HYPOT, Seq(x, y), ctx)
    // HotSpot computes java.lang.Math's sin, cos and tan with intrinsics whose last bits differ
    // from StrictMath's (fdlibm): native code cannot reproduce them.
    case _: Sin | _: Cos | _: Tan | _: Cot =>
      Left(s"`${e.prettyName}` is computed by the JVM's own intrinsic, which native code cannot match bit for bit")
    case UnscaledValue(c) => NativeFunction(Fn.UNSCALED_VALUE, Seq(c), ctx)
    case m: MakeDecimal =>
      if (!m.nullOnOverflow) Left("`make_decimal` in ANSI mode is not supported")
      else NativeFunction(Fn.MAKE_DECIMAL, Seq(m.child, Literal(m.precision), Literal(m.scale)), ctx)
    case a: Abs =>
      if (a.failOnError) Left("`abs` in ANSI mode is not supported") else NativeFunction(Fn.ABS, Seq(a.child), ctx)
    case u: UnaryMinus =>
      if (u.failOnError) Left("`negative` in ANSI mode is not supported") else NativeFunction(Fn.NEGATE, Seq(u.child), ctx)
  }

  /**
   * Spark hashes a decimal wider than 18 digits through its unscaled BigInteger's bytes; the
   * native `hash` does too, `xxhash64` does not yet: there, those stay in Spark.
   */
  private def hash(name: Fn, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    args.find(a => name == Fn.XXHASH64 && a.dataType.isInstanceOf[DecimalType] &&
      a.dataType.asInstanceOf[DecimalType].precision > 18) match {
      case Some(a) => Left(s"`${show(name)}` of ${a.dataType.catalogString} is not supported")
      case None => NativeFunction(name, args, ctx)
    }

  /** Functions of strings only: binary arguments (Spark's byte semantics) stay in Spark. */
  private def strings(name: Fn, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    args.find(_.dataType != StringType) match {
      case Some(a) => Left(s"`${show(name)}` of ${a.dataType.catalogString} is not supported")
      case None => NativeFunction(name, args, ctx)
    }

}
