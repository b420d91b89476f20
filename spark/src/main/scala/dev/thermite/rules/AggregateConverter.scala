package dev.thermite.rules

import dev.thermite.exec.{ThermiteExec, ThermiteHashAggregateExec}
import dev.thermite.proto
import dev.thermite.proto.AggregateCall.Function
import dev.thermite.serde.{ExprContext, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions.{EvalMode, Expression}
import org.apache.spark.sql.catalyst.expressions.aggregate._
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.aggregate.HashAggregateExec
import org.apache.spark.sql.types.{DecimalType, DoubleType, FloatType, NumericType}

/**
 * `HashAggregateExec` in Partial, Final or Complete mode with count, sum, min, max, avg (sum
 * and avg of non-decimal numbers, in legacy mode; min and max of non-floating types; so also
 * bool_and/bool_or, which Spark rewrites to min/max), bit_and/or/xor, and the variance and
 * standard deviation family. Distinct, filtered and PartialMerge aggregates stay in Spark.
 */
object AggregateConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val agg = node.asInstanceOf[HashAggregateExec]
    val modes = agg.aggregateExpressions.map(_.mode).distinct
    val child = agg.child
    lazy val inputCtx = ExprContext(child.output)
    lazy val resultCtx =
      ExprContext(agg.groupingExpressions.map(_.toAttribute) ++ agg.aggregateAttributes)
    for {
      _ <- OperatorSerde.nativeOrRowChildren(agg)
      _ <- if (agg.aggregateExpressions.exists(_.isDistinct)) Left("distinct aggregates are not supported yet")
           else Right(())
      _ <- if (agg.aggregateExpressions.exists(_.filter.isDefined)) Left("aggregate FILTER is not supported yet")
           else Right(())
      mode <- modes match {
        case Seq() => Right(proto.Aggregate.Mode.COMPLETE) // grouping only: keys in, keys out
        case Seq(Partial) => Right(proto.Aggregate.Mode.PARTIAL)
        case Seq(Final) => Right(proto.Aggregate.Mode.FINAL)
        case Seq(Complete) => Right(proto.Aggregate.Mode.COMPLETE)
        case other => Left(s"aggregate mode ${other.mkString(", ")} is not supported")
      }
      calls <- convertAll(agg.aggregateExpressions.map(_.aggregateFunction), mode, inputCtx)
      grouping <- mode match {
        case proto.Aggregate.Mode.FINAL => finalKeys(agg)
        case _ => ExprSerde.convertAll(agg.groupingExpressions, inputCtx)
      }
      result <- mode match {
        case proto.Aggregate.Mode.PARTIAL => Right(Nil)
        case _ => ExprSerde.convertAll(agg.resultExpressions, resultCtx)
      }
    } yield {
      val b = proto.Aggregate.newBuilder().setMode(mode)
      grouping.foreach(b.addGrouping)
      calls.foreach(b.addCalls)
      result.foreach(b.addResult)
      ThermiteHashAggregateExec(agg, b.build(), child)
    }
  }

  /** A final aggregate's keys are its input's leading columns, as the partial wrote them. */
  private def finalKeys(agg: HashAggregateExec): Either[String, Seq[proto.Expr]] = {
    val keys = agg.groupingExpressions.map(_.toAttribute.exprId)
    if (agg.initialInputBufferOffset != keys.size || agg.child.output.take(keys.size).map(_.exprId) != keys) {
      Left("the final aggregate's input does not start with its grouping keys")
    } else {
      Right(keys.indices.map { i =>
        proto.Expr.newBuilder().setColumn(proto.ColumnRef.newBuilder().setIndex(i).setName(s"key_$i")).build()
      })
    }
  }

  private def convertAll(
      functions: Seq[AggregateFunction],
      mode: proto.Aggregate.Mode,
      ctx: ExprContext): Either[String, Seq[proto.AggregateCall]] = {
    val out = Seq.newBuilder[proto.AggregateCall]
    functions.foreach { f =>
      call(f, mode, ctx) match {
        case Right(c) => out += c
        case Left(why) => return Left(why)
      }
    }
    Right(out.result())
  }

  private def call(f: AggregateFunction, mode: proto.Aggregate.Mode, ctx: ExprContext)
      : Either[String, proto.AggregateCall] = {
    val floating = (e: Expression) => e.dataType == FloatType || e.dataType == DoubleType
    val numeric = (e: Expression) => e.dataType.isInstanceOf[NumericType] && !e.dataType.isInstanceOf[DecimalType]
    val (function, arg) = f match {
      case Count(Seq(arg)) => (Function.COUNT, arg)
      case s: Sum if s.evalMode == EvalMode.LEGACY && numeric(s.child) => (Function.SUM, s.child)
      case a: Average if a.evalMode == EvalMode.LEGACY && numeric(a.child) => (Function.AVG, a.child)
      // DataFusion's grouped min/max of floating point lets a later value replace a NaN and
      // starts from the type's finite minimum, so neither Spark's NaN-is-largest nor an
      // all-infinite group comes out right: those stay in Spark.
      case m: Min if !floating(m.child) => (Function.MIN, m.child)
      case m: Max if !floating(m.child) => (Function.MAX, m.child)
      case b: BitAndAgg => (Function.BIT_AND, b.child)
      case b: BitOrAgg => (Function.BIT_OR, b.child)
      case b: BitXorAgg => (Function.BIT_XOR, b.child)
      // With spark.sql.legacy.statisticalAggregate a single row gives NaN, not NULL: stays in Spark.
      case v: VarianceSamp if v.nullOnDivideByZero => (Function.VAR_SAMP, v.child)
      case v: VariancePop if v.nullOnDivideByZero => (Function.VAR_POP, v.child)
      case v: StddevSamp if v.nullOnDivideByZero => (Function.STDDEV_SAMP, v.child)
      case v: StddevPop if v.nullOnDivideByZero => (Function.STDDEV_POP, v.child)
      case other =>
        return Left(s"aggregate `${other.prettyName}` of ${other.children.map(_.dataType.catalogString).mkString(", ")}" +
          " is not supported")
    }
    for {
      argType <- SparkTypes.toProto(arg.dataType)
      argExpr <- if (mode == proto.Aggregate.Mode.FINAL) Right(None) else ExprSerde.convert(arg, ctx).map(Some(_))
    } yield {
      val b = proto.AggregateCall.newBuilder().setFunction(function).setArgType(argType)
      argExpr.foreach(b.setArg)
      b.build()
    }
  }
}
