package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde}

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.types.{IntegerType, StringType}

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
    case u: UnaryMinus =>
      if (u.failOnError) Left("`negative` in ANSI mode is not supported") else function("negate", Seq(u.child), ctx)
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
