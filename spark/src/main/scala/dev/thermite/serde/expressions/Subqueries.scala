package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, SparkTypes}

import org.apache.spark.sql.catalyst.expressions.Expression
import org.apache.spark.sql.execution.ScalarSubquery

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/**
 * An uncorrelated scalar subquery: Spark computes it before the plan runs, and the plan carries
 * its value (`Plan.subqueries`), referred to by the subquery's id.
 */
object Subqueries extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case s: ScalarSubquery =>
      if (!SparkTypes.isSupported(s.dataType)) Left(s"a scalar subquery of type ${s.dataType.catalogString}")
      else Right(proto.Expr.newBuilder().setScalarSubquery(proto.ScalarSubqueryRef.newBuilder().setId(s.exprId.id)).build())
  }
}
