package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions._

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** Column references, literals and aliases (an alias only names its child). */
object Leaves extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case a: AttributeReference =>
      val index = ctx.input.indexWhere(_.exprId == a.exprId)
      if (index < 0) Left(s"column `${a.name}` is not in the operator's input")
      else Right(column(index, a.name))
    case b: BoundReference => Right(column(b.ordinal, s"input[${b.ordinal}]"))
    case l: Literal => SparkTypes.literal(l.value, l.dataType).map(v => proto.Expr.newBuilder().setLiteral(v).build())
    case a: Alias => ExprSerde.convert(a.child, ctx)
  }

  private def column(index: Int, name: String): proto.Expr =
    proto.Expr.newBuilder().setColumn(proto.ColumnRef.newBuilder().setIndex(index).setName(name)).build()
}
