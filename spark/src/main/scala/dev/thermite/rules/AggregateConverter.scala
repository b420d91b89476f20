package dev.thermite.rules

import dev.thermite.exec.DetachedChild.detach
import dev.thermite.exec.{ThermiteExec, ThermiteHashAggregateExec, ThermiteSortExec}
import dev.thermite.proto
import dev.thermite.proto.AggregateCall.Function
import dev.thermite.serde.{ExprContext, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions.{EvalMode, Expression}
import org.apache.spark.sql.catalyst.expressions.aggregate._
import org.apache.spark.sql.execution.{SortExec, SparkPlan}
import org.apache.spark.sql.execution.aggregate.{BaseAggregateExec, SortAggregateExec}
import org.apache.spark.sql.internal.SQLConf
import org.apache.spark.sql.types.{DecimalType, NumericType}

/**
 * `HashAggregateExec` (and `SortAggregateExec`, run as a hash aggregate) in every mode Spark
 * plans, with count, sum and avg of numbers in legacy mode, min and max (floating point in
 * Spark's order of NaN and -0.0; so also bool_and/bool_or, which Spark rewrites to min/max),
 * first/last, bit_and/or/xor and the variance and standard deviation family. PartialMerge calls
 * (alone or beside Partial ones, as Spark plans a distinct aggregate) merge their buffers.
 * Filtered aggregates stay in Spark.
 */
object AggregateConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val agg = node.asInstanceOf[BaseAggregateExec]
    val modes = agg.aggregateExpressions.map(_.mode).distinct
    // A sort aggregate's input was sorted for it alone: a hash aggregate reads it unsorted.
    val child = agg match {
      case _: SortAggregateExec => agg.child match {
        case s: ThermiteSortExec => s.child
        case s: SortExec => s.child
        case other => other
      }
      case _ => agg.child
    }
    lazy val inputCtx = ExprContext(child.output)
    lazy val resultCtx =
      ExprContext(agg.groupingExpressions.map(_.toAttribute) ++ agg.aggregateAttributes)
    for {
      _ <- OperatorSerde.nativeOrRowInputs(Seq(child))
      // Spark deduplicates below a distinct aggregate's Partial and Final stages; elsewhere it
      // would have to be done here.
      _ <- if (agg.aggregateExpressions.exists(e => e.isDistinct && e.mode != Partial && e.mode != Final)) {
             Left("distinct aggregates outside Spark's partial/final stages are not supported")
           } else Right(())
      // Spark's answer then depends on how its sort orders rows with equal keys.
      _ <- agg match {
        case _: SortAggregateExec if agg.aggregateExpressions.exists(e => e.aggregateFunction.isInstanceOf[First] ||
            e.aggregateFunction.isInstanceOf[Last]) =>
          Left("`first`/`last` in a sort aggregate follow the order of Spark's sort, which a hash aggregate does not")
        case _ => Right(())
      }
      mode <- modes match {
        case Seq() => Right(proto.Aggregate.Mode.COMPLETE) // grouping only: keys in, keys out
        case merging if merging.forall(m => m == Partial || m == PartialMerge) => Right(proto.Aggregate.Mode.PARTIAL)
        case Seq(Final) => Right(proto.Aggregate.Mode.FINAL)
        case Seq(Complete) => Right(proto.Aggregate.Mode.COMPLETE)
        case other => Left(s"aggregate mode ${other.mkString(", ")} is not supported")
      }
      calls <- convertAll(agg.aggregateExpressions, mode, inputCtx)
      grouping <- mode match {
        case proto.Aggregate.Mode.FINAL => finalKeys(agg, child)
        case _ => ExprSerde.convertKeys(agg.groupingExpressions, inputCtx)
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
      val native = ThermiteHashAggregateExec(detach(agg), b.build(), child)
      agg match {
        case sortAgg: SortAggregateExec if sortAgg.outputOrdering.nonEmpty => sortedByKeys(sortAgg, native)
        case _ => native
      }
    }
  }

  /** Restores the order a sort aggregate promises, sorting the (fewer) aggregated rows. */
  private def sortedByKeys(agg: SortAggregateExec, native: ThermiteHashAggregateExec): ThermiteExec = {
    val sort = SortExec(agg.outputOrdering, global = false, child = native)
    SortConverter.sortKeys(sort.sortOrder, ExprContext(native.output)) match {
      case Right(keys) => ThermiteSortExec(detach(sort), keys, native)
      case Left(why) => throw new IllegalStateException(s"the keys of a converted aggregate: $why")
    }
  }

  /** A final aggregate's keys are its input's leading columns, as the partial wrote them. */
  private def finalKeys(agg: BaseAggregateExec, child: SparkPlan): Either[String, Seq[proto.Expr]] = {
    val keys = agg.groupingExpressions.map(_.toAttribute.exprId)
    if (agg.groupingExpressions.exists(k => SparkTypes.isNested(k.dataType))) {
      Left("a grouping key of a nested type is not supported")
    } else if (agg.initialInputBufferOffset != keys.size || child.output.take(keys.size).map(_.exprId) != keys) {
      Left("the final aggregate's input does not start with its grouping keys")
    } else {
      Right(keys.indices.map { i =>
        proto.Expr.newBuilder().setColumn(proto.ColumnRef.newBuilder().setIndex(i).setName(s"key_$i")).build()
      })
    }
  }

  private def convertAll(
      exprs: Seq[AggregateExpression],
      mode: proto.Aggregate.Mode,
      ctx: ExprContext): Either[String, Seq[proto.AggregateCall]] = {
    val out = Seq.newBuilder[proto.AggregateCall]
    exprs.foreach { e =>
      call(e, mode, ctx) match {
        case Right(c) => out += c
        case Left(why) => return Left(why)
      }
    }
    Right(out.result())
  }

  /** `e` computed whole over its input (a window's aggregate). */
  def completeCall(e: AggregateExpression, ctx: ExprContext): Either[String, proto.AggregateCall] =
    if (e.filter.isDefined) Left("a window aggregate with FILTER is not supported")
    else call(e, proto.Aggregate.Mode.COMPLETE, ctx)

  private def call(e: AggregateExpression, mode: proto.Aggregate.Mode, ctx: ExprContext)
      : Either[String, proto.AggregateCall] = {
    val f = e.aggregateFunction
    val numeric = (e: Expression) => e.dataType.isInstanceOf[NumericType]
    // The native average divides in Spark's default decimal result types.
    val averageable = (e: Expression) =>
      numeric(e) && (!e.dataType.isInstanceOf[DecimalType] || SQLConf.get.decimalOperationsAllowPrecisionLoss)
    val (function, arg) = f match {
      case Count(Seq(arg)) => (Function.COUNT, arg)
      case s: Sum if s.evalMode == EvalMode.LEGACY && numeric(s.child) => (Function.SUM, s.child)
      case a: Average if a.evalMode == EvalMode.LEGACY && averageable(a.child) => (Function.AVG, a.child)
      case m: Min => (Function.MIN, m.child)
      case m: Max => (Function.MAX, m.child)
      case f: First => (Function.FIRST, f.child)
      case l: Last => (Function.LAST, l.child)
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
      argType <- SparkTypes.scalarProto(arg.dataType)
      argExpr <- if (mode == proto.Aggregate.Mode.FINAL || e.mode == PartialMerge) Right(None)
                 else ExprSerde.convert(arg, ctx).map(Some(_))
      // PartialMerge: the input carries this call's buffer (found by its attributes).
      buffer <- if (e.mode == PartialMerge) ExprSerde.convertAll(f.inputAggBufferAttributes, ctx) else Right(Nil)
      // Spark applies FILTER where the call reads its input rows: Partial and Complete.
      filter <- e.filter match {
        case Some(p) if argExpr.isDefined => ExprSerde.convert(p, ctx).map(Some(_))
        case _ => Right(None)
      }
    } yield {
      val b = proto.AggregateCall.newBuilder().setFunction(function).setArgType(argType)
        .setIgnoreNulls(f match {
          case first: First => first.ignoreNulls
          case last: Last => last.ignoreNulls
          case _ => false
        })
      argExpr.foreach(b.setArg)
      buffer.foreach(b.addBuffer)
      filter.foreach(b.setFilter)
      b.build()
    }
  }
}
