package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, SparkTypes}

import org.apache.spark.sql.catalyst.InternalRow
import org.apache.spark.sql.catalyst.expressions.{Expression, GetStructField}
import org.apache.spark.sql.execution.ScalarSubquery
import org.apache.spark.sql.types.{DataType, StructType}

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/**
 * An uncorrelated scalar subquery: Spark computes it before the plan runs, and the plan carries
 * its value (`Plan.subqueries`), referred to by the subquery's id. Spark merges several scalar
 * subqueries over one table into one of a struct type and reads its fields: each field read is
 * a value of its own.
 */
object Subqueries extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case s: ScalarSubquery =>
      if (!SparkTypes.isScalar(s.dataType)) Left(s"a scalar subquery of type ${s.dataType.catalogString}")
      else Right(reference(s, None))
    case g @ GetStructField(s: ScalarSubquery, ordinal, _) =>
      if (!SparkTypes.isScalar(g.dataType)) Left(s"a scalar subquery's field of type ${g.dataType.catalogString}")
      else Right(reference(s, Some(ordinal)))
  }

  private def reference(s: ScalarSubquery, field: Option[Int]): proto.Expr = {
    val ref = proto.ScalarSubqueryRef.newBuilder().setId(s.exprId.id)
    field.foreach(ref.setField)
    proto.Expr.newBuilder().setScalarSubquery(ref).build()
  }

  /**
   * The values a plan carries for `s`, once it has run: its own, or each field of a struct
   * (those of types the native side takes; no other is referred to).
   */
  def values(s: ScalarSubquery): Seq[proto.SubqueryValue] = {
    def literal(v: Any, t: DataType) = SparkTypes.literal(v, t).fold(e => throw new IllegalStateException(e), identity)
    val value = s.eval()
    s.dataType match {
      case struct: StructType if !SparkTypes.isScalar(struct) =>
        val row = value.asInstanceOf[InternalRow]
        struct.fields.toSeq.zipWithIndex.filter(f => SparkTypes.isScalar(f._1.dataType)).map { case (f, i) =>
          val v = if (row == null || row.isNullAt(i)) null else row.get(i, f.dataType)
          proto.SubqueryValue.newBuilder().setId(s.exprId.id).setField(i).setValue(literal(v, f.dataType)).build()
        }
      case t => Seq(proto.SubqueryValue.newBuilder().setId(s.exprId.id).setValue(literal(value, t)).build())
    }
  }
}
