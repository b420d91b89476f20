package dev.thermite.serde.expressions

import dev.thermite.proto
import dev.thermite.serde.{ExprContext, ExprConverter, ExprSerde}

import org.apache.spark.sql.catalyst.expressions._

// Catalyst has expressions named Left and Right; these are Either's.
import scala.util.{Left, Right}

/** CASE WHEN, IF (a one-branch CASE) and COALESCE. */
object Conditionals extends ExprConverter {
  override def convert(e: Expression, ctx: ExprContext): Either[String, proto.Expr] = e match {
    case CaseWhen(branches, elseValue) => caseWhen(branches, elseValue, ctx)
    case If(predicate, whenTrue, whenFalse) => caseWhen(Seq(predicate -> whenTrue), Some(whenFalse), ctx)
    case Coalesce(children) =>
      ExprSerde.convertAll(children, ctx).map { cs =>
        val b = proto.Coalesce.newBuilder()
        cs.foreach(b.addChildren)
        proto.Expr.newBuilder().setCoalesce(b).build()
      }
  }

  private def caseWhen(
      branches: Seq[(Expression, Expression)],
      elseValue: Option[Expression],
      ctx: ExprContext): Either[String, proto.Expr] = {
    for {
      whens <- ExprSerde.convertAll(branches.map(_._1), ctx)
      thens <- ExprSerde.convertAll(branches.map(_._2), ctx)
      otherwise <- elseValue.map(ExprSerde.convert(_, ctx).map(Some(_))).getOrElse(Right(None))
    } yield {
      val b = proto.CaseWhen.newBuilder()
      whens.foreach(b.addWhen)
      thens.foreach(b.addThen)
      otherwise.foreach(b.setOtherwise)
      proto.Expr.newBuilder().setCaseWhen(b).build()
    }
  }
}
