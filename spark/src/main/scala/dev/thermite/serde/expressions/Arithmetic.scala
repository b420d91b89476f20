package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.proto.Binary.Op
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions._

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}
import org.apache.spark.sql.types.{DecimalType, NumericType}

/** `+ - * / %` in Spark's legacy (non-ANSI) mode; ANSI and TRY stay in Spark for now. */
object Arithmetic extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = {
    val (op, mode) = e match {
      case a: Add => (Op.ADD, a.evalMode)
      case s: Subtract => (Op.SUBTRACT, s.evalMode)
      case m: Multiply => (Op.MULTIPLY, m.evalMode)
      case d: Divide => (Op.DIVIDE, d.evalMode)
      case r: Remainder => (Op.REMAINDER, r.evalMode)
    }
    val b = e.asInstanceOf[BinaryArithmetic]
    if (mode != EvalMode.LEGACY) {
      Left(s"`${e.prettyName}` in $mode mode is not supported")
    } else if (!b.dataType.isInstanceOf[NumericType]) {
      Left(s"`${e.prettyName}` on ${b.dataType.catalogString} is not supported")
    } else {
      Binaries.binary(op, b.left, b.right, ctx, Some(b.dataType))
    }
  }
}

/** Shared by the families that build proto `Binary` nodes. */
object Binaries {
  def binary(
      op: Op,
      left: Expression,
      right: Expression,
      ctx: ExprContext,
      resultType: Option[org.apache.spark.sql.types.DataType] = None): Either[String, proto.Expr] = {
    for {
      l <- ExprSerde.convert(left, ctx)
      r <- ExprSerde.convert(right, ctx)
      t <- resultType.map(SparkTypes.toProto(_).map(Some(_))).getOrElse(Right(None))
    } yield {
      val b = proto.Binary.newBuilder().setOp(op).setLeft(l).setRight(r)
      t.foreach(b.setResultType)
      proto.Expr.newBuilder().setBinary(b).build()
    }
  }
}
