package dev.thermite.rules

import dev.thermite.exec.DetachedChild.detach
import dev.thermite.exec.{ThermiteExec, ThermiteWindowExec}
import dev.thermite.proto
import dev.thermite.proto.WindowCall.Function
import dev.thermite.serde.{ExprContext, ExprSerde, SparkTypes}

import org.apache.spark.sql.catalyst.expressions.{Add, Alias, AttributeReference, Cast, CumeDist, CurrentRow, DenseRank, Divide, EvalMode, Expression, FrameLessOffsetWindowFunction, GreaterThan, If, IntegralDivide, LessThan, Literal, Multiply, NTile, NthValue, PercentRank, RangeFrame, Rank, Remainder, RowNumber, SpecifiedWindowFrame, Subtract, UnboundedFollowing, UnboundedPreceding, WindowExpression, WindowFrame}
import org.apache.spark.sql.catalyst.expressions.aggregate.{AggregateExpression, Average, Complete, Count, Sum}
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.window.{WindowExec, WindowGroupLimitExec}
import org.apache.spark.sql.types.{DataType, DecimalType, DoubleType, IntegerType, LongType}

/**
 * Spark's `WindowExec`: ranking functions, `lag`/`lead`, and aggregates over frames that start at
 * the partition's first row and end at the current row or the partition's last (Spark's frames
 * without an ORDER BY, with one, and ranking functions'). `percent_rank`, `cume_dist` and `ntile`
 * are computed from a rank or row number and counts over such frames, as Spark defines them.
 * Frames with offsets stay in Spark.
 */
object WindowConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val window = node.asInstanceOf[WindowExec]
    val ctx = OperatorSerde.exprContext(window)
    // Each window column is an expression over window functions' results (most often just one).
    val windowExprs = window.windowExpression.flatMap(_.collect { case w: WindowExpression => w }).distinct
    for {
      _ <- OperatorSerde.nativeOrRowChildren(window)
      partitionBy <- ExprSerde.convertKeys(window.partitionSpec, ctx)
      orderBy <- SortConverter.sortKeys(window.orderSpec, ctx)
      lowered <- sequence(windowExprs.map(lower(_, ctx)))
      calls = lowered.flatMap(_.calls)
      valueOf = windowExprs.zip(lowered.map(_.value)).toMap
      columns <- ExprSerde.convertAll(window.windowExpression.map {
        case a: Alias => a.child.transform { case w: WindowExpression => valueOf(w) }
        case other => other
      }, ExprContext(window.child.output ++ calls.map(_._2)))
    } yield {
      val b = proto.Window.newBuilder()
      partitionBy.foreach(b.addPartitionBy)
      orderBy.foreach(b.addOrderBy)
      calls.foreach(c => b.addCalls(c._1))
      columns.foreach(b.addResults)
      ThermiteWindowExec(detach(window), b.build(), window.child)
    }
  }

  /** A window function as native calls, each with the column of its result, and its value over them. */
  private case class Lowered(calls: Seq[(proto.WindowCall, AttributeReference)], value: Expression)

  private def lower(w: WindowExpression, ctx: ExprContext): Either[String, Lowered] = {
    def result(call: proto.WindowCall.Builder, dataType: DataType) =
      SparkTypes.scalarProto(dataType).map(t => (call.setResultType(t).build(), AttributeReference("window_call", dataType)()))
    def count(rangeToCurrentRow: Boolean) =
      AggregateConverter.completeCall(AggregateExpression(Count(Literal(1)), Complete, isDistinct = false), ctx)
        .flatMap { c =>
          result(proto.WindowCall.newBuilder().setFunction(Function.AGGREGATE).setAggregate(c)
            .setRangeFrame(rangeToCurrentRow).setToPartitionEnd(!rangeToCurrentRow), LongType)
        }
    // Values over the calls' results: small counts, computed in legacy mode whatever the session's.
    val legacy = EvalMode.LEGACY
    def double(e: Expression) = Cast(e, DoubleType, None, legacy)
    def minus(l: Expression, r: Expression) = Subtract(l, r, legacy)
    def plus(l: Expression, r: Expression) = Add(l, r, legacy)
    def div(l: Expression, r: Expression) = IntegralDivide(l, r, legacy)
    w.windowFunction match {
      // Spark's definitions (`PercentRank`, `CumeDist`, `NTile`), over the partition's size.
      case _: PercentRank =>
        for {
          rank <- result(proto.WindowCall.newBuilder().setFunction(Function.RANK), IntegerType)
          n <- count(rangeToCurrentRow = false)
        } yield Lowered(Seq(rank, n), If(GreaterThan(n._2, Literal(1L)),
          Divide(double(minus(rank._2, Literal(1))), double(minus(n._2, Literal(1L))), legacy), Literal(0.0d)))
      case _: CumeDist =>
        for {
          upToPeers <- count(rangeToCurrentRow = true)
          n <- count(rangeToCurrentRow = false)
        } yield Lowered(Seq(upToPeers, n), Divide(double(upToPeers._2), double(n._2), legacy))
      // The first n % k of the k buckets hold one row more than the others.
      case NTile(buckets) =>
        val k = Literal(buckets.eval().asInstanceOf[Int].toLong)
        for {
          rowNumber <- result(proto.WindowCall.newBuilder().setFunction(Function.ROW_NUMBER), IntegerType)
          n <- count(rangeToCurrentRow = false)
        } yield {
          val i = minus(Cast(rowNumber._2, LongType, None, legacy), Literal(1L))
          val (size, larger) = (div(n._2, k), Remainder(n._2, k, legacy))
          val inLarger = Multiply(larger, plus(size, Literal(1L)), legacy)
          val bucket = If(LessThan(i, inLarger), div(i, plus(size, Literal(1L))),
            plus(div(minus(i, inLarger), size), larger))
          Lowered(Seq(rowNumber, n), Cast(plus(bucket, Literal(1L)), IntegerType, None, legacy))
        }
      case f: FrameLessOffsetWindowFunction =>
        offset(f, ctx).flatMap(result(_, w.dataType)).map(c => Lowered(Seq(c), c._2))
      case f =>
        for {
          frame <- frame(w.windowSpec.frameSpecification)
          b <- callOf(f, ctx)
          c <- result(b.setRangeFrame(frame._1).setToPartitionEnd(frame._2), w.dataType)
        } yield Lowered(Seq(c), c._2)
    }
  }

  /** `lag`/`lead`: Spark's offset counts forward (lag's is negated); the default a constant. */
  private def offset(f: FrameLessOffsetWindowFunction, ctx: ExprContext): Either[String, proto.WindowCall.Builder] =
    f.offset.eval() match {
      case _ if f.ignoreNulls => Left(s"`${f.prettyName}` ignoring nulls is not supported")
      case _ if !f.default.foldable => Left(s"`${f.prettyName}` with a default that is not a constant is not supported")
      case n: Int =>
        for {
          arg <- ExprSerde.convertKey(f.input, ctx)
          value <- SparkTypes.literal(f.default.eval(), f.input.dataType)
        } yield proto.WindowCall.newBuilder().setFunction(Function.OFFSET).setArg(arg).setOffset(n).setDefaultValue(value)
      case other => Left(s"`${f.prettyName}` by $other rows is not supported")
    }

  /** (RANGE rather than ROWS, to the partition's end rather than the current row). */
  private def frame(frame: WindowFrame): Either[String, (Boolean, Boolean)] = frame match {
    case SpecifiedWindowFrame(kind, UnboundedPreceding, CurrentRow) => Right((kind == RangeFrame, false))
    case SpecifiedWindowFrame(kind, UnboundedPreceding, UnboundedFollowing) => Right((kind == RangeFrame, true))
    case other => Left(s"window frame `${other.sql}` is not supported")
  }

  private def callOf(function: Expression, ctx: ExprContext): Either[String, proto.WindowCall.Builder] = {
    def ranking(f: Function) = Right(proto.WindowCall.newBuilder().setFunction(f))
    function match {
      case _: RowNumber => ranking(Function.ROW_NUMBER)
      case _: Rank => ranking(Function.RANK)
      case _: DenseRank => ranking(Function.DENSE_RANK)
      // Spark's optimizer plans `first` over a frame from the partition's start as this.
      case NthValue(input, Literal(1, IntegerType), ignoreNulls) =>
        for {
          arg <- ExprSerde.convert(input, ctx)
          argType <- SparkTypes.scalarProto(input.dataType)
        } yield {
          val first = proto.AggregateCall.newBuilder().setFunction(proto.AggregateCall.Function.FIRST)
            .setArg(arg).setArgType(argType).setIgnoreNulls(ignoreNulls)
          proto.WindowCall.newBuilder().setFunction(Function.AGGREGATE).setAggregate(first)
        }
      case AggregateExpression(f @ (_: Sum | _: Average), _, _, _, _) if mayOverflowInBetween(f.children.head.dataType) =>
        Left(s"window function `${f.prettyName}` of ${f.children.head.dataType.catalogString}: Spark's window keeps " +
          "a running sum past its type's precision (only the result must fit), which is not supported")
      case e @ AggregateExpression(_, Complete, false, None, _) =>
        AggregateConverter.completeCall(e, ctx)
          .map(c => proto.WindowCall.newBuilder().setFunction(Function.AGGREGATE).setAggregate(c))
      case other => Left(s"window function `${other.prettyName}` is not supported")
    }
  }

  /**
   * Whether a decimal sum's running value can pass its type's precision before coming back: a sum
   * of decimal(p, s) is a decimal(p + 10, s), so only where p + 10 is capped at 38.
   */
  private def mayOverflowInBetween(t: DataType): Boolean = t match {
    case d: DecimalType => d.precision + 10 > DecimalType.MAX_PRECISION
    case _ => false
  }

  private def sequence[T](items: Seq[Either[String, T]]): Either[String, Seq[T]] =
    items.collectFirst { case Left(why) => why }.toLeft(items.collect { case Right(t) => t })
}

/** Spark's `WindowGroupLimitExec`: the window of its rank-like function, filtered by the limit. */
object WindowGroupLimitConverter extends OperatorConverter {
  override def convert(node: SparkPlan): Either[String, ThermiteExec] = {
    val limit = node.asInstanceOf[WindowGroupLimitExec]
    val ctx = OperatorSerde.exprContext(limit)
    val rank = limit.rankLikeFunction match {
      case _: RowNumber => Right(Function.ROW_NUMBER)
      case _: Rank => Right(Function.RANK)
      case _: DenseRank => Right(Function.DENSE_RANK)
      case other => Left(s"a window group limit on `${other.prettyName}` is not supported")
    }
    for {
      _ <- OperatorSerde.nativeOrRowChildren(limit)
      function <- rank
      partitionBy <- ExprSerde.convertKeys(limit.partitionSpec, ctx)
      orderBy <- SortConverter.sortKeys(limit.orderSpec, ctx)
      resultType <- SparkTypes.toProto(limit.rankLikeFunction.dataType)
    } yield {
      val call = proto.WindowCall.newBuilder().setFunction(function).setResultType(resultType)
      val b = proto.Window.newBuilder().addCalls(call).setGroupLimit(limit.limit)
      partitionBy.foreach(b.addPartitionBy)
      orderBy.foreach(b.addOrderBy)
      ThermiteWindowExec(detach(limit), b.build(), limit.child)
    }
  }
}
