package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions._
import org.apache.spark.sql.catalyst.util.ArrayData
import org.apache.spark.sql.types.{ArrayType, StructType}

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
    case l: Literal if l.value != null && SparkTypes.isNested(l.dataType) => nestedLiteral(l, ctx)
    case l: Literal => SparkTypes.literal(l.value, l.dataType).map(v => proto.Expr.newBuilder().setLiteral(v).build())
    case a: Alias => ExprSerde.convert(a.child, ctx)
  }

  /**
   * A constant array or struct (Spark folds `array(1, 2)` into one) built natively from its
   * elements' literals, as the expression it was folded from.
   */
  private def nestedLiteral(l: Literal, ctx: ExprContext): Either[String, proto.Expr] = (l.value, l.dataType) match {
    case (a: ArrayData, ArrayType(element, _)) if a.numElements() > 0 =>
      ExprSerde.convert(CreateArray(a.toSeq[Any](element).map(v => Literal(v, element))), ctx)
    case (r: InternalRow, s: StructType) =>
      val fields = s.fields.toSeq.zipWithIndex.map { case (f, i) =>
        f.name -> Literal(if (r.isNullAt(i)) null else r.get(i, f.dataType), f.dataType)
      }
      ExprSerde.convert(Collections.namedStruct(fields), ctx)
    case _ => Left(s"a literal of type ${l.dataType.catalogString}")
  }

  private def column(index: Int, name: String): proto.Expr =
    proto.Expr.newBuilder().setColumn(proto.ColumnRef.newBuilder().setIndex(index).setName(name)).build()
}
