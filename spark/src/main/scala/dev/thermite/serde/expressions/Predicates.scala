package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.proto.Binary.Op
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.catalyst.optimizer.NormalizeNaNAndZero

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** AND, OR, NOT, IS [NOT] NULL, IN and INSET, and float normalization (for grouping keys). */
object Predicates extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case And(l, r) => Binaries.binary(Op.AND, l, r, ctx)
    case Or(l, r) => Binaries.binary(Op.OR, l, r, ctx)
    case Not(c) => unary(proto.Unary.Op.NOT, c, ctx)
    case IsNull(c) => unary(proto.Unary.Op.IS_NULL, c, ctx)
    case IsNotNull(c) => unary(proto.Unary.Op.IS_NOT_NULL, c, ctx)
    case NormalizeNaNAndZero(c) => unary(proto.Unary.Op.NORMALIZE_FLOAT, c, ctx)
    case KnownFloatingPointNormalized(c) => ExprSerde.convert(c, ctx)
    case In(value, list) =>
      if (list.exists(_.dataType != value.dataType)) Left("`in` with items of another type than its value")
      else for {
        v <- ExprSerde.convert(value, ctx)
        items <- ExprSerde.convertAll(list, ctx)
      } yield in(v, items)
    case InSet(value, set) =>
      val items = set.toSeq.map(SparkTypes.literal(_, value.dataType))
      items.collectFirst { case Left(why) => why } match {
        case Some(why) => Left(why)
        case None => ExprSerde.convert(value, ctx).map { v =>
          in(v, items.collect { case Right(l) => proto.Expr.newBuilder().setLiteral(l).build() })
        }
      }
  }

  def unary(op: proto.Unary.Op, child: Expression, ctx: ExprContext): Either[String, proto.Expr] =
    ExprSerde.convert(child, ctx).map { c =>
      proto.Expr.newBuilder().setUnary(proto.Unary.newBuilder().setOp(op).setChild(c)).build()
    }

  private def in(value: proto.Expr, items: Seq[proto.Expr]): proto.Expr = {
    val b = proto.In.newBuilder().setValue(value)
    items.foreach(b.addList)
    proto.Expr.newBuilder().setIn(b).build()
  }
}
