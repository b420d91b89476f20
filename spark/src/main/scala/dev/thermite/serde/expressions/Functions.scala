package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde}

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.types.{DecimalType, IntegerType, StringType}

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** Expressions that map to a native function by name (the native side's function table). */
object Functions extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case Upper(c) => strings("upper", Seq(c), ctx)
    case Lower(c) => strings("lower", Seq(c), ctx)
    case Length(c) => strings("length", Seq(c), ctx)
    case StartsWith(l, r) => strings("starts_with", Seq(l, r), ctx)
    case EndsWith(l, r) => strings("ends_with", Seq(l, r), ctx)
    case Contains(l, r) => strings("contains", Seq(l, r), ctx)
    case Concat(children) => strings("concat", children, ctx)
    case Substring(str, pos, len) =>
      if (str.dataType != StringType) Left("`substring` of binary is not supported")
      else if (pos.dataType != IntegerType || len.dataType != IntegerType) Left("`substring` with non-int positions")
      else function("substring", Seq(str, pos, len), ctx)
    case h: Murmur3Hash =>
      if (h.seed != 42) Left("`hash` with a seed other than 42") else hash("hash", h.children, ctx)
    case h: XxHash64 =>
      if (h.seed != 42L) Left("`xxhash64` with a seed other than 42") else hash("xxhash64", h.children, ctx)
    case IsNaN(c) => function("isnan", Seq(c), ctx)
    case Floor(c) => function("floor", Seq(c), ctx)
    case Ceil(c) => function("ceil", Seq(c), ctx)
    case Sqrt(c) => function("sqrt", Seq(c), ctx)
    case Exp(c) => function("exp", Seq(c), ctx)
    case Log(c) => function("ln", Seq(c), ctx)
    case Log10(c) => function("log10", Seq(c), ctx)
    case Log2(c) => function("log2", Seq(c), ctx)
    case Signum(c) => function("signum", Seq(c), ctx)
    case Pow(l, r) => function("pow", Seq(l, r), ctx)
    case Log1p(c) => function("log1p", Seq(c), ctx)
    // `log(x)` is `Logarithm(e, x)`, which Spark computes as `ln(x)`.
    case Logarithm(_: EulerNumber, x) => function("ln", Seq(x), ctx)
    case Logarithm(base, x) => function("logarithm", Seq(base, x), ctx)
    case Cbrt(c) => function("cbrt", Seq(c), ctx)
    case Asinh(c) => function("asinh", Seq(c), ctx)
    case Acosh(c) => function("acosh", Seq(c), ctx)
    case Atanh(c) => function("atanh", Seq(c), ctx)
    case Expm1(c) => function("expm1", Seq(c), ctx)
    case Sinh(c) => function("sinh", Seq(c), ctx)
    case Cosh(c) => function("cosh", Seq(c), ctx)
    case Tanh(c) => function("tanh", Seq(c), ctx)
    case Asin(c) => function("asin", Seq(c), ctx)
    case Acos(c) => function("acos", Seq(c), ctx)
    case Atan(c) => function("atan", Seq(c), ctx)
    case Atan2(y, x) => function("atan2", Seq(y, x), ctx)
    case Hypot(x, y) => function("hypot", Seq(x, y), ctx)
    // HotSpot computes java.lang.Math's sin, cos and tan with intrinsics whose last bits differ
    // from StrictMath's (fdlibm): native code cannot reproduce them.
    case _: Sin | _: Cos | _: Tan | _: Cot =>
      Left(s"`${e.prettyName}` is computed by the JVM's own intrinsic, which native code cannot match bit for bit")
    case UnscaledValue(c) => function("unscaled_value", Seq(c), ctx)
    case m: MakeDecimal =>
      if (!m.nullOnOverflow) Left("`make_decimal` in ANSI mode is not supported")
      else function("make_decimal", Seq(m.child, Literal(m.precision), Literal(m.scale)), ctx)
    case a: Abs =>
      if (a.failOnError) Left("`abs` in ANSI mode is not supported") else function("abs", Seq(a.child), ctx)
    case u: UnaryMinus =>
      if (u.failOnError) Left("`negative` in ANSI mode is not supported") else function("negate", Seq(u.child), ctx)
  }

  /**
   * Spark hashes a decimal wider than 18 digits through its unscaled BigInteger's bytes; the
   * native `hash` does too, `xxhash64` does not yet: there, those stay in Spark.
   */
  private def hash(name: String, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    args.find(a => name == "xxhash64" && a.dataType.isInstanceOf[DecimalType] &&
      a.dataType.asInstanceOf[DecimalType].precision > 18) match {
      case Some(a) => Left(s"`$name` of ${a.dataType.catalogString} is not supported")
      case None => function(name, args, ctx)
    }

  /** Functions of strings only: binary arguments (Spark's byte semantics) stay in Spark. */
  private def strings(name: String, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    args.find(_.dataType != StringType) match {
      case Some(a) => Left(s"`$name` of ${a.dataType.catalogString} is not supported")
      case None => function(name, args, ctx)
    }

  private def function(name: String, args: Seq[Expression], ctx: ExprContext): Either[String, proto.Expr] =
    ExprSerde.convertAll(args, ctx).map { converted =>
      val f = proto.ScalarFunction.newBuilder().setName(name)
      converted.foreach(f.addArgs)
      proto.Expr.newBuilder().setFunction(f).build()
    }
}
